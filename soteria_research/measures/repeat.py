"""Repeat suspects: crimes whose suspect is linked to other recorded crimes.

Suspect ids are keyed hashes of the suspect reference without the force, so the same
person links across forces when forces share the reference (e.g. PNC id). A link is any
*other* crime with the same suspect id in the table of links (by default the cases
measured), recorded at any date. Reports link over every sexual offence in the extract
(setting ``measures.repeat_links``), so a rape suspect also accused of another sexual
offence counts as a repeat suspect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.measures.frames import NO_CASES, SINGLE_FORCE, require_columns
from soteria_research.measures.intervals import median_ci, proportion_estimates
from soteria_research.measures.periods import Period, cohort, resolve_period


def repeat_suspect_share(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    force: str | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of crimes with a suspect whose suspect is linked to other crimes.

    Definition: crimes recorded in the period (cohort basis) with a suspect identified,
    whose suspect also appears on another crime. ``repeat_within_force``: another crime
    of the same force (any date in the data); ``repeat_across_forces``: a crime of a
    different force. Numerator: such crimes. Denominator: crimes recorded in the period
    with a suspect identified (of ``force`` when given, else of every force in
    ``cases``). Across forces needs the national table: with one force in ``cases`` it
    is NaN with a reason. ``links`` is the table other crimes are looked for in (e.g.
    every sexual offence, when ``cases`` holds rapes only); by default ``cases``.

    Returns
    -------
    DataFrame
        Two rows (``measure`` = ``repeat_within_force``, ``repeat_across_forces``):
        ``measure, basis, period, numerator, denominator, value, ci_low, ci_high, reason``.
    """
    require_columns(cases, ["force", "crime_id", "suspect_id", "financial_year"])
    resolved = resolve_period(cases, period)
    links = _links(cases, links)
    linked = links.loc[links["suspect_id"].notna(), ["force", "crime_id", "suspect_id"]]
    per_force = linked.groupby(["suspect_id", "force"]).size().rename("n_force").reset_index()
    totals = per_force.groupby("suspect_id")["n_force"].sum().rename("n_all")
    per_force = per_force.join(totals, on="suspect_id")
    rows = cohort(cases, resolved)
    if force is not None:
        rows = rows[rows["force"] == force]
    rows = rows[rows["suspect_id"].notna()].merge(per_force, on=["suspect_id", "force"], how="left")
    within = int((rows["n_force"] > 1).sum())
    across = int((rows["n_all"] > rows["n_force"]).sum())
    est = proportion_estimates([within, across], [len(rows), len(rows)], confidence, method)
    if links["force"].nunique() < 2:
        est.loc[1, ["value", "ci_low", "ci_high"]] = np.nan
        est.loc[1, "reason"] = f"{SINGLE_FORCE}: cross-force links need the national table"
    if not len(cohort(cases, resolved)):
        est["reason"] = NO_CASES
    head = pd.DataFrame(
        {"measure": ["repeat_within_force", "repeat_across_forces"], "basis": "cohort"}
    )
    head["period"] = resolved.label
    return pd.concat([head, est], axis=1)


def _links(cases: pd.DataFrame, links: pd.DataFrame | None) -> pd.DataFrame:
    """The table links are looked for in: ``links`` with the cases measured (so every crime
    measured can find the others), or ``cases``."""
    if links is None:
        return cases
    columns = [c for c in cases.columns if c in links.columns]
    both = pd.concat([links[columns], cases[columns]], ignore_index=True)
    return both.drop_duplicates("crime_id")


def repeat_intervals(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    confidence: float = 0.95,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Days between consecutive allegations against the same suspect.

    Definition: for each crime recorded in the period whose suspect has an earlier
    crime (in any force of ``cases``, or of ``links`` when given), the days since that
    suspect's previous recorded crime. Summarised by the median with an order-statistic interval; n = such crimes.

    Returns
    -------
    DataFrame
        One row: ``measure, basis, period, denominator, value, ci_low, ci_high, reason``.
    """
    require_columns(cases, ["crime_id", "suspect_id", "recorded_date", "financial_year"])
    resolved = resolve_period(cases, period)
    table = _links(cases, links)
    linked = table[table["suspect_id"].notna()].sort_values(["suspect_id", "recorded_date"])
    gap = linked.groupby("suspect_id")["recorded_date"].diff().dt.days
    measured = linked["crime_id"].isin(cases["crime_id"])
    in_period = linked["financial_year"].isin(resolved.years).fillna(False).astype(bool) & measured
    est = median_ci(gap[in_period].dropna().astype(float), confidence)
    reason = est["reason"]
    if not len(cohort(cases, resolved)):
        reason = NO_CASES
    return pd.DataFrame(
        {
            "measure": ["days_between_repeat_allegations"],
            "basis": ["cohort"],
            "period": [resolved.label],
            "denominator": pd.array([est["n"]], dtype="Int64"),
            "value": [est["value"]],
            "ci_low": [est["ci_low"]],
            "ci_high": [est["ci_high"]],
            "reason": pd.array([reason], dtype="string"),
        }
    )
