"""Workbooks a force returns, filled with openpyxl as a force team would, through
`soteria clean`: every mistake is said out loud with its cell, a workbook that cannot be
read is refused by name and never replaces the assessment cleaned before, and rounds
are taken in their real order."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soteria_research import cli
from soteria_research.errors import ExtractError
from soteria_research.ingest import framework_questions, load_framework, write_assessment_template
from soteria_research.ingest.assessment import read_assessments
from soteria_research.ingest.processed import force_folder, load_table
from soteria_research.ingest.workbook import (
    WorkbookKind,
    open_returned,
    parse_problem_lines,
)
from soteria_research.measures.assessment import latest_round, maturity, workbook_problems

from .support import make_force, row

FILE = "durham/self_assessment.xlsx"


@pytest.fixture(scope="module")
def questions() -> pd.DataFrame:
    return framework_questions(load_framework())


def filled(folder: Path, name: str = "self_assessment.xlsx", round: object = 1) -> Path:
    """The config template, every question rated by self (1-4 cycling) and peer (2)."""
    path = write_assessment_template("Durham", folder / name, round=round)
    book = openpyxl.load_workbook(path)
    sheet = book["Assessment"]
    for number in range(5, sheet.max_row + 1):
        sheet.cell(row=number, column=6, value=1 + (number - 5) % 4)
        sheet.cell(row=number, column=7, value=2)
        sheet.cell(row=number, column=8, value="Dip sample of 20 files")
        sheet.cell(row=number, column=10, value="DI Jane Smith jane.smith@police.example")
    if round is not None:
        book["About"]["B3"] = round
    book.save(path)
    return path


def edit(path: Path, change) -> None:
    book = openpyxl.load_workbook(path)
    change(book["Assessment"])
    book.save(path)


def clean(tmp_path: Path, capsys) -> tuple[int, str]:
    code = cli.main(
        ["clean", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    return code, capsys.readouterr().out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_force(tmp_path / "raw", [row(1), row(2)])


def assessment(tmp_path: Path) -> pd.DataFrame:
    return load_table("assessment", "Durham", tmp_path / "out")


def quality_lines(tmp_path: Path) -> list[str]:
    quality = load_table("quality", "Durham", tmp_path / "out")
    return quality.loc[quality["section"] == "assessment", "item"].tolist()


def test_a_clean_workbook_has_no_problem(tmp_path, folder, capsys, questions) -> None:
    filled(folder)
    code, out = clean(tmp_path, capsys)
    assert code == 0 and "problem" not in out
    frame = assessment(tmp_path)
    assert len(frame) == len(questions) and frame["self_rating"].notna().all()
    assert quality_lines(tmp_path) == []


def test_off_scale_and_words_are_said_with_their_cell(tmp_path, folder, capsys) -> None:
    path = filled(folder)

    def mistakes(sheet) -> None:
        sheet["F5"] = 7
        sheet["F6"] = "three"
        sheet["G7"] = 0

    edit(path, mistakes)
    code, out = clean(tmp_path, capsys)
    expected = [
        f"{FILE}, Assessment!F5: self rating 7 is off the 1-4 scale; enter 1 to 4 or its "
        "label (e.g. 'Embedded')",
        f"{FILE}, Assessment!F6: self rating is not a rating; enter 1 to 4 or its label "
        "(e.g. 'Embedded')",
        f"{FILE}, Assessment!G7: peer rating 0 is off the 1-4 scale; enter 1 to 4 or its "
        "label (e.g. 'Embedded')",
    ]
    assert code == 0
    assert "Durham: the self-assessment was read with 3 problem(s)" in out
    for line in expected:
        assert f"  {line}" in out
    assert sorted(quality_lines(tmp_path)) == sorted(expected)  # the quality table names cells
    assert "three" not in " ".join(quality_lines(tmp_path))  # words a force wrote stay out
    ratings = assessment(tmp_path).set_index("question_id")
    assert ratings["self_rating"].iloc[:2].isna().all() and pd.isna(ratings["peer_rating"].iloc[2])
    # the pillar mean leaves the two unusable ratings out, and says how many it used
    pillar = maturity(assessment(tmp_path))
    own = pillar[(pillar["pillar"] == "suspect_focus") & (pillar["rater"] == "self")].iloc[0]
    assert own["denominator"] == own["questions"] - 2


def test_deleted_duplicated_and_unknown_rows(tmp_path, folder, capsys, questions) -> None:
    path = filled(folder)
    second = questions["question_id"].iloc[1]

    def mistakes(sheet) -> None:
        copied = [c.value for c in sheet[5]]
        sheet.delete_rows(6)  # the second question's row
        end = sheet.max_row
        for column, value in enumerate(copied, start=1):
            sheet.cell(row=end + 1, column=column, value=value)
        sheet.cell(row=end + 2, column=4, value="XX9.9")
        sheet.cell(row=end + 2, column=6, value=3)

    edit(path, mistakes)
    code, out = clean(tmp_path, capsys)
    last = 4 + len(questions)  # rows after the deletion: one fewer question, two more rows
    lines = quality_lines(tmp_path)
    assert code == 0
    assert (
        f"{FILE}, Assessment!D{last}: question {questions['question_id'].iloc[0]} appears again "
        "(first on row 5), so this row is not used; delete the repeated row"
    ) in lines
    assert (
        f"{FILE}, Assessment!D{last + 1}: question XX9.9 is not in the framework, so the row "
        "is not used; use the template's question id or delete the row"
    ) in lines
    assert (
        f"{FILE}, Assessment!D5:D{last - 1}: question {second} is missing (its row was deleted "
        "or its id changed), so it counts as unanswered; add its row back from the template"
    ) in lines
    assert len(lines) == 3 and all(f"  {line}" in out for line in lines)
    frame = assessment(tmp_path).set_index("question_id")
    assert pd.isna(frame.loc[second, "self_rating"]) and len(frame) == len(questions)


def test_empty_peer_ratings_count_as_unanswered(tmp_path, folder, capsys) -> None:
    path = filled(folder)
    edit(path, lambda sheet: [setattr(sheet.cell(row=r, column=7), "value", None) for r in (6, 9)])
    code, _out = clean(tmp_path, capsys)
    expected = [
        f"{FILE}, Assessment!G{r}: peer rating is empty (counted as unanswered); ask the peer "
        "reviewer to rate it"
        for r in (6, 9)
    ]
    assert code == 0 and sorted(quality_lines(tmp_path)) == expected
    edit(
        path,
        lambda sheet: [setattr(sheet.cell(row=r, column=7), "value", None) for r in range(5, 60)],
    )
    clean(tmp_path, capsys)
    (line,) = quality_lines(tmp_path)
    assert line.startswith(f"{FILE}, Assessment!G5:G") and "no peer ratings" in line


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("self_assessment.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "legacy Excel"),
        ("self_assessment.csv", b"Pillar,Theme ID\nsuspect_focus,SF1\n", "CSV export"),
        ("self_assessment.ods", b"PK\x03\x04", "OpenDocument"),
        ("self_assessment.xlsx", b"", "empty (0 bytes)"),
        ("self_assessment.xlsx", b"Pillar,Theme\n", "cannot be read as an Excel workbook"),
    ],
)
def test_an_unreadable_workbook_never_replaces_the_assessment(
    tmp_path, folder, capsys, name, content, why
) -> None:
    filled(folder)
    assert clean(tmp_path, capsys)[0] == 0
    stored = force_folder("Durham", tmp_path / "out") / "assessment.parquet"
    before = stored.read_bytes()
    (folder / "self_assessment.xlsx").unlink()
    (folder / name).write_bytes(content)
    code, out = clean(tmp_path, capsys)
    assert code == 1
    assert f"durham/{name}: " in out and why in out
    assert "the self-assessment was not read" in out and "Excel Workbook (.xlsx)" in out
    assert "`soteria assessment-template --force durham`" in out
    assert str(tmp_path) not in out  # relative to the data folder, not absolute
    assert "format: csv" not in out  # advice for self-assessments, not case extracts
    assert stored.read_bytes() == before  # the earlier assessment survives
    assert len(assessment(tmp_path)) > 0


def test_a_csv_beside_a_good_workbook_is_not_skipped(tmp_path, folder, capsys) -> None:
    filled(folder)
    (folder / "self_assessment_round2.csv").write_text("Pillar\n", encoding="utf-8")
    with pytest.raises(
        ExtractError,
        match=r"^durham/self_assessment_round2.csv: the self-assessment was not read: it is a CSV",
    ):
        read_assessments(folder, "Durham")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda book: book.remove(book["About"]), "no sheet 'About'"),
        (lambda book: setattr(book["Assessment"], "title", "Sheet1"), "no sheet 'Assessment'"),
        (lambda book: book["Assessment"].delete_rows(1, 200), "the sheet 'Assessment' is empty"),
        (lambda book: book["Assessment"].delete_cols(7), "header (row 4) lacks 'Peer rating'"),
        (lambda book: book["Assessment"].delete_rows(4), "no header row with 'Question ID'"),
    ],
)
def test_a_workbook_not_laid_out_as_the_template(tmp_path, folder, change, message) -> None:
    path = filled(folder)
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    with pytest.raises(ExtractError) as error:
        read_assessments(folder, "Durham")
    assert str(error.value).startswith(f"{FILE}: ") and message in str(error.value)
    assert "the self-assessment was not read" in str(error.value)


def test_rounds_nine_and_ten_in_their_real_order(tmp_path, folder, capsys) -> None:
    filled(folder, "self_assessment_r9.xlsx", 9)
    newer = filled(folder, "self_assessment_r10.xlsx", 10)
    edit(newer, lambda sheet: [sheet.cell(row=r, column=6, value=4) for r in range(5, 60)])
    assert clean(tmp_path, capsys)[0] == 0
    frame = assessment(tmp_path)
    assert list(dict.fromkeys(frame["round"])) == ["9", "10"]  # stored in round order
    assert set(latest_round(frame)["round"]) == {"10"}
    table = maturity(frame, rounds="latest")
    assert set(table["round"]) == {"10"}
    assert table.loc[table["rater"] == "self", "value"].eq(4).all()
    every = maturity(frame, rounds="all")
    assert every.drop_duplicates("round")[["round", "round_order"]].values.tolist() == [
        ["9", 1],
        ["10", 2],
    ]


def test_two_workbooks_of_one_round_are_refused_by_name(tmp_path, folder, capsys) -> None:
    filled(folder, "self_assessment_a.xlsx", 2)
    filled(folder, "self_assessment_b.xlsx", 2)
    code, out = clean(tmp_path, capsys)
    assert code == 1
    assert (
        "durham/self_assessment_a.xlsx and durham/self_assessment_b.xlsx both hold round 2"
    ) in out


def test_rounds_that_cannot_be_ordered_are_refused(tmp_path, folder) -> None:
    filled(folder, "self_assessment_a.xlsx", "Spring")
    filled(folder, "self_assessment_b.xlsx", "Autumn")
    with pytest.raises(ExtractError, match="cannot be put in order") as error:
        read_assessments(folder, "Durham")
    assert "durham/self_assessment_a.xlsx: round Spring" in str(error.value)


def test_the_report_reads_the_problems_as_a_tidy_table(tmp_path, folder, capsys) -> None:
    path = filled(folder)
    edit(path, lambda sheet: [sheet.__setitem__("F12", 9), sheet.__setitem__("F5", "x")])
    clean(tmp_path, capsys)
    quality = load_table("quality", None, tmp_path / "out")
    table = workbook_problems(quality, "Durham")
    assert table.columns.tolist() == ["force", "file", "sheet", "cell", "problem"]
    assert table[["file", "sheet", "cell"]].values.tolist() == [
        [FILE, "Assessment", "F5"],
        [FILE, "Assessment", "F12"],  # in cell order, not text order
    ]
    assert table["problem"].iloc[1].startswith("self rating 9 is off the 1-4 scale")
    assert workbook_problems(quality, "Kent").empty


def test_problem_lines_round_trip() -> None:
    lines = ["a/b.xlsx, About!B5: scale max 5 differs", "a/b.xlsx, Assessment!D5:D30: gone"]
    table = parse_problem_lines(lines)
    assert table.values.tolist() == [
        ["a/b.xlsx", "About", "B5", "scale max 5 differs"],
        ["a/b.xlsx", "Assessment", "D5:D30", "gone"],
    ]
    assert parse_problem_lines(["not a line"]).values.tolist() == [["", "", "", "not a line"]]


def test_another_kind_of_workbook_uses_the_same_intake(tmp_path: Path) -> None:
    review = WorkbookKind(
        name="case-file review",
        sheet="Cases",
        header=("Case", "Suspect focus"),
        advice="Start from the review template.",
    )
    path = tmp_path / "kent" / "review.xlsx"
    path.parent.mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Cases"
    book.active.append(["Notes"])
    book.active.append(["Case", "Suspect focus"])
    book.active.append(["C1", 3])
    book.save(path)
    opened = open_returned(path, review)
    assert opened.file == "kent/review.xlsx" and opened.header_row == 2
    assert opened.cell(3, "Suspect focus") == "B3"
    book.active["B2"] = None
    book.save(path)
    with pytest.raises(
        ExtractError,
        match=r"^kent/review.xlsx: the case-file review was not read: the Cases header \(row 2\)",
    ):
        open_returned(path, review)
