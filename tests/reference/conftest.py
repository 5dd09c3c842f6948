"""A small synthetic release, built once for the reference suite.

Four forces (Durham is a deep-dive force: case-file review, improvement plan, surveys) at
a low scale are written by ``soteria synth``, cleaned by ``soteria clean`` (both through the
command line, as a user runs them), then the release is built in-process exactly as
``soteria reports`` builds it before any notebook runs (collect every unit, relate,
protect, store), pooling the comparator nationally and by region (``comparator: region``
publishes both). The evidence-base rows are rendered from the stored release by the same
section code the force notebooks call, with the national comparator (and, for the tests
that ask, the regional one), so no notebook is executed.

Set ``SOTERIA_REFERENCE_ROOT`` to a folder that already holds such a build (``data/`` with
``processed/`` and ``release/``) to reuse it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

#: The forces of the small release; Durham is the force whose report is recomputed.
FORCES = ("Cleveland", "Durham", "Dyfed-Powys", "Gwent")
#: Their regions (the comparator of a ``comparator: region`` report), as published.
REGIONS = {
    "Cleveland": "North East",
    "Durham": "North East",
    "Dyfed-Powys": "Wales",
    "Gwent": "Wales",
}
FORCE = "Durham"
SCALE = "0.3"
SUBGROUP = "Rape"


@dataclass
class Release:
    """What the reference tests read: the run's processed cases and what it published."""

    root: Path
    ledger: object  # soteria_research.release.Ledger
    evidence: pd.DataFrame  # every force's rendered findings (the evidence-base rows)
    cases: dict[str, pd.DataFrame]  # force -> canonical cases, every offence


def _soteria(root: Path, *args: str) -> None:
    env = {**os.environ, "SOTERIA_ROOT": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, f"soteria {args[0]} failed:\n{result.stderr[-4000:]}"


def _build(root: Path) -> None:
    _soteria(root, "synth", "--forces", *FORCES, "--scale", SCALE)
    _soteria(root, "clean")
    from soteria_research.batch.release_stage import build_release

    build_release(list(FORCES), {"period": "latest", "comparator": "region"}, {}, jobs=1)


def _render_findings(comparator: str = "national") -> pd.DataFrame:
    from soteria_research.sections import open_force
    from soteria_research.sections.summary import findings

    frames = []
    for force in FORCES:
        ctx = open_force(force, "latest", comparator, SUBGROUP)
        frames.append(findings(ctx).assign(force=force))
    return pd.concat(frames, ignore_index=True)


def _cases(root: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for folder in sorted((root / "data" / "processed").iterdir()):
        path = folder / "cases.parquet"
        if path.is_file():
            frame = pd.read_parquet(path)
            out[str(frame["force"].iloc[0])] = frame
    return out


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    reuse = os.environ.get("SOTERIA_REFERENCE_ROOT")
    root = Path(reuse) if reuse else tmp_path_factory.mktemp("reference")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOTERIA_ROOT", str(root))
        if not reuse:
            _build(root)
        from soteria_research.release.store import load_release

        ledger = load_release(root / "data" / "release")
        evidence = _render_findings()
    cases = _cases(root)
    assert sorted(cases) == sorted(FORCES)
    return Release(root, ledger, evidence, cases)


@pytest.fixture(scope="session")
def regional_evidence(release: Release) -> pd.DataFrame:
    """Every force's evidence-base rows rendered from the same release with the comparator
    of its region (``comparator: region``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOTERIA_ROOT", str(release.root))
        return _render_findings("region")
