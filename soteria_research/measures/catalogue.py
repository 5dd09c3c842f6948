"""The key measures of a force's findings: what each one is, and how to read it.

One entry per measure id: the pillar it evidences (slug), a label, its definition
(numerator and denominator), its basis (cohort, activity, assessment or recorded), its
unit (``proportion``, ``days``, ``rating`` or ``count``) and whether a higher value is
better (None where neither is). Findings, gaps and plots read these so the wording of a
measure lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Measure:
    """What a key measure is."""

    id: str
    pillar: str
    label: str
    definition: str
    basis: str
    unit: str
    higher_is_better: bool | None


_MEASURES = [
    Measure(
        "recorded_crimes",
        "data_performance",
        "Crimes recorded",
        "Crimes recorded in the period (count by recording date; monthly SPC).",
        "recorded",
        "count",
        None,
    ),
    Measure(
        "charge_rate",
        "suspect_focus",
        "Charge rate (naive)",
        "Crimes recorded in the period charged or summonsed so far (type 1) / crimes "
        "recorded in the period; pending cases count as not charged.",
        "cohort",
        "proportion",
        True,
    ),
    Measure(
        "charge_cif_365",
        "suspect_focus",
        "Charged within a year (censoring-aware)",
        "Cumulative incidence of charge within 365 days of recording, pending cases "
        "censored at the extraction date, other outcomes competing (Aalen-Johansen); "
        "numerator = charges within 365 days, denominator = crimes recorded.",
        "cohort",
        "proportion",
        True,
    ),
    Measure(
        "charge_share_activity",
        "suspect_focus",
        "Charges among outcomes assigned",
        "Outcomes assigned in the period that were charges / all outcomes assigned in "
        "the period (monthly SPC).",
        "activity",
        "proportion",
        True,
    ),
    Measure(
        "no_suspect_share",
        "suspect_focus",
        "No suspect identified (14+18)",
        "Crimes recorded in the period with outcome 14 or 18 / crimes recorded.",
        "cohort",
        "proportion",
        False,
    ),
    Measure(
        "pending_share",
        "suspect_focus",
        "Still pending",
        "Crimes recorded in the period with no outcome yet (type 0) / crimes recorded.",
        "cohort",
        "proportion",
        None,
    ),
    Measure(
        "arrest_share",
        "suspect_focus",
        "Suspect arrested or interviewed",
        "Crimes recorded in the period with a suspect identified where the suspect was "
        "arrested or interviewed / those with a suspect identified and the flag recorded.",
        "cohort",
        "proportion",
        True,
    ),
    Measure(
        "median_days_to_charge",
        "suspect_focus",
        "Median days from recording to charge",
        "Median days from recording to charge, of charges made in the period.",
        "activity",
        "days",
        False,
    ),
    Measure(
        "repeat_suspect_share",
        "repeat_suspects",
        "Crimes by a repeat suspect",
        "Crimes recorded in the period with a suspect identified whose suspect is on "
        "another crime of the force / crimes recorded with a suspect identified.",
        "cohort",
        "proportion",
        None,
    ),
    Measure(
        "outcome_16_share",
        "victim_engagement",
        "Victim does not support (16)",
        "Crimes recorded in the period with outcome 16 / crimes recorded.",
        "cohort",
        "proportion",
        False,
    ),
    Measure(
        "victim_does_not_support_share",
        "victim_engagement",
        "Victim does not support (14+16)",
        "Crimes recorded in the period with outcome 14 or 16 / crimes recorded.",
        "cohort",
        "proportion",
        False,
    ),
    Measure(
        "victim_withdrawal_share",
        "victim_engagement",
        "Victim withdrew support",
        "Crimes recorded in the period with a victim withdrawal date / crimes recorded.",
        "cohort",
        "proportion",
        False,
    ),
    Measure(
        "isva_share",
        "victim_engagement",
        "Victim referred to an ISVA",
        "Crimes recorded in the period whose victim was referred to an independent "
        "sexual violence adviser / crimes with the referral flag recorded.",
        "cohort",
        "proportion",
        True,
    ),
    Measure(
        "median_device_turnaround_days",
        "digital_forensics",
        "Median days to return a device",
        "Median days from device seizure to return, of devices returned in the period.",
        "activity",
        "days",
        False,
    ),
    Measure(
        "data_completeness",
        "data_performance",
        "Key fields complete",
        "Key fields present (not missing or unknown) / key fields expected, over crimes "
        "recorded in the period.",
        "cohort",
        "proportion",
        True,
    ),
    Measure(
        "self_maturity",
        "",
        "Self-assessed maturity",
        "Mean self rating of the pillar's questions in the latest assessment round.",
        "assessment",
        "rating",
        True,
    ),
    Measure(
        "peer_maturity",
        "",
        "Peer-reviewed maturity",
        "Mean peer-reviewer rating of the pillar's questions in the latest round.",
        "assessment",
        "rating",
        True,
    ),
    Measure(
        "review_yes_share",
        "",
        "Case files coded yes",
        "Design-weighted share of the sampled case files coded yes (weights: inverse "
        "inclusion probabilities); numerator = files coded yes, denominator = files coded "
        "on the item. One measure per yes/no item of the review framework.",
        "review",
        "proportion",
        None,
    ),
    Measure(
        "review_ac1",
        "",
        "Agreement between reviewers (AC1)",
        "Gwet's AC1 between the reviewers of the case files coded twice; denominator = "
        "files coded twice. One measure per item of the review framework.",
        "review",
        "agreement",
        True,
    ),
    Measure(
        "review_charge_odds_ratio",
        "",
        "Odds of charge with the practice",
        "Design-weighted odds ratio of charge, files coded yes against no, among sampled "
        "files with an outcome and coded yes or no; denominator = sampled files with an "
        "outcome. "
        "Not estimated below the events per parameter of the charge model.",
        "review",
        "odds_ratio",
        None,
    ),
]

MEASURES: dict[str, Measure] = {m.id: m for m in _MEASURES}

#: Proportions that are censoring-aware estimates, not the ratio of their counts: their
#: comparator is the same estimator on the pooled crimes, and their finding says so.
CENSORING_AWARE = ("charge_cif_365",)


def lookup(name: str) -> Measure | None:
    """The catalogue entry of a measure, or of its family (``review_yes_share_sf01`` is one
    of ``review_yes_share``), or None for a measure the catalogue does not define (a
    survey scale, named from its instrument)."""
    if name in MEASURES:
        return MEASURES[name]
    families = [m for m in MEASURES if name.startswith(f"{m}_")]
    return MEASURES[max(families, key=len)] if families else None


def catalogue() -> pd.DataFrame:
    """The key measures as a table (id, pillar, label, definition, basis, unit, direction)."""
    return pd.DataFrame([m.__dict__ for m in _MEASURES])
