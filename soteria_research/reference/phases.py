"""Operation Soteria's programme phases: which force joined when, and on what evidence.

The built-in table (``programme_phases.csv`` beside this module) holds one row per force and
phase: the pathfinder (Avon and Somerset, 2021), the deep-dive forces (from September 2021),
the confirmed forces of the supported self-assessment expansion (from October 2022) and the
National Operating Model (every force, 10 July 2023). Each row names its source; a row whose
membership or date is not public is marked ``illustrative``.

Users correct or complete the table with ``config/programme_phases.csv`` (same columns): a
row replaces the built-in row of the same force and phase or adds one; a row with an empty
``start_date`` removes it. This is the one source of a force's phase: ``reference.forces()``
derives its ``soteria_phase`` column from here.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd

from soteria_research import paths
from soteria_research.errors import ReferenceDataError

logger = logging.getLogger(__name__)

#: Programme phases in the order a force can pass through them.
PHASES = ("pathfinder", "deep_dive", "expansion", "nom")
#: The phase every force entered at once: not a staggered adoption.
NATIONAL_PHASE = "nom"
COLUMNS = ("force", "phase", "start_date", "source", "illustrative")
BUILT_IN = paths.REFERENCE_DIR / "programme_phases.csv"
OVERRIDE_NAME = "programme_phases.csv"
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


def _name_lookup() -> dict[str, str]:
    table = pd.read_csv(paths.REFERENCE_DIR / "forces.csv", dtype=str, keep_default_na=False)
    lookup: dict[str, str] = {}
    for row in table.itertuples(index=False):
        for variant in (row.name, row.police_uk_id, *row.aliases.split("|")):
            if variant:
                lookup[variant.casefold().strip()] = row.name
    return lookup


def _read(path: Path) -> pd.DataFrame:
    """Read and check one phases file; errors name the file, spreadsheet row and column."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path}: cannot be read as CSV ({exc}).") from exc
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ReferenceDataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must be "
            f"{','.join(COLUMNS)}."
        )
    lookup = _name_lookup()
    rows = []
    for index, row in raw.iterrows():
        where = f"{path}, row {int(index) + 2}"
        force = lookup.get(row["force"].casefold().strip())
        if force is None:
            raise ReferenceDataError(
                f"{where}, column force: unknown force {row['force']!r}; use a name from "
                "`soteria forces`."
            )
        phase = row["phase"].strip()
        if phase not in PHASES:
            raise ReferenceDataError(
                f"{where}, column phase: {phase!r} is not one of {', '.join(PHASES)}."
            )
        text = row["start_date"].strip()
        start = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce") if text else pd.NaT
        if text and pd.isna(start):
            raise ReferenceDataError(
                f"{where}, column start_date: {text!r} is not a date; write YYYY-MM-DD, or "
                "leave it empty to remove the phase."
            )
        flag = row["illustrative"].strip().casefold()
        if flag not in _TRUE | _FALSE:
            raise ReferenceDataError(
                f"{where}, column illustrative: {row['illustrative']!r}; write true or false."
            )
        rows.append((force, phase, start, row["source"].strip(), flag in _TRUE))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["start_date"] = pd.to_datetime(out["start_date"]).astype("datetime64[us]")
    out["illustrative"] = out["illustrative"].astype(bool)
    dupes = out.duplicated(["force", "phase"], keep=False)
    if dupes.any():
        first = out[dupes].iloc[0]
        raise ReferenceDataError(
            f"{path}: {first['force']} has more than one {first['phase']!r} row; keep one."
        )
    return out


@lru_cache(maxsize=8)
def _load(built_in: Path, override: Path | None, stamp: float) -> pd.DataFrame:
    base = _read(built_in)
    base = base[base["start_date"].notna()]
    base["overridden"] = False
    if override is None:
        return base.reset_index(drop=True)
    extra = _read(override)
    extra["overridden"] = True
    keys = pd.MultiIndex.from_frame(extra[["force", "phase"]])
    kept = base[~pd.MultiIndex.from_frame(base[["force", "phase"]]).isin(keys)]
    out = pd.concat([kept, extra[extra["start_date"].notna()]], ignore_index=True)
    if len(extra):
        logger.info("Programme phases: %d row(s) from the override file.", len(extra))
    return out


def override_file() -> Path:
    """Where a user's corrections to the phases live (``config/programme_phases.csv``)."""
    return paths.config_dir() / OVERRIDE_NAME


def programme_phases(override: Path | str | None = None, use_override: bool = True) -> pd.DataFrame:
    """Every force's programme phases with start dates, sources and an illustrative flag.

    Parameters
    ----------
    override : path, optional
        A phases file to apply; default ``config/programme_phases.csv`` when it exists.
    use_override : bool
        False to read the built-in table alone.

    Returns
    -------
    pandas.DataFrame
        force, phase (one of :data:`PHASES`), start_date (datetime64), source (text),
        illustrative (bool: membership or date not public), overridden (bool: from the
        override file); ordered by force, then start date.

    Raises
    ------
    ReferenceDataError
        A file is unreadable, or a row names an unknown force or phase or a bad date.
    """
    path = Path(override) if override else override_file()
    path = path if use_override and path.is_file() else None
    stamp = path.stat().st_mtime if path else 0.0
    out = _load(BUILT_IN, path, stamp).copy()
    order = pd.Categorical(out["phase"], categories=list(PHASES), ordered=True)
    out = out.assign(_order=order).sort_values(["force", "start_date", "_order"])
    out = out.drop(columns="_order").reset_index(drop=True)
    out[["force", "phase", "source"]] = out[["force", "phase", "source"]].astype("string")
    return out


def entry_phases(phases: pd.DataFrame, national: bool = False) -> pd.DataFrame:
    """Each force's first programme phase: how and when it joined.

    Parameters
    ----------
    phases : pandas.DataFrame
        As returned by :func:`programme_phases`.
    national : bool
        Whether the National Operating Model counts as joining. False (the default) gives
        only forces that joined before it, which is what a staggered-adoption evaluation
        compares.

    Returns
    -------
    pandas.DataFrame
        force, phase, start_date, source, illustrative: one row per force.
    """
    rows = phases if national else phases[phases["phase"] != NATIONAL_PHASE]
    rows = rows.sort_values(["force", "start_date"], kind="stable")
    out = rows.drop_duplicates("force", keep="first")
    return out[list(COLUMNS)].reset_index(drop=True)
