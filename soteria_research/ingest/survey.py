"""Survey exports to processed survey tables: read, validate, pseudonymise, write.

Survey tools export CSV with the question text as column headers, in one header row or two
(a question row above a sub-question or "Response" row). :mod:`.survey_export` reads one
export as text through its :class:`~.survey_mapping.SurveyExport` and
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

import logging
from pathlib import Path

import pandas as pd

from soteria_research import normalise
from soteria_research.errors import ReconciliationError, SoteriaError
from soteria_research.ingest import processed
from soteria_research.ingest.pseudonymise import pseudonym_array, resolve_key
from soteria_research.ingest.survey_export import (  # noqa: F401 (re-exported)
    FLAGGED,
    PROBLEM_COLUMNS,
    QUARANTINED,
    SET_MISSING,
    clean_export,
    match_columns,
    read_export,
)
from soteria_research.ingest.survey_mapping import (
    MAPPING_FILE,
    SURVEY_FOLDER,
    load_survey_mapping,
)

log = logging.getLogger(__name__)


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
