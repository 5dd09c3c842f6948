"""Self-assessment workbooks: the template a force fills in, and reading filled ones back.

Layout (sheet ``Assessment``): row 1 ``Soteria self-assessment: <force>``, row 2
``Round: <round>``, row 3 empty, row 4 the header ``Pillar | Theme ID | Theme |
Question ID | Question | Self rating | Peer rating | Evidence | Actions | Owner``, one
key question per row from row 5 (``Pillar`` holds the pillar slug). Sheet ``About`` holds
``Key | Value`` rows: Force, Round, Framework, Scale min, Scale max. The questions and
the rating scale come from ``config/self_assessment_framework.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from soteria_research import normalise
from soteria_research.errors import ConfigError, ExtractError, ParameterError, UnknownValueError
from soteria_research.ingest import excel
from soteria_research.ingest.assessment_rows import (
    SHEET,
    empty_problems,
    empty_responses,
    ratings_and_problems,
)
from soteria_research.ingest.framework import framework_questions, load_framework, scale
from soteria_research.ingest.rounds import order_rounds
from soteria_research.ingest.workbook import (
    WorkbookKind,
    display_name,
    open_returned,
    parse_problem_lines,
)

HEADER = (
    "Pillar",
    "Theme ID",
    "Theme",
    "Question ID",
    "Question",
    "Self rating",
    "Peer rating",
    "Evidence",
    "Actions",
    "Owner",
)
HEADER_ROW = 4
ABOUT_KEYS = ("Force", "Round", "Framework", "Scale min", "Scale max")
_WIDTHS = (20, 10, 28, 12, 70, 12, 12, 45, 45, 20)


def write_assessment_template(
    force: str,
    path: str | Path,
    framework: str | Path | dict | None = None,
    round: int | str = 1,
) -> Path:
    """Write the Excel workbook a force team fills in.

    Parameters
    ----------
    force
        The force, any known variant of its name.
    path
        Where to write the ``.xlsx``.
    framework
        The framework (path or dict; default ``config/self_assessment_framework.yaml``).
    round
        The assessment round, a label such as ``1`` or ``2023-1`` (kept as text).

    Returns
    -------
    Path
        The workbook written; ratings have drop-down lists of the scale.
    """
    name = normalise.force_name(force)
    round_label = str(round).strip()
    if not round_label:
        raise ConfigError("Give the assessment round, e.g. 1 or 2023-1.")
    data = load_framework(framework)
    low, high, labels = scale(data)
    questions = framework_questions(data)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Assessment"
    sheet["A1"] = f"Soteria self-assessment: {name}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Round: {round_label}"
    for column, title in enumerate(HEADER, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=title)
        cell.font = Font(bold=True)
        width = _WIDTHS[column - 1]
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
    for offset, row in enumerate(questions.itertuples(index=False)):
        number = HEADER_ROW + 1 + offset
        values = (row.pillar, row.theme_id, row.theme, row.question_id, row.question)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = HEADER_ROW + len(questions)
    choices = ",".join(str(v) for v in range(low, high + 1))
    meaning = "; ".join(f"{k} {v}" for k, v in sorted(labels.items()))
    check = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    check.error = f"Choose a rating from {low} to {high}."
    check.errorTitle = "Rating"
    check.prompt = meaning or f"{low} (lowest) to {high} (highest)"
    check.promptTitle = "Rating scale"
    check.add(f"F{HEADER_ROW + 1}:G{last}")
    sheet.add_data_validation(check)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    about = book.create_sheet("About")
    about.append(["Key", "Value"])
    for key, value in zip(
        ABOUT_KEYS, (name, round_label, data.get("name", "framework"), low, high), strict=True
    ):
        about.append([key, value])
    for rating, label in sorted(labels.items()):
        about.append([f"Rating {rating}", label])
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 50
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


ASSESSMENT = WorkbookKind(
    name="self-assessment",
    sheet=SHEET,
    header=("Question ID", "Self rating", "Peer rating", "Evidence", "Actions", "Owner"),
    advice=(
        "Until a readable workbook is cleaned, the force's previously cleaned tables are "
        "kept; `soteria assessment-template --force {folder}` writes a fresh template."
    ),
    other_sheets=("About",),
)
#: Files of a force folder taken as self-assessments (any extension: none is skipped).
ASSESSMENT_PREFIX = "self_assessment"


def _about(rows: list[tuple]) -> dict[str, object]:
    found = {}
    for row in rows:
        if row and row[0] is not None and len(row) > 1:
            found[str(row[0]).strip().casefold()] = row[1]
    return found


def _read_force_and_round(file: str, about: dict, title: object, round_cell: object):
    force_text = about.get("force")
    if force_text is None and isinstance(title, str) and ":" in title:
        force_text = title.split(":", 1)[1]
    try:
        force = normalise.force_name(str(force_text or "").strip())
    except UnknownValueError as exc:
        raise ExtractError(
            f"{file}: the workbook's force is not a known force ({exc}). Fix the "
            "Force row of the About sheet."
        ) from None
    round_text = about.get("round")
    if round_text is None and isinstance(round_cell, str) and ":" in round_cell:
        round_text = round_cell.split(":", 1)[1]
    text = str(excel.cell_text(round_text) or "").strip()
    if not text:
        raise ExtractError(
            f"{file}: the workbook does not say which assessment round it is (About "
            "sheet, Round row, or row 2 'Round: 2023-1')."
        )
    return force, text


def read_assessment(
    path: str | Path,
    framework: str | Path | dict | None = None,
    force: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a filled self-assessment workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    framework
        The framework it was written from (default: the config file).
    force
        When given, the workbook must be this force's (any name variant).

    Returns
    -------
    responses, problems
        ``responses`` fits ``AssessmentSchema``: every framework question once (NA
        ratings where unanswered or invalid). ``problems`` has ``PROBLEM_COLUMNS``: one
        row per cell-level problem, ``problem`` being the line the force reads
        (``durham/self_assessment.xlsx, Assessment!F7: self rating 7 is off the 1-4
        scale; ...``). No problem carries text the force wrote.

    Raises
    ------
    ExtractError
        The file cannot be read as a workbook (``.xls``, ``.csv``, 0 bytes, damaged),
        lacks the Assessment or About sheet or the header, names an unknown force or
        another force than ``force``, or has no round. The message names the file
        relative to the data folder and says what to do.
    """
    data = load_framework(framework)
    book = open_returned(path, ASSESSMENT)
    rows = book.rows[SHEET]
    about = _about(book.rows["About"])
    first = rows[0][0] if rows and rows[0] else None
    second = rows[1][0] if len(rows) > 1 and rows[1] else None
    name, round_label = _read_force_and_round(book.file, about, first, second)
    if force is not None and normalise.force_name(force) != name:
        raise ExtractError(
            f"{book.file}: this workbook is {name}'s, but it is in the folder of "
            f"{normalise.force_name(force)}. Move it to the right force folder."
        )
    return ratings_and_problems(book, data, name, round_label)


def assessment_files(force_dir: str | Path) -> list[Path]:
    """Every ``self_assessment*`` file of a force folder, whatever its extension (Excel's
    ``~$`` lock files aside), so that none is skipped unread."""
    folder = Path(force_dir)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.casefold().startswith(ASSESSMENT_PREFIX)
    )


def read_assessments(
    force_dir: str | Path,
    force: str,
    framework: str | Path | dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every self-assessment workbook of a force folder, one round each.

    Returns
    -------
    responses, problems
        As :func:`read_assessment`, concatenated in round order (empty tables when the
        folder holds no ``self_assessment*`` file).

    Raises
    ------
    ExtractError
        A workbook cannot be read (see :func:`read_assessment`), two workbooks hold the
        same round (both files and the round are named), or the rounds cannot be put in
        order. Nothing is returned then, so the caller keeps what it had.
    """
    files = assessment_files(force_dir)
    if not files:
        return empty_responses(), empty_problems()
    data = load_framework(framework)
    read, held = [], {}
    for path in files:
        responses, problems = read_assessment(path, data, force=force)
        label = str(responses["round"].iloc[0]) if len(responses) else ""
        if label in held:
            raise ExtractError(
                f"{held[label]} and {display_name(path)} both hold round {label}. Keep one "
                "workbook per round: correct the Round row of the About sheet of one of "
                "them, or remove the older copy."
            )
        held[label] = display_name(path)
        read.append((label, responses, problems))
    try:
        order = order_rounds(held)
    except ParameterError as exc:
        named = "; ".join(f"{file}: round {label}" for label, file in held.items())
        raise ExtractError(f"{named}. {exc}") from None
    read.sort(key=lambda item: order.index(item[0]))
    return (
        pd.concat([r for _, r, _ in read], ignore_index=True),
        pd.concat([p for _, _, p in read], ignore_index=True),
    )


def problem_lines(quality: pd.DataFrame) -> list[str]:
    """The self-assessment problem lines (``file, sheet!cell: what is wrong``) recorded
    in a force's quality table (section ``assessment``), in file and cell order."""
    if quality.empty or "section" not in quality:
        return []
    items = quality.loc[quality["section"] == "assessment", "item"].dropna().astype(str)
    tidy = parse_problem_lines(items)
    return [
        f"{r.file}, {r.sheet}!{r.cell}: {r.problem}" if r.file else str(r.problem)
        for r in tidy.itertuples(index=False)
    ]
