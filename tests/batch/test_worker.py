"""A worker starts another kernel when one dies before running anything, and only then."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest

from soteria_research.batch import forkserver, kernels, worker


def _job(tmp_path: Path) -> worker.Job:
    return worker.Job(
        kind="force",
        name="Durham",
        slug="durham",
        run_id="r",
        code_version="v",
        notebook=str(tmp_path / "force.ipynb"),
        executed=str(tmp_path / "run" / "durham.ipynb"),
        staging=str(tmp_path / "staging"),
    )


def _flaky(
    monkeypatch: pytest.MonkeyPatch, failures: list[BaseException]
) -> list[tuple[str, object]]:
    calls: list[tuple[str, object]] = []

    def execute(notebook: str, executed: str, **kwargs: object) -> str:
        calls.append((executed, kwargs.get("kernel_manager_class")))
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "executed"

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    return calls


def test_a_kernel_that_died_before_kernel_info_is_started_again(tmp_path, monkeypatch, caplog):
    died = RuntimeError("Kernel died before replying to kernel_info")
    calls = _flaky(monkeypatch, [died])
    with caplog.at_level("WARNING", logger=worker.__name__):
        assert worker._execute(_job(tmp_path)) == "executed"
    assert len(calls) == 2
    assert "Durham: the kernel did not start" in caplog.text
    # the first kernel comes from the fork server (where there is one), the next the usual
    # way; both on private sockets
    first = forkserver.ForkKernelManager if forkserver.enabled() else kernels.IpcKernelManager
    assert [manager for _, manager in calls] == [first, kernels.IpcKernelManager]


def test_a_kernel_that_never_starts_fails_the_report_after_the_last_start(tmp_path, monkeypatch):
    hung = RuntimeError("Kernel didn't respond in 60 seconds")
    calls = _flaky(monkeypatch, [hung] * worker.KERNEL_STARTS)
    with pytest.raises(RuntimeError, match="didn't respond"):
        worker._execute(_job(tmp_path))
    assert len(calls) == worker.KERNEL_STARTS


def test_a_failing_notebook_is_not_run_again(tmp_path, monkeypatch):
    calls = _flaky(monkeypatch, [RuntimeError("a cell raised")])
    with pytest.raises(RuntimeError, match="a cell raised"):
        worker._execute(_job(tmp_path))
    assert len(calls) == 1


def test_the_outcome_of_a_kernel_that_never_starts_names_the_error(tmp_path, monkeypatch):
    calls = _flaky(monkeypatch, [RuntimeError("Kernel died before replying to kernel_info")] * 9)
    outcome = worker.run_job(_job(tmp_path))
    assert outcome.status == "failed" and "kernel_info" in outcome.error
    assert len(calls) == worker.KERNEL_STARTS
