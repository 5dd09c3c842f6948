"""The run manifest: what a run did, with which code, settings and inputs.

Every ``soteria reports`` run writes ``reports/runs/<run_id>/manifest.json`` when it starts
(status ``running``) and again when it ends (``ok``, ``failed``, ``interrupted`` or
``up to date``). It records the run id, start and end times, the code version (package
version, git commit when available, hash of the source), the versions of the libraries
results depend on, the settings, the parameters, and the content hash of every input and
output, so any number in a report can be traced back to what produced it.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from soteria_research import files, paths
from soteria_research.versions import code_version_label, package_versions

MANIFEST_NAME = "manifest.json"


def now() -> str:
    """The current local time as ISO 8601 with offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def new_run_id() -> str:
    """A sortable, unique run id such as ``20240630-141502-3fa2``."""
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def run_dir(run_id: str) -> Path:
    """``reports/runs/<run_id>/``."""
    return paths.reports_dir() / "runs" / run_id


def build_manifest(
    run_id: str,
    started: str,
    *,
    status: str,
    settings: Mapping[str, Any],
    parameters: Mapping[str, Any],
    inputs: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    outputs: Mapping[str, str],
    version: Mapping[str, str | None],
    finished: str | None = None,
) -> dict[str, Any]:
    """Assemble a manifest (a plain dict ready for JSON); nothing is read or written.

    Parameters
    ----------
    run_id, started, finished
        The run id and its start and end times (``finished`` is None while running).
    status
        ``running``, ``ok``, ``failed``, ``interrupted`` or ``up to date``.
    settings, parameters
        The settings in force and the run's parameters (forces, period, jobs...).
    inputs
        Content hashes of the inputs: shared ones and one set per force.
    tasks
        One mapping per report: name, status, reason, seconds, output, error.
    outputs
        Output path (relative to ``reports/``) -> SHA-256 of the file.
    version
        The code version (:func:`code_version`).
    """
    return {
        "run_id": run_id,
        "status": status,
        "started": started,
        "finished": finished,
        "code_version": {**version, "label": code_version_label(version)},
        "packages": package_versions(),
        "python": platform.python_version(),
        "settings": dict(settings),
        "parameters": dict(parameters),
        "inputs": dict(inputs),
        "tasks": [dict(task) for task in tasks],
        "outputs": dict(sorted(outputs.items())),
    }


def write_manifest(manifest: Mapping[str, Any]) -> Path:
    """Write ``reports/runs/<run_id>/manifest.json`` atomically; return its path."""
    return files.write_json(run_dir(manifest["run_id"]) / MANIFEST_NAME, manifest)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest written by :func:`write_manifest`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def latest_manifest(reports_dir: str | Path | None = None) -> dict[str, Any] | None:
    """The manifest of the most recent run (run ids sort by time), or None."""
    runs = Path(reports_dir or paths.reports_dir()) / "runs"
    candidates = sorted(runs.glob(f"*/{MANIFEST_NAME}")) if runs.is_dir() else []
    return read_manifest(candidates[-1]) if candidates else None
