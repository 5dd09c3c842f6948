"""Reading a Home Office outcomes open data file: CSV (plain or gzipped), ODS or Excel.

The format is told by the file's first bytes, not its name. Headers are looked for in
the first rows (a published sheet may have a title above them), and every value is read
as text so that blanks and odd entries stay visible to the cleaning step.
"""

from __future__ import annotations

import csv
import gzip
import logging
import zipfile
import zlib
from pathlib import Path

import pandas as pd

from soteria_research.errors import ExtractError
from soteria_research.homeoffice.clean import SEXUAL_OFFENCES, clean_outcomes
from soteria_research.homeoffice.headers import header_score, match_columns
from soteria_research.homeoffice.summary import data_quirks

log = logging.getLogger(__name__)

#: How many rows at the top of a file or sheet are searched for the header row.
HEADER_SEARCH_ROWS = 30
_ENCODINGS = ("utf-8-sig", "cp1252")


def sniff_format(path: Path) -> str:
    """Return ``csv``, ``gzip``, ``ods`` or ``xlsx`` from the file's first bytes.

    Raises
    ------
    ExtractError
        When the file is missing, empty, an old binary ``.xls`` or not a table at all.
    """
    if not path.is_file():
        raise ExtractError(f"{path}: file not found. Check the path.")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head:
        raise ExtractError(f"{path}: the file is empty (0 bytes). Download it again.")
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                mimetype = archive.read("mimetype") if "mimetype" in names else b""
        except zipfile.BadZipFile as exc:
            raise ExtractError(f"{path}: a damaged zip/spreadsheet file ({exc}).") from exc
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise ExtractError(f"{path}: a zip archive, not a spreadsheet. Unzip it first.")
    if head[:4] == b"\xd0\xcf\x11\xe0":
        raise ExtractError(
            f"{path}: an old binary Excel (.xls) file, which cannot be read. Save it as "
            ".xlsx, .ods or .csv."
        )
    if b"\x00" in head:
        raise ExtractError(f"{path}: binary content, not a CSV, ODS or Excel file.")
    return "csv"


def _text_rows(path: Path, fmt: str, encoding: str) -> list[list[str]]:
    opener = gzip.open if fmt == "gzip" else open
    rows: list[list[str]] = []
    with opener(path, "rt", encoding=encoding, newline="") as handle:
        for row in csv.reader(handle):
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    return rows


def _header_row(rows: list[list[object]]) -> int | None:
    """Index of the first row that looks like a header (two or more known headers)."""
    for index, row in enumerate(rows):
        if sum(header_score(row)) >= 2:
            return index
    return None


def _first_nonblank(rows: list[list[object]]) -> int:
    for index, row in enumerate(rows):
        if any(str(c).strip() for c in row if c is not None and not pd.isna(c)):
            return index
    return 0


def _frame(raw: pd.DataFrame, header: int, source: str, sheet: str) -> pd.DataFrame:
    """Rename to the loaded table's columns and add source rows (as a spreadsheet shows)."""
    mapping = match_columns(raw.columns, source)
    dropped = [str(c) for c in raw.columns if c not in mapping]
    if dropped:
        log.info("%s: ignoring %d column(s) not in the outcomes table", source, len(dropped))
    out = raw[list(mapping)].rename(columns=mapping).fillna("").astype("string")
    out["source_row"] = pd.array(range(header + 2, header + 2 + len(out)), dtype="Int64")
    out["source_sheet"] = sheet
    return out


def _read_csv(path: Path, fmt: str) -> pd.DataFrame:
    for encoding in _ENCODINGS:
        try:
            rows = _text_rows(path, fmt, encoding)
            header = _header_row(rows)
            header = _first_nonblank(rows) if header is None else header
            raw = pd.read_csv(
                path,
                compression="gzip" if fmt == "gzip" else None,
                encoding=encoding,
                skiprows=header,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        except UnicodeDecodeError:
            log.info("%s: not UTF-8, trying %s", path.name, _ENCODINGS[-1])
            continue
        except (OSError, EOFError, zlib.error) as exc:
            what = "damaged gzip file" if fmt == "gzip" else "cannot be read"
            raise ExtractError(f"{path}: {what} ({exc}).") from exc
        except pd.errors.EmptyDataError as exc:
            raise ExtractError(f"{path}: no header row or data: the file is blank.") from exc
        except (pd.errors.ParserError, csv.Error) as exc:
            raise ExtractError(f"{path}: not a readable CSV table ({exc}).") from exc
        return _frame(raw, header, str(path), "")
    raise ExtractError(f"{path}: text in an unknown encoding; save it as UTF-8 CSV.")


def _read_sheets(path: Path, fmt: str) -> pd.DataFrame:
    engine = "odf" if fmt == "ods" else "openpyxl"
    try:
        tops = pd.read_excel(
            path, sheet_name=None, header=None, nrows=HEADER_SEARCH_ROWS, dtype=object,
            engine=engine,
        )  # fmt: skip
    except Exception as exc:  # the engines raise many types for damaged files
        raise ExtractError(f"{path}: the {fmt} file cannot be opened ({exc}).") from exc
    if not tops:
        raise ExtractError(f"{path}: the workbook has no sheets.")
    found: list[tuple[str, int]] = []
    refusals: list[tuple[int, ExtractError]] = []
    for sheet, top in tops.items():
        rows = top.values.tolist()
        header = _header_row(rows)
        header = _first_nonblank(rows) if header is None else header
        cells = [_cell_text(c) for c in rows[header]] if rows else []
        try:
            match_columns(cells, f"{path} (sheet {sheet!r})")
        except ExtractError as exc:  # not this sheet: keep the reason of the likeliest one
            refusals.append((header_score(cells)[0] + header_score(cells)[1], exc))
            continue
        found.append((sheet, header))
    if not found:
        raise max(refusals, key=lambda refusal: refusal[0])[1]
    frames = []
    for sheet, header in found:
        source = f"{path} (sheet {sheet!r})"
        raw = pd.read_excel(path, sheet_name=sheet, header=header, dtype=object, engine=engine)
        raw = raw.map(_cell_text)
        frames.append(_frame(raw, header, source, str(sheet)))
        log.info("%s: header on row %d", source, header + 1)
    return pd.concat(frames, ignore_index=True)


def _cell_text(value: object) -> str:
    """Spreadsheet cell as text: blanks as "", whole numbers without ".0"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_raw(path: str | Path) -> pd.DataFrame:
    """Read an outcomes file as text columns named as in the loaded table.

    Returns the file's rows with ``source_row`` (row number as a spreadsheet shows it)
    and ``source_sheet`` ("" for CSV); values are strings, blanks are "".

    Raises
    ------
    ExtractError
        Missing, empty, unreadable or damaged files, and files whose headers are not the
        outcomes table's (naming the missing columns, or the table they look like).
    """
    path = Path(path)
    fmt = sniff_format(path)
    raw = _read_csv(path, fmt) if fmt in ("csv", "gzip") else _read_sheets(path, fmt)
    log.debug("%s: read %d rows (%s)", path.name, len(raw), fmt)
    return raw


def read_outcomes(path: str | Path, offence_group: str | None = SEXUAL_OFFENCES) -> pd.DataFrame:
    """Read, normalise and validate a Home Office outcomes open data file.

    Parameters
    ----------
    path : str or Path
        CSV (plain or gzipped) or the published ODS/Excel workbook; the format is told
        from the file's first bytes. In a workbook every sheet whose header (within its
        first 30 rows) is the outcomes table's is read.
    offence_group : str or None
        Keep the rows of this offence group (default "Sexual offences"); None keeps all.

    Returns
    -------
    DataFrame
        Columns of :class:`OutcomesTable`: ``force`` is the Home Office force name,
        ``cohort`` and ``activity`` the two published counts (nullable ``Int64``: blanks
        stay NA), ``cohort_negative`` and ``activity_negative`` flag negative counts,
        which are kept as published.

    Raises
    ------
    ExtractError
        Missing, empty or unreadable file; a required column missing (named, with the
        columns found); another Home Office table (named).
    DataError
        Values that do not fit: unknown force (with the closest match), offence code,
        outcome type, non-numeric counts, duplicated keys.
    """
    path = Path(path)
    table = clean_outcomes(read_raw(path), str(path), offence_group)
    quirks = data_quirks(table)
    log.info(
        "%s: %d rows; %s",
        path.name,
        len(table),
        ", ".join(f"{q.quirk} {q.rows}" for q in quirks.itertuples(index=False)),
    )
    return table
