"""Runs of the tiny notebooks: incremental, failure-isolated, recorded, locked."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from soteria_research import digests
from soteria_research.batch import plan, state
from soteria_research.batch.lock import lock_path
from soteria_research.batch.runner import run_reports
from soteria_research.errors import RunError

from .helpers import FAILING_NB, FORCE_NB, NATIONAL_NB, write_cases


def _run(**options: object):
    return run_reports(
        jobs=2, force_notebook=FORCE_NB, national_notebook=NATIONAL_NB, progress=False, **options
    )


def _statuses(summary) -> dict[str, str]:
    return dict(zip(summary.table["force"], summary.table["status"], strict=True))


@pytest.mark.slow
def test_incremental_runs(two_forces: Path, pinned_code: str) -> None:
    reports = two_forces / "reports"
    first = _run()
    assert _statuses(first) == {
        "Cleveland": "ok",
        "Durham": "ok",
        "Evidence base": "ok",
        "National evidence": "ok",
    }
    assert (first.exit_code, first.status) == (0, "ok")

    report = reports / "forces" / "durham.html"
    page = report.read_text()
    assert "save_findings" not in page and "read_parquet" not in page
    assert "<dt>Force</dt><dd>Durham</dd>" in page
    assert "<dt>Data source</dt><dd>synthetic</dd>" in page
    assert "data:image/png;base64," in page
    assert (reports / "national" / "national_evidence.html").is_file()
    run_dir = first.manifest.parent
    assert (run_dir / "notebooks" / "durham.ipynb").is_file()
    evidence = pd.read_parquet(reports / "evidence" / "evidence_base.parquet")
    assert sorted(evidence["force"].unique()) == ["Cleveland", "Durham"]
    assert set(evidence["run_id"]) == {first.run_id}

    manifest = json.loads(first.manifest.read_text())
    assert manifest["status"] == "ok" and manifest["finished"]
    assert manifest["inputs"]["durham"]["data"] == digests.force_data_digest("durham")
    assert manifest["inputs"]["shared"]["code"] == pinned_code
    assert manifest["parameters"]["period"] == "latest"
    assert manifest["settings"]["disclosure"]["min_cell_count"] == 10
    assert manifest["packages"]["papermill"]
    assert manifest["code_version"]["source_hash"]
    for relative, digest in manifest["outputs"].items():
        assert digests.file_digest(reports / relative) == digest
    assert {"forces/durham.html", "evidence/evidence_base.xlsx"} <= set(manifest["outputs"])

    second = _run()
    assert set(_statuses(second).values()) == {"up to date"}
    assert (second.exit_code, second.status) == (0, "up to date")
    assert not (second.manifest.parent / "notebooks").exists()  # no notebook ran
    assert not (second.manifest.parent / "worker.log").exists()  # no worker started
    assert report.read_text() == page
    index = (reports / "index.html").read_text()
    assert f"Last run {second.run_id}: <strong>up to date</strong>" in index

    write_cases(two_forces, "durham", "Durham", n=41)
    third = _run()
    assert _statuses(third) == {
        "Cleveland": "up to date",
        "Durham": "ok",
        "Evidence base": "ok",
        "National evidence": "ok",
    }
    reasons = dict(zip(third.table["force"], third.table["reason"], strict=True))
    assert reasons["Durham"] == "data changed"
    assert reasons["National evidence"] == "findings changed"


@pytest.mark.slow
def test_one_failing_force_does_not_stop_the_others(two_forces: Path, pinned_code: str) -> None:
    reports = two_forces / "reports"
    previous = reports / "forces" / "durham.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous complete report")

    summary = run_reports(jobs=2, force_notebook=FAILING_NB, national=False, progress=False)
    rows = summary.table.set_index("force")
    assert (summary.exit_code, summary.status) == (1, "failed")
    assert rows.loc["Cleveland", "status"] == "ok"
    assert (reports / "forces" / "cleveland.html").is_file()
    assert rows.loc["Durham", "status"] == "failed"
    assert rows.loc["Durham", "error"].startswith("ValueError: planted failure for Durham")
    executed = Path(rows.loc["Durham", "notebook"])
    errors = [
        out
        for cell in nbformat.read(executed, as_version=4).cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors and errors[0]["evalue"] == "planted failure for Durham"

    assert previous.read_text() == "previous complete report"
    assert not (reports / "findings" / "durham.parquet").exists()
    evidence = pd.read_parquet(reports / "evidence" / "evidence_base.parquet")
    assert set(evidence["force"]) == {"Cleveland"}

    text = summary.format()
    assert "FAILED Durham: ValueError: planted failure for Durham" in text
    assert f"executed notebook: reports/runs/{summary.run_id}/notebooks/durham.ipynb" in text
    assert "planted failure" in (reports / "index.html").read_text()

    saved = state.load_state()
    assert "key" not in saved["forces"]["durham"]  # not recorded as done
    assert saved["forces"]["durham"]["last_attempt"]["status"] == "failed"
    from soteria_research.batch.release_stage import build_release

    parameters = {"period": "latest", "comparator": "national"}
    release = build_release(["Durham", "Cleveland"], parameters, plan.shared_inputs())
    again = plan.plan_forces(
        ["Durham", "Cleveland"],
        FAILING_NB,
        plan.shared_inputs(),
        parameters,
        saved,
        release=release,
    )
    assert {t.slug: t.reason for t in again} == {"durham": "not built before", "cleveland": None}


def test_a_second_run_is_refused_before_any_work(two_forces: Path) -> None:
    path = lock_path()
    path.parent.mkdir(parents=True)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "run_id": "other", "started": "T0"}
    path.write_text(json.dumps(holder))
    with pytest.raises(RunError, match=rf"pid {os.getpid()} .*started T0"):
        _run()
    assert json.loads(path.read_text())["run_id"] == "other"
    assert not (two_forces / "reports" / "runs").exists()


def test_missing_notebook_is_refused(two_forces: Path) -> None:
    with pytest.raises(RunError, match="Notebook not found"):
        run_reports(force_notebook=two_forces / "absent.ipynb", progress=False)


@pytest.mark.slow
def test_rerun_renders_again_from_the_stored_release(
    two_forces: Path, pinned_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from soteria_research.batch import release_stage

    _run(national=False)
    builds: list[int] = []
    build = release_stage._build
    monkeypatch.setattr(release_stage, "_build", lambda *a, **k: builds.append(1) or build(*a, **k))
    rendered = _run(rerun=True, rebuild_release=False, national=False)
    assert builds == []  # the release was current: only its stamp was read
    assert {_statuses(rendered)[f] for f in ("Durham", "Cleveland")} == {"ok"}
    rebuilt = _run(rerun=True, national=False)
    assert builds == [1]  # a rerun collects and protects the release again by default
    assert rebuilt.release_seconds > 0


def test_only_reports_built_before_whose_release_cells_changed_are_stale() -> None:
    def task(name: str, reason: str | None) -> plan.Task:
        return plan.Task("force", name, name.lower(), {}, reason)

    tasks = [
        task("A", "release changed"),
        task("B", "data changed, release changed"),
        task("C", "not built before"),
        task("D", None),
        task("E", "code changed"),
    ]
    assert [t.name for t in plan.stale_reports(tasks)] == ["A", "B"]
