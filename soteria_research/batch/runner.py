"""``soteria reports`` as a function: build every report that needs building.

:func:`run_reports` plans the run from content hashes (:mod:`.plan`), takes the run lock,
runs the force notebooks in one process pool (papermill's Python API, one kernel per
notebook, ``jobs`` at a time, largest data first), then writes the evidence base and runs
the national notebook, and finally writes the run state, the landing page and the run
manifest. A run in which nothing changed starts no kernel and imports neither papermill
nor nbconvert. Ctrl-C or SIGTERM stops the workers, kills their kernels, removes temporary
files and releases the lock: every report on disk is then complete or untouched.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from soteria_research import paths, settings
from soteria_research.batch import manifest, plan, pool, state, worker
from soteria_research.batch.lock import RunLock
from soteria_research.batch.plan import Task
from soteria_research.errors import RunError
from soteria_research.report import files, index

log = logging.getLogger(__name__)

FORCE_NOTEBOOK = "force_report.ipynb"
NATIONAL_NOTEBOOK = "national_evidence.ipynb"
COLUMNS = ["force", "status", "seconds", "output", "error", "notebook", "reason"]
RunInterrupted = pool.RunInterrupted


@dataclass(frozen=True)
class RunSummary:
    """What a run did: one row per report (force, status, seconds, output, error, ...).

    ``status`` is ``ok`` (everything built), ``up to date`` (nothing to build) or
    ``failed``; ``exit_code`` is 1 when anything failed.
    """

    table: pd.DataFrame
    exit_code: int
    run_id: str
    status: str
    manifest: Path

    @property
    def failures(self) -> pd.DataFrame:
        return self.table[self.table["status"] == "failed"]

    def format(self) -> str:
        """The summary table, then each failure with its error and executed notebook."""
        shown = self.table.assign(
            time=self.table["seconds"].map(lambda s: f"{s:.1f} s" if s else "-"),
            output=self.table["output"].map(_short),
        )[["force", "status", "time", "output"]]
        lines = [shown.to_string(index=False), ""]
        for row in self.failures.itertuples(index=False):
            lines.append(f"FAILED {row.force}: {row.error}")
            if row.notebook:
                lines.append(f"  executed notebook: {_short(row.notebook)}")
        lines.append(f"Run {self.run_id}: {self.status}. Manifest: {_short(str(self.manifest))}")
        return "\n".join(lines)


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(paths.root())) if path else ""
    except ValueError:
        return path


class _Run:
    """One run: its tasks, the state it updates, what it reports."""

    def __init__(self, run_id: str, started: str, options: dict[str, Any]) -> None:
        self.run_id, self.started, self.options = run_id, started, options
        self.dir = manifest.run_dir(run_id)
        self.reports = paths.reports_dir()
        self.state = state.load_state()
        self.version = manifest.code_version()
        self.label = manifest.code_version_label(self.version)
        self.tasks: dict[str, Task] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        self.executor: Any = None
        self.bar: Any = None

    # -- jobs and their outcomes -------------------------------------------------------
    def job(self, task: Task) -> worker.Job:
        o, run = self.options, self.dir
        common = dict(run_id=self.run_id, code_version=self.label)
        common |= dict(require_findings=o["require_findings"])
        if task.kind == plan.EVIDENCE:
            return worker.Job(
                task.kind,
                task.name,
                task.slug,
                **common,
                findings_dir=str(self.reports / "findings"),
                evidence_dir=str(self.reports / "evidence"),
            )
        staging = run / "outputs" / task.slug
        params = {"period": o["period"], "comparator": o["comparator"], "run_id": self.run_id}
        if task.kind == "force":
            params = {"force": task.name, **params, "output_dir": str(staging)}
            html, notebook = self.reports / "forces" / f"{task.slug}.html", o["force_notebook"]
        else:
            params |= {"findings_dir": str(self.reports / "findings"), "output_dir": str(staging)}
            html, notebook = self.reports / "national" / "national_evidence.html", o["national"]
        return worker.Job(
            task.kind,
            task.name,
            task.slug,
            **common,
            notebook=str(notebook),
            parameters=params,
            executed=str(run / "notebooks" / f"{task.slug}.ipynb"),
            staging=str(staging),
            html=str(html),
            findings=str(self.reports / "findings" / f"{task.slug}.parquet"),
            findings_dir=str(self.reports / "findings"),
        )

    def _entry_holder(self, task: Task) -> dict[str, Any]:
        return self.state["forces"] if task.kind == "force" else self.state

    def done(self, job: worker.Job, outcome: worker.Outcome) -> None:
        """Record a finished job in the state (saved at once) and in the summary."""
        task = self.tasks[job.slug]
        holder = self._entry_holder(task)
        if outcome.status == "ok":
            holder[task.slug] = state.record_success(
                holder.get(task.slug),
                name=task.name,
                key=task.key,
                inputs=task.inputs,
                run_id=self.run_id,
                finished=outcome.finished,
                outputs=outcome.outputs,
            )
        else:
            notebook = (
                Path(outcome.notebook).relative_to(self.reports).as_posix()
                if (outcome.notebook)
                else ""
            )
            holder[task.slug] = state.record_failure(
                holder.get(task.slug),
                name=task.name,
                run_id=self.run_id,
                finished=outcome.finished or manifest.now(),
                status=outcome.status,
                error=outcome.error,
                notebook=notebook,
            )
        state.save_state(self.state)
        output = job.html or job.evidence_dir
        self.rows[task.slug] = {
            "force": task.name,
            "status": outcome.status,
            "seconds": round(outcome.seconds, 2),
            "output": output if outcome.status == "ok" else "",
            "error": outcome.error,
            "notebook": outcome.notebook,
            "reason": task.reason or "",
        }

    def up_to_date(self, task: Task) -> None:
        entry = self._entry_holder(task).get(task.slug) or {}
        outputs = [str(self.reports / p) for p in entry.get("outputs", {})]
        shown = next((p for p in outputs if p.endswith(".html")), outputs[0] if outputs else "")
        self.rows[task.slug] = {
            "force": task.name,
            "status": "up to date",
            "seconds": 0.0,
            "output": shown,
            "error": "",
            "notebook": "",
            "reason": "",
        }

    # -- stages -----------------------------------------------------------------------
    def stage(self, tasks: Sequence[Task]) -> None:
        for task in tasks:
            self.tasks[task.slug] = task
            if not task.runs:
                self.up_to_date(task)
        pending = sorted((t for t in tasks if t.runs), key=lambda t: -t.size)
        if not pending:
            return
        if self.executor is None:
            workers = min(self.options["jobs"], max(len(pending), 2))
            self.executor = pool.make_pool(workers, self.dir)
        if self.bar is None:
            from tqdm import tqdm

            disable = None if self.options["progress"] else True
            self.bar = tqdm(total=0, desc="reports", unit="report", disable=disable)
        self.bar.total += len(pending)
        self.bar.refresh()
        if not pool.run_stage(self.executor, [self.job(t) for t in pending], self.done, self.bar):
            pool.stop_pool(self.executor)
            self.executor = None

    def national(self) -> None:
        o = self.options
        findings = self.reports / "findings"
        have = findings.is_dir() and any(findings.glob("*.parquet"))
        tasks = plan.plan_national(
            o["national"], o["shared"], o["parameters"], findings, self.state, rerun=o["rerun"]
        )
        runnable = [
            t for t in tasks if have or (t.kind == plan.NATIONAL and not o["require_findings"])
        ]
        for task in tasks:
            if task not in runnable:
                self.tasks[task.slug] = task
                self.rows[task.slug] = {
                    "force": task.name,
                    "status": "skipped",
                    "seconds": 0.0,
                    "output": "",
                    "error": "no force findings yet",
                    "notebook": "",
                    "reason": task.reason or "",
                }
        self.stage(runnable)

    # -- the end ----------------------------------------------------------------------
    def summary(self, status: str, manifest_path: Path) -> RunSummary:
        order = list(self.tasks)
        table = pd.DataFrame([self.rows[s] for s in order if s in self.rows], columns=COLUMNS)
        failed = bool((table["status"] == "failed").any())
        return RunSummary(table, 1 if failed else 0, self.run_id, status, manifest_path)

    def status(self) -> str:
        statuses = {row["status"] for row in self.rows.values()}
        if "failed" in statuses:
            return "failed"
        return "ok" if "ok" in statuses else "up to date"

    def finish(self, status: str) -> Path:
        """Write the state's last run, the landing page and the final manifest."""
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        finished = manifest.now()
        relative = (self.dir / manifest.MANIFEST_NAME).relative_to(self.reports).as_posix()
        self.state["last_run"] = {
            "run_id": self.run_id,
            "started": self.started,
            "finished": finished,
            "status": status,
            "counts": counts,
            "manifest": relative,
        }
        state.save_state(self.state)
        index.write_index(self.state, self.reports)
        return manifest.write_manifest(self.manifest(status, finished))

    def manifest(self, status: str, finished: str | None = None) -> dict[str, Any]:
        o = self.options
        outputs, tasks, inputs = {}, [], {"shared": o["shared"]}
        for slug, task in self.tasks.items():
            entry = self._entry_holder(task).get(slug) or {}
            if self.rows.get(slug, {}).get("status") in ("ok", "up to date"):
                outputs |= entry.get("outputs", {})
            inputs[slug] = dict(task.inputs)
            tasks.append(
                {
                    "name": task.name,
                    "slug": slug,
                    "kind": task.kind,
                    "key": task.key,
                    **self.rows.get(slug, {"status": "interrupted"}),
                }
            )
        return manifest.build_manifest(
            self.run_id,
            self.started,
            status=status,
            settings=settings.load(),
            parameters=o["record"],
            inputs=inputs,
            tasks=tasks,
            outputs=outputs,
            version=self.version,
            finished=finished,
        )

    def interrupted(self, status: str) -> None:
        """Stop the pool, clear temporary files, and note unfinished reports."""
        if self.executor is not None:
            pool.stop_pool(self.executor)
            self.executor = None
        remove_temp_files(self.reports)
        for slug, task in self.tasks.items():
            if slug not in self.rows:
                self.done(
                    worker.Job(task.kind, task.name, slug, self.run_id, self.label),
                    worker.Outcome(slug, status, 0.0, error=f"run {status}"),
                )


def remove_temp_files(reports: Path) -> None:
    """Delete temporary files a killed run left among the published outputs."""
    folders = [
        reports,
        *(reports / name for name in ("forces", "national", "findings", "evidence")),
    ]
    for path in files.remove_temp_files(*folders):
        log.info("Removed a temporary file left by an earlier run: %s", path.name)


def _options(
    forces: Sequence[str] | None,
    jobs: int | None,
    rerun: bool,
    period: str | None,
    comparator: str | None,
    national: bool,
    force_notebook: str | Path | None,
    national_notebook: str | Path | None,
) -> dict[str, Any]:
    """Resolve defaults and check everything a run needs before it starts a kernel."""
    config = settings.load().get("reports", {})
    jobs = jobs if jobs is not None else int(config.get("jobs", 0) or 0)
    if jobs < 0:
        raise RunError(f"jobs must be 1 or more (0 means one per core), not {jobs}.")
    notebooks = {
        "force_notebook": Path(force_notebook or paths.notebooks_dir() / FORCE_NOTEBOOK),
        "national": Path(national_notebook or paths.notebooks_dir() / NATIONAL_NOTEBOOK)
        if national
        else None,
    }
    for path in filter(None, notebooks.values()):
        if not path.is_file():
            raise RunError(f"Notebook not found: {path}. Restore it from git.")
    names = plan.resolve_forces(forces)
    period = period or str(config.get("period_default", "latest"))
    comparator = comparator or str(config.get("comparator_default", "national"))
    return {
        **notebooks,
        "forces": names,
        "jobs": jobs or os.cpu_count() or 1,
        "rerun": rerun,
        "period": period,
        "comparator": comparator,
        "parameters": {"period": period, "comparator": comparator},
    }


def run_reports(
    forces: Sequence[str] | None = None,
    jobs: int | None = None,
    rerun: bool = False,
    period: str | None = None,
    national: bool = True,
    force_notebook: str | Path | None = None,
    national_notebook: str | Path | None = None,
    *,
    comparator: str | None = None,
    progress: bool = True,
    require_findings: bool = True,
) -> RunSummary:
    """Build the force reports that need building, the evidence base and the national report.

    Parameters
    ----------
    forces
        Force names in any known variant; default every force with processed data.
    jobs
        Notebooks run at once; default ``reports.jobs`` in the settings (0: one per core).
    rerun
        Build everything, whatever the content hashes say.
    period, comparator
        Notebook parameters; default ``reports.period_default`` ("latest") and
        ``reports.comparator_default`` in the settings.
    national
        Also run the national notebook (the evidence base is written either way).
    force_notebook, national_notebook
        Notebooks to run instead of ``notebooks/force_report.ipynb`` and
        ``notebooks/national_evidence.ipynb``.
    progress
        Show a progress bar on a terminal.
    require_findings
        Treat a force notebook that saves no findings as failed.

    Returns
    -------
    RunSummary
        One row per report, the exit code (1 when anything failed), the manifest path.

    Raises
    ------
    UnknownValueError
        A force name is not known (before any kernel starts).
    RunError
        No processed data, a notebook is missing, or another run holds the lock.
    RunInterrupted
        Ctrl-C or SIGTERM; outputs are complete or untouched and the lock is released.
    """
    options = _options(
        forces, jobs, rerun, period, comparator, national, force_notebook, national_notebook
    )
    options |= {"progress": progress, "require_findings": require_findings}
    options["record"] = {
        k: str(v) if isinstance(v, Path) else v
        for k, v in options.items()
        if k in ("forces", "jobs", "rerun", "period", "comparator", "force_notebook", "national")
    }
    run_id, started = manifest.new_run_id(), manifest.now()
    with RunLock(run_id, started), pool.handle_signals():
        run = _Run(run_id, started, options)
        remove_temp_files(run.reports)
        options["shared"] = plan.shared_inputs()
        tasks = plan.plan_forces(
            options["forces"],
            options["force_notebook"],
            options["shared"],
            options["parameters"],
            run.state,
            rerun=rerun,
        )
        manifest.write_manifest(run.manifest("running"))
        try:
            run.stage(tasks)
            run.national()
        except BaseException as exc:
            with pool.ignoring_signals():
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
                run.interrupted(status)
                run.finish(status)
            raise
        finally:
            if run.bar is not None:
                run.bar.close()
            if run.executor is not None:
                run.executor.shutdown(wait=True)
        status = run.status()
        path = run.finish(status)
        return run.summary(status, path)
