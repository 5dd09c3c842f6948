"""Statistical disclosure control for every published table, figure and evidence row.

The rules are those UK output checkers use, with the ACRO tool's defaults; thresholds come
from the ``disclosure`` section of ``config/settings.yaml`` and every function takes an
optional :class:`Rules` to override them. ``docs/disclosure.md`` describes what is
protected and how.

>>> import pandas as pd
>>> from soteria_research.disclosure import Rules, protect_table
>>> counts = pd.DataFrame({"charged": [3, 40], "not charged": [50, 60]}, index=["a", "b"])
>>> protect_table(counts, Rules(), name="Outcomes").mask.loc["a"].tolist()
['primary', 'secondary', '']
"""

from soteria_research.disclosure.audit import AuditReport, Problem, audit_paths
from soteria_research.disclosure.checks import (
    Check,
    Statistic,
    check_regression,
    protect_median,
    protect_percentiles,
    protect_statistics,
)
from soteria_research.disclosure.evidence import protect_evidence
from soteria_research.disclosure.figures import Decision, guard_figure
from soteria_research.disclosure.magnitude import dominance_failures, protect_magnitude
from soteria_research.disclosure.outputlog import OutputLog
from soteria_research.disclosure.rates import Rate, protect_rate, protect_rates
from soteria_research.disclosure.render import HtmlTable, render_table_html
from soteria_research.disclosure.rules import NOT_APPLICABLE_MARKER, SUPPRESSED_MARKER, Rules
from soteria_research.disclosure.suppression import Protected, protect_table
from soteria_research.disclosure.survival import check_survival, protect_survival
from soteria_research.disclosure.units import protect_by_unit

__all__ = [
    "NOT_APPLICABLE_MARKER",
    "SUPPRESSED_MARKER",
    "AuditReport",
    "Check",
    "Decision",
    "HtmlTable",
    "OutputLog",
    "Problem",
    "Protected",
    "Rate",
    "Rules",
    "Statistic",
    "audit_paths",
    "check_regression",
    "check_survival",
    "dominance_failures",
    "guard_figure",
    "protect_by_unit",
    "protect_evidence",
    "protect_magnitude",
    "protect_median",
    "protect_percentiles",
    "protect_rate",
    "protect_rates",
    "protect_statistics",
    "protect_survival",
    "protect_table",
    "render_table_html",
]
