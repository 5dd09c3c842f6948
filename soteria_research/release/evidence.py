"""The evidence base: every force's published findings, as the release protected them.

The findings were protected with every other number of the release, national totals
included (:mod:`soteria_research.release.protect`), so the evidence base publishes exactly
the rows the force reports show: no second round of suppression that could withhold
here what a force report prints, or the reverse.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.disclosure import OutputLog, Rules
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import resolve


def evidence_base(
    findings: pd.DataFrame, rules: Rules | None = None
) -> tuple[pd.DataFrame, OutputLog]:
    """The evidence base rows (every force's published findings) and their output log."""
    rules = resolve(rules)
    out = findings.copy()
    log = OutputLog("National Operating Model evidence base", rules)
    withheld = int(out["suppressed"].sum()) if "suppressed" in out.columns else 0
    log.add(
        make_entry(
            "evidence base",
            "evidence base",
            "protected" if withheld else "pass",
            rules,
            thresholds=("min_cell_count",),
            rules_applied=["rows as published by the release (protected as a whole)"],
            summary=f"{withheld} of {len(out)} rows withheld",
        )
    )
    return out, log
