"""The evidence workbook read back as Excel shows it: formats, headers, tables, shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.report import evidence, workbook

PROVENANCE = {"run_id": "r1", "code_version": "0.1.0", "data_hash": "f" * 64}


def rows() -> pd.DataFrame:
    """Two forces' findings with real measure codes: a rate, days, a count, a rating."""
    one = pd.DataFrame(
        {
            "period": ["2023/24"] * 6,
            "pillar": [
                "suspect_focus",
                "suspect_focus",
                "data_performance",
                "suspect_focus",
                "repeat_suspects",
                "victim_engagement",
            ],
            "measure": [
                "charge_rate",
                "median_days_to_charge",
                "recorded_crimes",
                "self_maturity",
                "self_maturity",
                "outcome_16_share",
            ],
            "definition": ["charged / recorded " * 8, "median days", "count", "m", "m", "o16"],
            "basis": ["cohort", "activity", "recorded", "assessment", "assessment", "cohort"],
            "unit": ["proportion", "days", "count", "rating", "rating", "proportion"],
            "value": [0.4429530201342282, 381.5, 1234.0, 2.5, 3.0, np.nan],
            "ci_low": [0.40, 350.0, np.nan, np.nan, np.nan, np.nan],
            "ci_high": [0.49, 400.0, np.nan, np.nan, np.nan, np.nan],
            "numerator": [660, pd.NA, 1234, pd.NA, pd.NA, pd.NA],
            "denominator": [1490, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
            "comparator_value": [0.04, 400.0, np.nan, np.nan, np.nan, 0.3],
            "comparator_area": ["England and Wales", "North East", None, None, None, "Wales"],
            "funnel_position": ["above998", None, None, None, None, None],
            "spc_signal": [None] * 6,
            "finding": ["Higher than national."] * 6,
            "suppressed": [False, False, False, False, False, True],
            "suppression_reason": [None, None, None, None, None, "count below 10"],
        }
    )
    frames = [one.assign(force=f, **PROVENANCE) for f in ("Gwent", "Durham")]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def book(root: Path) -> openpyxl.Workbook:
    written = evidence.write_evidence(rows(), root / "evidence", generated="2024-07-01 10:00")
    return openpyxl.load_workbook(written["xlsx"])


def _header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def _cell(sheet, row: int, header: str):
    return sheet.cell(row=row, column=_header(sheet).index(header) + 1)


def test_headers_are_words_bold_frozen_and_tables_filter(book) -> None:
    for name in ["Findings", "Force by measure", "Suspect focus"]:
        sheet = book[name]
        assert all(c.font.bold for c in sheet[1]), name
        assert sheet.freeze_panes in ("E2", "B2"), name
        (table,) = sheet.tables.values()
        assert table.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert table.autoFilter is not None
    header = _header(book["Findings"])
    assert header[:5] == ["Force", "Period", "Pillar", "Measure", "Value"]
    assert not any("_" in h for h in header)
    assert book["Findings"].freeze_panes == "E2"


def test_codes_become_labels_and_codes_are_kept_for_joins(book) -> None:
    sheet = book["Findings"]
    first = 2  # rows in the order of the evidence base
    assert _cell(sheet, first, "Force").value == "Gwent"
    assert _cell(sheet, first, "Measure").value == "Charge rate (naive)"
    assert _cell(sheet, first, "Measure code").value == "charge_rate"
    assert _cell(sheet, first, "Pillar").value == "Suspect focus"
    assert _cell(sheet, first, "Funnel position").value == "Above the 99.8% limit"
    assert _cell(sheet, first, "Unit").value == "Percentage"
    assert _cell(sheet, first + 1, "Funnel position").value == "Not placed on a funnel"


def test_numbers_carry_the_format_of_their_unit(book) -> None:
    sheet = book["Findings"]
    formats = {}
    for r in range(2, sheet.max_row + 1):
        formats[_cell(sheet, r, "Measure code").value] = (
            _cell(sheet, r, "Value").number_format,
            _cell(sheet, r, "Numerator").number_format,
        )
    assert formats["charge_rate"] == ("0.0%", "#,##0")
    assert formats["median_days_to_charge"][0] == "#,##0"
    assert formats["recorded_crimes"][0] == "#,##0"
    assert formats["self_maturity"][0] == "0.0"
    value = _cell(sheet, 2, "Value")
    assert value.value == pytest.approx(0.4429530201342282)  # the full value is kept
    assert _cell(sheet, 2, "Definition").alignment.wrap_text
    assert sheet.column_dimensions[_cell(sheet, 2, "Definition").column_letter].width >= 40


def test_wide_sheet_has_a_row_per_force_and_a_column_per_measure(book) -> None:
    sheet = book["Force by measure"]
    header = _header(sheet)
    assert header[:3] == ["Force", "Region", "Period"]
    assert "Charge rate (naive), %" in header
    assert "Median days from recording to charge, days" in header
    assert "Crimes recorded, n" in header
    # a measure that appears under two pillars gets one column per pillar
    assert "Self-assessed maturity: Suspect focus, rating" in header
    assert "Self-assessed maturity: Repeat suspects, rating" in header
    assert header.index("Charge rate (naive), %") < header.index("Crimes recorded, n")
    table = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert list(table) == ["Durham", "Gwent"] and table["Gwent"]["Region"] == "Wales"
    assert table["Durham"]["Charge rate (naive), %"] == pytest.approx(0.4429530201342282)
    assert table["Durham"]["Victim does not support (16), %"] is None  # withheld: empty
    rate = _cell(sheet, 2, "Charge rate (naive), %")
    assert rate.number_format == "0.0%"
    assert _cell(sheet, 2, "Crimes recorded, n").number_format == "#,##0"


def test_about_sheet_explains_sheets_figures_and_positions(book) -> None:
    about = book["About"]
    assert _header(about) == ["Section", "Item", "Text"]
    items = {(r[0], r[1]): r[2] for r in about.iter_rows(min_row=2, values_only=True)}
    assert ("sheet", "Force by measure") in items and ("sheet", "Findings") in items
    assert ("funnel position", "Above the 99.8% limit") in items
    assert items[("about", "title")].startswith("Operation Soteria")
    assert about["C2"].alignment.wrap_text


def test_empty_pillar_sheet_has_headers_and_no_table(book) -> None:
    sheet = book[workbook.pillar_sheet_name("digital_forensics")]
    assert sheet.max_row == 1 and not sheet.tables
    assert _header(sheet) == _header(book["Findings"])


def test_sheet_names_fit_excel() -> None:
    names = [workbook.pillar_sheet_name(s) for s in reference.pillar_slugs()]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len(set(names)) == len(names)


def test_the_disclosure_audit_passes_on_the_workbook(root: Path) -> None:
    from soteria_research.disclosure.audit import audit_file

    written = evidence.write_evidence(rows(), root / "evidence", generated="2024-07-01 10:00")
    problems, sheets = audit_file(written["xlsx"])
    assert sheets == 9 and problems == []
