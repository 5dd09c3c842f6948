"""The one settings file (``config/settings.yaml``), read once and validated."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from soteria_research import paths
from soteria_research.errors import ConfigError

REQUIRED_SECTIONS = ("synthetic", "pseudonymisation", "disclosure", "measures", "reports")


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            f"Settings file not found: {path}. Restore config/settings.yaml from git."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, got {type(data).__name__}.")
    missing = [s for s in REQUIRED_SECTIONS if s not in data]
    if missing:
        raise ConfigError(f"{path}: missing section(s) {', '.join(missing)}.")
    return data


def load(path: Path | None = None) -> dict[str, Any]:
    """Return the settings as a fresh dict (callers may change their copy)."""
    return copy.deepcopy(_load(Path(path) if path else paths.settings_file()))


def section(name: str, path: Path | None = None) -> dict[str, Any]:
    """Return one section of the settings, e.g. ``section("disclosure")``."""
    data = load(path)
    if name not in data:
        raise ConfigError(f"Settings have no section {name!r}; sections: {', '.join(data)}.")
    return data[name]
