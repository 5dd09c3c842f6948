"""Reading Excel sheets cell by cell, keeping the row numbers Excel shows.

Cells are turned into text the way a person reads them: whole numbers without ``.0``,
dates stored as real dates in ISO form (``2024-01-31``, which the cleaner always
understands), error cells as their error string (``#VALUE!``), empty cells as missing.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from soteria_research.errors import ExtractError


def cell_text(value: object) -> str | None:
    """The text of one cell value as read by openpyxl (None when empty)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown(path: Path) -> str:
    """A file as named to users: relative to the data folder (``durham/extract.xlsx``)."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def open_workbook(path: Path):
    """Open a workbook read-only with cached formula values; clear errors when it cannot."""
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise ExtractError(f"{shown(path)}: file not found.") from exc
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ExtractError(
            f"{shown(path)}: cannot be read as an Excel workbook (.xlsx). Save it from Excel as "
            "'Excel Workbook (.xlsx)' or export it as CSV and set `format: csv`."
        ) from exc


def sheet_rows(
    path: Path,
    sheet: str | None,
    header_row: int,
    pick: Callable[[list[str]], list[int]],
) -> tuple[list[str], list[list[str | None]], list[int]]:
    """Read the header row and the chosen columns of every row below it.

    Parameters
    ----------
    path, sheet, header_row
        The workbook, the sheet name (None: the first sheet) and the 1-based header row.
    pick
        Given the header names, returns the indexes of the columns to keep (it may raise
        to report a missing column).

    Returns
    -------
    names, values, rows
        Header names, one list of cell texts per picked column, and the Excel row number
        of each data row (trailing empty rows dropped).
    """
    book = open_workbook(path)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ExtractError(
                f"{shown(path)}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}. "
                "Fix `sheet:` in the mapping."
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = ws.iter_rows(min_row=header_row, values_only=True)
        header = next(rows, None)
        if header is None:
            raise ExtractError(
                f"{shown(path)}: the sheet {ws.title!r} is empty. Re-export the extract."
            )
        names = ["" if v is None else str(cell_text(v)).strip() for v in header]
        keep = pick(names)
        values: list[list[str | None]] = [[] for _ in keep]
        numbers: list[int] = []
        last_filled = 0
        for number, row in enumerate(rows, start=header_row + 1):
            cells = [cell_text(row[i]) if i < len(row) else None for i in keep]
            for column, cell in zip(values, cells, strict=True):
                column.append(cell)
            numbers.append(number)
            if any(cells):
                last_filled = len(numbers)
    finally:
        book.close()
    return names, [column[:last_filled] for column in values], numbers[:last_filled]


def find_header_row(path: Path, sheet: str | None, wanted: set[str], limit: int = 30) -> int | None:
    """The first of the top ``limit`` rows that holds every name in ``wanted``, if any."""
    book = open_workbook(path)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return None
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        for number, row in enumerate(ws.iter_rows(max_row=limit, values_only=True), start=1):
            if wanted <= {str(cell_text(v)).strip() for v in row if v is not None}:
                return number
    finally:
        book.close()
    return None
