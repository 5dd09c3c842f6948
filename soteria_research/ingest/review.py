"""Reading completed case-file review workbooks into the processed review tables.

A force folder may hold one or more completed workbooks ``review*.xlsx``: the team's
master copy, or one copy per reviewer, of one or more review rounds. A round is one sample
(its ``sample id``): the copies of one sample are combined into one round, and each other
sample is another round. Rounds are numbered ``1, 2, ...`` in the ``round`` column of all
three tables, ordered by the **cohort years of the sample's cases**: the earliest financial
year of recording of its cases found in the cleaned cases, then the latest, then (a tie,
or no case found) the order of the files. A later review of a later cohort is a later
round; a sample drawn from one year is earlier than one drawn from that year and the next.
:func:`read_review_book`
is the small reading interface (a workbook in, its About values, Sample sheet and coding
sheets' rows out); :func:`review_tables` (pure) validates the rows against the framework
and the sample and links them to the cleaned cases; :func:`ingest_reviews` does both for
a folder and :func:`write_review_tables` writes ``review`` (codings, long form),
``review_sample`` (the design) and ``review_quarantine`` (problems) atomically.

Nothing is lost: every filled cell ends in ``review`` or is named in
``review_quarantine`` with its reason (unknown item, value out of range or not one of the
choices, case not in the sample, the same reviewer twice on a case, no reviewer, no crime
id, a sampled case not in the cleaned cases, an item missing from the workbook, a case
not coded). Each problem has a one-line ``message`` naming file and ``sheet!cell``;
problems never carry what a reviewer wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from soteria_research import normalise
from soteria_research.errors import DataError, ExtractError, UnknownValueError
from soteria_research.ingest import excel, processed
from soteria_research.ingest.review_framework import (
    load_review_framework,
    ordinal_labels,
    parse_response,
    review_items,
)
from soteria_research.ingest.review_sample import SAMPLE_COLUMNS, sample_id
from soteria_research.ingest.review_workbook import (
    ABOUT_SHEET,
    CODING_SHEETS,
    CRIME_ID,
    FIELDS,
    REVIEW_DATE,
    REVIEW_SHEET,
    REVIEWER,
    SAMPLE_SHEET,
)

log = logging.getLogger(__name__)

REVIEW_GLOB = "review*.xlsx"
TABLE_NAMES = ("review", "review_sample", "review_quarantine")
ROUND = "round"
CODING_COLUMNS = (
    "force",
    "crime_id",
    "reviewer",
    "primary",
    "review_date",
    "source_file",
    "sheet",
    "source_row",
    "pillar",
    "item_id",
    "response",
    "value",
    ROUND,
)
PROBLEM_COLUMNS = (
    "force",
    "source_file",
    "sheet",
    "cell",
    "crime_id",
    "item_id",
    "problem",
    "message",
    ROUND,
)
_ADVICE = {
    "unknown item": "rename the column to an item of config/review_framework.yaml or remove it",
    "item missing from workbook": "start from `soteria review-sample`, which writes every item",
    "not one of the choices": "choose from the cell's drop-down",
    "not a whole number": "write whole days or the scale value",
    "out of range": "write a value within the item's range (see the Items sheet)",
    "not a valid response": "choose from the cell's drop-down",
    "not a date": "write the review date as a date",
    "case not in the sample": "code only the cases listed in the Sample sheet",
    "same reviewer twice on the case": "keep one coding per reviewer; the later one is set aside",
    "no reviewer": "write the reviewer's initials or id in the Reviewer column",
    "no crime id": "keep the Crime ID column as written by `soteria review-sample`",
    "sampled case not in the cleaned cases": "re-clean with the extract the sample was drawn from",
    "case not coded": "code the case, or leave it: it counts as not reviewed",
}


@dataclass
class ReviewBook:
    """What one review workbook holds: About values, Sample sheet and coding sheets."""

    file: str
    about: dict[str, object]
    sample: pd.DataFrame
    sheets: dict[str, list[tuple]] = field(default_factory=dict)


def _about(book) -> dict[str, object]:
    found = {}
    if ABOUT_SHEET in book.sheetnames:
        for row in book[ABOUT_SHEET].iter_rows(values_only=True):
            if row and row[0] is not None and len(row) > 1:
                found[str(row[0]).strip().casefold()] = row[1]
    return found


def _sample_sheet(rows: list[tuple], name: str) -> pd.DataFrame:
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else ())]
    missing = [c for c in SAMPLE_COLUMNS if c not in header]
    if missing:
        raise ExtractError(
            f"{name}: the Sample sheet lacks {', '.join(missing)}. Do not edit the Sample "
            "sheet; start again from `soteria review-sample` if it was changed."
        )
    where = {c: header.index(c) for c in SAMPLE_COLUMNS}
    body = [r for r in rows[1:] if r and r[where["crime_id"]] is not None]
    frame = pd.DataFrame(
        [[r[where[c]] for c in SAMPLE_COLUMNS] for r in body], columns=list(SAMPLE_COLUMNS)
    )
    types = dict.fromkeys(SAMPLE_COLUMNS, "string")
    types.update(
        {
            "case_number": "Int64",
            "stratum_population": "Int64",
            "stratum_sample": "Int64",
            "inclusion_probability": "Float64",
            "double_coded": "boolean",
        }
    )
    return frame.astype(types)


def read_review_book(path: str | Path) -> ReviewBook:
    """Read one review workbook's About values, Sample sheet and coding sheets' rows.

    Raises
    ------
    ExtractError
        Not a workbook, no Review or Sample sheet, or the Sample sheet was changed (its
        fingerprint no longer matches the About sheet's Sample id).
    """
    path = Path(path)
    book = excel.open_workbook(path)
    try:
        for needed in (REVIEW_SHEET, SAMPLE_SHEET):
            if needed not in book.sheetnames:
                raise ExtractError(
                    f"{path.name}: no sheet {needed!r} (sheets: {', '.join(book.sheetnames)}). "
                    "Start from the workbook `soteria review-sample` writes."
                )
        about = _about(book)
        sample = _sample_sheet(list(book[SAMPLE_SHEET].iter_rows(values_only=True)), path.name)
        sheets = {
            name: list(book[name].iter_rows(values_only=True))
            for name in CODING_SHEETS
            if name in book.sheetnames
        }
    finally:
        book.close()
    stated = excel.cell_text(about.get("sample id"))
    if stated is None or sample_id(sample) != str(stated).strip():
        raise ExtractError(
            f"{path.name}: the Sample sheet does not match the sample id in the About sheet "
            "(was it edited?). Copy the codings into a fresh copy of the sample workbook."
        )
    return ReviewBook(path.name, about, sample, sheets)


def _header(rows: list[tuple]) -> tuple[int, list[str]] | None:
    for index, row in enumerate(rows[:10]):
        names = [str(excel.cell_text(v) or "").strip() for v in row]
        if CRIME_ID in names and REVIEWER in names:
            return index, names
    return None


class _Collector:
    """Codings and problems gathered while reading the books."""

    def __init__(self, force: str) -> None:
        self.force = force
        self.codings: list[tuple] = []
        self.problems: list[tuple] = []

    def problem(self, file, sheet, cell, crime_id, item_id, what) -> None:
        place = f"{file} {sheet}!{cell}" if sheet else file
        subject = f" ({item_id})" if item_id else ""
        message = f"{place}: {what}{subject}; {_ADVICE.get(what, 'check the cell')}."
        self.problems.append((self.force, file, sheet, cell, crime_id, item_id, what, message))


def _item_columns(book, name, names, header_row, by_id, out: _Collector) -> dict[str, int]:
    """Position of each framework item's column; unknown and missing items reported."""
    columns: dict[str, int] = {}
    for position, title in enumerate(names):
        if title in by_id and title not in columns:
            columns[title] = position
        elif title and title not in FIELDS:
            cell = f"{excel_column(position)}{header_row}"
            out.problem(book.file, name, cell, None, title, "unknown item")
    for item_id in by_id:
        if item_id not in columns:
            cell = f"A{header_row}"
            out.problem(book.file, name, cell, None, item_id, "item missing from workbook")
    return columns


def _field(row: tuple, at: dict[str, int], name: str) -> str | None:
    position = at.get(name)
    if position is None or position >= len(row):
        return None
    text = excel.cell_text(row[position])
    return text.strip() or None if isinstance(text, str) else text


def _row_problem(crime_id, reviewer, filled, sampled, seen) -> tuple[str, str] | None:
    """Why a coding row is set aside, and the field whose cell to name (None: keep it)."""
    if crime_id is None:
        return ("no crime id", CRIME_ID) if filled or reviewer else ("", CRIME_ID)
    if crime_id not in sampled:
        return "case not in the sample", CRIME_ID
    if not filled and reviewer is None:
        return "case not coded", CRIME_ID
    if reviewer is None:
        return "no reviewer", REVIEWER
    if (crime_id, reviewer.casefold()) in seen:
        return "same reviewer twice on the case", REVIEWER
    return None


def _read_sheet(book: ReviewBook, name: str, items, labels, sampled, seen, out: _Collector):
    found = _header(book.sheets[name])
    if found is None:
        raise ExtractError(
            f"{book.file}: the {name} sheet has no header row with 'Crime ID' and 'Reviewer' "
            "(row 4). Start from the workbook `soteria review-sample` writes."
        )
    index, names = found
    header_row = index + 1
    by_id = {i["item_id"]: i for i in items.to_dict("records")}
    columns = _item_columns(book, name, names, header_row, by_id, out)
    at = {f: names.index(f) for f in (CRIME_ID, REVIEWER, REVIEW_DATE) if f in names}
    for number, row in enumerate(book.sheets[name][index + 1 :], start=header_row + 1):
        cells = {k: (row[p] if p < len(row) else None) for k, p in columns.items()}
        crime_id, reviewer = _field(row, at, CRIME_ID), _field(row, at, REVIEWER)
        crime_id = None if crime_id is None else str(crime_id)
        reviewer = None if reviewer is None else str(reviewer)
        filled = any(excel.cell_text(v) not in (None, "") for v in cells.values())
        set_aside = _row_problem(crime_id, reviewer, filled, sampled, seen)
        if set_aside is not None:
            what, where = set_aside
            if what:
                cell = f"{excel_column(at[where])}{number}"
                out.problem(book.file, name, cell, crime_id, None, what)
            continue
        seen.add((crime_id, reviewer.casefold()))
        date = pd.NaT
        if written := _field(row, at, REVIEW_DATE):
            date = pd.to_datetime(str(written), errors="coerce", format="ISO8601")
            if pd.isna(date):
                cell = f"{excel_column(at[REVIEW_DATE])}{number}"
                out.problem(book.file, name, cell, crime_id, None, "not a date")
        for item_id, position in columns.items():
            item = by_id[item_id]
            parsed = parse_response(cells[item_id], item, labels.get(item_id))
            if isinstance(parsed, str):
                cell = f"{excel_column(position)}{number}"
                out.problem(book.file, name, cell, crime_id, item_id, parsed)
                parsed = None
            response, value = parsed if parsed else (None, None)
            where = (book.file, name, number, item["pillar"], item_id, response, value)
            out.codings.append((out.force, crime_id, reviewer, name == REVIEW_SHEET, date, *where))


def excel_column(position: int) -> str:
    """Excel's letters of a 0-based column position (0 -> A)."""
    return get_column_letter(position + 1)


def _book_force(book: ReviewBook, force: str) -> None:
    stated = str(excel.cell_text(book.about.get("force")) or "").strip()
    try:
        name = normalise.force_name(stated)
    except UnknownValueError:
        raise ExtractError(
            f"{book.file}: the About sheet's Force {stated!r} is not a known force."
        ) from None
    if name != force:
        raise ExtractError(
            f"{book.file}: this review workbook is {name}'s, but it is in the folder of {force}. "
            "Move it to the right force folder."
        )


def _years(sample: pd.DataFrame, cases: pd.DataFrame) -> tuple:
    """Order key of a round: (no years known, earliest, latest cohort year of its cases)."""
    if "financial_year" not in cases.columns:
        return (True, "", "")
    years = cases.loc[cases["crime_id"].astype(str).isin(set(sample["crime_id"].astype(str))),
                      "financial_year"].dropna().astype(str)  # fmt: skip
    return (True, "", "") if years.empty else (False, years.min(), years.max())


def review_rounds(books: list[ReviewBook], cases: pd.DataFrame) -> list[list[ReviewBook]]:
    """The books of each review round (one sample id), rounds in order (module docstring)."""
    by_sample: dict[str, list[ReviewBook]] = {}
    for book in books:
        by_sample.setdefault(str(excel.cell_text(book.about.get("sample id"))), []).append(book)
    rounds = list(by_sample.values())
    return sorted(rounds, key=lambda group: _years(group[0].sample, cases))


def _round_tables(books, cases, force, items, labels) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Codings, design and problems of one round (the books of one sample)."""
    out = _Collector(force)
    sample = books[0].sample.copy()
    sampled = set(sample["crime_id"].astype(str))
    seen: set[tuple[str, str]] = set()
    for book in books:
        for name in CODING_SHEETS:
            if name in book.sheets:
                _read_sheet(book, name, items, labels, sampled, seen, out)
    in_cases = sample["crime_id"].isin(set(cases["crime_id"].astype(str)))
    for row in sample.loc[~in_cases].itertuples():
        out.problem(
            books[0].file,
            SAMPLE_SHEET,
            f"C{row.Index + 2}",
            row.crime_id,
            None,
            "sampled case not in the cleaned cases",
        )
    codings = _codings(out.codings)
    coders = codings.drop_duplicates(["crime_id", "reviewer"])["crime_id"].value_counts()
    stated = str(excel.cell_text(books[0].about.get("sample id")))
    sample["sample_id"] = pd.array([stated] * len(sample), dtype="string")
    sample["in_cases"] = pd.array(in_cases.to_numpy(), dtype="boolean")
    sample["codings"] = sample["crime_id"].map(coders).fillna(0).astype("Int64")
    return codings, sample, out.problems


def review_tables(
    books: list[ReviewBook], cases: pd.DataFrame, force: str, framework: dict
) -> dict[str, pd.DataFrame]:
    """Validate review workbooks and link them to the cleaned cases (pure).

    Parameters
    ----------
    books
        One force's review workbooks (:func:`read_review_book`), in file order; copies of
        one sample are one round, other samples other rounds (:func:`review_rounds`).
    cases
        The force's cleaned cases (``crime_id``; ``financial_year`` orders the rounds).
    force
        The force's Home Office name.
    framework
        The review framework.

    Returns
    -------
    dict
        ``review`` (``CODING_COLUMNS``: one row per case, reviewer and item; ``primary``
        marks codings from the Review sheet, ``response`` the canonical answer, ``value``
        the ordinal value or days), ``review_sample`` (``SAMPLE_COLUMNS`` plus
        ``sample_id``, ``in_cases``, ``codings``, the number of reviewers who coded the
        case, and ``round``) and ``review_quarantine`` (``PROBLEM_COLUMNS``). Every table
        carries ``round`` (Int64, 1 the earliest); rows are in round order.

    Raises
    ------
    ExtractError
        A workbook of another force.
    """
    items = review_items(framework)
    labels = ordinal_labels(framework)
    for book in books:
        _book_force(book, force)
    codings, samples, problems = [], [], []
    for number, group in enumerate(review_rounds(books, cases), start=1):
        found, sample, trouble = _round_tables(group, cases, force, items, labels)
        codings.append(found.assign(**{ROUND: pd.array([number] * len(found), "Int64")}))
        samples.append(sample.assign(**{ROUND: pd.array([number] * len(sample), "Int64")}))
        problems.extend((*p, number) for p in trouble)
    quarantine = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    quarantine = quarantine.astype(dict.fromkeys(PROBLEM_COLUMNS, "string") | {ROUND: "Int64"})
    if len(samples) > 1:
        log.info("%s: %d review rounds", force, len(samples))
    return {
        "review": pd.concat(codings, ignore_index=True) if codings else _codings([]),
        "review_sample": pd.concat(samples, ignore_index=True),
        "review_quarantine": quarantine,
    }


def _codings(records: list[tuple]) -> pd.DataFrame:
    """One round's codings (``round`` is added by :func:`review_tables`)."""
    columns = [c for c in CODING_COLUMNS if c != ROUND]
    frame = pd.DataFrame(records, columns=columns)
    types = dict.fromkeys(columns, "string")
    types.update(
        {
            "primary": "boolean",
            "review_date": "datetime64[s]",
            "source_row": "Int64",
            "value": "Float64",
        }
    )
    frame["review_date"] = pd.to_datetime(frame["review_date"])
    return frame.astype(types)


def latest_round(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The three review tables of the latest round only (the sample's highest ``round``;
    all rows when there is no ``round`` column: tables written before rounds were kept)."""
    rounds = tables["review_sample"].get(ROUND)
    if rounds is None or rounds.isna().all():
        return dict(tables)
    last = rounds.max()
    return {
        name: table[table[ROUND] == last].reset_index(drop=True) if ROUND in table else table
        for name, table in tables.items()
    }


def review_files(force_dir: Path) -> list[Path]:
    """The completed review workbooks of a force folder (Excel lock files left out)."""
    return [p for p in sorted(Path(force_dir).glob(REVIEW_GLOB)) if not p.name.startswith("~$")]


def ingest_reviews(
    force_dir: str | Path, cases: pd.DataFrame, force: str, framework=None
) -> dict[str, pd.DataFrame] | None:
    """Read and validate a force folder's review workbooks; None when it holds none."""
    files = review_files(Path(force_dir))
    if not files:
        return None
    tables = review_tables(
        [read_review_book(f) for f in files], cases, force, load_review_framework(framework)
    )
    problems = tables["review_quarantine"]
    if len(problems):
        log.warning(
            "%s: %d review workbook problem(s), kept in review_quarantine", force, len(problems)
        )
    return tables


def write_review_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write the three review tables into a processed force folder, all or none."""
    return processed.write_tables(folder, {name: tables[name] for name in TABLE_NAMES})


def load_review(force: str, processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """A force's processed review tables (``review``, ``review_sample``, ``review_quarantine``).

    Raises
    ------
    DataError
        The force has no review tables: the message says where to put the workbooks.
    """
    folder = processed.force_folder(force, processed_dir)
    paths = {name: folder / f"{name}.parquet" for name in TABLE_NAMES}
    if not all(p.is_file() for p in paths.values()):
        raise DataError(
            f"No case-file review for {normalise.force_name(force)} in {folder}: put the "
            "completed review*.xlsx in its raw folder and run `soteria clean`."
        )
    return {name: pd.read_parquet(path) for name, path in paths.items()}
