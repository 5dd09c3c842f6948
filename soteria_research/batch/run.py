"""One run of ``soteria reports``: its tasks, the state it keeps, what it reports.

:class:`Run` turns planned tasks into worker jobs, records each outcome in the run state
as soon as it arrives (so an interrupted run keeps what it finished), and at the end
writes the state's ``last_run``, the landing page and the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from soteria_research import files, paths, settings, versions
from soteria_research.batch import manifest, plan, pool, state, worker
from soteria_research.batch.plan import Task
from soteria_research.batch.release_stage import NATIONAL as NATIONAL_UNIT
from soteria_research.report import index

#: Folders of published outputs (relative to ``reports/``).
OUTPUT_FOLDERS = ("forces", "national", "findings", "evidence")


def remove_temp_files(reports: Path) -> list[Path]:
    """Delete temporary files a killed run left among the published outputs."""
    return files.remove_temp_files(reports, *(reports / name for name in OUTPUT_FOLDERS))


def _row(task: Task, status: str, seconds: float = 0.0, **extra: str) -> dict[str, Any]:
    row = {"force": task.name, "status": status, "seconds": round(seconds, 2)}
    row |= {"output": "", "error": "", "notebook": "", "reason": task.reason or ""}
    return row | extra


class Run:
    """The tasks of one run and what became of them."""

    def __init__(self, run_id: str, started: str, options: dict[str, Any]) -> None:
        self.run_id, self.started, self.options = run_id, started, options
        self.dir = manifest.run_dir(run_id)
        self.reports = paths.reports_dir()
        self.findings = self.reports / "findings"
        self.state = state.load_state()
        self.version = versions.code_version()
        self.label = versions.code_version_label(self.version)
        self.tasks: dict[str, Task] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        self.executor: Any = None
        self.bar: Any = None

    def _entries(self, task: Task) -> dict[str, Any]:
        return self.state["forces"] if task.kind == "force" else self.state

    def job(self, task: Task) -> worker.Job:
        """What a worker needs to build ``task``."""
        o = self.options
        base = worker.Job(
            task.kind,
            task.name,
            task.slug,
            self.run_id,
            self.label,
            findings_dir=str(self.findings),
            require_findings=o["require_findings"],
        )
        if task.kind == plan.EVIDENCE:
            return replace(base, evidence_dir=str(self.reports / "evidence"))
        staging = self.dir / "outputs" / task.slug
        params = {"period": o["period"], "comparator": o["comparator"], "run_id": self.run_id}
        if task.kind == "force":
            params = {"force": task.name, **params, "output_dir": str(staging)}
            html, notebook = self.reports / "forces" / f"{task.slug}.html", o["force_notebook"]
        else:
            params |= {"findings_dir": str(self.findings), "output_dir": str(staging)}
            html, notebook = self.reports / "national" / "national_evidence.html", o["national"]
        return replace(
            base,
            notebook=str(notebook),
            parameters=params,
            executed=str(self.dir / "notebooks" / f"{task.slug}.ipynb"),
            staging=str(staging),
            html=str(html),
            findings=str(self.findings / f"{task.slug}.parquet"),
        )

    def done(self, job: worker.Job, outcome: worker.Outcome) -> None:
        """Record a finished job in the state (saved at once) and in the summary."""
        task = self.tasks[job.slug]
        entries = self._entries(task)
        previous = entries.get(task.slug)
        if outcome.status == "ok":
            entries[task.slug] = state.record_success(
                previous,
                name=task.name,
                key=task.key,
                inputs=task.inputs,
                run_id=self.run_id,
                finished=outcome.finished,
                outputs=outcome.outputs,
            )
            output = job.html or job.evidence_dir
            self.rows[task.slug] = _row(task, "ok", outcome.seconds, output=output)
        else:
            notebook = Path(outcome.notebook) if outcome.notebook else None
            entries[task.slug] = state.record_failure(
                previous,
                name=task.name,
                run_id=self.run_id,
                finished=outcome.finished or manifest.now(),
                status=outcome.status,
                error=outcome.error,
                notebook=notebook.relative_to(self.reports).as_posix() if notebook else "",
            )
            self.rows[task.slug] = _row(
                task,
                outcome.status,
                outcome.seconds,
                error=outcome.error,
                notebook=outcome.notebook,
            )
        state.save_state(self.state)

    def _up_to_date(self, task: Task) -> None:
        outputs = [str(self.reports / p) for p in self._entries(task)[task.slug]["outputs"]]
        shown = next((p for p in outputs if p.endswith(".html")), outputs[0])
        self.rows[task.slug] = _row(task, "up to date", output=shown)

    def stage(self, tasks: Sequence[Task]) -> None:
        """Build the tasks that must run, largest data first, in the run's pool."""
        for task in tasks:
            self.tasks[task.slug] = task
            if not task.runs:
                self._up_to_date(task)
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
            pool.stop_pool(self.executor)  # a worker died: the next stage gets a new pool
            self.executor = None

    def national(self) -> None:
        """The evidence base and the national report, from every force's findings."""
        o = self.options
        tasks = plan.plan_national(
            o["national"],
            o["shared"],
            o["parameters"],
            self.findings,
            self.state,
            rerun=o["rerun"],
            release=(o.get("release") or {}).get(NATIONAL_UNIT),
        )
        have = self.findings.is_dir() and any(self.findings.glob("*.parquet"))
        runnable = [
            t for t in tasks if have or (t.kind == plan.NATIONAL and not o["require_findings"])
        ]
        for task in tasks:
            if task not in runnable:
                self.tasks[task.slug] = task
                self.rows[task.slug] = _row(task, "skipped", error="no force findings yet")
        # the national report first: the evidence base takes in its rows (evaluation,
        # learning table)
        self.stage([t for t in runnable if t.kind == plan.NATIONAL])
        self.stage([t for t in runnable if t.kind != plan.NATIONAL])

    def status(self) -> str:
        """``failed`` when anything failed, else ``ok`` when anything ran, else ``up to date``."""
        statuses = {row["status"] for row in self.rows.values()}
        if "failed" in statuses:
            return "failed"
        return "ok" if "ok" in statuses else "up to date"

    def interrupted(self, status: str) -> None:
        """Stop the pool, clear temporary files, and note the reports left unfinished."""
        if self.executor is not None:
            pool.stop_pool(self.executor)
            self.executor = None
        remove_temp_files(self.reports)
        for slug, task in self.tasks.items():
            if slug not in self.rows:
                outcome = worker.Outcome(slug, status, 0.0, error=f"run {status}")
                self.done(worker.Job(task.kind, task.name, slug, self.run_id, self.label), outcome)

    def manifest(self, status: str, finished: str | None = None) -> dict[str, Any]:
        """The run manifest as it stands."""
        outputs, tasks, inputs = {}, [], {"shared": self.options.get("shared", {})}
        for slug, task in self.tasks.items():
            row = self.rows.get(slug, {"status": "not started"})
            if row["status"] in ("ok", "up to date"):
                outputs |= self._entries(task)[slug].get("outputs", {})
            inputs[slug] = dict(task.inputs)
            tasks.append({"name": task.name, "slug": slug, "kind": task.kind, **row})
        return manifest.build_manifest(
            self.run_id,
            self.started,
            status=status,
            settings=settings.load(),
            parameters=self.options["record"],
            inputs=inputs,
            tasks=tasks,
            outputs=outputs,
            version=self.version,
            finished=finished,
        )

    def finish(self, status: str) -> Path:
        """Write the state's last run, the landing page and the final manifest."""
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        finished = manifest.now()
        self.state["last_run"] = {
            "run_id": self.run_id,
            "started": self.started,
            "finished": finished,
            "status": status,
            "counts": counts,
            "manifest": (self.dir / manifest.MANIFEST_NAME).relative_to(self.reports).as_posix(),
        }
        state.save_state(self.state)
        index.write_index(self.state, self.reports)
        return manifest.write_manifest(self.manifest(status, finished))

    def close(self) -> None:
        """Close the progress bar and wait for the pool to wind down."""
        if self.bar is not None:
            self.bar.close()
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
