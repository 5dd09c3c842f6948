"""Every kind of planted defect is in the files where ``defects.json`` says it is."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soteria_research import normalise, reference
from soteria_research.errors import UnknownValueError

from .support import LAYOUT_FORCES, code, date_formats, parse_date, read_force

IDS = {row.name: row.police_uk_id for row in reference.forces().itertuples()}
KINDS = [
    "duplicate",
    "error_string",
    "outcome_before_recording",
    "charge_before_report",
    "reported_before_committed",
    "unknown_outcome",
    "unknown_offence",
    "code_case_whitespace",
    "mixed_date_format",
]


def _load(small_dir: Path, force: str) -> tuple[dict, pd.DataFrame, dict]:
    folder = small_dir / IDS[force]
    mapping, rows = read_force(folder)
    defects = json.loads((folder / "defects.json").read_text(encoding="utf-8"))
    return mapping, rows.set_index(["_file", "_row"]), defects


def _entries(small_dir: Path, kind: str):
    for force in LAYOUT_FORCES:
        mapping, rows, defects = _load(small_dir, force)
        for entry in defects["defects"][kind]["rows"]:
            yield mapping, rows, entry


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_present_and_rare(small_dir: Path, kind: str) -> None:
    counts = total = 0
    for force in LAYOUT_FORCES:
        _, rows, defects = _load(small_dir, force)
        counts += defects["defects"][kind]["count"]
        total += len(rows)
        assert defects["defects"][kind]["count"] == len(defects["defects"][kind]["rows"])
    assert counts >= 1
    assert counts / total < 0.01


def test_duplicates_are_exact_copies_of_an_earlier_row(small_dir: Path) -> None:
    for _, rows, entry in _entries(small_dir, "duplicate"):
        assert entry["duplicate_of_row"] < entry["row"]
        copy = rows.loc[(entry["file"], entry["row"])]
        original = rows.loc[(entry["file"], entry["duplicate_of_row"])]
        assert copy.tolist() == original.tolist()


def test_error_strings_sit_in_their_cells(small_dir: Path) -> None:
    values = set()
    for mapping, rows, entry in _entries(small_dir, "error_string"):
        cell = rows.loc[(entry["file"], entry["row"]), entry["column"]]
        if entry["file"].endswith(".xlsx"):  # #N/A, #VALUE! are error cells, read as missing
            spec = mapping["files"][0]
            sheet = openpyxl.load_workbook(next(small_dir.glob(f"*/{entry['file']}")))[
                spec["sheet"]
            ]
            header = [c.value for c in sheet[spec["header_row"]]]
            cell = sheet.cell(entry["row"], header.index(entry["column"]) + 1).value
        assert cell == entry["value"]
        assert entry["value"] in mapping["missing_values"]
        assert mapping["columns"][entry["field"]] == entry["column"]
        values.add(entry["value"])
    assert values == {"#VALUE!", "#N/A", "NULL"}


def _date(mapping: dict, row: pd.Series, field: str):
    return parse_date(row[mapping["columns"][field]], date_formats(mapping, field))


@pytest.mark.parametrize(
    ("kind", "later", "earlier"),
    [
        ("outcome_before_recording", "recorded_date", "outcome_date"),
        ("charge_before_report", "reported_date", "outcome_date"),
        ("reported_before_committed", "committed_date", "reported_date"),
    ],
)
def test_impossible_dates(small_dir: Path, kind: str, later: str, earlier: str) -> None:
    for mapping, rows, entry in _entries(small_dir, kind):
        row = rows.loc[(entry["file"], entry["row"])]
        assert _date(mapping, row, earlier) < _date(mapping, row, later)
        if kind == "charge_before_report":
            outcome = code(mapping, "outcome", row[mapping["columns"]["outcome"]])
            assert normalise.outcome(outcome).type == 1


@pytest.mark.parametrize(
    ("kind", "field"), [("unknown_outcome", "outcome"), ("unknown_offence", "offence")]
)
def test_unknown_codes_are_declared_nowhere(small_dir: Path, kind: str, field: str) -> None:
    check = normalise.outcome if field == "outcome" else normalise.offence_code
    for mapping, rows, entry in _entries(small_dir, kind):
        value = rows.loc[(entry["file"], entry["row"]), mapping["columns"][field]]
        declared = {str(k).casefold() for k in mapping["codes"].get(field, {})}
        assert str(value).strip().casefold() not in declared
        with pytest.raises(UnknownValueError):
            check(value)


def test_codes_differ_only_in_case_and_spaces(small_dir: Path) -> None:
    kinds = {
        "victim_sex": "sex",
        "arrested": "yes_no",
        "isva_referred": "yes_no",
        "relationship": "relationship",
    }
    for mapping, rows, entry in _entries(small_dir, "code_case_whitespace"):
        value = rows.loc[(entry["file"], entry["row"]), entry["column"]]
        declared = [str(k) for k in mapping["codes"][kinds[entry["field"]]]]
        assert value not in declared
        assert value.strip().casefold() in {d.casefold() for d in declared}


def test_some_text_dates_are_spreadsheet_serials(small_dir: Path) -> None:
    seen = 0
    for mapping, rows, entry in _entries(small_dir, "mixed_date_format"):
        value = rows.loc[(entry["file"], entry["row"]), entry["column"]]
        assert value.isdigit()
        assert "excel_serial" in mapping["dates"]["formats"]
        assert parse_date(value, ["excel_serial"]).year >= 1990
        seen += 1
    assert seen
