"""Stopping a run (Ctrl-C or SIGTERM) leaves no partial report, no kernel and no lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from soteria_research.batch import state
from soteria_research.batch.lock import process_alive

from .helpers import SLOW_NB

# The command line, with the sleeping notebook in place of notebooks/force_report.ipynb.
DRIVER = """
import functools, sys
from soteria_research.batch import runner
runner.run_reports = functools.partial(runner.run_reports, force_notebook=sys.argv[1])
from soteria_research.cli import main
sys.exit(main(["reports", "--jobs", "2", "--no-national"]))
"""


def _kernel_pids(reports: Path, process: subprocess.Popen, timeout: float = 90) -> list[int]:
    """Wait until both kernels have started and written their process ids."""
    deadline = time.monotonic() + timeout
    while True:
        found = sorted((reports / "runs").glob("*/outputs/*/kernel.pid"))
        if len(found) == 2 and all(p.read_text() for p in found):
            return [int(p.read_text()) for p in found]
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the kernels did not start: {process.communicate()[1]}")
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_nothing_half_done(two_forces: Path, signum: int) -> None:
    reports = two_forces / "reports"
    left_over = reports / "forces" / ".durham.html.999.abc123.tmp"  # from a run killed before
    left_over.parent.mkdir(parents=True)
    left_over.write_text("<html>half")

    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(SLOW_NB)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    kernels = _kernel_pids(reports, process)
    assert all(process_alive(pid) for pid in kernels)

    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # Ctrl-C reaches the whole foreground group
    else:
        process.send_signal(signum)  # `kill PID` reaches the run only
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 128 + signum
    assert "interrupted" in stderr
    assert not (reports / ".lock").exists()
    assert not [p for p in reports.rglob("*") if p.name.endswith(".tmp")]
    assert not list((reports / "forces").glob("*.html"))
    deadline = time.monotonic() + 10
    while any(process_alive(pid) for pid in kernels) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(process_alive(pid) for pid in kernels)

    manifests = sorted((reports / "runs").glob("*/manifest.json"))
    assert json.loads(manifests[-1].read_text())["status"] == "interrupted"
    saved = state.load_state()
    for slug in ("durham", "cleveland"):
        assert "key" not in saved["forces"][slug]
        assert saved["forces"][slug]["last_attempt"]["status"] == "interrupted"
    assert "interrupted" in (reports / "index.html").read_text()
