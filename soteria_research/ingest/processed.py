"""The processed tables on disk: atomic writes and the loaders later stages use.

Each force has a folder ``data/processed/<police_uk_id>/`` holding ``cases``,
``quarantine``, ``duplicates``, ``assessment`` and ``quality`` as parquet. A run writes
every table to a temporary file in that folder first and renames them into place only
when all are written, so a failed run leaves the previous tables as they were.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from soteria_research import normalise, paths, reference
from soteria_research.errors import DataError
from soteria_research.normalise import police_uk_id

TABLES = ("cases", "quarantine", "duplicates", "assessment", "quality")
_TMP = ".tmp-"


def force_folder(force: str, processed_dir: Path | None = None) -> Path:
    """``<processed>/<police_uk_id>`` for a force."""
    return Path(processed_dir or paths.processed_dir()) / police_uk_id(force)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write tables as ``<name>.parquet`` in ``folder``, all or none.

    Every table goes to a temporary file in the same folder; only when all are written
    are they renamed into place (``os.replace``). On any error the temporary files are
    removed and the previous tables are untouched.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    try:
        for name, frame in tables.items():
            final = folder / f"{name}.parquet"
            temp = folder / f"{_TMP}{os.getpid()}-{name}.parquet"
            pending.append((temp, final))
            _write_parquet(frame, temp)
        for temp, final in pending:
            os.replace(temp, final)
    finally:
        for temp, _final in pending:
            temp.unlink(missing_ok=True)
    return [final for _temp, final in pending]


def write_provenance(folder: Path, record: dict) -> Path:
    """Write ``provenance.json`` beside the tables (temporary file, then rename)."""
    import json

    final = folder / "provenance.json"
    temp = folder / f"{_TMP}{os.getpid()}-provenance.json"
    temp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, final)
    return final


def _folders(processed: Path) -> list[Path]:
    if not processed.is_dir():
        return []
    return sorted(p for p in processed.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_table(table: str, force: str | None = None, processed_dir: Path | None = None):
    """One processed table for a force (any name variant), or for every force when None.

    Raises
    ------
    DataError
        The table is missing: the message names the folder and says to run
        ``soteria clean``.
    """
    if table not in TABLES:
        raise DataError(f"Unknown processed table {table!r}; tables: {', '.join(TABLES)}.")
    processed = Path(processed_dir or paths.processed_dir())
    if force is not None:
        path = force_folder(force, processed) / f"{table}.parquet"
        if not path.is_file():
            raise DataError(
                f"No processed {table} for {normalise.force_name(force)}: {path} is missing. "
                "Run `soteria clean` (after `soteria synth` for the synthetic data) first."
            )
        return pd.read_parquet(path)
    files = [f / f"{table}.parquet" for f in _folders(processed)]
    files = [f for f in files if f.is_file()]
    if not files:
        raise DataError(
            f"No processed {table} tables in {processed}. Run `soteria clean` (after "
            "`soteria synth` for the synthetic data) first."
        )
    return _read_all(files)


def _read_all(files: list[Path]) -> pd.DataFrame:
    """The files' rows in order, as ``pd.concat`` of each read would give them: read as
    Arrow tables and converted to pandas once (a third faster for every force's cases).
    Files whose schemas (with their pandas metadata) differ, or that hold dictionary
    columns (which pandas would join differently), are read one by one as before."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(f) for f in files]
    first = tables[0].schema
    alike = all(t.schema.equals(first, check_metadata=True) for t in tables[1:])
    if alike and not any(pa.types.is_dictionary(field.type) for field in first):
        return pa.concat_tables(tables).to_pandas()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def load_cases(force: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Canonical cases of a force (every force when None); see ``CasesSchema``."""
    return load_table("cases", force, processed_dir)


def load_assessment(force: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Self-assessment responses of a force (every force when None)."""
    return load_table("assessment", force, processed_dir)


def load_quarantine(force: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Quarantined rows of a force (every force when None)."""
    return load_table("quarantine", force, processed_dir)


def load_duplicates(force: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Rows removed as duplicates of a force (every force when None)."""
    return load_table("duplicates", force, processed_dir)


def load_quality(force: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """The data-quality report of a force (every force when None)."""
    return load_table("quality", force, processed_dir)


def processed_forces(processed_dir: Path | None = None) -> list[str]:
    """Home Office names of the forces that have processed cases, in reference order."""
    processed = Path(processed_dir or paths.processed_dir())
    held = {f.name for f in _folders(processed) if (f / "cases.parquet").is_file()}
    table = reference.forces()
    return table.loc[table["police_uk_id"].isin(held), "name"].tolist()
