"""The case-file review workbook: what ``soteria review-sample`` writes for reviewers.

Layout. Sheet ``Review``: row 1 the title, row 2 ``Sample: <sample id>``, row 3 the text
of each item above its column, row 4 the header ``Case | Crime ID | [Crime reference |]
Stratum | Reviewer | Review date | <item ids> | Notes``, one sampled case a row from row
5. Sheet ``Second coding``: the same layout for the double-coding subsample, to be coded
by a second reviewer without looking at the first coding. Sheet ``Items``: the framework
(pillar, item, response, choices, help). Sheet ``Sample``: the design (``SAMPLE_COLUMNS``:
stratum, N_h, n_h, inclusion probability, double coded). Sheet ``About``: ``Key | Value``
rows (Force, Sample id, Framework, Seed, Size, Strata, Allocation, Double-coding share,
Sensitive). Every item column has a drop-down (or a whole-number check for days) with
the item's help text as its prompt.

The workbook carries the pseudonymous ``crime_id`` only, unless the force adds its own
crime references (``Crime reference`` column): such a workbook is marked sensitive and
stays with the force.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from soteria_research import normalise
from soteria_research.ingest.review_framework import review_items
from soteria_research.ingest.review_sample import SAMPLE_COLUMNS, sample_id

REVIEW_SHEET = "Review"
SECOND_SHEET = "Second coding"
CODING_SHEETS = (REVIEW_SHEET, SECOND_SHEET)
SAMPLE_SHEET = "Sample"
ITEMS_SHEET = "Items"
ABOUT_SHEET = "About"
HEADER_ROW = 4
CASE, CRIME_ID, REFERENCE, STRATUM = "Case", "Crime ID", "Crime reference", "Stratum"
REVIEWER, REVIEW_DATE, NOTES = "Reviewer", "Review date", "Notes"
FIELDS = (CASE, CRIME_ID, REFERENCE, STRATUM, REVIEWER, REVIEW_DATE, NOTES)
SENSITIVE_NOTE = (
    "SENSITIVE: this workbook holds the force's own crime references. Keep it within the "
    "force; never send it outside or add it to the research data."
)
_PROMPT_LIMIT = 250  # Excel refuses input prompts longer than 255 characters
_FILL = PatternFill("solid", fgColor="FFF2CC")


def _validation(item) -> DataValidation:
    if item.response == "days":
        check = DataValidation(
            type="whole",
            operator="between",
            formula1=str(int(item.min)),
            formula2=str(int(item.max)),
            allow_blank=True,
        )
        check.error = f"Whole days from {int(item.min)} to {int(item.max)}."
    else:
        choices = str(item.choices).replace("; ", ",")
        check = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        check.error = f"Choose one of: {item.choices}."
    check.errorTitle = item.item_id
    check.promptTitle = item.item_id[:32]
    check.prompt = (item.item + ". " + item.help)[:_PROMPT_LIMIT]
    return check


def _coding_sheet(book, title, name, rows, items, references, sample_name):
    sheet = book.create_sheet(title)
    sheet["A1"] = f"Soteria case-file review: {name}" + (
        f" ({SENSITIVE_NOTE})" if references is not None else ""
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = f"Sample: {sample_name}"
    fields = [CASE, CRIME_ID, *([REFERENCE] if references is not None else []), STRATUM]
    fields += [REVIEWER, REVIEW_DATE]
    header = [*fields, *items["item_id"], NOTES]
    for column, title_text in enumerate(header, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=title_text)
        cell.font = Font(bold=True)
        width = 14 if title_text in items["item_id"].tolist() else 18
        sheet.column_dimensions[get_column_letter(column)].width = width
    first_item = len(fields) + 1
    for offset, item in enumerate(items.itertuples(index=False)):
        cell = sheet.cell(row=3, column=first_item + offset, value=item.item)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    sheet.row_dimensions[3].height = 75
    for offset, case in enumerate(rows.itertuples(index=False)):
        number = HEADER_ROW + 1 + offset
        values = [int(case.case_number), str(case.crime_id)]
        if references is not None:
            values.append(str(references.loc[case.crime_id]))
        values.append(str(case.stratum))
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
        for column in range(len(fields) - 1, len(header) + 1):
            sheet.cell(row=number, column=column).fill = _FILL
    last = max(HEADER_ROW + len(rows), HEADER_ROW + 1)
    for offset, item in enumerate(items.itertuples(index=False)):
        letter = get_column_letter(first_item + offset)
        check = _validation(item)
        check.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        sheet.add_data_validation(check)
    date_letter = get_column_letter(len(fields))
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    dates.error = "A date (the day the file was reviewed)."
    dates.add(f"{date_letter}{HEADER_ROW + 1}:{date_letter}{last}")
    sheet.add_data_validation(dates)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=len(fields) + 1)
    return sheet


def write_review_workbook(
    sample: pd.DataFrame,
    framework: dict,
    path: str | Path,
    *,
    design: dict | None = None,
    references: pd.Series | None = None,
) -> Path:
    """Write the review workbook of a sample (see :func:`review_workbook`)."""
    book = review_workbook(sample, framework, design=design, references=references)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def review_workbook(
    sample: pd.DataFrame,
    framework: dict,
    *,
    design: dict | None = None,
    references: pd.Series | None = None,
) -> openpyxl.Workbook:
    """The review workbook of a sample, in memory.

    Parameters
    ----------
    sample
        From :func:`~soteria_research.ingest.review_sample.draw_review_sample`.
    framework
        The review framework (:func:`load_review_framework`).
    design
        How the sample was drawn (seed, size, strata, allocation, double-coding share),
        recorded in the About sheet.
    references
        The force's crime reference per ``crime_id`` (index): adds the ``Crime
        reference`` column and marks the workbook sensitive.

    Returns
    -------
    openpyxl.Workbook
        The workbook (see the module docstring for its layout).
    """
    name = normalise.force_name(str(sample["force"].iloc[0]))
    items = review_items(framework)
    sample_name = sample_id(sample)
    if references is not None:
        references = pd.Series(references.to_numpy(), index=sample["crime_id"].astype(str))
    book = openpyxl.Workbook()
    book.remove(book.active)
    _coding_sheet(book, REVIEW_SHEET, name, sample, items, references, sample_name)
    double = sample[sample["double_coded"].fillna(False)]
    _coding_sheet(book, SECOND_SHEET, name, double, items, references, sample_name)
    listing = book.create_sheet(ITEMS_SHEET)
    listing.append(["Pillar", "Item", "Text", "Response", "Choices", "Min", "Max", "Help"])
    for row in items.astype(object).itertuples(index=False):
        listing.append([None if pd.isna(v) else v for v in row])
    design_sheet = book.create_sheet(SAMPLE_SHEET)
    design_sheet.append(list(SAMPLE_COLUMNS))
    for row in sample[list(SAMPLE_COLUMNS)].astype(object).itertuples(index=False):
        design_sheet.append([bool(v) if isinstance(v, bool) else v for v in row])
    design_sheet.protection.sheet = True
    about = book.create_sheet(ABOUT_SHEET)
    about.append(["Key", "Value"])
    entries = {
        "Force": name,
        "Sample id": sample_name,
        "Framework": framework.get("name", "review framework"),
        **{str(k).capitalize(): str(v) for k, v in (design or {}).items()},
        "Sensitive": SENSITIVE_NOTE if references is not None else "no (pseudonymous ids only)",
    }
    for key, value in entries.items():
        about.append([key, value])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 80
    return book
