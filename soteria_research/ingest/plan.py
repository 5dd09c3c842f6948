"""Reading a filled improvement plan back, with nothing lost.

:func:`read_plan` reads the ``Plan`` sheet of a workbook written by
:func:`~soteria_research.ingest.plan_template.write_plan_template`. Every row with any
content ends up either in the plan (a valid action) or in the plan's quarantine with one
reason per problem, and every problem is one line naming the file, the ``sheet!cell``,
the column and what to do. :func:`ingest_plan` writes both tables to
``data/processed/<force>/`` (``plan.parquet``, ``plan_quarantine.parquet``) atomically.
The reader is self-contained: it needs openpyxl and the template's layout only.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils.datetime import from_excel

from soteria_research import normalise, paths, reference
from soteria_research.errors import DataError, ExtractError
from soteria_research.ingest.plan_template import FIELDS, HEADER, SHEET, STATUSES
from soteria_research.ingest.processed import force_folder, write_tables

logger = logging.getLogger(__name__)

PLAN_COLUMNS = [
    "force",
    "action_id",
    "pillar",
    "finding",
    "linked_measures",
    "action",
    "owner_role",
    "start_date",
    "due_date",
    "status",
    "source_file",
    "source_row",
]
QUARANTINE_COLUMNS = ["force", "source_file", "source_row", "cell", "column", "reason"]
#: Returned plans in a force folder (``soteria clean`` reads the one it finds).
PLAN_FILES = "improvement_plan*.xlsx"
#: Reason given to a seeded finding the force wrote no action for.
NO_ACTION = "finding without an action"
_COLUMN_OF = {name: openpyxl.utils.get_column_letter(i + 1) for i, name in enumerate(HEADER)}


@dataclass(frozen=True)
class PlanResult:
    """A plan as read: the valid actions, the quarantined rows and the problem lines."""

    plan: pd.DataFrame
    quarantine: pd.DataFrame
    problems: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _pillar_lookup() -> dict[str, str]:
    table = reference.pillars()
    lookup = {_key(slug): slug for slug in table["slug"]}
    lookup.update(
        {_key(name): slug for name, slug in zip(table["name"], table["slug"], strict=True)}
    )
    return lookup


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_date(value: object) -> dt.date | None:
    """A cell as a date; None when it cannot be one (the caller reports it)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 100000:
        return from_excel(value).date()
    text = _as_text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _open(path: Path):
    if not path.is_file():
        raise ExtractError(f"{path}: no such file. Write one with `soteria plan-template`.")
    try:
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or wrong file
        raise ExtractError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}). Save it "
            "as .xlsx from the template `soteria plan-template` writes."
        ) from exc
    if SHEET not in book.sheetnames:
        raise ExtractError(
            f"{path}: no sheet {SHEET!r} (sheets: {', '.join(book.sheetnames)}). Do not "
            "rename the template's sheets."
        )
    return book


def _check_force(book, path: Path, force: str) -> None:
    if "About" not in book.sheetnames:
        return
    for key, value, *_ in book["About"].iter_rows(values_only=True):
        if _as_text(key) == "Force" and value:
            written = normalise.force_name(value)
            if written != force:
                raise ExtractError(
                    f"{path}: About!B2 says the plan is for {written}, not {force}. Check "
                    "the file is the right force's plan."
                )


def _header(rows: list[tuple], path: Path) -> dict[str, int]:
    found = [_as_text(v) for v in (rows[0] if rows else ())]
    missing = [h for h in HEADER if h not in found]
    if missing:
        where = ", ".join(f"{SHEET}!{_COLUMN_OF[h]}1" for h in missing)
        raise ExtractError(
            f"{path}: header {', '.join(repr(h) for h in missing)} missing ({where}); row 1 "
            f"of sheet {SHEET!r} must read {' | '.join(HEADER)}."
        )
    return {FIELDS[h]: found.index(h) for h in HEADER}


def read_plan(
    path: str | Path, force: str, known_measures: Iterable[str] | None = None
) -> PlanResult:
    """Read a filled improvement plan.

    Parameters
    ----------
    path : path
        The workbook.
    force : str
        The force it belongs to (any known variant of the name).
    known_measures : iterable of str, optional
        Measure names a linked measure must be one of (not checked when None).

    Returns
    -------
    PlanResult
        ``plan`` (:data:`PLAN_COLUMNS`), ``quarantine`` (:data:`QUARANTINE_COLUMNS`,
        one row per problem) and ``problems`` (one line each).

    Raises
    ------
    ExtractError
        The file cannot be read, lacks the ``Plan`` sheet or its header, or is another
        force's plan.
    """
    path = Path(path)
    name = normalise.force_name(force)
    book = _open(path)
    try:
        _check_force(book, path, name)
        rows = list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    columns = _header(rows, path)
    known = set(known_measures) if known_measures is not None else None
    pillars = _pillar_lookup()
    actions, quarantined, problems, seen = [], [], [], set()
    for number, values in enumerate(rows[1:], start=2):
        cells = {key: values[i] if i < len(values) else None for key, i in columns.items()}
        row_problems: list[tuple[str, str]] = []

        def problem(key: str, reason: str, number=number, row_problems=row_problems) -> None:
            row_problems.append((key, reason))

        text = {key: _as_text(value) for key, value in cells.items()}
        filled = [k for k in ("action", "owner_role", "start_date", "due_date") if text[k]]
        if not any(text.values()):
            continue
        if not filled:
            quarantined.append((name, path.name, number, f"{SHEET}!A{number}", "action", NO_ACTION))
            continue
        pillar = pillars.get(_key(text["pillar"]))
        if pillar is None:
            problem(
                "pillar",
                f"{text['pillar']!r} is not a Soteria pillar; choose one from the drop-down",
            )
        for key, what in (("action", "no action written"), ("owner_role", "no owner role")):
            if not text[key]:
                problem(key, f"{what}; fill it in or clear the row")
        dates = {}
        for key in ("start_date", "due_date"):
            dates[key] = _as_date(cells[key])
            if dates[key] is None:
                shown = repr(text[key]) if text[key] else "empty"
                problem(key, f"{shown} is not a date; write DD/MM/YYYY")
        if dates["start_date"] and dates["due_date"] and dates["due_date"] < dates["start_date"]:
            problem("due_date", "due before the start; correct one of the dates")
        status = text["status"].casefold().replace("_", " ")
        if status not in STATUSES:
            problem(
                "status", f"{text['status']!r} is not a status; choose one of {', '.join(STATUSES)}"
            )
        linked = [m.strip() for m in text["linked_measures"].split("|") if m.strip()]
        unknown = [m for m in linked if known is not None and m not in known]
        if unknown:
            problem(
                "linked_measures",
                f"unknown measure(s) {', '.join(unknown)}; use measure names separated by '|'",
            )
        action_id = text["action_id"] or f"R{number}"
        if action_id in seen:
            problem("action_id", f"action ID {action_id!r} is used twice; make each ID unique")
        seen.add(action_id)
        if row_problems:
            for key, reason in row_problems:
                header = next(h for h, f in FIELDS.items() if f == key)
                cell = f"{SHEET}!{_COLUMN_OF[header]}{number}"
                quarantined.append((name, path.name, number, cell, key, reason))
                problems.append(f"{path.name}: {cell} ({header}): {reason}.")
            continue
        actions.append(
            (
                name,
                action_id,
                pillar,
                text["finding"],
                "|".join(linked),
                text["action"],
                text["owner_role"],
                dates["start_date"],
                dates["due_date"],
                status,
                path.name,
                number,
            )
        )
    return PlanResult(_plan_frame(actions), _quarantine_frame(quarantined), problems)


def _plan_frame(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    for column in ("start_date", "due_date"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ms]")
    text = [c for c in PLAN_COLUMNS if c not in ("start_date", "due_date", "source_row")]
    out[text] = out[text].astype("string")
    out["source_row"] = out["source_row"].astype("Int64")
    return out


def _quarantine_frame(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)
    text = [c for c in QUARANTINE_COLUMNS if c != "source_row"]
    out[text] = out[text].astype("string")
    out["source_row"] = out["source_row"].astype("Int64")
    return out


def ingest_plan(
    path: str | Path,
    force: str,
    processed_dir: Path | None = None,
    known_measures: Iterable[str] | None = None,
) -> PlanResult:
    """Read a plan and write ``plan.parquet`` and ``plan_quarantine.parquet``, all or none.

    Returns the :class:`PlanResult`; its ``problems`` are logged as a count only (the
    lines hold what the force wrote).
    """
    result = read_plan(path, force, known_measures)
    folder = force_folder(force, processed_dir)
    write_tables(folder, {"plan": result.plan, "plan_quarantine": result.quarantine})
    logger.info(
        "Plan: %d action(s), %d problem(s), %d quarantined row(s).",
        len(result.plan),
        len(result.problems),
        result.quarantine["source_row"].nunique(),
    )
    return result


def load_plan(force: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """The ingested improvement plan of a force (:data:`PLAN_COLUMNS`)."""
    file = force_folder(force, processed_dir or paths.processed_dir()) / "plan.parquet"
    if not file.is_file():
        raise DataError(
            f"No improvement plan for {normalise.force_name(force)}: {file} is missing. "
            "Fill in the `soteria plan-template` workbook and run `soteria plan-ingest`."
        )
    return pd.read_parquet(file)


def load_plans(processed_dir: Path | None = None) -> pd.DataFrame:
    """Every force's ingested improvement plan (:data:`PLAN_COLUMNS`; empty when none)."""
    folder = Path(processed_dir or paths.processed_dir())
    files = sorted(folder.glob("*/plan.parquet")) if folder.is_dir() else []
    frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True) if frames else _plan_frame([])
