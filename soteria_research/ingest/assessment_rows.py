"""Turning the rows of a filled self-assessment sheet into responses and problems.

Pure: rows (tuples of cell values, as openpyxl gives them) in, two tables out. Ratings
are accepted as numbers (``3``, ``3.0``, ``"3"``), as ``3 - Established`` or as the scale
label (``Established``); anything else, or a rating off the scale, is set to NA and
reported. Problems never carry the text a force wrote.
"""

from __future__ import annotations

import re

import pandas as pd

from soteria_research.errors import ExtractError
from soteria_research.ingest import excel
from soteria_research.ingest.framework import framework_questions, scale

PROBLEM_COLUMNS = ("force", "round", "source_file", "row", "column", "question_id", "problem")
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
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+)(?:\.0+)?(?:\s*[-–:.)]\s*.*)?$")
_FIELDS = {
    "question id": "question_id",
    "self rating": "self_rating",
    "peer rating": "peer_rating",
    "evidence": "evidence",
    "actions": "actions",
    "owner": "owner",
}


def _header(rows: list[tuple], source_file: str) -> tuple[int, dict[str, int]]:
    """Index of the header row (row 4 normally) and the position of each needed column."""
    for index, row in enumerate(rows[:15]):
        names = {str(v).strip().casefold(): i for i, v in enumerate(row) if v is not None}
        if "question id" in names:
            missing = [title for title in _FIELDS if title not in names]
            if missing:
                raise ExtractError(
                    f"{source_file}: the Assessment header (row {index + 1}) lacks "
                    f"{', '.join(repr(m) for m in missing)}. Start from "
                    "`soteria assessment-template`."
                )
            return index, {field: names[title] for title, field in _FIELDS.items()}
    raise ExtractError(
        f"{source_file}: no header row with 'Question ID' in the Assessment sheet (expected on "
        "row 4). Start from `soteria assessment-template`."
    )


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


def ratings_and_problems(
    rows: list[tuple],
    about: dict[str, object],
    framework: dict,
    force: str,
    round_label: str,
    source_file: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses (one per framework question) and problems of one workbook's rows."""
    low, high, labels = scale(framework)
    questions = framework_questions(framework)
    header, where = _header(rows, source_file)
    problems: list[tuple] = []

    def problem(row: int | None, column: str | None, qid: str | None, what: str) -> None:
        problems.append((force, round_label, source_file, row, column, qid, what))

    for key, expected in (("scale min", low), ("scale max", high)):
        stated = excel.cell_text(about.get(key))
        if stated is not None and str(stated).strip() != str(expected):
            problem(None, key, None, "scale differs from framework")
    answers: dict[str, dict] = {}
    known = set(questions["question_id"])
    for offset, row in enumerate(rows[header + 1 :]):
        number = header + 2 + offset
        qid = _text(row, where["question_id"])
        if qid is None:
            continue
        qid = str(qid)
        if qid not in known:
            problem(number, "Question ID", None, "unknown question id")
            continue
        if qid in answers:
            problem(number, "Question ID", qid, "question answered twice")
            continue
        answer = {"row": number}
        for field, title in (("self_rating", "Self rating"), ("peer_rating", "Peer rating")):
            rating = parse_rating(_cell(row, where[field]), labels)
            if isinstance(rating, str):
                problem(number, title, qid, "not a rating")
                rating = None
            elif rating is not None and not low <= rating <= high:
                problem(number, title, qid, "rating out of scale")
                rating = None
            answer[field] = rating
        if _text(row, where["self_rating"]) is None:
            problem(number, "Self rating", qid, "unanswered")
        for field in ("evidence", "actions", "owner"):
            value = _text(row, where[field])
            answer[field] = None if value is None else str(value)
        answers[qid] = answer
    records = []
    for question in questions.itertuples(index=False):
        answer = answers.get(question.question_id)
        if answer is None:
            problem(None, "Question ID", question.question_id, "question missing from workbook")
            answer = {}
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
    return _responses(records), _problems(problems)


def _responses(records: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(RESPONSE_COLUMNS))
    types = {c: "string" for c in RESPONSE_COLUMNS}
    types.update(dict.fromkeys(("scale_min", "scale_max"), "Int64"))
    types.update(dict.fromkeys(("self_rating", "peer_rating"), "Int64"))
    return frame.astype(types)


def _problems(problems: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    types = {c: "string" for c in PROBLEM_COLUMNS}
    types.update({"row": "Int64"})
    return frame.astype(types)


def empty_responses() -> pd.DataFrame:
    """An assessment table with no rows (a force without a workbook)."""
    return _responses([])


def empty_problems() -> pd.DataFrame:
    return _problems([])
