"""Case-file review round trip: sample -> workbook -> filled -> ingested by `soteria clean`,
and every bad input named on one line, with nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soteria_research import cli, synth
from soteria_research.errors import ExtractError
from soteria_research.ingest import clean_force, load_cases
from soteria_research.ingest.pseudonymise import SYNTHETIC_DEMO_KEY, crime_pseudonym
from soteria_research.ingest.review import (
    CODING_COLUMNS,
    PROBLEM_COLUMNS,
    latest_round,
    load_review,
    read_review_book,
    review_tables,
)
from soteria_research.ingest.review_framework import load_review_framework, review_items
from soteria_research.ingest.review_sample import draw_review_sample
from soteria_research.ingest.review_workbook import HEADER_ROW, write_review_workbook

FORCE, FOLDER = "Cleveland", "cleveland"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic force (no review of its own), cleaned once."""
    root = tmp_path_factory.mktemp("root")
    synth.generate(root / "data" / "raw", forces=[FORCE], scale=0.1)
    clean_force(root / "data" / "raw" / FOLDER, root / "data" / "processed")
    return root


@pytest.fixture
def root(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the cleaned force, as the project root."""
    copy = tmp_path / "root"
    shutil.copytree(source, copy)
    monkeypatch.setenv("SOTERIA_ROOT", str(copy))
    return copy


def _draw(root: Path, *extra: str) -> Path:
    out = root / "review_sample.xlsx"
    args = ["review-sample", "--force", FORCE, "--size", "30", "--seed", "5", "--out", str(out)]
    assert cli.main([*args, "--double-coding-share", "0.3", *extra]) == 0
    return out


def _columns(sheet) -> dict[str, int]:
    return {c.value: c.column for c in sheet[HEADER_ROW] if c.value}


def _fill(path: Path, out: Path, edits=None) -> dict:
    """Code every case (reviewer AB on Review, CD on Second coding); apply ``edits``
    (sheet, data row offset, column title, value) last. Returns the first codes."""
    book = openpyxl.load_workbook(path)
    items = review_items(load_review_framework())
    answers = {"yes_no": "yes", "category": None, "ordinal": 3, "days": 14}
    codes = {}
    for name, reviewer in (("Review", "AB"), ("Second coding", "CD")):
        sheet = book[name]
        where = _columns(sheet)
        for number in range(HEADER_ROW + 1, sheet.max_row + 1):
            sheet.cell(number, where["Reviewer"], reviewer)
            sheet.cell(number, where["Review date"], "2024-05-01")
            for item in items.itertuples(index=False):
                value = answers[item.response] or item.choices.split("; ")[1]
                if name == "Second coding" and item.item_id == "SF01":
                    value = "no"
                sheet.cell(number, where[item.item_id], value)
                codes[item.item_id] = str(value)
    for sheet_name, offset, title, value in edits or []:
        sheet = book[sheet_name]
        sheet.cell(HEADER_ROW + 1 + offset, _columns(sheet)[title]).value = value
    book.save(out)
    return codes


def test_review_sample_writes_the_workbook_with_drop_downs(root: Path) -> None:
    path = _draw(root)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Review", "Second coding", "Items", "Sample", "About"]
    review = book["Review"]
    header = [c.value for c in review[HEADER_ROW]]
    items = review_items(load_review_framework())
    assert header[:6] == ["Case", "Crime ID", "Stratum", "Reviewer", "Review date", "SF01"]
    assert header[5:-1] == items["item_id"].tolist() and header[-1] == "Notes"
    assert "Crime reference" not in header
    assert review.max_row == HEADER_ROW + 30
    assert book["Second coding"].max_row == HEADER_ROW + 9
    checks = {
        "".join(ch for ch in str(dv.sqref).split(":")[0] if ch.isalpha()): dv
        for dv in review.data_validations.dataValidation
    }
    sf01 = checks[openpyxl.utils.get_column_letter(header.index("SF01") + 1)]
    assert sf01.type == "list" and sf01.formula1 == '"yes,no,not recorded"'
    sf05 = checks[openpyxl.utils.get_column_letter(header.index("SF05") + 1)]
    assert sf05.type == "whole" and (sf05.formula1, sf05.formula2) == ("0", "3650")
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Sensitive"].startswith("no") and about["Seed"] == "5"
    sample = pd.DataFrame(list(book["Sample"].iter_rows(values_only=True))[1:],
                          columns=[c.value for c in book["Sample"][1]])  # fmt: skip
    cases = load_cases(FORCE)
    assert sample["crime_id"].isin(cases["crime_id"]).all()
    ratio = sample["stratum_sample"] / sample["stratum_population"]
    assert (sample["inclusion_probability"] - ratio).abs().max() < 1e-12


def test_with_references_adds_the_forces_own_references_and_marks_it_sensitive(
    root: Path,
) -> None:
    path = _draw(root, "--with-references")
    book = openpyxl.load_workbook(path)
    rows = list(book["Review"].iter_rows(min_row=HEADER_ROW, values_only=True))
    header = list(rows[0])
    assert header[:4] == ["Case", "Crime ID", "Crime reference", "Stratum"]
    for row in rows[1:]:
        assert crime_pseudonym(SYNTHETIC_DEMO_KEY, FORCE, row[2]) == row[1]
    assert "SENSITIVE" in book["Review"]["A1"].value
    assert (
        "SENSITIVE" in {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}["Sensitive"]
    )


def test_with_references_needs_the_raw_extract(root: Path, capsys) -> None:
    shutil.rmtree(root / "data" / "raw" / FOLDER)
    out = root / "refs.xlsx"
    code = cli.main(["review-sample", "--force", FORCE, "--out", str(out), "--with-references"])
    assert code == 1 and not out.exists()
    assert "raw extract" in capsys.readouterr().err


def test_with_references_needs_the_key_the_cases_were_cleaned_with(
    root: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOTERIA_PSEUDONYM_KEY", "a-different-key-0123456789abcdef")
    code = cli.main(["review-sample", "--force", FORCE, "--out", str(root / "r.xlsx"),
                     "--with-references"])  # fmt: skip
    assert code == 1
    assert "match no crime reference" in capsys.readouterr().err


def test_round_trip_through_soteria_clean(root: Path) -> None:
    path = _draw(root)
    raw = root / "data" / "raw" / FOLDER
    codes = _fill(path, raw / "review_team.xlsx")
    clean_force(raw, root / "data" / "processed")
    tables = load_review(FORCE)
    review, sample, problems = (
        tables["review"],
        tables["review_sample"],
        tables["review_quarantine"],
    )
    assert list(review.columns) == list(CODING_COLUMNS)
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    assert problems.empty
    items = review_items(load_review_framework())
    assert len(review) == (30 + 9) * len(items)
    assert review["response"].notna().all()
    first = review[review["primary"]]
    for item_id, value in codes.items():
        got = set(first.loc[first["item_id"] == item_id, "response"])
        assert got == ({"yes"} if item_id == "SF01" else {value})
    second = review[~review["primary"]]
    assert set(second["reviewer"]) == {"CD"} and set(
        second.loc[second["item_id"] == "SF01", "response"]
    ) == {"no"}
    assert sample["in_cases"].all() and len(sample) == 30
    assert sample.groupby("double_coded")["codings"].unique().to_dict() == {False: [1], True: [2]}
    assert review["review_date"].eq(pd.Timestamp("2024-05-01")).all()


def _tables(root: Path, *files: Path, cases=None):
    books = [read_review_book(f) for f in files]
    cases = load_cases(FORCE) if cases is None else cases
    return review_tables(books, cases, FORCE, load_review_framework())


BAD = [
    ("Review", 0, "SF01", "maybe", "not one of the choices", "SF01"),
    ("Review", 1, "SF05", 5000, "out of range", "SF05"),
    ("Review", 2, "SF06", "excellent", "not a whole number", "SF06"),
    ("Review", 3, "Crime ID", "ffffffffffffffff", "case not in the sample", None),
    ("Review", 4, "Reviewer", None, "no reviewer", None),
    ("Review", 5, "Crime ID", None, "no crime id", None),
    ("Review", 6, "Review date", "last Tuesday", "not a date", None),
]


@pytest.mark.parametrize(("sheet", "offset", "title", "value", "problem", "item"), BAD)
def test_each_bad_cell_is_one_clear_line_and_nothing_is_lost(
    root: Path, sheet: str, offset: int, title: str, value, problem: str, item
) -> None:
    path = _draw(root)
    filled = root / "review_filled.xlsx"
    _fill(path, filled, [(sheet, offset, title, value)])
    tables = _tables(root, filled)
    problems = tables["review_quarantine"]
    assert problems["problem"].tolist() == [problem]
    line = problems.iloc[0]
    column = _columns(openpyxl.load_workbook(filled)[sheet])[title]
    cell = f"{openpyxl.utils.get_column_letter(column)}{HEADER_ROW + 1 + offset}"
    assert line["cell"] == cell
    if item:
        assert line["item_id"] == item
    assert line["message"].startswith(f"review_filled.xlsx {sheet}!{cell}: {problem}")
    assert "\n" not in line["message"] and str(value) not in line["message"]
    review = tables["review"]
    rows = set(zip(review["sheet"], review["source_row"], strict=True))
    row_set_aside = problem in {"case not in the sample", "no reviewer", "no crime id"}
    assert ((sheet, HEADER_ROW + 1 + offset) in rows) != row_set_aside
    items = len(review_items(load_review_framework()))
    assert len(review) == (30 + 9 - row_set_aside) * items
    if item:  # the bad cell is kept as a missing response, the rest of its row is kept
        bad = review[(review["source_row"] == HEADER_ROW + 1 + offset) & (review["sheet"] == sheet)]
        assert bad.loc[bad["item_id"] == item, "response"].isna().all()
        assert bad.loc[bad["item_id"] != item, "response"].notna().all()


def test_an_unknown_item_column_and_the_item_it_replaced_are_named(root: Path) -> None:
    path = _draw(root)
    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    column = _columns(sheet)["SF04"]
    sheet.cell(HEADER_ROW, column, "SF99")
    book.save(root / "renamed.xlsx")
    problems = _tables(root, root / "renamed.xlsx")["review_quarantine"]
    letter = openpyxl.utils.get_column_letter(column)
    unknown = problems[problems["problem"] == "unknown item"].iloc[0]
    assert (unknown["sheet"], unknown["cell"], unknown["item_id"]) == (
        "Review",
        f"{letter}4",
        "SF99",
    )
    assert (
        "renamed.xlsx Review!" in unknown["message"]
        and "config/review_framework.yaml" in unknown["message"]
    )
    missing = problems[problems["problem"] == "item missing from workbook"]
    assert missing["item_id"].tolist() == ["SF04"]


def test_the_same_reviewer_twice_on_a_case_keeps_the_first_coding(root: Path) -> None:
    path = _draw(root)
    filled = root / "review_twice.xlsx"
    _fill(path, filled, [("Second coding", 0, "Reviewer", "ab")])
    tables = _tables(root, filled)
    problems = tables["review_quarantine"]
    assert problems["problem"].tolist() == ["same reviewer twice on the case"]
    assert problems["cell"].iloc[0].endswith(str(HEADER_ROW + 1))
    assert problems["sheet"].iloc[0] == "Second coding"
    case = problems["crime_id"].iloc[0]
    assert set(tables["review"].loc[tables["review"]["crime_id"] == case, "reviewer"]) == {"AB"}


def test_the_same_reviewer_in_two_workbooks_is_caught_and_copies_combine(root: Path) -> None:
    path = _draw(root)
    _fill(path, root / "review_a.xlsx")
    book = openpyxl.load_workbook(root / "review_a.xlsx")
    sheet = book["Review"]
    sheet.cell(HEADER_ROW + 1, _columns(sheet)["Reviewer"], "EF")  # a third reviewer's copy
    book.save(root / "review_b.xlsx")
    tables = _tables(root, root / "review_a.xlsx", root / "review_b.xlsx")
    problems = tables["review_quarantine"]
    assert (problems["source_file"] == "review_b.xlsx").all()
    assert set(problems["problem"]) == {"same reviewer twice on the case"}
    assert len(problems) == 30 + 9 - 1
    first_case = tables["review_sample"].set_index("case_number").loc[1]
    assert first_case["codings"] == (3 if first_case["double_coded"] else 2)


def test_uncoded_cases_are_listed_not_lost(root: Path) -> None:
    path = _draw(root)
    tables = _tables(root, path)
    problems = tables["review_quarantine"]
    assert set(problems["problem"]) == {"case not coded"} and len(problems) == 39
    assert tables["review"].empty and (tables["review_sample"]["codings"] == 0).all()


def test_a_sampled_case_missing_from_the_cleaned_cases_is_named(root: Path) -> None:
    path = _draw(root)
    _fill(path, root / "review_f.xlsx")
    sample = read_review_book(root / "review_f.xlsx").sample
    gone = sample["crime_id"].iloc[2]
    cases = load_cases(FORCE)
    tables = _tables(root, root / "review_f.xlsx", cases=cases[cases["crime_id"] != gone])
    problem = tables["review_quarantine"].iloc[0]
    assert (problem["problem"], problem["sheet"], problem["cell"]) == (
        "sampled case not in the cleaned cases", "Sample", "C4")  # fmt: skip
    assert not tables["review_sample"].set_index("crime_id").loc[gone, "in_cases"]


def _about(path: Path, key: str, value) -> None:
    book = openpyxl.load_workbook(path)
    for row in book["About"].iter_rows():
        if row[0].value == key:
            row[1].value = value
    book.save(path)


def _edit_sample(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    book["Sample"]["G2"] = 0.99
    book.save(path)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda root, p: _about(p, "Force", "Durham"), "is Durham's, but it is in the folder of"),
        (lambda root, p: _about(p, "Force", "Atlantis"), "not a known force"),
        (lambda root, p: _edit_sample(p), "Sample sheet does not match"),
        (lambda root, p: p.write_text("not a workbook"), "cannot be read as an Excel workbook"),
    ],
)
def test_a_bad_workbook_fails_the_force_and_writes_nothing(root: Path, spoil, message: str) -> None:
    path = _draw(root)
    target = root / "data" / "raw" / FOLDER / "review_2.xlsx"
    _fill(path, target)
    spoil(root, target)
    processed = root / "data" / "processed" / FOLDER
    before = {p.name: p.stat().st_mtime_ns for p in processed.iterdir()}
    with pytest.raises(ExtractError, match=message):
        clean_force(root / "data" / "raw" / FOLDER, root / "data" / "processed")
    assert {p.name: p.stat().st_mtime_ns for p in processed.iterdir()} == before
    assert not (processed / "review.parquet").exists()


def test_a_workbook_without_the_review_sheet_is_refused(root: Path) -> None:
    path = _draw(root)
    book = openpyxl.load_workbook(path)
    del book["Review"]
    book.save(root / "review_x.xlsx")
    with pytest.raises(ExtractError, match="no sheet 'Review'"):
        read_review_book(root / "review_x.xlsx")


def _earlier_round(root: Path, out: Path, size: int = 20) -> Path:
    """A second sample, drawn from the first financial year's cases only (an earlier cohort)."""
    cases = load_cases(FORCE)
    first = cases[cases["financial_year"] == cases["financial_year"].min()]
    sample = draw_review_sample(first, size, ["outcome_group"], 11, "equal", 0.3)
    return write_review_workbook(sample, load_review_framework(), out)


def test_two_samples_are_two_rounds_ordered_by_cohort_year_and_nothing_is_lost(
    root: Path,
) -> None:
    raw = root / "data" / "raw" / FOLDER
    _fill(_draw(root), raw / "review_a.xlsx")  # the later cohort, first in file order
    _fill(_earlier_round(root, root / "earlier.xlsx"), raw / "review_b.xlsx")
    shutil.copy(raw / "review_b.xlsx", raw / "review_c.xlsx")  # a copy of the same sample
    clean_force(raw, root / "data" / "processed")
    tables = load_review(FORCE)
    review, sample, problems = (tables[n] for n in ("review", "review_sample", "review_quarantine"))
    assert list(review.columns) == list(CODING_COLUMNS)
    assert sample["round"].tolist() == sorted(sample["round"].tolist())
    rounds = sample.groupby("round")["sample_id"].unique()
    assert rounds.index.tolist() == [1, 2] and all(len(ids) == 1 for ids in rounds)
    earlier = read_review_book(raw / "review_b.xlsx").about["sample id"]
    assert rounds[1][0] == earlier  # the first-year sample is round 1 whatever the file order
    assert sample.groupby("round").size().to_dict() == {1: 20, 2: 30}
    double = sample.groupby("round")["double_coded"].sum().to_dict()
    items = len(review_items(load_review_framework()))
    for number, n in ((1, 20), (2, 30)):
        assert len(review[review["round"] == number]) == (n + double[number]) * items
    # the copy of round 1 is the same round: its codings repeat reviewers, set aside there
    assert set(problems["problem"]) == {"same reviewer twice on the case"}
    assert set(problems["source_file"]) == {"review_c.xlsx"} and set(problems["round"]) == {1}
    assert len(problems) == 20 + double[1]
    assert set(review.loc[review["round"] == 1, "source_file"]) == {"review_b.xlsx"}
    latest = latest_round(tables)
    assert set(latest["review_sample"]["sample_id"]) == set(rounds[2])
    assert latest["review_quarantine"].empty and len(latest["review"]) == (30 + double[2]) * items


def test_a_bad_cell_in_the_second_round_is_named_with_its_round(root: Path) -> None:
    later = root / "review_later.xlsx"
    _fill(_draw(root), later, [("Review", 1, "SF01", "maybe")])
    earlier = root / "review_earlier.xlsx"
    _fill(_earlier_round(root, root / "earlier.xlsx"), earlier)
    tables = _tables(root, later, earlier)
    problems = tables["review_quarantine"]
    assert problems["problem"].tolist() == ["not one of the choices"]
    line = problems.iloc[0]
    letter = openpyxl.utils.get_column_letter(
        _columns(openpyxl.load_workbook(later)["Review"])["SF01"]
    )
    assert (line["source_file"], line["sheet"], line["cell"], line["round"]) == (
        "review_later.xlsx", "Review", f"{letter}{HEADER_ROW + 2}", 2)  # fmt: skip
    assert line["message"].startswith(f"review_later.xlsx Review!{letter}{HEADER_ROW + 2}:")


def test_one_workbook_is_one_round_and_the_rest_is_unchanged(root: Path) -> None:
    path = _draw(root)
    _fill(path, root / "review_one.xlsx")
    tables = _tables(root, root / "review_one.xlsx")
    for name, table in tables.items():
        assert (table["round"] == 1).all(), name
        assert str(table["round"].dtype) == "Int64"
    assert latest_round(tables)["review"].equals(tables["review"])
    without = {n: t.drop(columns="round") for n, t in tables.items()}
    assert latest_round(without)["review_sample"].equals(without["review_sample"])


def test_rounds_of_another_force_are_still_refused(root: Path) -> None:
    later = root / "review_later.xlsx"
    _fill(_draw(root), later)
    _about(later, "Force", "Durham")
    earlier = root / "review_earlier.xlsx"
    _fill(_earlier_round(root, root / "earlier.xlsx"), earlier)
    with pytest.raises(ExtractError, match="is Durham's, but it is in the folder of"):
        _tables(root, earlier, later)
