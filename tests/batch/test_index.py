"""The landing page lists reports, their status and the last run."""

from __future__ import annotations

from pathlib import Path

from soteria_research.batch import state
from soteria_research.report import index


def _state(root: Path) -> dict:
    built = state.empty_state()
    for slug, name in (("durham", "Durham"), ("cleveland", "Cleveland")):
        built["forces"][slug] = state.record_success(
            None,
            name=name,
            key="k",
            inputs={},
            run_id="run-1",
            finished="2024-07-01T10:00:00+01:00",
            outputs={f"forces/{slug}.html": "h", f"findings/{slug}.parquet": "f"},
        )
    built["forces"]["durham"] = state.record_failure(
        built["forces"]["durham"],
        name="Durham",
        run_id="run-2",
        finished="2024-07-02T09:00:00+01:00",
        status="failed",
        error="ValueError: planted failure",
        notebook="runs/run-2/notebooks/durham.ipynb",
    )
    evidence = root / "reports" / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "evidence_base.xlsx").write_bytes(b"x" * 2000)
    built["evidence"] = {"outputs": {"evidence/evidence_base.xlsx": "x"}}
    built["last_run"] = {
        "run_id": "run-2",
        "started": "2024-07-02T08:59:00+01:00",
        "finished": "2024-07-02T09:01:00+01:00",
        "status": "failed",
        "counts": {"ok": 1, "failed": 1},
        "manifest": "runs/run-2/manifest.json",
    }
    return built


def test_index_lists_reports_failures_downloads_and_last_run(root: Path) -> None:
    path = index.write_index(_state(root))
    page = path.read_text()
    assert path == root / "reports" / "index.html"
    assert page.index(">Cleveland<") < page.index(">Durham<")  # reference order
    assert '<a href="forces/cleveland.html">Cleveland</a>' in page
    assert "failed in run run-2: ValueError: planted failure" in page
    assert '<a href="runs/run-2/notebooks/durham.ipynb">executed notebook</a>' in page
    assert "the report shown is from 2024-07-01 10:00" in page
    assert '<a href="evidence/evidence_base.xlsx">Evidence base: Excel workbook</a> (2 kB)' in page
    assert "Last run run-2: <strong>failed</strong>" in page
    assert "2024-07-02 09:01" in page and "1 ok, 1 failed" in page
    assert '<a href="runs/run-2/manifest.json">Run manifest</a>' in page
    assert "The national report has not been built." in page


def test_empty_index(root: Path) -> None:
    page = index.write_index(state.empty_state()).read_text()
    assert "No force report has been built." in page
    assert "never run" in page
