"""One intake for every workbook a force or a team returns.

A returned workbook (self-assessment now; case-file review, improvement plan and survey
workbooks use the same code) is opened by :func:`open_returned`, which either gives back
its sheets as rows with the header located, or raises one :class:`ExtractError` that names
the file (relative to the data folder) and says what to do. Nothing is skipped: a ``.csv``
export, a legacy ``.xls``, a 0-byte or damaged file, a missing sheet, an empty sheet or a
missing header column is refused, so the caller never writes an empty table over one
that was read before.

Problems found inside an accepted workbook are :class:`CellProblem` records, one per cell
(or range), printed as ``file, sheet!cell: what is wrong``. :func:`problem_lines` and
:func:`parse_problem_lines` write and read that form, so the quality table, the clean
summary and the report all show the same lines.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from soteria_research.errors import ExtractError
from soteria_research.ingest import excel

#: Formats read with openpyxl (a maintained reader of Office Open XML workbooks).
READABLE = (".xlsx", ".xlsm")
_SAVE = "Open it in Excel and save it as 'Excel Workbook (.xlsx)'."
_REFUSED = {
    ".xls": ("it is a legacy Excel 97-2003 workbook (.xls)", _SAVE),
    ".csv": (
        "it is a CSV export, which keeps one sheet and loses the others",
        "Send the workbook itself, saved as 'Excel Workbook (.xlsx)'.",
    ),
    ".ods": ("it is an OpenDocument spreadsheet (.ods)", _SAVE),
}
_TEMPLATE = "Copy the filled rows into a fresh template."
LINE = re.compile(r"^(?P<file>.+?), (?P<sheet>[^!]+)!(?P<cell>[A-Z]+[0-9]*(?::[A-Z]+[0-9]*)?): ")


@dataclass(frozen=True)
class WorkbookKind:
    """What a returned workbook must hold.

    Attributes
    ----------
    name
        How to call it in messages (``"self-assessment"``).
    sheet
        The sheet holding the header and one record a row.
    header
        Column titles the header row must hold; the first one locates the header row.
    advice
        What to add when the workbook cannot be used (e.g. where to get the template);
        ``{folder}`` is replaced by the folder holding the file (the force's id).
    other_sheets
        Further sheets that must be present.
    header_within
        The header is looked for in the top rows of ``sheet``.
    """

    name: str
    sheet: str
    header: tuple[str, ...]
    advice: str
    other_sheets: tuple[str, ...] = ()
    header_within: int = 15


@dataclass(frozen=True)
class CellProblem:
    """One problem in a cell (``F7``) or range (``D5:D34``) of a returned workbook."""

    file: str
    sheet: str
    cell: str
    problem: str

    @property
    def line(self) -> str:
        """``file, sheet!cell: what is wrong``."""
        return f"{self.file}, {self.sheet}!{self.cell}: {self.problem}"


@dataclass
class ReturnedWorkbook:
    """The rows of a returned workbook's sheets, with its header located.

    ``rows[sheet]`` are tuples of cell values (row 1 first); ``header_row`` is the 1-based
    row of the header of ``kind.sheet`` and ``columns`` maps each title (case-folded) of
    that header to its 0-based column.
    """

    path: Path
    file: str
    kind: WorkbookKind
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    header_row: int = 0
    columns: dict[str, int] = field(default_factory=dict)

    def cell(self, row: int, title: str) -> str:
        """The Excel reference (``F7``) of a header column at a 1-based row."""
        return cell_ref(row, self.columns[title.casefold()])

    def problem(self, sheet: str, cell: str, what: str) -> CellProblem:
        return CellProblem(self.file, sheet, cell, what)


def cell_ref(row: int, column: int) -> str:
    """Excel reference of a 1-based row and 0-based column: ``cell_ref(7, 5) == "F7"``."""
    return f"{get_column_letter(column + 1)}{row}"


def display_name(path: Path) -> str:
    """The file as named to users: relative to the data folder (``durham/file.xlsx``)."""
    return excel.shown(path)


def _refuse(file: str, kind: WorkbookKind, why: str, fix: str = _TEMPLATE) -> ExtractError:
    """``file: the <kind> was not read: <why>. <fix> <advice>``."""
    advice = kind.advice.replace("{folder}", Path(file).parent.name or "<force>")
    return ExtractError(f"{file}: the {kind.name} was not read: {why}. {fix} {advice}".strip())


def _check_file(path: Path, file: str, kind: WorkbookKind) -> None:
    if not path.is_file():
        raise _refuse(file, kind, "the file was not found", "Check the file name.")
    suffix = path.suffix.casefold()
    if suffix not in READABLE:
        other = f"it is not an Excel workbook (.xlsx) but {suffix or 'a file without extension'}"
        why, fix = _REFUSED.get(suffix, (other, _SAVE))
        raise _refuse(file, kind, why, fix)
    if path.stat().st_size == 0:
        raise _refuse(
            file,
            kind,
            "the file is empty (0 bytes)",
            "Save the filled workbook again from Excel as 'Excel Workbook (.xlsx)'.",
        )


def _load(path: Path, file: str, kind: WorkbookKind):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(
            file,
            kind,
            "it cannot be read as an Excel workbook (damaged, or another format renamed .xlsx)",
            _SAVE,
        ) from exc


def _locate_header(book: ReturnedWorkbook) -> None:
    kind = book.kind
    wanted = [t.casefold() for t in kind.header]
    for index, row in enumerate(book.rows[kind.sheet][: kind.header_within]):
        names = {}
        for position, value in enumerate(row):
            text = excel.cell_text(value)
            if text is not None and text.strip():
                names.setdefault(text.strip().casefold(), position)
        if wanted[0] in names:
            missing = [t for t, w in zip(kind.header, wanted, strict=True) if w not in names]
            if missing:
                raise _refuse(
                    book.file,
                    kind,
                    f"the {kind.sheet} header (row {index + 1}) lacks "
                    f"{', '.join(repr(m) for m in missing)}",
                )
            book.header_row, book.columns = index + 1, names
            return
    raise _refuse(
        book.file,
        kind,
        f"no header row with {kind.header[0]!r} in the top {kind.header_within} rows of sheet "
        f"{kind.sheet!r}",
    )


def open_returned(path: str | Path, kind: WorkbookKind) -> ReturnedWorkbook:
    """Open a returned workbook and check its format, sheets and header.

    Parameters
    ----------
    path
        The workbook (``.xlsx`` or ``.xlsm``).
    kind
        What it must hold.

    Returns
    -------
    ReturnedWorkbook
        Every row of ``kind.sheet`` and of ``kind.other_sheets``, the header located.

    Raises
    ------
    ExtractError
        Not found, wrong format (``.xls``, ``.csv``, ...), 0 bytes, damaged, a required
        sheet missing, the main sheet empty, or the header missing or incomplete. The
        message names the file relative to the data folder and says what to do.
    """
    path = Path(path)
    file = display_name(path)
    _check_file(path, file, kind)
    book = _load(path, file, kind)
    try:
        needed = (kind.sheet, *kind.other_sheets)
        missing = [s for s in needed if s not in book.sheetnames]
        if missing:
            raise _refuse(
                file,
                kind,
                f"it has no sheet {', '.join(repr(m) for m in missing)} (sheets: "
                f"{', '.join(book.sheetnames) or 'none'})",
            )
        rows = {name: list(book[name].iter_rows(values_only=True)) for name in needed}
    finally:
        book.close()
    if not any(any(v is not None for v in row) for row in rows[kind.sheet]):
        raise _refuse(file, kind, f"the sheet {kind.sheet!r} is empty")
    returned = ReturnedWorkbook(path, file, kind, rows)
    _locate_header(returned)
    return returned


PROBLEM_FIELDS = ("file", "sheet", "cell", "problem")


def problem_lines(problems: Iterable[CellProblem]) -> list[str]:
    """``file, sheet!cell: what is wrong`` for each problem, in the order given."""
    return [p.line for p in problems]


def _cell_order(cell: str) -> tuple[int, int]:
    match = re.match(r"([A-Z]+)([0-9]*)", cell)
    if not match:
        return (0, 0)
    letters, number = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return (int(number or 0), column)


def parse_problem_lines(lines: Iterable[str]) -> pd.DataFrame:
    """The tidy table of problem lines: ``file, sheet, cell, problem`` (what is wrong).

    Lines not of the form ``file, sheet!cell: what`` are kept with the whole line as
    ``problem`` and empty ``file``, ``sheet`` and ``cell``. Rows are ordered by file,
    sheet, then row and column of the cell.
    """
    rows = []
    for line in lines:
        match = LINE.match(str(line))
        if match:
            rows.append((*match.group("file", "sheet", "cell"), str(line)[match.end() :]))
        else:
            rows.append(("", "", "", str(line)))
    frame = pd.DataFrame(rows, columns=list(PROBLEM_FIELDS)).astype("string")
    if frame.empty:
        return frame
    order = sorted(
        range(len(frame)),
        key=lambda i: (rows[i][0], rows[i][1], _cell_order(rows[i][2])),
    )
    return frame.iloc[order].reset_index(drop=True)
