"""One run at a time: a second run is refused, a stale lock is taken over."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from soteria_research.batch.lock import RunLock, lock_path, read_lock
from soteria_research.errors import RunError


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_lock_is_held_and_released(root: Path) -> None:
    with RunLock("run-1", "2024-07-01T10:00:00+01:00"):
        holder = read_lock()
        assert holder["pid"] == os.getpid() and holder["run_id"] == "run-1"
    assert not lock_path().exists()


def test_second_run_is_refused_naming_pid_and_start(root: Path) -> None:
    with RunLock("run-1", "2024-07-01T10:00:00+01:00"):
        with pytest.raises(RunError) as err:
            RunLock("run-2", "2024-07-01T10:05:00+01:00").acquire()
        assert f"pid {os.getpid()}" in str(err.value)
        assert "started 2024-07-01T10:00:00+01:00" in str(err.value)
        assert read_lock()["run_id"] == "run-1"  # the refused run did not touch it
    assert not lock_path().exists()


def test_stale_lock_of_a_dead_process_is_taken_over(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = lock_path()
    path.parent.mkdir(parents=True)
    stale = {"pid": _dead_pid(), "host": socket.gethostname(), "run_id": "old", "started": "x"}
    path.write_text(json.dumps(stale))
    with caplog.at_level(logging.WARNING), RunLock("run-new", "now"):
        assert read_lock()["run_id"] == "run-new"
    assert "stale lock" in caplog.text
    assert not path.exists()


def test_unreadable_lock_is_taken_over(root: Path) -> None:
    path = lock_path()
    path.parent.mkdir(parents=True)
    path.write_text("")  # a run killed while writing an old-style lock
    with RunLock("run-new", "now"):
        assert read_lock()["run_id"] == "run-new"


def test_release_leaves_another_runs_lock_alone(root: Path) -> None:
    lock = RunLock("run-1", "now")
    lock.acquire()
    other = {"pid": os.getpid() + 1, "host": socket.gethostname(), "run_id": "run-2"}
    lock_path().write_text(json.dumps(other))
    lock.release()
    assert read_lock()["run_id"] == "run-2"
