"""Mappings: a valid one loads; every mistake names the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteria_research.errors import MappingError
from soteria_research.ingest.mapping import load_mapping, parse_mapping
from soteria_research.normalise import Outcome

from .support import MAPPING, mapping_of


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_valid_mapping_loads_with_defaults() -> None:
    mapping = mapping_of()
    assert mapping.force == "Durham"
    assert mapping.data_source == "synthetic"
    assert mapping.extraction_date == pd.Timestamp("2024-06-30")
    assert mapping.columns["crime_ref"] == "Ref"
    assert mapping.date_formats == ("%d/%m/%Y", "%Y-%m-%d", "excel_serial")
    assert mapping.files[0].encoding == "utf-8" and mapping.files[0].delimiter == ","
    assert "#VALUE!" in mapping.missing_values and "#DIV/0!" in mapping.missing_values


def test_code_maps_keep_source_text_and_check_values() -> None:
    text = MAPPING + (
        "codes:\n"
        "  outcome: {NFA - victim withdrew: 16, Charged alt: 1A}\n"
        "  sex: {F: female, NULL: unknown}\n"
        "  yes_no: {Y: true, N: false, 'Yes': true}\n"
        "missing_values: ['-', 'n/k']\n"
    )
    mapping = mapping_of(text)
    assert mapping.codes["outcome"]["nfa - victim withdrew"] == Outcome(16)
    assert mapping.codes["outcome"]["charged alt"] == Outcome(1, alternate=True)
    assert mapping.codes["sex"] == {"f": "female", "null": "unknown"}
    assert mapping.codes["yes_no"] == {"y": True, "n": False, "yes": True}
    assert {"-", "n/k"} <= set(mapping.missing_values)


def test_typo_in_a_key_suggests_the_closest_and_gives_the_line() -> None:
    text = MAPPING.replace("recorded_date: Recorded", "recored_date: Recorded")
    with pytest.raises(MappingError) as caught:
        mapping_of(text)
    message = str(caught.value)
    assert f"line {_line_of(text, 'recored_date')}" in message
    assert "'recored_date'" in message and "Did you mean 'recorded_date'" in message


def test_typo_in_a_top_level_key() -> None:
    text = MAPPING.replace("extraction_date:", "extracton_date:")
    with pytest.raises(
        MappingError, match=r"line 4: unknown key 'extracton_date'.*'extraction_date'"
    ):
        mapping_of(text)


def test_invalid_yaml_gives_the_line() -> None:
    text = MAPPING.replace("  offence: Offence", "  offence: Offence: 19C\n bad indent")
    with pytest.raises(MappingError, match=r"mapping.yaml, line \d+: not valid YAML"):
        mapping_of(text)


def test_missing_required_column() -> None:
    text = MAPPING.replace("  outcome: Outcome\n", "")
    with pytest.raises(MappingError, match="must name the source column for outcome"):
        mapping_of(text)


def test_unknown_force_suggests_names() -> None:
    text = MAPPING.replace("force: Durham", "force: Durhm")
    with pytest.raises(
        MappingError, match=r"line 2: Unknown force 'Durhm'. Did you mean: 'Durham'"
    ):
        mapping_of(text)


def test_force_and_force_column_together_are_refused() -> None:
    text = MAPPING.replace("force: Durham", "force: Durham\nforce_column: Force")
    with pytest.raises(MappingError, match="exactly one of `force:`"):
        mapping_of(text)


@pytest.mark.parametrize(
    ("addition", "needle", "match"),
    [
        (
            "codes:\n  sex: {F: femal}\n",
            "femal",
            r"'femal' is not a canonical value. Did you mean 'female'",
        ),
        ("codes:\n  outcome: {Closed: 23}\n", "Closed", "Unknown outcome type"),
        ("codes:\n  yes_no: {Y: maybe}\n", "maybe", "must be true or false"),
        ("codes:\n  ethnicty: {W1: white}\n", "ethnicty", "Did you mean 'ethnicity'"),
        ("dates:\n  per_column: {recorded: ['%d/%m/%Y']}\n", "per_column", "'recorded_date'"),
    ],
)
def test_bad_values_name_their_line(addition: str, needle: str, match: str) -> None:
    text = MAPPING.replace('dates:\n  formats: ["%d/%m/%Y", "%Y-%m-%d", excel_serial]\n', "")
    text += addition
    with pytest.raises(MappingError, match=match) as caught:
        mapping_of(text)
    assert f"line {_line_of(text, needle)}" in str(caught.value)


def test_date_format_without_directives_is_refused() -> None:
    text = MAPPING.replace('"%Y-%m-%d"', '"dd/mm/yyyy"')
    with pytest.raises(MappingError, match="'dd/mm/yyyy' is not a date format"):
        mapping_of(text)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "  - path: extract.csv\n",
            "  - path: extract.csv\n    encoding: latin-9x\n",
            "unknown encoding",
        ),
        (
            "  - path: extract.csv\n",
            "  - path: extract.csv\n    delimiter: ';;'\n",
            "one character",
        ),
        ("  - path: extract.csv\n", "  - path: extract.csv\n    header_row: 0\n", "header_row"),
        ("  - path: extract.csv\n", "  - path: extract.csv\n    format: xls\n", "csv or excel"),
        ("extraction_date: 2024-06-30", "extraction_date: 30/06/2024", "YYYY-MM-DD"),
        ("extraction_date: 2024-06-30\n", "", "extraction_date:` is required"),
        ("data_source: synthetic", "data_source: fake", "synthetic or real"),
        ("crime_ref: Ref", "crime_ref: Ref\n  crime_ref: Ref2", "appears twice"),
    ],
)
def test_file_and_value_checks(old: str, new: str, match: str) -> None:
    with pytest.raises(MappingError, match=match):
        mapping_of(MAPPING.replace(old, new))


def test_empty_and_missing_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="No mapping file"):
        load_mapping(tmp_path / "mapping.yaml")
    (tmp_path / "mapping.yaml").write_text("", encoding="utf-8")
    with pytest.raises(MappingError, match="empty"):
        load_mapping(tmp_path / "mapping.yaml")


def test_tab_delimiter_and_excel_spec() -> None:
    text = MAPPING.replace(
        "  - path: extract.csv\n",
        "  - path: extract.tsv\n    delimiter: \\t\n  - path: book.xlsx\n    format: excel\n"
        "    sheet: Data\n    header_row: 3\n",
    )
    mapping = parse_mapping(text, Path("/x/mapping.yaml"))
    assert mapping.files[0].delimiter == "\t"
    assert (mapping.files[1].format, mapping.files[1].sheet, mapping.files[1].header_row) == (
        "excel",
        "Data",
        3,
    )


def test_the_documented_mapping_is_valid() -> None:
    docs = Path(__file__).parents[2] / "docs" / "mapping.md"
    block = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    mapping = parse_mapping(block, Path("/docs/avon-and-somerset/mapping.yaml"))
    assert mapping.force == "Avon and Somerset"
    assert len(mapping.columns) == 21
    assert mapping.codes["outcome"]["nfa - victim withdrew"] == Outcome(16)
