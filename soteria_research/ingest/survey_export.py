"""One survey export: read as text, columns found by their question text, answers checked.

:func:`read_export` reads a CSV export (one or two header rows) as text;
:func:`match_columns` finds each mapped column by its header; :func:`clean_export` turns the
rows into one row per response and a list of problems (file, row, column, problem, action),
never a value from the response. Free text is counted and dropped here.
"""

from __future__ import annotations

import csv
import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from soteria_research.errors import ExtractError, MappingError
from soteria_research.ingest.instrument import survey_settings
from soteria_research.ingest.pseudonymise import normalise_ref
from soteria_research.ingest.survey_mapping import MAPPING_FILE, SurveyExport

PROBLEM_COLUMNS = (
    "force",
    "instrument",
    "wave",
    "source_file",
    "source_row",
    "column",
    "problem",
    "action",
)
QUARANTINED = "response quarantined"
SET_MISSING = "answer set to missing"
FLAGGED = "response kept, flagged"
_SPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    return _SPACE.sub(" ", str(text)).strip().casefold()


def read_export(path: Path, export: SurveyExport) -> tuple[list[list[str]], list[list[str]]]:
    """The header row(s) and data rows of an export file, as text.

    Raises
    ------
    ExtractError
        The file is missing, cannot be decoded, or has fewer rows than its header rows.
    """
    if not path.is_file():
        raise ExtractError(f"{path}: survey export listed in {MAPPING_FILE} is missing.")
    try:
        with path.open(encoding=export.encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=export.delimiter))
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"{path}: cannot be read as {export.encoding} ({exc.reason} at byte {exc.start}). "
            "Set `encoding:` for this export in surveys.yaml (e.g. cp1252)."
        ) from exc
    if len(rows) < export.header_rows:
        raise ExtractError(f"{path}: expected {export.header_rows} header row(s), found fewer.")
    return rows[: export.header_rows], rows[export.header_rows :]


def header_names(header: list[list[str]]) -> list[set[str]]:
    """For each column, the folded names it answers to.

    With two header rows a column answers to its first-row text, its second-row text, and
    ``first / second`` with the first row carried right over blank cells (how tools write
    a grid question: its text once, then one column per statement).
    """
    width = max(len(row) for row in header)
    rows = [row + [""] * (width - len(row)) for row in header]
    names = [{_fold(rows[0][j])} - {""} for j in range(width)]
    if len(rows) == 2:
        carried = ""
        for j in range(width):
            carried = rows[0][j] or carried
            second = rows[1][j]
            names[j] |= {_fold(second)} - {""}
            if carried and second:
                names[j].add(_fold(f"{carried} / {second}"))
    return names


def match_columns(header: list[list[str]], export: SurveyExport, path: Path) -> dict[str, int]:
    """Column index of each mapped key (and of ``respondent_id``).

    Raises
    ------
    MappingError
        A header is not in the file, or matches more than one column; the message names
        the key and the closest headers.
    """
    names = header_names(header)
    wanted = {"respondent_id": export.respondent_id, **export.columns}
    found: dict[str, int] = {}
    for key, text in wanted.items():
        hits = [j for j, held in enumerate(names) if _fold(text) in held]
        if len(hits) == 1:
            found[key] = hits[0]
            continue
        if hits:
            raise MappingError(
                f"{path}: the header for `{key}` ({text!r}) matches columns "
                f"{', '.join(str(j + 1) for j in hits)}; use the full 'question / statement' "
                "text in surveys.yaml."
            )
        every = sorted({n for held in names for n in held})
        close = difflib.get_close_matches(_fold(text), every, n=2, cutoff=0.6)
        hint = f" Closest: {', '.join(repr(c) for c in close)}." if close else ""
        raise MappingError(
            f"{path}: no column headed {text!r} (for `{key}` in {MAPPING_FILE}).{hint}"
        )
    return found


def _problem(export, file, row, column, problem, action) -> tuple:
    return (export.instrument.id, export.wave, file, row, column, problem, action)


def _answers(text: pd.Series, export: SurveyExport) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers of one item column, and masks of unreadable and out-of-range cells."""
    instrument = export.instrument
    folded = text.fillna("").map(_fold)
    labels = {_fold(v): k for k, v in instrument.labels.items()} | export.answers
    missing = folded.isin(export.missing_values).to_numpy(bool)
    by_label = folded.map(labels).astype("Float64")
    numeric = pd.to_numeric(folded, errors="coerce").astype("Float64")
    value = by_label.where(by_label.notna(), numeric).to_numpy(float, na_value=np.nan)
    unreadable = ~missing & (np.isnan(value) | (value != np.round(value)))
    outside = (
        ~missing & ~unreadable & ((value < instrument.scale_min) | (value > instrument.scale_max))
    )
    value[missing | unreadable | outside] = np.nan
    return pd.array(value, dtype="Float64").astype("Int64"), unreadable, outside


def clean_export(
    header: list[list[str]],
    rows: list[list[str]],
    export: SurveyExport,
    force: str,
    key: bytes,
    file_name: str,
) -> tuple[pd.DataFrame, list[tuple]]:
    """One export's responses and its problems (pure apart from hashing).

    Returns
    -------
    responses : DataFrame
        One row per kept response (see ``docs/surveys.md``), the respondent reference
        still in ``respondent_ref`` for the duplicate check across files.
    problems : list of tuple
        ``(instrument, wave, source_file, source_row, column, problem, action)``.
    """
    instrument = export.instrument
    where = Path(file_name)
    index = match_columns(header, export, where)
    width = max([len(r) for r in rows] + [max(index.values()) + 1])
    grid = [r + [""] * (width - len(r)) for r in rows]
    first_row = export.header_rows + 1
    table = pd.DataFrame(
        {k: [r[j].strip() for r in grid] for k, j in index.items()}, dtype="string"
    )
    table["source_row"] = pd.array(np.arange(len(grid)) + first_row, dtype="Int64")
    heading = {k: export.columns.get(k, export.respondent_id) for k in index}
    problems: list[tuple] = []
    out = pd.DataFrame({"source_row": table["source_row"]})
    items = [i for i in instrument.item_ids if i in index]
    for item in items:
        values, unreadable, outside = _answers(table[item], export)
        out[item] = values
        for row in table.loc[unreadable, "source_row"]:
            problems.append(
                _problem(export, file_name, row, heading[item], "not a scale answer", SET_MISSING)
            )
        allowed = f"{instrument.scale_min}-{instrument.scale_max}"
        for row in table.loc[outside, "source_row"]:
            problems.append(
                _problem(
                    export, file_name, row, heading[item], f"out of range ({allowed})", SET_MISSING
                )
            )
    for item in instrument.item_ids:
        if item not in out:
            out[item] = pd.array([pd.NA] * len(out), dtype="Int64")
    for group in instrument.grouping:
        if group.id not in index:
            out[group.id] = pd.array([pd.NA] * len(out), dtype="string")
            continue
        allowed = {_fold(v): v for v in group.values}
        folded = table[group.id].fillna("").map(_fold)
        value = folded.map(allowed).astype("string")
        bad = ~folded.isin(export.missing_values) & value.isna()
        for row in table.loc[bad, "source_row"]:
            problems.append(
                _problem(
                    export,
                    file_name,
                    row,
                    heading[group.id],
                    "not one of its listed values",
                    SET_MISSING,
                )
            )
        out[group.id] = value
    free = [f.id for f in instrument.free_text if f.id in index]
    answered_text = [~table[f].fillna("").map(_fold).isin(export.missing_values) for f in free]
    out["free_text_answers"] = pd.array(
        np.sum(answered_text, axis=0) if free else np.zeros(len(out), int), dtype="Int64"
    )
    block = out[instrument.item_ids]
    out["answered"] = pd.array(block.notna().sum(axis=1).to_numpy(), dtype="Int64")
    out["completeness"] = pd.array(
        out["answered"].to_numpy(float) / len(instrument.item_ids), dtype="Float64"
    )
    minimum = int(survey_settings()["straightlining_min_items"])
    spread = block.astype("Float64").max(axis=1) - block.astype("Float64").min(axis=1)
    straight = (out["answered"] >= minimum) & spread.eq(0).fillna(False)
    out["straightlined"] = pd.array(straight.to_numpy(bool), dtype="boolean")
    for row in out.loc[straight.to_numpy(bool), "source_row"]:
        problems.append(
            _problem(
                export, file_name, row, "(all items)", "the same answer to every item", FLAGGED
            )
        )
    out["respondent_ref"] = table["respondent_id"].fillna("").map(normalise_ref)
    unusable = out["respondent_ref"].eq("") | out["answered"].eq(0)
    for row, ref in out.loc[unusable, ["source_row", "respondent_ref"]].itertuples(index=False):
        reason = "no respondent id" if ref == "" else "no item answered"
        column = export.respondent_id if ref == "" else "(all items)"
        problems.append(_problem(export, file_name, row, column, reason, QUARANTINED))
    out = out.loc[~unusable.to_numpy(bool)].reset_index(drop=True)
    out.insert(0, "source_file", pd.array([file_name] * len(out), dtype="string"))
    out.insert(0, "wave", pd.array([export.wave] * len(out), dtype="string"))
    out.insert(0, "instrument", pd.array([instrument.id] * len(out), dtype="string"))
    out.insert(0, "force", pd.array([force] * len(out), dtype="string"))
    return out, problems
