"""One run at a time: a lock file in ``reports/``.

``soteria reports`` holds ``reports/.lock`` while it runs. The file names the process id,
host and start time of the run holding it. A second run started meanwhile is refused with
a message that names them. A lock left by a process that no longer exists (a run killed
with ``kill -9``, a machine that rebooted) is stale and is taken over.

The lock file is written whole to a temporary file and hard-linked into place, so another
run never sees a half-written lock.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from soteria_research import files, paths
from soteria_research.errors import RunError

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"


def lock_path() -> Path:
    """``reports/.lock``."""
    return paths.reports_dir() / LOCK_NAME


def _process_started(pid: int) -> float | None:
    """Creation time of process ``pid`` (None when unknown), to tell a reused pid apart."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return None
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def process_alive(pid: int, created: float | None = None) -> bool:
    """Whether process ``pid`` exists (and, when ``created`` is given, is the same process)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        import psutil

        if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return False
    except ImportError:  # pragma: no cover
        pass
    except Exception:  # the process ended between the two checks
        return False
    if created is not None:
        now = _process_started(pid)
        return now is None or abs(now - created) < 1.0
    return True


def read_lock(path: Path | None = None) -> dict[str, Any] | None:
    """The holder recorded in the lock file, None when there is no lock, {} when unreadable."""
    path = path or lock_path()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _is_stale(holder: dict[str, Any]) -> bool:
    if not holder:
        return True
    if holder.get("host") != socket.gethostname():
        return False  # another machine's run on a shared folder: cannot check, respect it
    return not process_alive(int(holder.get("pid", 0)), holder.get("created"))


class RunLock:
    """Hold ``reports/.lock`` for the length of a run (a context manager).

    Examples
    --------
    >>> with RunLock(run_id="20240630-141502-3fa2"):  # doctest: +SKIP
    ...     ...
    """

    def __init__(self, run_id: str, started: str = "", path: Path | None = None) -> None:
        self.path = path or lock_path()
        self.holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "created": _process_started(os.getpid()),
            "run_id": run_id,
            "started": started,
        }
        self.held = False

    def acquire(self) -> None:
        """Take the lock, taking over a stale one; raise :class:`RunError` when it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            tmp = files.temp_path(self.path)
            try:
                tmp.write_text(json.dumps(self.holder), encoding="utf-8")
                os.link(tmp, self.path)
                self.held = True
                return
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
            holder = read_lock(self.path)
            if holder is None:
                continue
            if not _is_stale(holder):
                raise RunError(
                    f"Another `soteria reports` run is going (pid {holder.get('pid')} on "
                    f"{holder.get('host')}, run {holder.get('run_id')}, started "
                    f"{holder.get('started')}). Wait for it to finish; if that process is no "
                    f"longer running, delete {self.path}."
                )
            log.warning(
                "Taking over a stale lock from pid %s (run %s, started %s)",
                holder.get("pid"),
                holder.get("run_id"),
                holder.get("started"),
            )
            self.path.unlink(missing_ok=True)
        raise RunError(f"Could not take the lock {self.path}; try again.")

    def release(self) -> None:
        """Remove the lock if this process still holds it."""
        holder = read_lock(self.path) or {}
        mine = (holder.get("pid"), holder.get("run_id")) == (
            self.holder["pid"],
            self.holder["run_id"],
        )
        if self.held and mine:
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
