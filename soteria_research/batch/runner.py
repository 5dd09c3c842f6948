"""``soteria reports`` as a function: build every report that needs building.

:func:`run_reports` plans the run from content hashes (:mod:`.plan`), takes the run lock,
builds the release (every report's numbers collected and protected as a whole, :mod:`.release_stage`), runs the force notebooks in one process pool (papermill's Python API, one kernel per
notebook, ``jobs`` at a time, largest data first), then writes the evidence base and runs
the national notebook, and finally writes the run state, the landing page and the run
manifest. A run in which nothing changed starts no kernel and imports neither papermill
nor nbconvert. Ctrl-C or SIGTERM stops the workers, kills their kernels, removes temporary
files and releases the lock: every report on disk is then complete or untouched.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from soteria_research import paths, settings
from soteria_research.batch import manifest, plan, pool
from soteria_research.batch.lock import RunLock
from soteria_research.batch.release_stage import build_release
from soteria_research.batch.run import Run, remove_temp_files
from soteria_research.errors import RunError

log = logging.getLogger(__name__)

FORCE_NOTEBOOK = "force_report.ipynb"
NATIONAL_NOTEBOOK = "national_evidence.ipynb"
#: Columns of the summary table.
COLUMNS = ["force", "status", "seconds", "output", "error", "notebook", "reason"]
RunInterrupted = pool.RunInterrupted


@dataclass(frozen=True)
class RunSummary:
    """What a run did: one row per report (force, status, seconds, output, error, ...).

    ``status`` is ``ok`` (everything built), ``up to date`` (nothing to build) or
    ``failed``; ``exit_code`` is 1 when anything failed. ``release_seconds`` is the time
    the release stage took (collecting and protecting every report's numbers, or only
    checking that the stored release is still current).
    """

    table: pd.DataFrame
    exit_code: int
    run_id: str
    status: str
    manifest: Path
    release_seconds: float = 0.0

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
    names = plan.resolve_forces(forces)
    notebooks = {
        "force_notebook": Path(force_notebook or paths.notebooks_dir() / FORCE_NOTEBOOK),
        "national": Path(national_notebook or paths.notebooks_dir() / NATIONAL_NOTEBOOK)
        if national
        else None,
    }
    for path in filter(None, notebooks.values()):
        if not path.is_file():
            raise RunError(f"Notebook not found: {path}. Restore it from git.")
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
    rebuild_release: bool | None = None,
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
    rebuild_release
        Collect and protect the release again even when its inputs did not change; default
        ``rerun``. ``rerun=True, rebuild_release=False`` renders every report again from the
        stored release when it is current (the rendering alone, as the benchmark times it).

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
        **{k: options[k] for k in ("forces", "jobs", "rerun", "period", "comparator")},
        "force_notebook": str(options["force_notebook"]),
        "national_notebook": str(options["national"]) if options["national"] else None,
    }
    run_id, started = manifest.new_run_id(), manifest.now()
    with RunLock(run_id, started), pool.handle_signals():
        run = Run(run_id, started, options)
        try:
            for path in remove_temp_files(run.reports):
                log.info("Removed a temporary file left by an earlier run: %s", path.name)
            options["shared"] = plan.shared_inputs()
            # the release holds every force with data, whichever forces this run renders: it
            # is protected as a whole, and the reports of the others stay published from it
            every = plan.release_forces(options["forces"])
            data = plan.force_data(every)
            release_start = time.perf_counter()
            options["release"] = build_release(
                every,
                options["parameters"],
                options["shared"],
                jobs=options["jobs"],
                rerun=rerun if rebuild_release is None else rebuild_release,
                data=data,
            )
            release_seconds = time.perf_counter() - release_start
            common = (options["force_notebook"], options["shared"], options["parameters"])
            tasks = plan.plan_forces(
                options["forces"],
                *common,
                run.state,
                rerun=rerun,
                release=options["release"],
                data=data,
            )
            # a report already published for a force not named, whose cells the release now
            # shows differently, is built again too: every published report comes from the
            # one release, protected as a whole
            others = [force for force in every if force not in options["forces"]]
            tasks += plan.stale_reports(
                plan.plan_forces(others, *common, run.state, release=options["release"], data=data)
            )
            manifest.write_manifest(run.manifest("running"))
            run.stage(tasks)
            run.national()
        except BaseException as exc:
            with pool.ignoring_signals():
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
                run.interrupted(status)
                run.finish(status)
            raise
        finally:
            run.close()
        status = run.status()
        path = run.finish(status)
    table = pd.DataFrame([run.rows[slug] for slug in run.tasks], columns=COLUMNS)
    code = 1 if status == "failed" else 0
    return RunSummary(table, code, run_id, status, path, release_seconds)
