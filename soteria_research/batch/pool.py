"""The process pool of a run, and stopping it safely.

Workers are forked from the run (on Linux) after papermill, nbconvert and pyarrow are
imported, so each worker starts with them loaded. Ctrl-C, SIGTERM and SIGHUP become
:class:`RunInterrupted` in the run; :func:`stop_pool` then stops the workers, which kill
the kernels they started.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from soteria_research import paths
from soteria_research.batch import worker


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM (``signum`` says which)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum


@contextmanager
def handle_signals() -> Iterator[None]:
    """Turn SIGTERM (and SIGINT, SIGHUP) into :class:`RunInterrupted` while a run goes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise RunInterrupted(signum)

    names = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]
    old = {name: signal.signal(getattr(signal, name), handler) for name in names}
    try:
        yield
    finally:
        for name, previous in old.items():
            signal.signal(getattr(signal, name), previous)


@contextmanager
def ignoring_signals() -> Iterator[None]:
    """Let clean-up finish: a second Ctrl-C does not abort it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)


def make_pool(workers: int, run_dir: Path) -> ProcessPoolExecutor:
    """A process pool whose workers inherit papermill and nbconvert already imported."""
    import papermill  # noqa: F401  (imported once here, inherited by forked workers)
    import pyarrow.parquet  # noqa: F401

    from soteria_research.report import html

    html._exporter()
    method = "fork" if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=worker.init_worker,
        initargs=(str(paths.root()), str(run_dir / "worker.log")),
    )


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now and kill the kernels they started."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    kernels = []
    try:
        import psutil

        for process in processes:
            with contextlib.suppress(psutil.Error):
                kernels += psutil.Process(process.pid).children(recursive=True)
    except ImportError:  # pragma: no cover
        pass
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    for kernel in kernels:  # normally gone already: each worker kills its own on SIGTERM
        with contextlib.suppress(Exception):
            kernel.kill()


def run_stage(
    pool: ProcessPoolExecutor,
    jobs: Sequence[worker.Job],
    on_done: Callable[[worker.Job, worker.Outcome], None],
    bar: Any = None,
) -> bool:
    """Run ``jobs`` in ``pool``, calling ``on_done`` as each finishes (in the run process).

    Returns False when the pool broke (a worker died, e.g. killed for lack of memory): the
    jobs it held are reported as failed and the pool must not be used again.
    """
    futures = {pool.submit(worker.run_job, job): job for job in jobs}
    intact = True
    for future in as_completed(futures):
        job = futures[future]
        try:
            outcome = future.result()
        except BrokenProcessPool:
            intact = False
            outcome = worker.Outcome(job.slug, "failed", 0.0, error="the worker process died")
        except Exception as exc:  # a job that could not be sent or returned
            outcome = worker.Outcome(job.slug, "failed", 0.0, error=worker.error_line(exc))
        on_done(job, outcome)
        if bar is not None:
            bar.set_postfix_str(f"{job.name}: {outcome.status}", refresh=False)
            bar.update(1)
    return intact
