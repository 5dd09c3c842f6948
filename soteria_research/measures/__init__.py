"""Measures and statistics: pure functions from canonical tables to estimate tables.

Each measure takes the canonical cases (or assessment) table and returns a DataFrame;
none reads files, prints or changes its input. Every estimate carries its numerator,
denominator, interval and, when it is NaN, the reason. Every outcome measure says
whether it is on the *cohort* basis (crimes recorded in the period) or the *activity*
basis (outcomes assigned in the period); see :mod:`.periods`.

Modules: :mod:`.periods` (periods and bases), :mod:`.intervals` (Wilson, Clopper-Pearson,
median), :mod:`.volumes`, :mod:`.outcomes`, :mod:`.attrition`, :mod:`.timeliness`,
:mod:`.survival` (censoring-aware cumulative incidence), :mod:`.repeat`, :mod:`.model`
(who is charged), :mod:`.assessment` (maturity, weighted kappa, gaps), :mod:`.funnel`,
:mod:`.spc`, :mod:`.completeness`, :mod:`.catalogue`, and a force's key findings:
:mod:`.findings` (with :mod:`.key_measures`, :mod:`.comparator`, :mod:`.wording`).
Thresholds come from ``settings.section("measures")`` via :mod:`.defaults`.
"""

from soteria_research.measures.assessment import (
    maturity,
    maturity_gaps,
    paired_gap,
    rating_agreement,
    weighted_kappa,
)
from soteria_research.measures.attrition import attrition
from soteria_research.measures.comparator import force_areas, national_comparator
from soteria_research.measures.completeness import data_completeness
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.findings import finding_texts, force_findings
from soteria_research.measures.funnel import (
    funnel_curve,
    funnel_limits,
    funnel_positions,
    overdispersion,
    position_codes,
    position_words,
)
from soteria_research.measures.intervals import median_ci, proportion_ci
from soteria_research.measures.model import (
    InsufficientDataError,
    ModelResult,
    charge_model,
    charge_odds_ratios,
)
from soteria_research.measures.outcomes import flag_share, outcome_distribution, outcome_shares
from soteria_research.measures.periods import (
    Period,
    activity,
    cohort,
    resolve_period,
    select,
)
from soteria_research.measures.repeat import repeat_intervals, repeat_suspect_share
from soteria_research.measures.spc import summarise_signals, xmr
from soteria_research.measures.survival import (
    aalen_johansen,
    cumulative_incidence,
    incidence_curve,
    kaplan_meier,
)
from soteria_research.measures.timeliness import days_to_event, median_days
from soteria_research.measures.volumes import monthly_outcome_share, recorded_volumes

__all__ = [
    "InsufficientDataError",
    "ModelResult",
    "Period",
    "aalen_johansen",
    "activity",
    "attrition",
    "charge_model",
    "charge_odds_ratios",
    "cohort",
    "cumulative_incidence",
    "data_completeness",
    "days_to_event",
    "finding_texts",
    "flag_share",
    "force_areas",
    "force_findings",
    "funnel_curve",
    "funnel_limits",
    "funnel_positions",
    "incidence_curve",
    "kaplan_meier",
    "maturity",
    "maturity_gaps",
    "measure_settings",
    "median_ci",
    "median_days",
    "monthly_outcome_share",
    "national_comparator",
    "outcome_distribution",
    "outcome_shares",
    "overdispersion",
    "paired_gap",
    "position_codes",
    "position_words",
    "proportion_ci",
    "rating_agreement",
    "recorded_volumes",
    "repeat_intervals",
    "repeat_suspect_share",
    "resolve_period",
    "select",
    "summarise_signals",
    "weighted_kappa",
    "xmr",
]
