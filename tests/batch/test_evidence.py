"""The evidence base: its schema, saving, gathering and publishing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from soteria_research import files, reference
from soteria_research.errors import DataError
from soteria_research.reference import vocabulary
from soteria_research.release.evidence_schema import COLUMNS
from soteria_research.report import evidence

PROVENANCE = {"run_id": "r1", "code_version": "0.1.0 (source abcd1234)", "data_hash": "f" * 64}


def findings(force: str | None = None) -> pd.DataFrame:
    """Three findings as the force notebook has them after disclosure control."""
    frame = pd.DataFrame(
        {
            "period": ["2023/24"] * 3,
            "pillar": ["suspect_focus", "victim_engagement", "digital_forensics"],
            "measure": ["charge rate", "outcome 16 share", "device return days"],
            "definition": ["charged / recorded", "outcome 16 / outcomes", "median days"],
            "basis": ["cohort", "activity", None],
            "value": [0.05, np.nan, 41.0],
            "ci_low": [0.03, np.nan, 35.0],
            "ci_high": [0.08, np.nan, 50.0],
            "numerator": [25, pd.NA, pd.NA],
            "denominator": [500, pd.NA, pd.NA],
            "comparator_value": [0.04, 0.4, 60.0],
            "comparator_area": ["England and Wales"] * 3,
            "funnel_position": ["within", "NA", None],
            "spc_signal": [None, None, "run of 7 below the mean"],
            "finding": ["The charge rate is within the limits.", "Suppressed.", "Faster."],
            "suppressed": [False, True, False],
            "suppression_reason": [None, "count below 10", None],
        }
    )
    return frame if force is None else frame.assign(force=force)


def evidence_rows(force: str = "Durham") -> pd.DataFrame:
    return findings(force).assign(**PROVENANCE)


def test_save_findings_adds_provenance(root: Path) -> None:
    given = findings()
    kept = given.copy()
    path = evidence.save_findings(given, "durham", **PROVENANCE)
    pd.testing.assert_frame_equal(given, kept)  # the input is not changed
    assert path == root / "reports" / "findings" / "durham.parquet"
    saved = pd.read_parquet(path)
    assert list(saved.columns) == COLUMNS
    assert set(saved["force"]) == {"Durham"}
    assert set(saved["run_id"]) == {"r1"} and set(saved["data_hash"]) == {"f" * 64}
    assert saved["funnel_position"].isna().tolist() == [False, True, True]
    assert str(saved["numerator"].dtype) == "Int64"


def test_save_findings_default_provenance(root: Path) -> None:
    from soteria_research import digests

    (root / "data" / "processed" / "durham").mkdir(parents=True)
    (root / "data" / "processed" / "durham" / "cases.parquet").write_bytes(b"cases")
    path = evidence.save_findings(findings(), "Durham", "r1", out_dir=root / "staging")
    saved = pd.read_parquet(path)
    assert path.parent == root / "staging"
    assert set(saved["data_hash"]) == {digests.force_data_digest("durham")}
    assert saved["code_version"].iloc[0].startswith("0.")


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"pillar": ["suspect_focus", "victim_engagement", "wellbeing"]}, "pillar"),
        ({"funnel_position": ["within", "above 95", None]}, "funnel_position"),
        ({"numerator": [-1, pd.NA, pd.NA]}, "numerator"),
        ({"ci_high": [0.04, np.nan, 50.0]}, "ci_low <= value <= ci_high"),
        ({"value": [0.05, 3.0, 41.0]}, "suppressed rows carry no value"),
        ({"suppression_reason": [None, None, None]}, "suppression_reason"),
        ({"finding": ["two\nlines", "x", "y"]}, "one line"),
        (
            {
                "pillar": ["suspect_focus"] * 3,
                "measure": ["charge rate"] * 3,
                "basis": ["cohort"] * 3,
            },
            "unique",
        ),
    ],
)
def test_bad_findings_are_refused(root: Path, change: dict, column: str) -> None:
    with pytest.raises(DataError, match="evidence schema") as err:
        evidence.save_findings(findings().assign(**change), "Durham", **PROVENANCE)
    assert column in str(err.value)
    assert not (root / "reports" / "findings" / "durham.parquet").exists()


def test_refused_findings_do_not_echo_withheld_figures(root: Path) -> None:
    bad = findings().assign(value=[0.05, 7.123456, 41.0])  # a withheld figure left in
    with pytest.raises(DataError) as err:
        evidence.save_findings(bad, "Durham", **PROVENANCE)
    assert "7.12" not in str(err.value) and "rows [1]" in str(err.value)


def test_columns_must_be_exactly_the_schema(root: Path) -> None:
    with pytest.raises(DataError, match="not allowed: notes"):
        evidence.save_findings(findings().assign(notes=""), "Durham", **PROVENANCE)
    with pytest.raises(DataError, match="Missing: basis"):
        evidence.save_findings(findings().drop(columns="basis"), "Durham", **PROVENANCE)


def test_unit_and_reason_are_kept_when_given(root: Path) -> None:
    given = findings().assign(unit=["proportion", "proportion", "days"], reason=[None, None, "x"])
    saved = pd.read_parquet(evidence.save_findings(given, "Durham", **PROVENANCE))
    assert saved["unit"].tolist() == ["proportion", "proportion", "days"]
    assert saved["reason"].isna().tolist() == [True, True, False]


def test_rows_of_another_force_are_refused(root: Path) -> None:
    with pytest.raises(DataError, match="other forces: Gwent"):
        evidence.save_findings(findings("Gwent"), "Durham", **PROVENANCE)


def test_gather_orders_forces_and_pillars(root: Path) -> None:
    folder = root / "findings"
    for force in ("Gwent", "Durham"):
        evidence.save_findings(findings().iloc[::-1], force, **PROVENANCE, out_dir=folder)
    files.temp_path(folder / "cleveland.parquet").write_bytes(b"half written")
    gathered = evidence.gather_findings(folder)
    assert gathered["force"].unique().tolist() == ["Durham", "Gwent"]  # reference order
    order = reference.pillar_slugs()
    pillars = gathered.loc[gathered["force"] == "Durham", "pillar"].map(order.index)
    assert pillars.is_monotonic_increasing


def test_gather_without_findings_says_what_to_do(root: Path) -> None:
    with pytest.raises(DataError, match="soteria reports"):
        evidence.gather_findings(root / "empty")


def test_write_evidence_formats_and_sheets(root: Path) -> None:
    rows = pd.concat([evidence_rows("Durham"), evidence_rows("Gwent")], ignore_index=True)
    rows.loc[0, "finding"] = "=HYPERLINK(1)"  # text, never a formula in the workbook
    written = evidence.write_evidence(rows, root / "evidence", generated="2024-07-01 10:00")
    assert {p.name for p in written.values()} == {
        "evidence_base.parquet",
        "evidence_base.csv",
        "evidence_base.xlsx",
    }
    assert len(pd.read_parquet(written["parquet"])) == 6
    assert len(pd.read_csv(written["csv"])) == 6
    book = openpyxl.load_workbook(written["xlsx"])
    sheets = [evidence.pillar_sheet_name(s) for s in reference.pillar_slugs()]
    assert book.sheetnames == ["About", "Findings", "Force by measure", *sheets]
    for slug in reference.pillar_slugs():
        sheet = book[evidence.pillar_sheet_name(slug)]
        header = [c.value for c in sheet[1]]
        codes = header.index("Pillar code")
        pillars = {row[codes] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert pillars <= {slug}
        expected = int((rows["pillar"] == slug).sum())
        assert sheet.max_row - 1 == expected
    header = [c.value for c in book["Suspect focus"][1]]
    finding = book["Suspect focus"].cell(row=2, column=header.index("Finding") + 1)
    assert finding.value == "=HYPERLINK(1)" and finding.data_type == "s"
    about = {(r[0], r[1]): r[2] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about[("about", "rows suppressed")] == "2"
    assert about[("about", "generated")] == "2024-07-01 10:00"
    labels = {vocabulary.label("evidence_column", c) for c in COLUMNS}
    assert {name for section, name in about if section == "column"} == labels
    assert "(column ci_low in the CSV and parquet files)" in about[("column", "Lower limit")]
    assert not list((root / "evidence").glob(".*"))
