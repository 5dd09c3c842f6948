"""Turning the rows of a filled self-assessment sheet into responses and problems.

Pure: a :class:`~soteria_research.ingest.workbook.ReturnedWorkbook` (rows already read)
in, two tables out. Ratings are accepted as numbers (``3``, ``3.0``, ``"3"``), as
``3 - Established`` or as the scale label (``Established``); anything else, or a rating
off the scale, is set to NA and reported with its cell. Every problem names its cell and
says what to do; problems never carry the text a force wrote (an off-scale number is
quoted, words are not).
"""

from __future__ import annotations

import re

import pandas as pd

from soteria_research.ingest import excel
from soteria_research.ingest.framework import framework_questions, scale
from soteria_research.ingest.workbook import CellProblem, ReturnedWorkbook

#: ``problem`` is the line the force reads: ``file, sheet!cell: what is wrong``.
PROBLEM_COLUMNS = (
    "force",
    "round",
    "file",
    "sheet",
    "cell",
    "question_id",
    "issue",
    "problem",
)
RESPONSE_COLUMNS = (
    "force",
    "round",
    "pillar",
    "theme_id",
    "theme",
    "question_id",
    "question",
    "scale_min",
    "scale_max",
    "self_rating",
    "peer_rating",
    "evidence",
    "actions",
    "owner",
)
SHEET = "Assessment"
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+)(?:\.0+)?(?:\s*[-–:.)]\s*.*)?$")
_RATERS = (("self_rating", "Self rating", "self"), ("peer_rating", "Peer rating", "peer"))


def parse_rating(value: object, labels: dict[int, str]) -> int | str | None:
    """A rating as an int, None when empty, or the string ``"not a rating"``."""
    text = excel.cell_text(value)
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if match := _LEADING_NUMBER.match(text):
        return int(match.group(1))
    by_label = {label.casefold(): rating for rating, label in labels.items()}
    return by_label.get(text.casefold(), "not a rating")


def _cell(row: tuple, position: int) -> object:
    return row[position] if position < len(row) else None


def _text(row: tuple, position: int) -> str | None:
    value = excel.cell_text(_cell(row, position))
    return value.strip() or None if isinstance(value, str) else value


class _Problems:
    """Collects the problems of one workbook as ``PROBLEM_COLUMNS`` records."""

    def __init__(self, book: ReturnedWorkbook, force: str, round_label: str) -> None:
        self.book, self.force, self.round = book, force, round_label
        self.records: list[tuple] = []

    def add(self, sheet: str, cell: str, qid: str | None, issue: str) -> None:
        line = CellProblem(self.book.file, sheet, cell, issue).line
        self.records.append((self.force, self.round, self.book.file, sheet, cell, qid, issue, line))


def _rating(row, number, qid, field, title, rater, book, labels, low, high, found):
    """One rating of a row: an int on the scale or None, with its problem recorded."""
    rating = parse_rating(_cell(row, book.columns[title.casefold()]), labels)
    cell = book.cell(number, title)
    words = f"{low} to {high}" + (
        f" or its label (e.g. {labels[high]!r})" if high in labels else ""
    )
    if isinstance(rating, str):
        found.add(SHEET, cell, qid, f"{rater} rating is not a rating; enter {words}")
        return None
    if rating is not None and not low <= rating <= high:
        found.add(
            SHEET,
            cell,
            qid,
            f"{rater} rating {rating} is off the {low}-{high} scale; enter {words}",
        )
        return None
    return rating


def _scale_problems(about: list[tuple], low: int, high: int, found: _Problems) -> None:
    for number, row in enumerate(about, start=1):
        key = str(excel.cell_text(row[0]) or "").strip().casefold() if row else ""
        for name, expected in (("scale min", low), ("scale max", high)):
            stated = excel.cell_text(_cell(row, 1)) if key == name else None
            if stated is not None and str(stated).strip() != str(expected):
                found.add(
                    "About",
                    f"B{number}",
                    None,
                    f"{name} {str(stated).strip()} differs from the framework's {expected}; "
                    "the ratings were read on the framework's scale. Start from the template",
                )


def ratings_and_problems(
    book: ReturnedWorkbook,
    framework: dict,
    force: str,
    round_label: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses (one per framework question) and problems of one opened workbook.

    Problems: a rating off the scale or not a rating (set to NA), an empty self or peer
    rating (counted as unanswered), an unknown or repeated question id (the row is not
    used), ratings on a row without a question id, a framework question with no row
    (deleted), and a scale in the About sheet that differs from the framework.
    """
    low, high, labels = scale(framework)
    questions = framework_questions(framework)
    found = _Problems(book, force, round_label)
    _scale_problems(book.rows.get("About", []), low, high, found)
    rows = book.rows[SHEET]
    first = book.header_row + 1
    answers: dict[str, dict] = {}
    known = set(questions["question_id"])
    qid_at = book.columns["question id"]
    empty_peer: list[tuple[int, str]] = []
    for number, row in enumerate(rows[book.header_row :], start=first):
        qid = _text(row, qid_at)
        if qid is None:
            if any(_text(row, book.columns[t.casefold()]) for _f, t, _r in _RATERS):
                found.add(
                    SHEET,
                    book.cell(number, "Question ID"),
                    None,
                    "ratings on a row without a question id; put the question id back or "
                    "delete the row",
                )
            continue
        qid = str(qid)
        cell = book.cell(number, "Question ID")
        if qid not in known:
            found.add(
                SHEET,
                cell,
                None,
                f"question {qid} is not in the framework, so the row is not used; use the "
                "template's question id or delete the row",
            )
            continue
        if qid in answers:
            found.add(
                SHEET,
                cell,
                qid,
                f"question {qid} appears again (first on row {answers[qid]['row']}), so this "
                "row is not used; delete the repeated row",
            )
            continue
        answer = {"row": number}
        for field, title, rater in _RATERS:
            answer[field] = _rating(
                row, number, qid, field, title, rater, book, labels, low, high, found
            )
        if _text(row, book.columns["self rating"]) is None:
            found.add(
                SHEET,
                book.cell(number, "Self rating"),
                qid,
                "self rating is empty (counted as unanswered); rate the question",
            )
        if _text(row, book.columns["peer rating"]) is None:
            empty_peer.append((number, qid))
        for field in ("evidence", "actions", "owner"):
            value = _text(row, book.columns[field])
            answer[field] = None if value is None else str(value)
        answers[qid] = answer
    _peer_problems(book, empty_peer, answers, found)
    last = max((answer["row"] for answer in answers.values()), default=first)
    _missing_questions(book, questions, answers, first, last, found)
    records = []
    for question in questions.itertuples(index=False):
        answer = answers.get(question.question_id, {})
        records.append(
            (
                force,
                round_label,
                *question,
                low,
                high,
                answer.get("self_rating"),
                answer.get("peer_rating"),
                answer.get("evidence"),
                answer.get("actions"),
                answer.get("owner"),
            )
        )
    return _responses(records), _problems(found.records)


def _peer_problems(book, empty_peer, answers, found: _Problems) -> None:
    """Each empty peer rating, or one range when the peer review is absent altogether."""
    if not empty_peer:
        return
    if len(empty_peer) == len(answers) > 1:
        rows = [number for number, _ in empty_peer]
        found.add(
            SHEET,
            f"{book.cell(min(rows), 'Peer rating')}:{book.cell(max(rows), 'Peer rating')}",
            None,
            "no peer ratings (every question counted as unanswered by the peer reviewer); "
            "add the peer review and send the workbook again",
        )
        return
    for number, qid in empty_peer:
        found.add(
            SHEET,
            book.cell(number, "Peer rating"),
            qid,
            "peer rating is empty (counted as unanswered); ask the peer reviewer to rate it",
        )


def _missing_questions(book, questions, answers, first, last, found: _Problems) -> None:
    span = f"{book.cell(first, 'Question ID')}:{book.cell(last, 'Question ID')}"
    for qid in questions["question_id"]:
        if qid not in answers:
            found.add(
                SHEET,
                span,
                qid,
                f"question {qid} is missing (its row was deleted or its id changed), so it "
                "counts as unanswered; add its row back from the template",
            )


def _responses(records: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(RESPONSE_COLUMNS))
    types = {c: "string" for c in RESPONSE_COLUMNS}
    types.update(dict.fromkeys(("scale_min", "scale_max"), "Int64"))
    types.update(dict.fromkeys(("self_rating", "peer_rating"), "Int64"))
    return frame.astype(types)


def _problems(problems: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS)).astype("string")


def empty_responses() -> pd.DataFrame:
    """An assessment table with no rows (a force without a workbook)."""
    return _responses([])


def empty_problems() -> pd.DataFrame:
    """A problems table with no rows (``PROBLEM_COLUMNS``)."""
    return _problems([])
