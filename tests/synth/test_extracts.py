"""The written extracts: layouts, mappings in the documented format, and a round trip."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from soteria_research import normalise, paths, reference, settings

from .support import LAYOUT_FORCES, code, date_formats, parse_date, read_force

IDS = {row.name: row.police_uk_id for row in reference.forces().itertuples()}
TOP_KEYS = {
    "layout",
    "provenance",
    "data_source",
    "extraction_date",
    "files",
    "columns",
    "dates",
    "codes",
    "missing_values",
}
REQUIRED = {"crime_ref", "offence", "recorded_date", "outcome"}
FIELDS = REQUIRED | {
    "committed_date",
    "reported_date",
    "victim_ref",
    "victim_sex",
    "victim_age",
    "victim_ethnicity",
    "suspect_ref",
    "relationship",
    "arrested",
    "arrest_date",
    "referred_to_cps",
    "cps_referral_date",
    "outcome_date",
    "victim_withdrawal_date",
    "isva_referred",
    "device_seized_date",
    "device_returned_date",
}


def _mapping(small_dir: Path, force: str) -> dict:
    return yaml.safe_load((small_dir / IDS[force] / "mapping.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("force", LAYOUT_FORCES)
def test_mapping_follows_the_documented_format(small_dir: Path, force: str) -> None:
    mapping = _mapping(small_dir, force)
    assert TOP_KEYS <= set(mapping) <= TOP_KEYS | {"force", "force_column"}
    assert ("force" in mapping) != ("force_column" in mapping)
    assert mapping["data_source"] == "synthetic"
    assert mapping["provenance"]["generator"] == "soteria synth"
    assert str(mapping["extraction_date"]) == settings.section("synthetic")["extraction_date"]
    assert REQUIRED <= set(mapping["columns"]) <= FIELDS
    assert set(mapping["codes"]) <= {"outcome", "sex", "relationship", "ethnicity", "yes_no"}
    assert {"#VALUE!", "#N/A", "NULL"} <= set(mapping["missing_values"])
    for spec in mapping["files"]:
        assert spec["format"] in {"csv", "excel"}
        assert glob.glob(str(small_dir / IDS[force] / spec["path"]))
    _, rows = read_force(small_dir / IDS[force])
    assert set(mapping["columns"].values()) <= set(rows.columns)
    if "force" in mapping:
        assert normalise.force_name(mapping["force"]) == force
    else:
        assert set(rows[mapping["force_column"]].map(normalise.force_name)) == {force}


def test_layouts_differ_in_columns_formats_and_files(small_dir: Path) -> None:
    mappings = [_mapping(small_dir, f) for f in LAYOUT_FORCES]
    assert len({m["layout"] for m in mappings}) == 4
    assert len({tuple(m["columns"].values()) for m in mappings}) == 4
    formats = {f for m in mappings for f in m["dates"]["formats"]}
    assert {"%Y-%m-%d", "%d/%m/%Y", "excel_serial"} <= formats
    specs = [s for m in mappings for s in m["files"]]
    assert {s.get("delimiter") for s in specs} >= {",", ";"}
    assert "latin-1" in {s.get("encoding") for s in specs}
    assert "excel" in {s["format"] for s in specs}
    assert any(glob.has_magic(s["path"]) for s in specs)  # one force sends a file a year


def test_latin1_file_holds_non_ascii_text(small_dir: Path) -> None:
    path = small_dir / IDS["Gwent"] / "crime_extract.csv"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert any(ord(ch) > 127 for ch in data.decode("latin-1"))


def test_excel_extract_has_a_title_row_above_the_header(small_dir: Path) -> None:
    mapping = _mapping(small_dir, "London, City of")
    spec = mapping["files"][0]
    book = openpyxl.load_workbook(small_dir / IDS["London, City of"] / spec["path"])
    sheet = book[spec["sheet"]]
    assert sheet["A1"].value.startswith("Sexual offences extract")
    header = [c.value for c in sheet[spec["header_row"]]]
    assert header[0] == mapping["columns"]["crime_ref"]
    recorded = header.index(mapping["columns"]["recorded_date"])
    assert isinstance(sheet.cell(spec["header_row"] + 1, recorded + 1).value, int)  # a serial


def test_values_come_in_every_real_form(small_dir: Path) -> None:
    values: dict[str, set] = {"outcome": set(), "victim_sex": set(), "victim_ethnicity": set()}
    for force in LAYOUT_FORCES:
        mapping, rows = read_force(small_dir / IDS[force])
        for field, found in values.items():
            found |= set(rows[mapping["columns"][field]].astype(str))
    outcomes = values["outcome"]
    assert {"16", "OC16", "1A"} <= outcomes
    assert any("Named Suspect Identified: Evidential Difficulties" in v for v in outcomes)
    assert {"F", "M", "Female", "Male"} <= values["victim_sex"]
    assert {"IC1", "IC3", "IC4"} <= values["victim_ethnicity"]
    assert any(v.startswith("Asian or Asian British") for v in values["victim_ethnicity"])


def _clean_rows(folder: Path, rows: pd.DataFrame) -> pd.DataFrame:
    defects = json.loads((folder / "defects.json").read_text(encoding="utf-8"))["defects"]
    damaged = {(e["file"], e["row"]) for kind in defects.values() for e in kind["rows"]}
    keep = [(f, r) not in damaged for f, r in zip(rows["_file"], rows["_row"], strict=True)]
    return rows[keep].reset_index(drop=True)


@pytest.mark.parametrize("force", LAYOUT_FORCES)
def test_mapping_reads_the_records_back(
    small_dir: Path, small_cases: pd.DataFrame, force: str
) -> None:
    mapping, rows = read_force(small_dir / IDS[force])
    clean = _clean_rows(small_dir / IDS[force], rows)
    truth = small_cases[small_cases["force"] == force].set_index("crime_ref")
    truth = truth.loc[clean[mapping["columns"]["crime_ref"]].astype(str)]
    column = mapping["columns"]
    assert (
        clean[column["offence"]].map(normalise.offence_code).to_numpy()
        == truth["offence_code"].to_numpy()
    ).all()
    for field in ("recorded_date", "committed_date", "outcome_date", "device_returned_date"):
        got = clean[column[field]].map(lambda v, f=field: parse_date(v, date_formats(mapping, f)))
        want = truth[field].dt.date.astype(object).where(truth[field].notna(), None)
        assert list(got) == list(want), field
    outcome = clean[column["outcome"]].map(lambda v: code(mapping, "outcome", v))
    parsed = outcome.map(normalise.outcome)
    assert [o.type for o in parsed] == truth["outcome_type"].tolist()
    assert [o.alternate for o in parsed] == truth["outcome_alternate"].tolist()
    for field, kind in (("victim_sex", "sex"), ("relationship", "relationship")):
        got = clean[column[field]].map(lambda v, k=kind: code(mapping, k, v))
        assert got.tolist() == truth[field].tolist(), field
    ethnicity = clean[column["victim_ethnicity"]].map(lambda v: code(mapping, "ethnicity", v))
    assert set(ethnicity) <= set(reference.ETHNICITIES)
    for field in ("arrested", "referred_to_cps", "isva_referred"):
        got = clean[column[field]].map(lambda v: code(mapping, "yes_no", v))
        assert got.tolist() == truth[field].tolist(), field
    suspects = clean[column["suspect_ref"]].astype(str).replace("", None)
    assert suspects.isna().tolist() == truth["suspect_ref"].isna().tolist()


def test_default_output_folder_is_data_raw() -> None:
    assert paths.raw_dir().name == "raw"
