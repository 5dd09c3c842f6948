"""Report kernels forked from a process that has imported their libraries once.

A report's kernel spent about 5 s of its start importing IPython, pandas, pyarrow,
matplotlib and the package before its first cell ran: a third of a force report. Each
pool worker now starts a fork server with its first report: a Python process that imports
those modules once (:data:`PRELOAD`) and then forks a kernel for each notebook. A forked
kernel is a new process with its own memory (copy-on-write): nothing one notebook does
reaches the next, and only the imported modules are shared. Its outputs are the same as
those of a kernel started afresh (a test compares them cell by cell).

What an import reads from its surroundings is made what a kernel's would be: the server
sets the matplotlib backend a kernel sets (the inline one) before importing, and each
kernel sets again pandas' default number of columns shown (a terminal's when pandas was
imported outside a kernel) and its parent (the server: a kernel stops when its server
goes). A test runs the same notebook both ways and compares every output.

The server reads one request a line on its stdin (JSON: the kernel's arguments, its
environment and its working directory), answers with the kernel's pid, reaps its kernels,
and ends when its worker closes its stdin. When the server cannot start or answer, the
kernel is started the usual way and the run's log says why. ``SOTERIA_FORK_KERNELS=0``
turns forking off (Linux only: a forked kernel is watched through ``/proc``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from soteria_research.batch.kernels import IpcKernelManager

log = logging.getLogger(__name__)

#: Modules the reports' kernels import, imported once by the server: the libraries, every
#: section module the force and national notebooks import, and what their first
#: validation of findings and reading of parquet files import (0.2 s a report). Not the
#: inline backend of matplotlib: it hooks itself into the kernel's shell when first
#: imported.
PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "matplotlib.figure",
    "pandera.backends.pandas.builtin_checks",
    "pandera.backends.pandas.builtin_hypotheses",
    "soteria_research.sections",
    "soteria_research.sections.force",
    "soteria_research.sections.overview",
    "soteria_research.sections.pillars",
    "soteria_research.sections.summary",
    "soteria_research.sections.surveys",
    "soteria_research.sections.review",
    "soteria_research.sections.review_change",
    "soteria_research.sections.loop",
    "soteria_research.sections.national",
    "soteria_research.sections.national_loop",
    "soteria_research.sections.national_surveys",
    "soteria_research.sections.national_review",
)
#: Seconds the server may take to import :data:`PRELOAD`, or to answer a request.
READY_TIMEOUT = 180.0
#: The kernel spec module a forked kernel stands in for.
LAUNCHER = "ipykernel_launcher"
_SERVE = "import sys; from soteria_research.batch.forkserver import serve; serve(sys.argv[1:])"


def enabled() -> bool:
    """Whether report kernels are forked (Linux, and not turned off)."""
    return sys.platform.startswith("linux") and os.environ.get("SOTERIA_FORK_KERNELS") != "0"


# -- the server -----------------------------------------------------------------------------


def _reap(signum: int, frame: object) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict[str, Any], log_fd: int) -> None:
    """In the forked child: start the kernel the request describes, then exit."""
    code = 1
    try:
        os.setsid()  # its own process group, as the usual launcher gives a kernel
        for name in ("SIGCHLD", "SIGINT", "SIGTERM"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.closerange(3, 1024)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        import importlib.util

        import pandas
        from ipykernel.kernelapp import IPKernelApp

        # pandas picked its default when the server imported it outside a kernel
        pandas.set_option("display.max_columns", 20)
        # as ``python -m ipykernel_launcher`` sets it
        sys.argv = [importlib.util.find_spec(LAUNCHER).origin, *request["argv"]]
        # the parent to watch is the server (the trait's default was read from the
        # environment when the server imported ipykernel)
        app = IPKernelApp.instance(parent_handle=os.getppid())
        app.initialize(request["argv"])
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def serve(modules: Sequence[str]) -> None:
    """The server: import ``modules``, then fork a kernel for each request line."""
    import importlib

    # matplotlib reads its backend when imported: the one a kernel sets before any cell
    # (ipykernel's ``init_gui_pylab``), unless the worker chose another
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in modules:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    log_fd = os.dup(2)
    answers.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin.buffer:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            answers.close()
            _become_kernel(request, log_fd)
        answers.write(json.dumps({"pid": pid}) + "\n")


# -- the worker's side ----------------------------------------------------------------------


class ServerError(RuntimeError):
    """The fork server did not start or did not answer."""


class _Server:
    """This process' fork server, started on first use."""

    _lock = threading.Lock()
    process: subprocess.Popen | None = None
    interpreter: tuple[str, ...] = ()

    @classmethod
    def _read(cls, process: subprocess.Popen) -> dict[str, Any]:
        ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
        line = process.stdout.readline() if ready else b""
        if not line:
            process.kill()
            raise ServerError(
                f"the fork server {'ended' if ready else 'did not answer'} "
                f"(exit status {process.poll()}); see the lines above in this log"
            )
        return json.loads(line)

    @classmethod
    def _start(cls, interpreter: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            [*interpreter, "-c", _SERVE, *PRELOAD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        cls._read(process)
        return process

    @classmethod
    def fork(cls, interpreter: list[str], argv: list[str], env: dict[str, str], cwd: str) -> int:
        """A kernel forked with ``argv``, ``env`` and ``cwd``: its pid. The server runs
        the kernel spec's ``interpreter`` (the Python and its options)."""
        with cls._lock:
            if cls.process is not None and cls.interpreter != tuple(interpreter):
                raise ServerError(f"the fork server runs {cls.interpreter}, not {interpreter}")
            if cls.process is None or cls.process.poll() is not None:
                cls.process = None
                cls.process = cls._start(interpreter)
                cls.interpreter = tuple(interpreter)
            request = json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n"
            try:
                cls.process.stdin.write(request.encode())
                cls.process.stdin.flush()
            except OSError as exc:
                cls.process = None
                raise ServerError(f"the fork server went away ({exc})") from exc
            return int(cls._read(cls.process)["pid"])

    @classmethod
    def stop(cls) -> None:
        """End the server (its kernels stop with it)."""
        with cls._lock:
            if cls.process is not None:
                cls.process.stdin.close()
                try:
                    cls.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    cls.process.kill()
                cls.process = None


def _forget_server() -> None:
    """In a process forked from one with a server (a pool worker, say): start afresh,
    closing this copy of the parent's pipes so that its server still ends with it."""
    for pipe in (_Server.process.stdin, _Server.process.stdout) if _Server.process else ():
        with contextlib.suppress(OSError):
            pipe.close()
    _Server.process = None
    _Server.interpreter = ()
    _Server._lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_server)


class _Forked:
    """A forked kernel seen as a :class:`subprocess.Popen` (it is the server's child, not
    this process', so it is watched through ``/proc``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                stat = Path(f"/proc/{self.pid}/stat").read_text()
                state = stat.rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                state = "X"
            if state in ("Z", "X"):  # a zombie the server has not reaped yet has ended
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """Starts an IPython kernel by the fork server; any other kernel, or any failure of
    the server, the usual way."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        at = cmd.index(LAUNCHER) if LAUNCHER in cmd else 0
        if at < 2 or cmd[at - 1] != "-m":  # not ``python [options] -m ipykernel_launcher``
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            # called in the loop's own thread, as the usual launch is: a thread pool could
            # be one a fork left without its threads
            pid = _Server.fork(cmd[: at - 1], cmd[at + 1 :], env, cwd)
        except (ServerError, OSError, ValueError) as exc:
            log.warning("kernel started without the fork server: %s", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _Forked(pid)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


class ForkKernelManager(IpcKernelManager):
    """A kernel manager whose IPython kernels come from this process' fork server (their
    channels on Unix sockets, as :class:`~soteria_research.batch.kernels.IpcKernelManager`'s)."""

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if type(self.provisioner) is LocalProvisioner:
            self.provisioner.__class__ = ForkProvisioner
        return cmd, kw
