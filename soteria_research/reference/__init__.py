"""Reference data: forces, offence codes, outcome types, pillars.

The tables are CSV files beside this module, taken from the Home Office open data and
``domain.md``. Facts that are not certain carry a source column: programme phases live in
:mod:`.phases` (``programme_phases.csv``, with user overrides from ``config/``).
Functions return fresh copies, so callers may change what they get.

Users add their own name variants in ``config/aliases.yaml`` (never in this package):
force names under ``forces:``, outcome labels under ``outcomes:`` and offence labels under
``offences:``; they are merged with the packaged ones (see ``docs/mapping.md``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from soteria_research import paths
from soteria_research.errors import ConfigError
from soteria_research.paths import REFERENCE_DIR
from soteria_research.reference.phases import entry_phases, programme_phases

ALIAS_KINDS = ("forces", "outcomes", "offences")

#: Canonical victim-suspect relationship categories.
RELATIONSHIPS = ("stranger", "acquaintance", "intimate", "family", "other", "unknown")
#: Canonical victim sex values.
SEXES = ("female", "male", "other", "unknown")
#: Canonical ethnicity groups (IC codes and self-defined lists map onto these).
ETHNICITIES = ("white", "black", "asian", "mixed", "other", "unknown")
#: Outcome types whose alternate-offence variant (1A/2A/3A) forces record.
ALTERNATE_PARENTS = (1, 2, 3)
#: Outcome type meaning "not yet assigned": pending, censored in time-to-event work.
PENDING = 0
CHARGED = 1


def aliases_file() -> Path:
    """``config/aliases.yaml``: the user's own names for forces, outcomes and offences."""
    return paths.config_dir() / "aliases.yaml"


@lru_cache(maxsize=4)
def _read_aliases(path: Path, stamp: tuple) -> dict[str, dict[str, list[str]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: cannot be read as YAML ({exc}).") from exc
    if not isinstance(data, dict) or set(data) - set(ALIAS_KINDS):
        extra = ", ".join(map(str, set(data) - set(ALIAS_KINDS))) if isinstance(data, dict) else ""
        raise ConfigError(
            f"{path}: expected the sections {', '.join(ALIAS_KINDS)}"
            f"{f' (unknown: {extra})' if extra else ''}, each of `canonical: [variant, ...]`."
        )
    out: dict[str, dict[str, list[str]]] = {}
    for kind in ALIAS_KINDS:
        section = data.get(kind) or {}
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: `{kind}:` must hold `canonical: [variant, ...]` lines.")
        out[kind] = {
            str(key): [str(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in section.items()
        }
    return out


def aliases_stamp() -> tuple | None:
    """Size and modification time of ``config/aliases.yaml`` (None when absent), for caches."""
    path = aliases_file()
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_size, stat.st_mtime_ns)


def user_aliases() -> dict[str, dict[str, list[str]]]:
    """The user's aliases from ``config/aliases.yaml`` ({} sections when it is absent).

    ``forces``: Home Office force name -> variants; ``outcomes``: outcome type (``16``,
    ``1A``) -> labels; ``offences``: offence code -> labels.
    """
    path = aliases_file()
    if not path.is_file():
        return {kind: {} for kind in ALIAS_KINDS}
    stat = path.stat()
    return _read_aliases(path, (stat.st_size, stat.st_mtime_ns))


@lru_cache(maxsize=1)
def _packaged_forces() -> pd.DataFrame:
    df = pd.read_csv(REFERENCE_DIR / "forces.csv", dtype=str, keep_default_na=False)
    df["home_office_force"] = df["home_office_force"].eq("true")
    return df


def _forces() -> pd.DataFrame:
    df = _packaged_forces()
    extra = user_aliases()["forces"]
    if not extra:
        return df
    unknown = [name for name in extra if name not in set(df["name"])]
    if unknown:
        raise ConfigError(
            f"{aliases_file()}: forces: {unknown[0]!r} is not a Home Office force name; use "
            "the names `soteria forces` lists as keys."
        )
    df = df.copy()
    added = df["name"].map(lambda name: "|".join(extra.get(name, [])))
    df["aliases"] = (df["aliases"] + "|" + added).str.strip("|")
    return df


def forces(include_btp: bool = True) -> pd.DataFrame:
    """The 43 territorial forces (and British Transport Police unless excluded).

    Columns: name (Home Office name), police_uk_id, pfa_code, region,
    home_office_force, aliases ("|"-separated), soteria_phase and phase_source (the
    force's first programme phase before the National Operating Model and its source, from
    :func:`~soteria_research.reference.phases.programme_phases`; empty when none).
    """
    entry = entry_phases(programme_phases()).set_index("force")
    df = _forces().copy()
    df["soteria_phase"] = df["name"].map(entry["phase"]).fillna("").astype(str)
    df["phase_source"] = df["name"].map(entry["source"]).fillna("").astype(str)
    return df if include_btp else df[df["home_office_force"]].reset_index(drop=True)


def force_names(include_btp: bool = True) -> list[str]:
    """Home Office names of the forces, in reference order."""
    return forces(include_btp)["name"].tolist()


@lru_cache(maxsize=1)
def _offences() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "offences.csv", dtype={"code": str})


def offences() -> pd.DataFrame:
    """Sexual offence codes: code, description, subgroup, group, rape_share_2017_18."""
    return _offences().copy()


@lru_cache(maxsize=1)
def _outcomes() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "outcomes.csv", dtype={"type": int})


def outcomes() -> pd.DataFrame:
    """Outcome types 0-22 (no 19): type, description, group, introduced."""
    return _outcomes().copy()


@lru_cache(maxsize=1)
def _pillars() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "pillars.csv")


def pillars() -> pd.DataFrame:
    """The six Soteria pillars: slug, name, order."""
    return _pillars().copy()


def pillar_slugs() -> list[str]:
    return _pillars()["slug"].tolist()


@lru_cache(maxsize=1)
def _calibration() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "calibration_2017_18.csv")


def calibration_2017_18() -> pd.DataFrame:
    """Per-force rape cohort figures for 2017/18 from the Home Office open data.

    Columns: force, rapes_recorded, rapes_charged, charge_rate_pct. Source: Home Office
    "Police recorded crime and outcomes open data tables" (Open Government Licence v3.0).
    """
    return _calibration().copy()


def outcome_group(outcome_type: int) -> str:
    """Home Office group of an outcome type."""
    table = _outcomes().set_index("type")["group"]
    return str(table.loc[int(outcome_type)])
