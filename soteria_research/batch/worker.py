"""What one worker process of a run does: execute a notebook, render it, publish it.

A worker runs a notebook with papermill into ``reports/runs/<run_id>/notebooks/`` (kept, so
a failure shows where it broke), renders it to HTML, and only then moves the findings the
notebook staged and the HTML report into place, each atomically. A notebook that fails
publishes nothing, so the previous report stays as it was. Errors come back as a
:class:`Outcome` (never raised), so one report failing does not stop the others.

A worker ignores Ctrl-C (the run decides when to stop) and on SIGTERM kills the kernels it
started, then exits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soteria_research import digests, files, paths
from soteria_research.errors import RunError

KERNEL = "python3"
#: How often a notebook's kernel is started before its report fails. A kernel can die
#: before it runs anything: two kernels starting side by side can be handed the same free
#: port. Nothing of the notebook has run then, so starting another is safe.
KERNEL_STARTS = 3
#: What jupyter_client says when a kernel dies or hangs before replying to kernel_info.
NOT_STARTED = ("before replying to kernel_info", "didn't respond in")

log = logging.getLogger(__name__)
#: The national report's rows of the evidence base, as ``sections.summary`` names them.
NATIONAL_FINDINGS = "national.findings.parquet"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to build one report (picklable)."""

    kind: str  # "force", "national" or "evidence"
    name: str
    slug: str
    run_id: str
    code_version: str
    notebook: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    executed: str = ""  # where the executed notebook is kept
    staging: str = ""  # the notebook's output_dir
    html: str = ""  # the report's final path
    findings: str = ""  # final path of the force's findings
    findings_dir: str = ""  # every force's findings (national, evidence)
    evidence_dir: str = ""
    require_findings: bool = True


@dataclass(frozen=True)
class Outcome:
    """How a job went: status ``ok`` or ``failed``, and what it wrote (path -> sha256)."""

    slug: str
    status: str
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)
    error: str = ""
    notebook: str = ""
    finished: str = ""


def init_worker(root: str, log_file: str) -> None:
    """Set up a worker: the same project root for its kernels, logs to a file, signals."""
    os.environ["SOTERIA_ROOT"] = root
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(threads, "1")  # kernels run side by side: one thread each
    # pandera imports hypothesis for its data strategies, and hypothesis then loads every
    # installed plugin (trio's, from the Jupyter stack): 0.4 s of each report's start for
    # nothing a report uses
    os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def kill_descendants(pid: int | None = None) -> None:
    """Kill every process started by ``pid`` (default: this one), with its process group."""
    try:
        import psutil

        children = psutil.Process(pid or os.getpid()).children(recursive=True)
    except Exception:
        return
    for child in children:
        try:
            if hasattr(os, "killpg") and os.getpgid(child.pid) == child.pid:
                os.killpg(child.pid, signal.SIGKILL)  # a kernel leads its own session
            else:
                child.kill()
        except Exception:  # already gone, or not ours to kill
            pass


def _terminate(signum: int, frame: object) -> None:
    kill_descendants()
    os._exit(128 + signum)


def error_line(exc: BaseException) -> str:
    """The last line of an error, as a reader needs it (name, message, cell)."""
    ename = getattr(exc, "ename", None)
    if ename:
        count = getattr(exc, "exec_count", None)
        where = f" (cell In [{count}])" if count else ""
        return f"{ename}: {str(getattr(exc, 'evalue', '')).strip()}{where}"
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = " ... ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else ""
    return f"{type(exc).__name__}: {text}".strip()


def data_source(slugs: list[str]) -> str:
    """``synthetic``, ``real``, ``mixed (...)`` or ``unknown``, from the forces' cases tables."""
    import pyarrow.parquet as pq

    found: set[str] = set()
    for slug in slugs:
        path = paths.processed_dir() / slug / "cases.parquet"
        try:
            column = pq.read_table(path, columns=["data_source"]).column(0)
            found |= {str(v) for v in column.unique().to_pylist() if v is not None}
        except Exception:
            continue
    if len(found) == 1:
        return found.pop()
    return f"mixed ({', '.join(sorted(found))})" if found else "unknown"


#: A financial year of the case records ("2023/24"), as against survey waves and rounds.
YEAR = re.compile(r"\d{4}/\d{2}")


def _periods(sources: list[Path]) -> list[str]:
    import pyarrow.parquet as pq

    found: set[str] = set()
    for path in sources:
        try:
            column = pq.read_table(path, columns=["period"]).column(0)
            found |= {str(v) for v in column.unique().to_pylist() if v is not None}
        except Exception:
            continue
    return sorted(found)


def _relative(path: Path) -> str:
    return path.relative_to(paths.reports_dir()).as_posix()


def kernel_did_not_start(exc: BaseException) -> bool:
    """Whether ``exc`` says the kernel died or hung before running a cell."""
    return isinstance(exc, RuntimeError) and any(text in str(exc) for text in NOT_STARTED)


def _execute(job: Job) -> Any:
    import papermill

    Path(job.executed).parent.mkdir(parents=True, exist_ok=True)
    Path(job.staging).mkdir(parents=True, exist_ok=True)
    from soteria_research.batch import forkserver, kernels

    fork = forkserver.enabled()
    for start in range(1, KERNEL_STARTS + 1):
        # a kernel forked from the worker's fork server, with its libraries imported; a
        # kernel started again after a failed start is started the usual way; either way
        # its channels are private Unix sockets, not TCP ports (batch/kernels.py)
        manager = forkserver.ForkKernelManager if fork else kernels.IpcKernelManager
        try:
            return papermill.execute_notebook(
                job.notebook,
                job.executed,
                parameters=job.parameters,
                kernel_name=KERNEL,
                kernel_manager_class=manager,
                progress_bar=False,
                log_output=False,
                cwd=str(Path(job.notebook).parent),
                shutdown_kernel="immediate",  # every output is in by then; no graceful wait
                # written once at the end (or when a cell fails), not before and after every
                # cell: each write serialises and validates the whole notebook, figures and all
                request_save_on_cell_execute=False,
            )
        except RuntimeError as exc:
            if start == KERNEL_STARTS or not kernel_did_not_start(exc):
                raise
            fork = False
            log.warning(
                "%s: the kernel did not start (%s); starting another (%d of %d)",
                job.name,
                exc,
                start + 1,
                KERNEL_STARTS,
            )
            time.sleep(0.5 * start)
    raise AssertionError("unreachable")  # pragma: no cover


def _header(job: Job) -> Any:
    from soteria_research.batch import manifest
    from soteria_research.report.html import ReportHeader

    if job.kind == "force":
        staged = [p for p in [Path(job.staging) / f"{job.slug}.parquet"] if p.exists()]
        title, force, slugs = f"Force report: {job.name}", job.name, [job.slug]
    else:
        staged = sorted(Path(job.findings_dir).glob("*.parquet"))
        title, force, slugs = "National evidence", "All forces", [p.stem for p in staged]
    periods = _periods(staged)
    years = [p for p in periods if YEAR.fullmatch(p)]
    period = ", ".join(years or periods) or str(job.parameters.get("period", ""))
    if years and len(years) < len(periods):
        period += " (case records; each section names its own rounds and waves)"
    run_date = manifest.now().replace("T", " ")
    return ReportHeader(
        title, force, period, data_source(slugs), job.code_version, run_date, job.run_id
    )


def _build_report(job: Job) -> dict[str, str]:
    from soteria_research.report.html import render_html

    executed = _execute(job)
    staged = Path(job.staging) / f"{job.slug}.parquet"
    if job.kind == "force" and job.require_findings and not staged.is_file():
        raise RunError(
            f"The notebook wrote no findings ({staged.name} in its output_dir). It must end with "
            "save_findings(..., out_dir=output_dir)."
        )
    page = render_html(executed, _header(job)).encode("utf-8")
    outputs = {}
    if job.kind == "force" and staged.is_file():
        target = files.move_into_place(staged, job.findings)
        outputs[_relative(target)] = digests.file_digest(target)
    national_rows = Path(job.staging) / NATIONAL_FINDINGS
    if job.kind != "force" and national_rows.is_file():
        # the national rows of the evidence base go beside the national report (the
        # findings folder holds one file per force)
        target = files.move_into_place(national_rows, Path(job.html).parent / NATIONAL_FINDINGS)
        outputs[_relative(target)] = digests.file_digest(target)
    target = files.write_bytes(job.html, page)
    outputs[_relative(target)] = hashlib.sha256(page).hexdigest()
    for log in sorted(Path(job.staging).glob("*.disclosure.json")):
        # The output-checking log goes beside the report, for the output checker.
        placed = files.move_into_place(log, Path(job.html).with_suffix(".disclosure.json"))
        outputs[_relative(placed)] = digests.file_digest(placed)
    return outputs


def _build_evidence(job: Job) -> dict[str, str]:
    from soteria_research.release.evidence import evidence_base
    from soteria_research.report import evidence

    found = evidence.gather_findings(job.findings_dir)
    national_rows = paths.reports_dir() / "national" / NATIONAL_FINDINGS
    if national_rows.is_file():  # the national report ran first (its own stage)
        import pandas as pd

        rows = pd.read_parquet(national_rows)
        found = pd.concat([found, rows.astype(found.dtypes.to_dict(), errors="ignore")])
        found = found.reset_index(drop=True)
    protected, log = evidence_base(found)
    written = evidence.write_evidence(protected, job.evidence_dir)
    written["log"] = log.write(Path(job.evidence_dir) / "evidence_base.disclosure.json")
    return {_relative(p): digests.file_digest(p) for p in written.values()}


def run_job(job: Job) -> Outcome:
    """Build one report (or the evidence base); never raises."""
    from soteria_research.batch.manifest import now

    start = time.perf_counter()
    try:
        outputs = _build_evidence(job) if job.kind == "evidence" else _build_report(job)
    except Exception as exc:
        return Outcome(
            job.slug,
            "failed",
            time.perf_counter() - start,
            error=error_line(exc),
            notebook=job.executed if Path(job.executed or "-").is_file() else "",
            finished=now(),
        )
    return Outcome(job.slug, "ok", time.perf_counter() - start, outputs, finished=now())
