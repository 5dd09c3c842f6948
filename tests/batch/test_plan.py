"""Incremental decisions: what a run builds, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteria_research import digests
from soteria_research.batch import plan, state
from soteria_research.errors import RunError, UnknownValueError

from .helpers import FORCE_NB, NATIONAL_NB, write_cases

BEFORE = {"data": "d1", "notebook": "n1", "code": "c1", "config": "s1", "parameters": "p1"}
PARAMS = {"period": "latest", "comparator": "national"}


@pytest.mark.parametrize(
    ("component", "reason"),
    [
        ("data", "data changed"),
        ("notebook", "notebook changed"),
        ("code", "code changed"),
        ("config", "config changed"),
        ("parameters", "parameters changed"),
    ],
)
def test_any_changed_input_makes_a_report_run(component: str, reason: str) -> None:
    now = {**BEFORE, component: "new"}
    assert plan.decide(now, {"inputs": BEFORE}) == reason


def test_unchanged_inputs_mean_up_to_date() -> None:
    assert plan.decide(dict(BEFORE), {"inputs": BEFORE}) is None


def test_rerun_missing_state_and_missing_outputs() -> None:
    assert plan.decide(BEFORE, {"inputs": BEFORE}, rerun=True) == "rerun requested"
    assert plan.decide(BEFORE, None) == "not built before"
    assert plan.decide(BEFORE, {"inputs": BEFORE}, outputs_intact=False) == (
        "output missing or changed"
    )


def test_several_changes_are_all_named() -> None:
    now = {**BEFORE, "data": "x", "config": "y"}
    assert plan.decide(now, {"inputs": BEFORE}) == "data changed, config changed"


def _built(root: Path, tasks: list[plan.Task]) -> dict:
    """The state after every task ran: each wrote a report, recorded with its hash."""
    built = state.empty_state()
    for task in tasks:
        report = root / "reports" / "forces" / f"{task.slug}.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f"report of {task.name}")
        outputs = {f"forces/{task.slug}.html": digests.file_digest(report)}
        built["forces"][task.slug] = state.record_success(
            None, name=task.name, key=task.key, inputs=task.inputs, run_id="r1",
            finished="2024-07-01T10:00:00+01:00", outputs=outputs,
        )  # fmt: skip
    return built


def _plan(built: dict, params: dict = PARAMS, notebook: Path = FORCE_NB) -> dict[str, str | None]:
    tasks = plan.plan_forces(["Durham", "Cleveland"], notebook, plan.shared_inputs(), params, built)
    return {t.slug: t.reason for t in tasks}


@pytest.fixture
def built(two_forces: Path, pinned_code: str) -> dict:
    first = plan.plan_forces(
        ["Durham", "Cleveland"], FORCE_NB, plan.shared_inputs(), PARAMS, state.empty_state()
    )
    assert all(t.reason == "not built before" for t in first)
    return _built(two_forces, first)


def test_nothing_changed_nothing_runs(built: dict) -> None:
    assert _plan(built) == {"durham": None, "cleveland": None}


def test_one_force_data_changed_only_it_runs(two_forces: Path, built: dict) -> None:
    write_cases(two_forces, "durham", "Durham", n=41)
    assert _plan(built) == {"durham": "data changed", "cleveland": None}


def test_notebook_change_runs_every_force(built: dict) -> None:
    assert set(_plan(built, notebook=NATIONAL_NB).values()) == {"notebook changed"}


def test_settings_change_runs_every_force(two_forces: Path, built: dict) -> None:
    settings = two_forces / "config" / "settings.yaml"
    settings.write_text(settings.read_text().replace("min_cell_count: 10", "min_cell_count: 5"))
    assert set(_plan(built).values()) == {"config changed"}


def test_code_change_runs_every_force(built: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "code_digest", lambda package_dir=None: "edited")
    assert set(_plan(built).values()) == {"code changed"}


def test_parameter_change_runs_every_force(built: dict) -> None:
    assert set(_plan(built, {**PARAMS, "period": "2023/24"}).values()) == {"parameters changed"}


def test_deleted_or_edited_report_runs_again(two_forces: Path, built: dict) -> None:
    (two_forces / "reports" / "forces" / "durham.html").unlink()
    (two_forces / "reports" / "forces" / "cleveland.html").write_text("edited by hand")
    assert set(_plan(built).values()) == {"output missing or changed"}


def test_national_follows_the_findings(two_forces: Path, pinned_code: str) -> None:
    findings = two_forces / "reports" / "findings"
    findings.mkdir(parents=True)
    (findings / "durham.parquet").write_bytes(b"one")
    shared = plan.shared_inputs()
    first = plan.plan_national(NATIONAL_NB, shared, PARAMS, findings, state.empty_state())
    assert [t.kind for t in first] == ["evidence", "national"]
    recorded = {
        t.slug: {"inputs": dict(t.inputs), "outputs": {"x": "y"}} for t in first
    }  # outputs that no longer exist: only the input hashes are compared below
    same = plan.plan_national(NATIONAL_NB, shared, PARAMS, findings, recorded)
    assert [t.reason for t in same] == ["output missing or changed"] * 2
    (findings / "durham.parquet").write_bytes(b"two")
    changed = plan.plan_national(NATIONAL_NB, shared, PARAMS, findings, recorded)
    assert [t.reason for t in changed] == ["findings changed"] * 2


def test_forces_are_resolved_from_any_variant(two_forces: Path) -> None:
    assert plan.resolve_forces(["durham", "Cleveland Police", "Durham"]) == ["Durham", "Cleveland"]


def test_unknown_force_suggests_close_names(two_forces: Path) -> None:
    with pytest.raises(UnknownValueError, match="Durham"):
        plan.resolve_forces(["Durhm"])


def test_default_forces_are_those_with_cases(two_forces: Path) -> None:
    (two_forces / "data" / "processed" / "gwent").mkdir()  # no cases.parquet
    (two_forces / "data" / "processed" / "not-a-force").mkdir()
    (two_forces / "data" / "processed" / "not-a-force" / "cases.parquet").write_bytes(b"")
    assert plan.resolve_forces(None) == ["Cleveland", "Durham"]  # reference order


def test_no_processed_data_says_what_to_do(root: Path) -> None:
    with pytest.raises(RunError, match="soteria clean"):
        plan.resolve_forces(None)
