"""Survey exports to processed survey tables: read, validate, pseudonymise, write.

Survey tools export CSV with the question text as column headers, in one header row or two
(a question row above a sub-question or "Response" row). :func:`read_export` reads one
export as text through its :class:`~.survey_mapping.SurveyExport`; :func:`clean_export`
turns it into one row per response and a list of problems, each naming file, row and
column:

* an answer outside the scale, or one that is not a scale answer, is set to missing
  (the response is kept, its completeness falls);
* a response with no respondent id, with no item answered, or repeating a respondent id
  already seen in the wave, is quarantined (the later one; the reason names the first);
* identical answers to every item (straight-lining) are kept and flagged;
* free text is dropped: only how many free-text questions were answered is kept.

Respondent ids are replaced by keyed hashes (the same key as the cases), so one person's
answers in two waves link without their reference being stored. :func:`clean_surveys`
does this for a force folder and writes ``survey_<instrument>.parquet`` and
``survey_problems.parquet`` atomically.
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from soteria_research import normalise
from soteria_research.errors import (
    ExtractError,
    MappingError,
    ReconciliationError,
    SoteriaError,
)
from soteria_research.ingest import processed
from soteria_research.ingest.instrument import survey_settings
from soteria_research.ingest.pseudonymise import normalise_ref, pseudonym_array, resolve_key
from soteria_research.ingest.survey_mapping import (
    MAPPING_FILE,
    SURVEY_FOLDER,
    SurveyExport,
    load_survey_mapping,
)

log = logging.getLogger(__name__)

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


def _drop_duplicates(frame: pd.DataFrame, export_rows: list[tuple]) -> pd.DataFrame:
    """Keep the first response of each respondent in a wave; quarantine the later ones."""
    repeated = frame.duplicated(["instrument", "wave", "respondent_ref"], keep="first")
    if repeated.any():
        first = frame.loc[~repeated].set_index(["instrument", "wave", "respondent_ref"])
        for rec in frame.loc[repeated].itertuples(index=False):
            orig = first.loc[(rec.instrument, rec.wave, rec.respondent_ref)]
            export_rows.append(
                (
                    rec.instrument,
                    rec.wave,
                    rec.source_file,
                    rec.source_row,
                    "respondent id",
                    f"duplicate response: the same respondent as row {orig['source_row']} "
                    f"of {orig['source_file']}, which is kept",
                    QUARANTINED,
                )
            )
    return frame.loc[~repeated].reset_index(drop=True)


def problems_frame(rows: list[tuple], force: str) -> pd.DataFrame:
    """The problems as a table (``PROBLEM_COLUMNS``): never a value from the response."""
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS[1:]))
    frame.insert(0, "force", force)
    frame = frame.astype({c: "string" for c in PROBLEM_COLUMNS if c != "source_row"})
    return frame.astype({"source_row": "Int64"})


def problem_lines(problems: pd.DataFrame) -> list[str]:
    """One line per problem: file, row, column, what was wrong and what was done."""
    return [
        f"{p.source_file}, row {p.source_row}, column {p.column!r}: {p.problem}; {p.action}."
        for p in problems.itertuples(index=False)
    ]


def clean_mapping(mapping, force: str, key: bytes) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every export of a survey mapping: one table per instrument and the problems.

    Raises
    ------
    ReconciliationError
        Data rows read differ from kept + quarantined responses (nothing is written).
    """
    frames, problems, read = [], [], 0
    for export in mapping.exports:
        header, rows = read_export(mapping.folder / export.file, export)
        read += len(rows)
        frame, found = clean_export(header, rows, export, force, key, export.file)
        frames.append(frame)
        problems += found
    data_source = mapping.data_source
    tables: dict[str, pd.DataFrame] = {}
    for instrument in dict.fromkeys(e.instrument.id for e in mapping.exports):
        part = pd.concat([f for f in frames if f["instrument"].eq(instrument).all()])
        part = _drop_duplicates(part.reset_index(drop=True), problems)
        prefix = f"{force}|survey|{instrument}|"
        ids = pseudonym_array(part["respondent_ref"].to_numpy(dtype=str), key, prefix)
        part.insert(3, "respondent_id", ids)
        part["data_source"] = pd.array([data_source] * len(part), dtype="string")
        tables[instrument] = part.drop(columns="respondent_ref").reset_index(drop=True)
    problem_table = problems_frame(problems, force)
    quarantined = problem_table.loc[problem_table["action"] == QUARANTINED]
    kept = sum(len(t) for t in tables.values())
    if kept + len(quarantined) != read:
        raise ReconciliationError(
            f"{mapping.path}: {read} responses read but {kept} kept + {len(quarantined)} "
            "quarantined. Nothing was written; please report this with the mapping."
        )
    return tables, problem_table


def survey_mapping_file(force_dir: Path) -> Path:
    """``<force folder>/surveys/surveys.yaml``."""
    return Path(force_dir) / SURVEY_FOLDER / MAPPING_FILE


def clean_surveys(
    force_dir: str | Path, out_dir: str | Path | None = None, key: bytes | None = None
) -> dict | None:
    """Clean a force folder's survey exports into ``<out>/<police_uk_id>/``.

    Does nothing (returns None) when the folder has no ``surveys/surveys.yaml``.
    Otherwise writes ``survey_<instrument>.parquet`` for each instrument and
    ``survey_problems.parquet``, all or none, and returns a summary row: force,
    responses, quarantined, flagged, answers_set_missing.
    """
    force_dir = Path(force_dir)
    path = survey_mapping_file(force_dir)
    if not path.is_file():
        return None
    mapping = load_survey_mapping(path)
    force = normalise.force_name(mapping.force or force_dir.name)
    key = key if key is not None else resolve_key(mapping.data_source)
    tables, problems = clean_mapping(mapping, force, key)
    folder = processed.force_folder(force, Path(out_dir) if out_dir else None)
    written = {f"survey_{name}": frame for name, frame in tables.items()}
    processed.write_tables(folder, {**written, "survey_problems": problems})
    counts = problems["action"].value_counts()
    log.debug("%s: %d survey table(s) written", force, len(tables))
    return {
        "force": force,
        "responses": sum(len(t) for t in tables.values()),
        "quarantined": int(counts.get(QUARANTINED, 0)),
        "flagged": int(counts.get(FLAGGED, 0)),
        "answers_set_missing": int(counts.get(SET_MISSING, 0)),
    }


def clean_all_surveys(
    raw_dir: str | Path,
    out_dir: str | Path | None = None,
    forces: list[str] | None = None,
    key: bytes | None = None,
) -> pd.DataFrame:
    """:func:`clean_surveys` for every force folder of ``raw_dir`` holding surveys (or the
    forces named). A force that fails is reported (``status`` ``failed`` and the message)
    and the others go on.

    Returns
    -------
    DataFrame
        force, status, responses, quarantined, flagged, answers_set_missing, message.
    """
    raw = Path(raw_dir)
    folders = sorted(p for p in raw.iterdir() if p.is_dir() and survey_mapping_file(p).is_file())
    if forces:
        wanted = {processed.police_uk_id(name) for name in forces}
        folders = [f for f in folders if f.name in wanted]
    rows = []
    for folder in folders:
        try:
            rows.append({**clean_surveys(folder, out_dir, key), "status": "ok", "message": ""})
        except SoteriaError as exc:
            rows.append({"force": folder.name, "status": "failed", "message": str(exc)})
    columns = ["force", "status", "responses", "quarantined", "flagged", "answers_set_missing"]
    return pd.DataFrame(rows, columns=[*columns, "message"])


def summary_lines(summary: pd.DataFrame) -> list[str]:
    """What :func:`clean_all_surveys` did, as lines for the command line to print."""
    lines = []
    done = summary[summary["status"] == "ok"]
    if len(done):
        lines.append(
            f"\nSurveys of {len(done)} force(s): {int(done['responses'].sum()):,} responses "
            f"kept, {int(done['quarantined'].sum()):,} quarantined, "
            f"{int(done['flagged'].sum()):,} flagged, {int(done['answers_set_missing'].sum()):,} "
            "answers set to missing (one line each in survey_problems.parquet)."
        )
    for row in summary[summary["status"] != "ok"].itertuples(index=False):
        lines.append(f"\nsoteria clean: surveys: error: {row.force}: {row.message}")
    return lines


def load_survey(
    instrument: str, force: str | None = None, processed_dir: Path | None = None
) -> pd.DataFrame:
    """The processed responses to an instrument of a force (every force when None).

    Raises
    ------
    DataError
        No processed survey table: run ``soteria clean``.
    """
    from soteria_research import paths
    from soteria_research.errors import DataError

    base = Path(processed_dir or paths.processed_dir())
    name = f"survey_{instrument}.parquet"
    files = (
        [processed.force_folder(force, base) / name] if force else sorted(base.glob(f"*/{name}"))
    )
    files = [f for f in files if f.is_file()]
    if not files:
        raise DataError(
            f"No processed {instrument} survey in {base}"
            f"{' for ' + force if force else ''}. Run `soteria clean` (surveys are read from "
            "data/raw/<force>/surveys/)."
        )
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
