"""Which reports a run builds: incremental decisions from content hashes.

A report is built when it has never been built, when ``--rerun`` is given, when the hash
of any of its inputs differs from the one recorded when it was last built (its data, the
notebook, the package code, the config, published external data, the parameters), or when
an output it wrote is missing or was changed. Otherwise it is up to date and no kernel
starts. The national report and the evidence base depend on every force's findings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soteria_research import digests, normalise, paths, reference
from soteria_research.errors import RunError, UnknownValueError

log = logging.getLogger(__name__)

CASES_FILE = "cases.parquet"
NATIONAL = "national"
EVIDENCE = "evidence"


@dataclass(frozen=True)
class Task:
    """One report (or the evidence base) and whether this run must build it."""

    kind: str  # "force", "national" or "evidence"
    name: str  # Home Office force name, "National evidence" or "Evidence base"
    slug: str  # police.uk id, "national" or "evidence"
    inputs: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None  # why it runs; None when up to date
    size: int = 0  # bytes of input data, to start the largest first

    @property
    def key(self) -> str:
        """One hash of all the inputs."""
        return digests.combine(self.inputs)

    @property
    def runs(self) -> bool:
        return self.reason is not None


def discover_forces(processed: Path | None = None) -> list[str]:
    """Home Office names of the forces whose processed folder holds ``cases.parquet``."""
    processed = processed or paths.processed_dir()
    found = set()
    for folder in sorted(processed.iterdir()) if processed.is_dir() else []:
        if not (folder / CASES_FILE).is_file():
            continue
        try:
            found.add(normalise.force_name(folder.name))
        except UnknownValueError:
            log.warning("Skipping %s: the folder name is not a force's police.uk id", folder)
    return [name for name in reference.force_names() if name in found]


def resolve_forces(names: Iterable[str] | None, processed: Path | None = None) -> list[str]:
    """The forces to consider: the named ones (normalised), or every force with data.

    Raises
    ------
    UnknownValueError
        A name is not a force; the message suggests close names.
    RunError
        No name was given and no force has processed data.
    """
    if names:
        return list(dict.fromkeys(normalise.force_name(name) for name in names))
    processed = processed or paths.processed_dir()
    forces = discover_forces(processed)
    if not forces:
        raise RunError(
            f"No processed data in {processed} (no <force>/{CASES_FILE}). Run `soteria clean` "
            "first, or `make reports`, which generates the synthetic data and cleans it."
        )
    return forces


def release_forces(named: Sequence[str], processed: Path | None = None) -> list[str]:
    """The forces a release holds: every force with processed data, whichever are named
    (a release is protected as a whole: one of some forces only would replace the one the
    other forces' published reports came from, and nothing would check the two together),
    then any named force without data (its run fails on it, as before)."""
    every = discover_forces(processed)
    return every + [name for name in named if name not in every]


def decide(
    inputs: Mapping[str, str],
    previous: Mapping[str, Any] | None,
    *,
    rerun: bool = False,
    outputs_intact: bool = True,
) -> str | None:
    """Why a report must be built now, or None when it is up to date.

    Parameters
    ----------
    inputs
        Input name -> content hash, now.
    previous
        The state entry of the last successful build (``inputs`` inside), or None.
    rerun
        Build whatever the hashes say.
    outputs_intact
        Whether every output of the last build is still there, unchanged.

    Examples
    --------
    >>> decide({"data": "a"}, {"inputs": {"data": "a"}})
    >>> decide({"data": "b"}, {"inputs": {"data": "a"}})
    'data changed'
    """
    if rerun:
        return "rerun requested"
    if not previous or "inputs" not in previous:
        return "not built before"
    before = previous["inputs"]
    changed = [name for name in inputs if before.get(name) != inputs[name]]
    changed += [name for name in before if name not in inputs]
    if changed:
        return ", ".join(f"{name} changed" for name in changed)
    if not outputs_intact:
        return "output missing or changed"
    return None


def outputs_intact(entry: Mapping[str, Any] | None, reports_dir: Path | None = None) -> bool:
    """Whether every output recorded in a state entry exists with the recorded hash."""
    if not entry or not entry.get("outputs"):
        return False
    base = reports_dir or paths.reports_dir()
    for relative, digest in entry["outputs"].items():
        path = base / relative
        if not path.is_file() or digests.file_digest(path) != digest:
            return False
    return True


def force_ids(forces: Sequence[str]) -> dict[str, str]:
    """Home Office name -> police.uk id of each force, from one read of the reference table
    (any known name variant is normalised first)."""
    table = reference.forces()
    table = dict(zip(table["name"], table["police_uk_id"], strict=True))
    return {force: str(table[normalise.force_name(force)]) for force in forces}


def force_data(forces: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Force -> (police.uk id, digest of its processed data), each folder hashed once per run
    (the release and the force reports both depend on it)."""
    return {f: (slug, digests.force_data_digest(slug)) for f, slug in force_ids(forces).items()}


def shared_inputs() -> dict[str, str]:
    """Hashes every report depends on: the package code, the config, external data."""
    return {
        "code": digests.code_digest(),
        "config": digests.config_digest(),
        "external": digests.external_digest(),
    }


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def plan_forces(
    forces: Sequence[str],
    notebook: Path,
    shared: Mapping[str, str],
    parameters: Mapping[str, Any],
    state: Mapping[str, Any],
    *,
    rerun: bool = False,
    release: Mapping[str, str] | None = None,
    data: Mapping[str, tuple[str, str]] | None = None,
) -> list[Task]:
    """One task per force, in reference order, each saying whether and why it runs.

    ``parameters`` are those shared by every force (period, comparator); the force name is
    added for each. ``release`` maps each force to the digest of what the protected release
    lets its report show: a report re-runs when that changes (another force's data can
    change what this one may publish). ``data`` is :func:`force_data` when the caller
    already has it.
    """
    notebook_hash = digests.notebook_digest(notebook)
    data = data if data is not None else force_data(forces)
    tasks = []
    for force in forces:
        slug, data_digest = data[force]
        inputs = {
            "data": data_digest,
            "notebook": notebook_hash,
            **shared,
            "parameters": digests.params_digest({"force": force, **parameters}),
        }
        if release is not None:
            inputs["release"] = release.get(force, "missing")
        previous = state.get("forces", {}).get(slug)
        reason = decide(inputs, previous, rerun=rerun, outputs_intact=outputs_intact(previous))
        size = _folder_size(paths.processed_dir() / slug)
        tasks.append(Task("force", force, slug, inputs, reason, size))
    return tasks


def stale_reports(tasks: Sequence[Task]) -> list[Task]:
    """The tasks of reports built before whose release cells have changed since."""
    return [t for t in tasks if t.reason and "release changed" in t.reason.split(", ")]


def plan_national(
    notebook: Path | None,
    shared: Mapping[str, str],
    parameters: Mapping[str, Any],
    findings_dir: Path,
    state: Mapping[str, Any],
    *,
    rerun: bool = False,
    release: str | None = None,
) -> list[Task]:
    """The evidence-base task and (unless ``notebook`` is None) the national report task.

    Both depend on every force's findings as they stand after the force reports ran; the
    evidence base also takes in the national report's own rows, so it runs after it.
    """
    findings = digests.tree_digest(findings_dir)
    evidence_inputs = {"findings": findings, "code": shared["code"], "config": shared["config"]}
    if release is not None and notebook is not None:
        evidence_inputs["release"] = release  # the national report's rows come from it
    previous = state.get(EVIDENCE)
    tasks = [
        Task(
            EVIDENCE,
            "Evidence base",
            EVIDENCE,
            evidence_inputs,
            decide(evidence_inputs, previous, rerun=rerun, outputs_intact=outputs_intact(previous)),
        )
    ]
    if notebook is not None:
        inputs = {
            "findings": findings,
            "notebook": digests.notebook_digest(notebook),
            **shared,
            "parameters": digests.params_digest(dict(parameters)),
        }
        if release is not None:
            inputs["release"] = release
        previous = state.get(NATIONAL)
        reason = decide(inputs, previous, rerun=rerun, outputs_intact=outputs_intact(previous))
        tasks.append(Task(NATIONAL, "National evidence", NATIONAL, inputs, reason))
    return tasks
