"""What the last successful run of each report was built from (``reports/.state.json``).

The state maps each report to the input hashes it was last built from, the run that
built it and the hash of what it wrote. It is updated after each report finishes, so an
interrupted run keeps what it completed. A report that fails is recorded under
``last_attempt`` only: its inputs are not marked done, so it runs again next time.

Layout::

    {"version": 1,
     "forces": {"<police_uk_id>": {"force", "key", "inputs", "run_id", "finished",
                                   "outputs": {relative path: sha256}, "last_attempt"}},
     "national": {...}, "evidence": {...},
     "last_run": {"run_id", "started", "finished", "status", "manifest"}}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from soteria_research import files, paths

log = logging.getLogger(__name__)

STATE_NAME = ".state.json"
VERSION = 1


def state_path() -> Path:
    """``reports/.state.json``."""
    return paths.reports_dir() / STATE_NAME


def empty_state() -> dict[str, Any]:
    """A state in which nothing has been built."""
    return {"version": VERSION, "forces": {}, "national": {}, "evidence": {}, "last_run": {}}


def load_state(path: Path | None = None) -> dict[str, Any]:
    """Read the state; a missing or unreadable file means nothing has been built."""
    path = path or state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty_state()
    except (OSError, ValueError) as exc:
        log.warning("Ignoring unreadable run state %s (%s): every report will run", path, exc)
        return empty_state()
    if not isinstance(data, dict) or data.get("version") != VERSION:
        log.warning("Ignoring run state %s of another version: every report will run", path)
        return empty_state()
    state = empty_state()
    state.update(data)
    return state


def save_state(state: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write the state atomically."""
    return files.write_json(path or state_path(), state)


def record_success(
    entry: Mapping[str, Any] | None,
    *,
    name: str,
    key: str,
    inputs: Mapping[str, str],
    run_id: str,
    finished: str,
    outputs: Mapping[str, str],
) -> dict[str, Any]:
    """A new state entry for a report that was built; the input is not changed."""
    attempt = {"run_id": run_id, "finished": finished, "status": "ok"}
    return {
        **dict(entry or {}),
        "name": name,
        "key": key,
        "inputs": dict(inputs),
        "run_id": run_id,
        "finished": finished,
        "outputs": dict(outputs),
        "last_attempt": attempt,
    }


def record_failure(
    entry: Mapping[str, Any] | None,
    *,
    name: str,
    run_id: str,
    finished: str,
    status: str,
    error: str,
    notebook: str,
) -> dict[str, Any]:
    """A state entry noting a failed attempt; what was last built stays recorded."""
    attempt = {
        "run_id": run_id,
        "finished": finished,
        "status": status,
        "error": error,
        "notebook": notebook,
    }
    return {**dict(entry or {}), "name": name, "last_attempt": attempt}
