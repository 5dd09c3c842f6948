"""End to end: synthetic extracts -> clean -> reports -> audit, through the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("end_to_end")]

FORCES = ["Durham", "Gwent"]


def soteria(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOTERIA_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    for args in (
        ["synth", "--forces", *FORCES, "--scale", "0.5"],
        ["clean"],
        ["reports", "--jobs", "2"],
    ):
        result = soteria(root, *args)
        assert result.returncode == 0, (
            f"soteria {args[0]} failed:\n{result.stdout}\n{result.stderr}"
        )
    return root


def test_every_force_gets_a_report_and_the_national_report(root: Path) -> None:
    reports = root / "reports"
    for slug in ("durham", "gwent"):
        page = (reports / "forces" / f"{slug}.html").read_text(encoding="utf-8")
        assert "Force report" in page and "Key findings" in page
        assert "Traceback" not in page
    national = (reports / "national" / "national_evidence.html").read_text(encoding="utf-8")
    assert "National evidence" in national
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "forces/durham.html" in index and "national/national_evidence.html" in index


def test_reports_carry_no_code_and_state_their_provenance(root: Path) -> None:
    page = (root / "reports" / "forces" / "durham.html").read_text(encoding="utf-8")
    assert "open_force(" not in page and "import " not in page
    assert "synthetic" in page.lower()


def test_evidence_base_is_published_in_three_formats(root: Path) -> None:
    evidence = root / "reports" / "evidence"
    frame = pd.read_parquet(evidence / "evidence_base.parquet")
    assert set(frame["force"]) == {"Durham", "Gwent"}
    assert {"pillar", "measure", "value", "suppressed", "run_id", "data_hash"} <= set(frame.columns)
    assert (evidence / "evidence_base.csv").is_file()
    sheets = pd.ExcelFile(evidence / "evidence_base.xlsx").sheet_names
    assert "About" in sheets and len(sheets) >= 7


def test_audit_passes_on_everything_published(root: Path) -> None:
    result = soteria(root, "audit", str(root / "reports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_second_run_with_nothing_changed_runs_nothing(root: Path) -> None:
    result = soteria(root, "reports")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    manifests = sorted((root / "reports" / "runs").glob("*/manifest.json"))
    last = json.loads(manifests[-1].read_text())
    assert last["run_id"]


def test_audit_fails_on_a_planted_disclosive_table(root: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted.html"
    planted.write_text(
        '<table><thead><tr><th>age band</th><th data-sdc="count">victims</th></tr></thead>'
        "<tbody><tr><th>13-15</th><td>2</td></tr></tbody></table>",
        encoding="utf-8",
    )
    result = soteria(root, "audit", str(planted))
    assert result.returncode == 1
    assert "planted.html" in result.stdout + result.stderr
