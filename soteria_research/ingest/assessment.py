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
from soteria_research.errors import ConfigError, ExtractError, UnknownValueError
from soteria_research.ingest import excel
from soteria_research.ingest.assessment_rows import ratings_and_problems
from soteria_research.ingest.framework import framework_questions, load_framework, scale

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


def _about(book) -> dict[str, object]:
    if "About" not in book.sheetnames:
        return {}
    found = {}
    for row in book["About"].iter_rows(values_only=True):
        if row and row[0] is not None and len(row) > 1:
            found[str(row[0]).strip().casefold()] = row[1]
    return found


def _read_force_and_round(path: Path, about: dict, title: object, round_cell: object):
    force_text = about.get("force")
    if force_text is None and isinstance(title, str) and ":" in title:
        force_text = title.split(":", 1)[1]
    try:
        force = normalise.force_name(str(force_text or "").strip())
    except UnknownValueError as exc:
        raise ExtractError(
            f"{path.name}: the workbook's force is not a known force ({exc}). Fix the "
            "Force row of the About sheet."
        ) from None
    round_text = about.get("round")
    if round_text is None and isinstance(round_cell, str) and ":" in round_cell:
        round_text = round_cell.split(":", 1)[1]
    text = str(excel.cell_text(round_text) or "").strip()
    if not text:
        raise ExtractError(
            f"{path.name}: the workbook does not say which assessment round it is (About "
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
        ratings where unanswered or invalid). ``problems`` lists, without values,
        ``force``, ``round``, ``source_file``, ``row``, ``column``, ``question_id`` and
        ``problem`` (unanswered, rating out of scale, not a rating, unknown or repeated
        question id, question missing from the workbook, scale differs from framework).

    Raises
    ------
    ExtractError
        The file is not a workbook, lacks the Assessment sheet or its header, names an
        unknown force or another force than ``force``, or has no valid round.
    """
    path = Path(path)
    data = load_framework(framework)
    book = excel.open_workbook(path)
    try:
        if "Assessment" not in book.sheetnames:
            raise ExtractError(
                f"{path.name}: no sheet 'Assessment' (sheets: {', '.join(book.sheetnames)}). "
                "Start from `soteria assessment-template`."
            )
        rows = list(book["Assessment"].iter_rows(values_only=True))
        about = _about(book)
    finally:
        book.close()
    first = rows[0][0] if rows and rows[0] else None
    second = rows[1][0] if len(rows) > 1 and rows[1] else None
    name, round_number = _read_force_and_round(path, about, first, second)
    if force is not None and normalise.force_name(force) != name:
        raise ExtractError(
            f"{path.name}: this workbook is {name}'s, but it is in the folder of "
            f"{normalise.force_name(force)}. Move it to the right force folder."
        )
    return ratings_and_problems(rows, about, data, name, round_number, path.name)
