"""Running ingest: each force folder of ``data/raw`` to its processed tables.

:func:`clean_force` reads one folder's mapping and extract, cleans, checks that every input
row is accounted for, validates each table against its schema, reads the self-assessment
workbooks and writes the five tables atomically. :func:`clean_all` does it for every
force (or the ones named), several forces side by side in a process pool, with a progress
bar, and returns a summary table.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from functools import partial
from pathlib import Path

import pandas as pd

from soteria_research import normalise, paths, settings
from soteria_research.errors import (
    ExtractError,
    MappingError,
    ReconciliationError,
    SoteriaError,
    UnknownValueError,
)
from soteria_research.ingest import fingerprint, processed
from soteria_research.ingest.assessment import read_assessments
from soteria_research.ingest.clean import CleanResult, clean_cases
from soteria_research.ingest.history import attach_history
from soteria_research.ingest.mapping import Mapping, load_mapping
from soteria_research.ingest.pseudonymise import resolve_key, scheme
from soteria_research.ingest.quality import quality_report
from soteria_research.ingest.readers import extract_files, read_extract, read_history
from soteria_research.ingest.review import ingest_reviews, write_review_tables
from soteria_research.reference import vocabulary

log = logging.getLogger(__name__)

MAPPING_FILE = "mapping.yaml"
SUMMARY_COLUMNS = (
    "force",
    "folder",
    "status",
    "input_rows",
    "clean",
    "quarantined",
    "duplicates",
    "date_flagged",
    "assessment_rounds",
    "assessment_problems",
    "warnings",
    "message",
)
#: What to do when one reason quarantines a large share of a force's rows.
_ADVICE = {
    ("outcome", "missing value"): "if a blank outcome means pending, set `pending_when_blank: "
    "true` in the mapping",
    ("outcome", "unknown outcome code"): "map the values under `codes.outcome` (or list "
    "interim statuses under `history.interim_statuses`)",
    ("offence", "unknown offence code"): "map the values under `codes.offence` (`soteria "
    "offences` lists the codes)",
    ("recorded_date", "unparseable date"): "add their format to `dates.formats`",
    ("force", "unknown force"): "add the name to config/aliases.yaml under `forces:`",
}


def folder_force(force_dir: Path, mapping: Mapping) -> str:
    """The force a raw folder holds: its name (a police.uk id or force name) and the
    mapping's ``force:`` must agree; either alone is enough."""
    try:
        by_folder = normalise.force_name(force_dir.name)
    except UnknownValueError:
        by_folder = None
    if by_folder and mapping.force and by_folder != mapping.force:
        raise MappingError(
            f"{mapping.path}: the mapping says force {mapping.force!r} but the folder "
            f"{force_dir.name!r} is {by_folder}'s. Copy-pasted mapping? Fix `force:` or "
            "move the files."
        )
    if by_folder or mapping.force:
        return by_folder or mapping.force
    raise MappingError(
        f"{force_dir}: the folder name is not a force and the mapping uses `force_column:`. "
        "Name the folder by the force's police.uk id (see `soteria forces`)."
    )


def reconcile(
    input_rows: int,
    result: CleanResult,
    where: Path,
    history=None,
    history_rows: int | None = None,
) -> None:
    """Input rows must equal clean + quarantined + duplicates, exactly; history rows must
    equal used + quarantined."""
    if result.rows != input_rows:
        raise ReconciliationError(
            f"{where}: {input_rows} input rows but {len(result.cases)} clean + "
            f"{len(result.quarantine)} quarantined + {len(result.duplicates)} duplicates = "
            f"{result.rows}. Nothing was written; please report this with the mapping."
        )
    if history is not None and history.rows != history_rows:
        raise ReconciliationError(
            f"{where}: {history_rows} outcome history rows but {history.used} used + "
            f"{len(history.quarantine)} quarantined. Nothing was written; please report this "
            "with the mapping."
        )


def quarantine_warnings(quarantine: pd.DataFrame, input_rows: int, share: float) -> list[str]:
    """One line per quarantine reason that takes more than ``share`` of the input rows."""
    if not input_rows or not len(quarantine):
        return []
    counts = quarantine.groupby(["column", "reason"], observed=True).size()
    lines = []
    for (column, reason), count in counts.sort_values(ascending=False).items():
        if count > share * input_rows:
            advice = _ADVICE.get((column, reason), "see the quarantine table and docs/mapping.md")
            lines.append(
                f"{column}: {reason} quarantines {count} of {input_rows} rows "
                f"({count / input_rows:.0%}); {advice}"
            )
    return lines


def _warnings(result: CleanResult, attached, input_rows: int, history_rows) -> list[str]:
    share = warning_share()
    lines = quarantine_warnings(result.quarantine, input_rows, share)
    if attached is not None:
        history = quarantine_warnings(attached.quarantine, history_rows, share)
        lines += [f"outcome history: {line}" for line in history]
    return lines


def warning_share() -> float:
    """``ingest.quarantine_warning_share`` from the settings (default 0.2)."""
    try:
        return float(settings.load().get("ingest", {}).get("quarantine_warning_share", 0.2))
    except SoteriaError:
        return 0.2


def _assessments(force_dir: Path, force: str, framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_assessments(force_dir, force, framework)


def provenance_record(mapping, force: str, files: list | None = None) -> dict:
    """Where a force's processed tables came from: layout, source, extraction date, the
    content hash of each source file and of the mapping, the mapping's ``notes`` (as
    ``mapping_notes``), its ``provenance`` pairs (as ``notes``; the synthetic generator
    records its parameters there) and the pseudonym scheme of the ids."""
    if files is None:
        sources = sorted({p for _spec, p in extract_files(mapping)})
        files = [
            {"name": p.name, "bytes": p.stat().st_size, "sha256": fingerprint.file_sha256(p)}
            for p in sources
        ]
    return {
        "force": force,
        "layout": mapping.layout,
        "data_source": mapping.data_source,
        "extraction_date": mapping.extraction_date.date().isoformat(),
        "mapping_sha256": fingerprint.file_sha256(mapping.path),
        "files": files,
        "notes": dict(mapping.provenance),
        "mapping_notes": mapping.notes,
        "pseudonym_scheme": scheme(),
    }


#: Workbooks a force returns beside its extract; any change to them cleans the force again.
RETURNED_GLOBS = ("self_assessment*", "review*", "improvement_plan*")


def _assessment_files(force_dir: Path) -> list[Path]:
    """Every returned workbook (self-assessments in any format, case-file reviews)."""
    files = sorted({f for pattern in RETURNED_GLOBS for f in force_dir.glob(pattern)})
    return [f for f in files if f.is_file() and not f.name.startswith("~$")]


def _previous(folder: Path) -> dict:
    """The provenance record of the last clean ({} when there is none or it is unreadable)."""
    import json

    try:
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _unchanged(folder: Path, record: dict, clean_key: str) -> dict | None:
    """The stored summary when the force's tables were made with this clean key."""
    if record.get("clean_key") != clean_key or not isinstance(record.get("summary"), dict):
        return None
    if not all((folder / f"{table}.parquet").is_file() for table in processed.TABLES):
        return None
    return record["summary"]


def clean_force(
    force_dir: str | Path,
    out_dir: str | Path | None = None,
    key: bytes | None = None,
    framework=None,
    *,
    full: bool = False,
    code: str | None = None,
) -> dict:
    """Clean one force folder into ``<out_dir>/<police_uk_id>/``.

    Parameters
    ----------
    force_dir
        ``data/raw/<police_uk_id>``: ``mapping.yaml``, the extract, and optionally
        ``self_assessment*.xlsx``.
    out_dir
        The processed folder (default ``data/processed``).
    key
        HMAC key; by default from the environment or key file (demo key for synthetic).
    framework
        Self-assessment framework (path or dict; default the config file).
    full
        Clean even when nothing changed since the last clean. Otherwise a force whose
        clean key (:mod:`~soteria_research.ingest.fingerprint`) matches the one in its
        ``provenance.json`` is skipped and its stored summary returned (status
        ``unchanged``).
    code
        The cleaning code version (computed when not given).

    Returns
    -------
    dict
        One summary row (see ``SUMMARY_COLUMNS``).

    Raises
    ------
    SoteriaError
        A mapping, extract or key problem (the message says what to fix), or a
        :class:`ReconciliationError` when rows do not add up. Nothing is written then.
    """
    force_dir = Path(force_dir)
    if not force_dir.is_dir():
        raise ExtractError(f"No force folder at {force_dir}.")
    mapping = load_mapping(force_dir / MAPPING_FILE)
    force = folder_force(force_dir, mapping)
    key = key if key is not None else resolve_key(mapping.data_source)
    folder = processed.force_folder(force, Path(out_dir) if out_dir else None)
    sources = sorted({p for _spec, p in extract_files(mapping)})
    previous = _previous(folder)
    known = {r["name"]: r for r in previous.get("inputs", []) if isinstance(r, dict)}
    clean_key, inputs = fingerprint.clean_key(
        mapping.path,
        [*sources, *_assessment_files(force_dir)],
        key,
        code or fingerprint.code_version(),
        known,
    )
    stored = None if full else _unchanged(folder, previous, clean_key)
    if stored is not None:
        log.debug("%s: unchanged since the last clean, skipped", force)
        return {**stored, "status": "unchanged", "folder": force_dir.name}
    from soteria_research.ingest import schemas  # pandera: imported only to clean

    raw = read_extract(mapping)
    history_raw = read_history(mapping)
    attached = None
    cleaning = mapping
    if history_raw is not None:
        attached = attach_history(raw, history_raw, mapping, force)
        raw, cleaning = attached.raw, attached.mapping
    result = clean_cases(raw, cleaning, key, expected_force=force)
    history_rows = len(history_raw) if history_raw is not None else None
    reconcile(len(raw), result, force_dir, attached, history_rows)
    what = f"tables of {force}"
    quarantine = result.quarantine
    if attached is not None and len(attached.quarantine):
        quarantine = pd.concat([quarantine, attached.quarantine], ignore_index=True)
    schemas.validate(result.cases, schemas.CasesSchema, f"cases {what}")
    schemas.validate(quarantine, schemas.QuarantineSchema, f"quarantine {what}")
    schemas.validate(result.duplicates, schemas.DuplicatesSchema, f"duplicates {what}")
    responses, problems = _assessments(force_dir, force, framework)
    schemas.validate(responses, schemas.AssessmentSchema, f"assessment {what}")
    quality = quality_report(
        result.cases,
        result.quarantine,
        result.duplicates,
        result.unrecognised,
        problems,
        force,
        history_rows=history_rows,
        history_quarantine=attached.quarantine if attached is not None else None,
    )
    schemas.validate(quality, schemas.QualitySchema, f"quality report {what}")
    reviews = ingest_reviews(force_dir, result.cases, force)
    summary = {
        "force": force,
        "folder": force_dir.name,
        "status": "ok",
        "input_rows": len(raw),
        "clean": len(result.cases),
        "quarantined": len(result.quarantine),
        "duplicates": len(result.duplicates),
        "date_flagged": int(result.cases["date_flags"].ne("").sum()),
        "assessment_rounds": int(responses["round"].nunique()),
        "assessment_problems": len(problems),
        "warnings": " | ".join(_warnings(result, attached, len(raw), history_rows)),
        "message": f"{len(sources)} file(s) -> {folder}",
    }
    processed.write_tables(
        folder,
        {
            "cases": result.cases,
            "quarantine": quarantine,
            "duplicates": result.duplicates,
            "assessment": responses,
            "quality": quality,
        },
    )
    if reviews is not None:
        write_review_tables(folder, reviews)
    plan_problems(force_dir, force, folder)
    names = {p.name for p in sources}
    files = [{k: r[k] for k in ("name", "bytes", "sha256")} for r in inputs if r["name"] in names]
    record = provenance_record(mapping, force, files)
    record.update(clean_key=clean_key, summary=summary, inputs=inputs)
    processed.write_provenance(folder, record)
    log.debug(
        "%s: %d rows in, %d clean, %d quarantined, %d duplicates -> %s",
        force,
        len(raw),
        len(result.cases),
        len(result.quarantine),
        len(result.duplicates),
        folder,
    )
    return summary


def plan_problems(force_dir: Path, force: str, folder: Path) -> int:
    """Read the force's returned improvement plan (``improvement_plan*.xlsx``) into
    ``plan.parquet`` and ``plan_quarantine.parquet``; returns the number of problems
    (each is a quarantine row naming its cell). With no plan returned, tables from an
    earlier plan are removed so a report never shows a plan the force took back."""
    from soteria_research.ingest.plan import PLAN_FILES, ingest_plan

    returned = sorted(
        f for f in force_dir.glob(PLAN_FILES) if f.is_file() and not f.name.startswith("~$")
    )
    if not returned:
        for table in ("plan", "plan_quarantine"):
            (folder / f"{table}.parquet").unlink(missing_ok=True)
        return 0
    if len(returned) > 1:
        raise ExtractError(
            f"{force_dir}: {len(returned)} improvement plans ({', '.join(f.name for f in returned)}); "
            "keep one (the latest) as improvement_plan.xlsx."
        )
    known = vocabulary.labels("measure")
    result = ingest_plan(returned[0], force, folder.parent, known_measures=known)
    return len(result.problems)


def one_line(exc: BaseException) -> str:
    """An error as one line; an unexpected one says what it was and to report it."""
    text = " ".join(str(exc).split())
    if isinstance(exc, SoteriaError):
        return text
    return (
        f"unexpected {type(exc).__name__}: {text}. Check the mapping against docs/mapping.md; "
        "if it is right, please report this with the mapping."
    )


def force_folders(raw_dir: Path, forces: list[str] | None = None) -> list[Path]:
    """Force folders of ``raw_dir`` (all, or those of the forces named in any variant)."""
    held = []
    if raw_dir.is_dir():
        held = sorted(p for p in raw_dir.iterdir() if p.is_dir() and p.name[0] not in "._")
    if not held:
        raise ExtractError(
            f"No force folders in {raw_dir}. Run `soteria synth` for the synthetic data, or "
            "add data/raw/<police_uk_id>/ holding an extract and its mapping.yaml."
        )
    if not forces:
        return held
    by_id = {p.name: p for p in held}
    chosen = []
    for name in forces:
        folder = processed.police_uk_id(name)
        if folder not in by_id:
            raise ExtractError(
                f"No folder for {normalise.force_name(name)} in {raw_dir} (expected "
                f"{folder}/). Folders: {', '.join(by_id)}."
            )
        chosen.append(by_id[folder])
    return chosen


def clean_jobs(jobs: int | None = None) -> int:
    """Processes that clean forces side by side: ``jobs``, else ``ingest.jobs`` in the
    settings; 0 means one per core."""
    if jobs is None:
        try:
            jobs = int(settings.load().get("ingest", {}).get("jobs", 0) or 0)
        except SoteriaError:
            jobs = 0
    return jobs if jobs > 0 else os.cpu_count() or 1


def _clean_one(folder: Path, out: Path, key: bytes | None, full: bool, code: str) -> dict:
    """One force's summary row; a failure becomes a ``failed`` row, never an exception."""
    try:
        return clean_force(folder, out, key=key, full=full, code=code)
    except Exception as exc:  # one force failing never stops the rest
        log.debug("%s failed: %s", folder.name, exc)
        failed = {"force": folder.name, "folder": folder.name, "status": "failed"}
        return {**failed, "message": one_line(exc)}


def _in_pool(folders: list[Path], jobs: int, bar, clean) -> dict[Path, dict]:
    """Clean the folders in a pool of ``jobs`` processes; a worker that dies fails its force."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "fork" if sys.platform.startswith("linux") else None
    rows: dict[Path, dict] = {}
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {pool.submit(clean, folder): folder for folder in folders}
        for future in as_completed(futures):
            folder = futures[future]
            try:
                rows[folder] = future.result()
            except Exception as exc:  # the worker process itself died (out of memory...)
                failed = {"force": folder.name, "folder": folder.name, "status": "failed"}
                rows[folder] = {**failed, "message": one_line(exc)}
            bar.set_postfix_str(folder.name)
            bar.update()
    return rows


def clean_all(
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    forces: list[str] | None = None,
    *,
    key: bytes | None = None,
    progress: bool = True,
    stop_on_error: bool = False,
    full: bool = False,
    jobs: int | None = None,
) -> pd.DataFrame:
    """Clean every force folder (or those named) and summarise.

    A force that fails is reported in the summary (``status`` ``failed`` and a one-line
    message) and the others go on, unless ``stop_on_error``; an error raised by mistake
    (not a :class:`~soteria_research.errors.SoteriaError`) is reported the same way. A
    force in which nothing changed is skipped (``unchanged``) unless ``full``. Forces are
    cleaned side by side in ``jobs`` processes (:func:`clean_jobs`); each force is cleaned
    by one process exactly as alone, so the tables do not depend on ``jobs``.

    Returns
    -------
    DataFrame
        One row per force, in folder order, columns ``SUMMARY_COLUMNS``.
    """
    raw = Path(raw_dir or paths.raw_dir())
    out = Path(out_dir or paths.processed_dir())
    folders = force_folders(raw, forces)
    # Imported here: the progress bar belongs to the command line, not to notebooks that
    # import the package (tqdm.auto warns inside a kernel without ipywidgets).
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    code = fingerprint.code_version()
    jobs = min(clean_jobs(jobs), len(folders))
    clean = partial(_clean_one, out=out, key=key, full=full, code=code)
    # disable=None: the bar shows on a terminal only, never as control codes in a pipe or log.
    bar = tqdm(
        total=len(folders), desc="cleaning", unit="force", disable=None if progress else True
    )
    with logging_redirect_tqdm(), bar:
        if jobs > 1 and not stop_on_error:
            done = _in_pool(folders, jobs, bar, clean)
        else:
            done = {}
            for folder in folders:
                bar.set_postfix_str(folder.name)
                if stop_on_error:
                    done[folder] = clean_force(folder, out, key=key, full=full, code=code)
                else:
                    done[folder] = clean(folder)
                bar.update()
    summary = pd.DataFrame([done[f] for f in folders], columns=list(SUMMARY_COLUMNS))
    return summary.astype(dict.fromkeys(SUMMARY_COLUMNS[3:-2], "Int64"))
