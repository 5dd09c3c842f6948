"""Reading extracts: any encoding and delimiter, Excel with a title, and clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from soteria_research.errors import ExtractError
from soteria_research.ingest.mapping import load_mapping
from soteria_research.ingest.readers import read_extract

from .support import GOOD, HEADER, MAPPING, make_force, row

FIXTURES = Path(__file__).parent / "fixtures"


def test_latin1_semicolon_crlf_fixture() -> None:
    raw = read_extract(load_mapping(FIXTURES / "legacy_rms" / "mapping.yaml"))
    assert len(raw) == 16
    assert "Date Créée" in raw.columns  # the accented header decoded from latin-1
    assert raw["source_row"].tolist() == list(range(2, 18))
    assert set(raw["source_file"]) == {"extract.csv"}
    assert raw["source_problem"].isna().all()
    assert "Officer" not in raw.columns  # unmapped columns are not read
    assert raw.loc[0, "Crime No"] == "LG/0001/23"


def test_utf8_with_bom_and_tab_delimiter(tmp_path: Path) -> None:
    mapping = MAPPING.replace(
        "  - path: extract.csv\n", "  - path: extract.csv\n    delimiter: \\t\n"
    )
    folder = make_force(
        tmp_path, [row(1), row(2)], mapping=mapping, encoding="utf-8-sig", delimiter="\t"
    )
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert list(raw["Ref"]) == ["DU/000001/23", "DU/000002/23"]


def test_wrong_encoding_says_which_to_set(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1, Relationship="Beau-père")], encoding="latin-1")
    with pytest.raises(ExtractError, match=r"extract.csv: the text is not valid utf-8.*encoding:"):
        read_extract(load_mapping(folder / "mapping.yaml"))


def test_missing_required_column_names_file_column_mapping_and_columns(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)])
    text = (folder / "extract.csv").read_text().replace("Outcome Date", "Outcome Dt")
    (folder / "extract.csv").write_text(text)
    with pytest.raises(ExtractError) as caught:
        read_extract(load_mapping(folder / "mapping.yaml"))
    message = str(caught.value)
    assert "extract.csv: column 'Outcome Date' (for outcome_date) is not in the header" in message
    assert "Closest in the file: 'Outcome Dt'" in message
    assert "Columns found: 'Ref', 'Offence'" in message
    assert str(folder / "mapping.yaml") in message and "`outcome_date:`" in message


def test_column_names_match_after_trimming_and_case(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)])
    text = (folder / "extract.csv").read_text().replace("Recorded", " RECORDED ", 1)
    (folder / "extract.csv").write_text(text)
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert raw.loc[0, "Recorded"] == GOOD["Recorded"]


def test_empty_file_and_header_only_file(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [])
    with pytest.raises(ExtractError, match="header row but no data rows"):
        read_extract(load_mapping(folder / "mapping.yaml"))
    (folder / "extract.csv").write_bytes(b"")
    with pytest.raises(ExtractError, match=r"extract\.csv: the file is empty"):
        read_extract(load_mapping(folder / "mapping.yaml"))


def test_no_file_matches_the_glob(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)], name="other.csv")
    with pytest.raises(
        ExtractError, match=r"No file in .* matches 'extract.csv'.*Files there: .*other.csv"
    ):
        read_extract(load_mapping(folder / "mapping.yaml"))


def test_unreadable_file(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)])
    (folder / "extract.csv").unlink()
    (folder / "extract.csv").mkdir()  # matched by the glob, but not a file
    with pytest.raises(ExtractError, match="No file in"):
        read_extract(load_mapping(folder / "mapping.yaml"))


def test_header_on_a_later_row_is_pointed_out(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)])
    text = "Extract run 2024-06-30\n\n" + (folder / "extract.csv").read_text()
    (folder / "extract.csv").write_text(text)
    with pytest.raises(ExtractError, match="set `header_row: 3`"):
        read_extract(load_mapping(folder / "mapping.yaml"))
    mapping = MAPPING.replace(
        "  - path: extract.csv\n", "  - path: extract.csv\n    header_row: 3\n"
    )
    (folder / "mapping.yaml").write_text(mapping)
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert raw["source_row"].tolist() == [4]


def test_blank_and_ragged_rows_are_kept_with_their_row_numbers(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1), row(2)])
    lines = (folder / "extract.csv").read_text().splitlines()
    ragged = lines[2] + ",extra"
    text = "\n".join([lines[0], lines[1], "", ragged, lines[2], "", ""]) + "\n"
    (folder / "extract.csv").write_text(text)
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert raw["source_row"].tolist() == [2, 3, 4, 5]  # trailing blank rows dropped
    assert raw["source_problem"].tolist()[1:3] == ["blank row", "wrong number of fields"]
    assert raw["source_problem"].isna().tolist() == [True, False, False, True]


def test_several_files_in_name_order(tmp_path: Path) -> None:
    mapping = MAPPING.replace("path: extract.csv", "path: extract_*.csv")
    folder = make_force(tmp_path, [row(3)], mapping=mapping, name="extract_2024.csv")
    make_force(tmp_path, [row(1), row(2)], mapping=mapping, name="extract_2023.csv")
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert raw["source_file"].tolist() == ["extract_2023.csv"] * 2 + ["extract_2024.csv"]
    assert raw["source_row"].tolist() == [2, 3, 2]


def _workbook(path: Path, title: bool = True) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Extract"
    if title:
        sheet.append(["RASSO extract, run 30/06/2024"])
        sheet.append([])
    sheet.append(HEADER)
    values = row(1)
    values.update(Recorded=dt.datetime(2023, 5, 3), Age=24, Outcome=16.0, Reported=45048)
    sheet.append([values[h] for h in HEADER])
    sheet.append([None] * len(HEADER))
    second = row(2, Outcome="#N/A")
    sheet.append([second[h] for h in HEADER])
    for _ in range(3):  # formatted but empty rows at the end
        sheet.append([None] * len(HEADER))
    book.save(path)


def test_excel_with_title_rows(tmp_path: Path) -> None:
    folder = tmp_path / "durham"
    folder.mkdir()
    _workbook(folder / "extract.xlsx")
    mapping = MAPPING.replace(
        "  - path: extract.csv\n",
        "  - path: extract.xlsx\n    format: excel\n    sheet: Extract\n    header_row: 3\n",
    )
    (folder / "mapping.yaml").write_text(mapping)
    raw = read_extract(load_mapping(folder / "mapping.yaml"))
    assert raw["source_row"].tolist() == [4, 5, 6]
    assert raw["source_problem"].tolist()[1] == "blank row"
    first = raw.iloc[0]
    assert (first["Recorded"], first["Age"], first["Outcome"], first["Reported"]) == (
        "2023-05-03",
        "24",
        "16",
        "45048",
    )
    assert raw.iloc[2]["Outcome"] == "#N/A"


def test_excel_problems(tmp_path: Path) -> None:
    folder = tmp_path / "durham"
    folder.mkdir()
    _workbook(folder / "extract.xlsx")
    base = MAPPING.replace("  - path: extract.csv\n", "  - path: extract.xlsx\n    format: excel\n")
    (folder / "mapping.yaml").write_text(base)
    with pytest.raises(ExtractError, match="set `header_row: 3`"):
        read_extract(load_mapping(folder / "mapping.yaml"))
    (folder / "mapping.yaml").write_text(
        base.replace("format: excel\n", "format: excel\n    sheet: Data\n")
    )
    with pytest.raises(ExtractError, match="no sheet 'Data'; sheets: Extract"):
        read_extract(load_mapping(folder / "mapping.yaml"))
    (folder / "extract.xlsx").write_text("not a workbook")
    with pytest.raises(ExtractError, match="cannot be read as an Excel workbook"):
        read_extract(load_mapping(folder / "mapping.yaml"))
