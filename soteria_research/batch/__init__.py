"""Batch regeneration of the reports: ``soteria reports``.

:func:`run_reports` (in :mod:`.runner`) builds every force report that needs building,
the evidence base and the national report, in parallel, incrementally (content hashes in
:mod:`.plan` and :mod:`soteria_research.digests`), one run at a time (:mod:`.lock`), with a manifest per
run (:mod:`.manifest`). Modules are imported on first use to keep start-up fast.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("run_reports", "RunSummary", "RunInterrupted"):
        from soteria_research.batch import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
