"""Reading a force's extract files as raw text, exactly as they are.

:func:`read_extract` returns one frame for all the files a mapping names: the mapped source
columns as text (``string`` dtype, nothing parsed yet), plus ``source_file``,
``source_row`` (the row number a spreadsheet shows; the header row is 1 in a plain CSV)
and ``source_problem`` (``blank row`` or ``wrong number of fields``; NA for a normal row).
Trailing blank rows are dropped; blank rows in the middle are kept so that they are
accounted for.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from soteria_research.errors import ExtractError
from soteria_research.ingest.encodings import check_encoding
from soteria_research.ingest.mapping import FileSpec, Mapping

log = logging.getLogger(__name__)

READ_COLUMNS = ("source_file", "source_row", "source_problem")
BLANK_ROW = "blank row"
RAGGED_ROW = "wrong number of fields"
_UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig"}
_IGNORED = ("self_assessment", "~$", ".")
STRING = pd.StringDtype("pyarrow")


def extract_files(mapping: Mapping) -> list[tuple[FileSpec, Path]]:
    """The files each ``files:`` entry matches, sorted by name (each file once)."""
    found: dict[Path, FileSpec] = {}
    for number, spec in enumerate(mapping.files, start=1):
        matches = sorted(
            p
            for p in mapping.folder.glob(spec.path)
            if p.is_file() and p.name != mapping.path.name and not p.name.startswith(_IGNORED)
        )
        if not matches:
            present = sorted(p.name for p in mapping.folder.iterdir() if p.is_file())
            raise ExtractError(
                f"No file in {mapping.folder} matches {spec.path!r} (files entry {number} of "
                f"{mapping.path}). Files there: {', '.join(present) or 'none'}. Fix the path "
                "or the glob in the mapping."
            )
        for path in matches:
            found.setdefault(path, spec)
    return [(spec, path) for path, spec in found.items()]


def match_columns(
    found: list[str], mapping: Mapping, path: Path, header_row: int, spec: FileSpec | None = None
) -> dict:
    """Source column -> column name in the file (exact after trimming, else case-blind)."""
    trimmed = {str(name).strip(): name for name in found}
    folded: dict[str, list] = {}
    for name in trimmed:
        folded.setdefault(name.casefold(), []).append(trimmed[name])
    out = {}
    fields = mapping.file_columns(spec) if spec else mapping.columns
    for wanted in mapping.source_columns(spec):
        if wanted in trimmed:
            out[wanted] = trimmed[wanted]
        elif len(folded.get(wanted.casefold(), [])) == 1:
            out[wanted] = folded[wanted.casefold()][0]
        else:
            field = next((k for k, v in fields.items() if v == wanted), None)
            if field is None:
                field = "history.tie_break" if spec and spec.is_history else "force_column"
            close = difflib.get_close_matches(wanted, list(trimmed), n=1, cutoff=0.6)
            hint = f" Closest in the file: {close[0]!r}." if close else ""
            raise ExtractError(
                f"{path.name}: column {wanted!r} (for {field}) is not in the header on row "
                f"{header_row}.{hint} Columns found: {', '.join(map(repr, trimmed))}. Fix "
                f"`{field}:` in {mapping.path}, or set `header_row:` if the names are on "
                "another row."
            )
    return out


def _header_hint(path: Path, spec: FileSpec, mapping: Mapping) -> str:
    """Which early row holds the mapped column names, when it is not ``header_row``."""
    try:
        with path.open(encoding=spec.encoding, errors="replace", newline="") as handle:
            lines = [handle.readline() for _ in range(30)]
    except OSError:
        return ""
    wanted = set(mapping.source_columns(spec))
    for number, row in enumerate(csv.reader(io.StringIO("".join(lines)), delimiter=spec.delimiter)):
        if wanted <= {cell.strip() for cell in row} and number + 1 != spec.header_row:
            return (
                f" The mapped column names are on row {number + 1}: set `header_row: {number + 1}`."
            )
    return ""


def _csv_table(
    path: Path, spec: FileSpec, columns: list[str] | None, threads: bool, bad: list, encoding: str
):
    encoding = "utf8" if encoding.lower() in _UTF8 else encoding
    read = pacsv.ReadOptions(encoding=encoding, skip_rows=spec.header_row - 1, use_threads=threads)
    parse = pacsv.ParseOptions(
        delimiter=spec.delimiter,
        ignore_empty_lines=False,
        newlines_in_values=True,
        invalid_row_handler=lambda row: bad.append(row.number) or "skip",
    )
    if columns is None:
        with pacsv.open_csv(path, read_options=read, parse_options=parse) as reader:
            return reader.schema.names
    convert = pacsv.ConvertOptions(
        include_columns=columns,
        column_types=dict.fromkeys(columns, pa.string()),
        strings_can_be_null=False,
    )
    return pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)


def _read_csv(path: Path, spec: FileSpec, mapping: Mapping) -> tuple[pa.Table, np.ndarray, list]:
    encoding = check_encoding(path, spec.encoding, mapping.path)
    try:
        names = _csv_table(path, spec, None, True, [], encoding)
        columns = match_columns(names, mapping, path, spec.header_row, spec)
        bad: list[int] = []
        wanted = list(dict.fromkeys(columns.values()))
        table = _csv_table(path, spec, wanted, True, bad, encoding)
        if any(number is None or number < 0 for number in bad):  # known single-threaded only
            bad = []
            table = _csv_table(path, spec, wanted, False, bad, encoding)
    except ExtractError as exc:
        raise ExtractError(f"{exc}{_header_hint(path, spec, mapping)}") from None
    except (pa.ArrowInvalid, UnicodeError, LookupError) as exc:
        text = str(exc)
        if "Empty CSV" in text:
            raise ExtractError(f"{path}: the file is empty. Re-export the extract.") from exc
        if "UTF8" in text or isinstance(exc, UnicodeError):
            raise ExtractError(
                f"{path}: the text is not valid {spec.encoding}. Set `encoding:` for this file "
                f"in {mapping.path} (exports from Excel are often cp1252 or latin-1)."
            ) from exc
        raise ExtractError(f"{path}: cannot be read as CSV ({text}).") from exc
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    out = {wanted: table.column(actual) for wanted, actual in columns.items()}
    total = table.num_rows + len(bad)
    rows = np.arange(spec.header_row + 1, spec.header_row + 1 + total, dtype=np.int64)
    keep = np.setdiff1d(rows, np.asarray(bad, dtype=np.int64), assume_unique=True)
    return pa.table(out), keep, sorted(bad)


def _blank(table: pa.Table) -> np.ndarray:
    """Rows whose every read column is empty (checked on the first column's empties)."""
    if table.num_columns == 0:
        return np.zeros(table.num_rows, dtype=bool)
    first = pc.fill_null(pc.equal(pc.utf8_length(table.column(0)), 0), True)
    candidates = np.flatnonzero(first.to_numpy(zero_copy_only=False))
    blank = np.zeros(table.num_rows, dtype=bool)
    if len(candidates):
        subset = table.take(pa.array(candidates))
        empty = np.ones(len(candidates), dtype=bool)
        for column in subset.columns:
            filled = pc.fill_null(pc.greater(pc.utf8_length(column), 0), False)
            empty &= ~filled.to_numpy(zero_copy_only=False)
        blank[candidates[empty]] = True
    return blank


def _texts(labels: list[str], index: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A string column from a few labels and a per-row index (``-1``: NA)."""
    values = pa.array(labels, type=pa.string())
    return pd.arrays.ArrowStringArray(values.take(pa.array(index, mask=index < 0)))


def _frame(table: pa.Table, rows: np.ndarray, bad: list, source_file: str) -> pd.DataFrame:
    blank = _blank(table)
    last = np.flatnonzero(~blank)
    end = int(last[-1]) + 1 if len(last) else 0
    frame = table.slice(0, end).to_pandas(types_mapper={pa.string(): STRING}.get)
    frame["source_row"] = pd.array(rows[:end], dtype="Int64")
    frame["source_problem"] = _texts([BLANK_ROW], np.where(blank[:end], 0, -1))
    if bad:
        extra = pd.DataFrame(
            {
                "source_row": pd.array(bad, dtype="Int64"),
                "source_problem": pd.array([RAGGED_ROW] * len(bad), dtype=STRING),
            }
        )
        frame = pd.concat([frame, extra], ignore_index=True).sort_values("source_row")
        frame = frame.reset_index(drop=True)
    frame.insert(0, "source_file", _texts([source_file], np.zeros(len(frame), dtype=np.int64)))
    return frame


def _as_mapping_names(table: pa.Table, mapping: Mapping, spec: FileSpec) -> pa.Table:
    """A crimes file with its own ``columns:`` renamed to the names of ``columns:``."""
    if spec.is_history or not spec.columns:
        return table
    out = {source: table.column(spec.columns[field]) for field, source in mapping.columns.items()}
    if mapping.force_column:
        out[mapping.force_column] = table.column(mapping.force_column)
    return pa.table(out)


def read_file(path: Path, spec: FileSpec, mapping: Mapping) -> pd.DataFrame:
    """Read one extract file as raw text (see the module docstring for the columns)."""
    if spec.format == "excel":
        from soteria_research.ingest import excel  # openpyxl: imported only for workbooks

        columns: dict[str, str] = {}

        def pick(names: list[str]) -> list[int]:
            columns.update(match_columns(names, mapping, path, spec.header_row, spec))
            return [names.index(actual) for actual in columns.values()]

        try:
            _names, values, numbers = excel.sheet_rows(path, spec.sheet, spec.header_row, pick)
        except ExtractError as exc:
            found = excel.find_header_row(path, spec.sheet, set(mapping.source_columns(spec)))
            if found is None or found == spec.header_row:
                raise
            raise ExtractError(
                f"{exc} The mapped column names are on row {found}: set `header_row: {found}`."
            ) from None
        table = pa.table(
            {w: pa.array(v, type=pa.string()) for w, v in zip(columns, values, strict=True)}
        )
        rows, bad = np.asarray(numbers, dtype=np.int64), []
    else:
        table, rows, bad = _read_csv(path, spec, mapping)
    table = _as_mapping_names(table, mapping, spec)
    source_file = path.relative_to(mapping.folder).as_posix()
    frame = _frame(table, rows, bad, source_file)
    if frame["source_problem"].isna().sum() == 0:
        raise ExtractError(
            f"{path}: the file has a header row but no data rows. Re-export the extract, or "
            f"remove the file (or narrow the glob in {mapping.path})."
        )
    return frame


def read_extract(mapping: Mapping) -> pd.DataFrame:
    """Read every file a mapping names into one frame of raw text.

    Parameters
    ----------
    mapping
        A validated mapping (:func:`~soteria_research.ingest.mapping.load_mapping`).

    Returns
    -------
    DataFrame
        One row per source row, in file then row order: each mapped source column as
        ``string``, plus ``source_file``, ``source_row`` and ``source_problem``.

    Raises
    ------
    ExtractError
        No file matches a glob, a file is missing, empty, unreadable or in another
        encoding, or lacks a mapped column (the message names the file, the column, the
        mapping to fix and the columns found).
    """
    return _read_all(mapping, history=False)


def read_history(mapping: Mapping) -> pd.DataFrame | None:
    """Read the outcome-history file(s) of a mapping (None when it has none).

    Returns the history's mapped source columns (and ``history.tie_break``) as text, with
    ``source_file``, ``source_row`` and ``source_problem``, as :func:`read_extract` does.
    """
    return _read_all(mapping, history=True) if mapping.history is not None else None


def _read_all(mapping: Mapping, history: bool) -> pd.DataFrame:
    frames = []
    chosen = [(s, p) for s, p in extract_files(mapping) if s.is_history == history]
    for spec, path in chosen:
        frame = read_file(path, spec, mapping)
        log.debug("read %s: %d rows", path.name, len(frame))
        frames.append(frame)
    columns = mapping.source_columns(mapping.history if history else None)
    order = ["source_file", *columns, "source_row", "source_problem"]
    if len(frames) == 1:
        return frames[0][order]
    raw = pd.concat([f[order] for f in frames], ignore_index=True)
    return raw.astype(dict.fromkeys([*order[:-2], "source_problem"], STRING))
