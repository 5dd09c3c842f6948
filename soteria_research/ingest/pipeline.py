"""Running ingest: each force folder of ``data/raw`` to its processed tables.

:func:`clean_force` reads one folder's mapping and extract, cleans, checks that every input
row is accounted for, validates each table against its schema, reads the self-assessment
workbooks and writes the five tables atomically. :func:`clean_all` does it for every
force (or the ones named), with a progress bar, and returns a summary table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from soteria_research import normalise, paths
from soteria_research.errors import (
    ExtractError,
    MappingError,
    ReconciliationError,
    SoteriaError,
    UnknownValueError,
)
from soteria_research.ingest import processed, schemas
from soteria_research.ingest.assessment import read_assessments
from soteria_research.ingest.clean import CleanResult, clean_cases
from soteria_research.ingest.mapping import Mapping, load_mapping
from soteria_research.ingest.pseudonymise import resolve_key
from soteria_research.ingest.quality import quality_report
from soteria_research.ingest.readers import extract_files, read_extract
from soteria_research.ingest.review import ingest_reviews, write_review_tables

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
    "message",
)


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


def reconcile(input_rows: int, result: CleanResult, where: Path) -> None:
    """Input rows must equal clean + quarantined + duplicates, exactly."""
    if result.rows != input_rows:
        raise ReconciliationError(
            f"{where}: {input_rows} input rows but {len(result.cases)} clean + "
            f"{len(result.quarantine)} quarantined + {len(result.duplicates)} duplicates = "
            f"{result.rows}. Nothing was written; please report this with the mapping."
        )


def _assessments(force_dir: Path, force: str, framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_assessments(force_dir, force, framework)


def provenance_record(mapping, force: str) -> dict:
    """Where a force's processed tables came from: layout, source, extraction date, the
    content hash of each source file and of the mapping, and the mapping's own
    ``provenance`` notes (the synthetic generator records its parameters there)."""
    import hashlib

    sources = sorted({p for spec in mapping.files for p in mapping.folder.glob(spec.path)})
    return {
        "force": force,
        "layout": mapping.layout,
        "data_source": mapping.data_source,
        "extraction_date": mapping.extraction_date.date().isoformat(),
        "mapping_sha256": hashlib.sha256(mapping.path.read_bytes()).hexdigest(),
        "files": [
            {
                "name": p.name,
                "bytes": p.stat().st_size,
                "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            }
            for p in sources
        ],
        "notes": dict(mapping.provenance),
    }


def clean_force(
    force_dir: str | Path,
    out_dir: str | Path | None = None,
    key: bytes | None = None,
    framework=None,
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
    raw = read_extract(mapping)
    result = clean_cases(raw, mapping, key, expected_force=force)
    reconcile(len(raw), result, force_dir)
    what = f"tables of {force}"
    schemas.validate(result.cases, schemas.CasesSchema, f"cases {what}")
    schemas.validate(result.quarantine, schemas.QuarantineSchema, f"quarantine {what}")
    schemas.validate(result.duplicates, schemas.DuplicatesSchema, f"duplicates {what}")
    responses, problems = _assessments(force_dir, force, framework)
    schemas.validate(responses, schemas.AssessmentSchema, f"assessment {what}")
    quality = quality_report(
        result.cases, result.quarantine, result.duplicates, result.unrecognised, problems, force
    )
    schemas.validate(quality, schemas.QualitySchema, f"quality report {what}")
    reviews = ingest_reviews(force_dir, result.cases, force)
    folder = processed.force_folder(force, Path(out_dir) if out_dir else None)
    processed.write_tables(
        folder,
        {
            "cases": result.cases,
            "quarantine": result.quarantine,
            "duplicates": result.duplicates,
            "assessment": responses,
            "quality": quality,
        },
    )
    if reviews is not None:
        write_review_tables(folder, reviews)
    processed.write_provenance(folder, provenance_record(mapping, force))
    log.debug(
        "%s: %d rows in, %d clean, %d quarantined, %d duplicates -> %s",
        force,
        len(raw),
        len(result.cases),
        len(result.quarantine),
        len(result.duplicates),
        folder,
    )
    return {
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
        "message": f"{len(extract_files(mapping))} file(s) -> {folder}",
    }


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


def clean_all(
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    forces: list[str] | None = None,
    *,
    key: bytes | None = None,
    progress: bool = True,
    stop_on_error: bool = False,
) -> pd.DataFrame:
    """Clean every force folder (or those named) and summarise.

    A force that fails is reported in the summary (``status`` ``failed`` and the
    message) and the others go on, unless ``stop_on_error``.

    Returns
    -------
    DataFrame
        One row per force, columns ``SUMMARY_COLUMNS``.
    """
    raw = Path(raw_dir or paths.raw_dir())
    out = Path(out_dir or paths.processed_dir())
    rows = []
    folders = force_folders(raw, forces)
    # Imported here: the progress bar belongs to the command line, not to notebooks that
    # import the package (tqdm.auto warns inside a kernel without ipywidgets).
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    # disable=None: the bar shows on a terminal only, never as control codes in a pipe or log.
    bar = tqdm(folders, desc="cleaning", unit="force", disable=None if progress else True)
    with logging_redirect_tqdm():
        for folder in bar:
            bar.set_postfix_str(folder.name)
            try:
                rows.append(clean_force(folder, out, key=key))
            except SoteriaError as exc:
                if stop_on_error:
                    raise
                log.debug("%s failed: %s", folder.name, exc)
                failed = {"force": folder.name, "folder": folder.name, "status": "failed"}
                rows.append({**failed, "message": str(exc)})
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return summary.astype(dict.fromkeys(SUMMARY_COLUMNS[3:-1], "Int64"))
