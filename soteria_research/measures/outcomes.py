"""Outcome measures: the distribution of Home Office outcome types, and named shares.

Cohort basis: denominator = crimes recorded in the period (pending included), numerator
= those whose outcome so far is in the set. Activity basis: denominator = outcomes
assigned in the period (never pending), numerator = those in the set. The two are never
mixed; every row says which it is in ``basis``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.errors import ParameterError
from soteria_research.measures.frames import (
    ESTIMATE_COLUMNS,
    NOT_DEFINED,
    NOT_RECORDED,
    as_list,
    require_columns,
)
from soteria_research.measures.intervals import proportion_estimates, proportions_by
from soteria_research.measures.periods import Period, resolve_period, select

#: Named outcome shares: measure id -> Home Office outcome types in the numerator.
OUTCOME_SETS: dict[str, tuple[int, ...]] = {
    "charge_rate": (1,),
    "outcome_16_share": (16,),
    "victim_does_not_support_share": (14, 16),
    "no_suspect_share": (14, 18),
    "victim_supports_difficulties_share": (15,),
    "pending_share": (0,),
}


def _levels(cases: pd.DataFrame, by: list[str]) -> pd.DataFrame | None:
    return cases[by].drop_duplicates() if by else None


def outcome_distribution(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    basis: str = "cohort",
    level: str = "type",
    by: str | list[str] | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Share of crimes by Home Office outcome type (or group), with intervals.

    Definition: the share of crimes with each outcome. Numerator: crimes with that
    outcome type (or group); 1A/2A/3A count under 1/2/3. Denominator: on the cohort
    basis, crimes recorded in the period (pending included, as type 0); on the activity
    basis, outcomes assigned in the period (pending never included).

    Parameters
    ----------
    level
        ``"type"`` (one row per outcome type of the Home Office framework, zeros kept) or
        ``"group"`` (one row per Home Office outcome group).
    by
        Optional grouping column(s), e.g. ``"force"`` or ``"offence_subgroup"``.

    Returns
    -------
    DataFrame
        ``[by...], measure (``outcome_type_share`` or ``outcome_group_share``), basis,
        period, outcome_type and outcome (types only), outcome_group, numerator,
        denominator, value, ci_low, ci_high, reason``.
    """
    if level not in ("type", "group"):
        raise ParameterError(f"level must be 'type' or 'group', not {level!r}.")
    require_columns(cases, ["outcome_type", "financial_year", "outcome_date", *as_list(by)])
    resolved = resolve_period(cases, period)
    rows = select(cases, resolved, basis)
    ref = reference.outcomes()
    if basis == "activity":
        ref = ref[ref["type"] != reference.PENDING]
    keys = as_list(by)
    groups = cases[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    category = "type" if level == "type" else "group"
    table = ref[["type", "description", "group"]] if level == "type" else ref[["group"]]
    table = table.drop_duplicates().reset_index(drop=True)
    grid = groups.merge(table, how="cross")
    mapped = rows.assign(
        type=rows["outcome_type"].astype("Int64"),
        group=rows["outcome_type"].astype("Int64").map(ref.set_index("type")["group"]),
    )
    counts = mapped.groupby([*keys, category], observed=True).size().rename("_n").reset_index()
    totals = mapped.groupby(keys).size() if keys else pd.Series({0: len(mapped)})
    grid = grid.merge(counts, on=[*keys, category], how="left")
    grid["_n"] = grid["_n"].fillna(0)
    if keys:
        grid["_d"] = grid.set_index(keys).index.map(totals).fillna(0).to_numpy()
    else:
        grid["_d"] = totals.iloc[0]
    est = proportion_estimates(grid["_n"], grid["_d"], confidence, method)
    out = grid.drop(columns=["_n", "_d"]).rename(
        columns={"type": "outcome_type", "description": "outcome", "group": "outcome_group"}
    )
    out.insert(len(keys), "measure", f"outcome_{level}_share")
    out.insert(len(keys) + 1, "basis", basis)
    out.insert(len(keys) + 2, "period", resolved.label)
    if not len(rows) and not keys:
        est["reason"] = (
            "no cases in the period" if basis == "cohort" else "no outcomes in the period"
        )
    return pd.concat([out.reset_index(drop=True), est], axis=1)


def outcome_shares(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    basis: str = "cohort",
    measures: list[str] | None = None,
    by: str | list[str] | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Named outcome shares (charge rate, outcome 16, 14+16, 14+18, pending...).

    Definition: see :data:`OUTCOME_SETS`; e.g. ``charge_rate`` is the share of crimes
    charged or summonsed (type 1, alternate-offence charges included). Numerator: crimes
    whose outcome is in the set. Denominator: crimes recorded in the period (cohort) or
    outcomes assigned in the period (activity). ``pending_share`` exists on the cohort
    basis only (an activity row is NaN with a reason).

    Returns
    -------
    DataFrame
        ``[by...], measure, basis, period, outcome_types, numerator, denominator, value,
        ci_low, ci_high, reason``; one row per measure (and group).
    """
    names = list(OUTCOME_SETS) if measures is None else measures
    unknown = [m for m in names if m not in OUTCOME_SETS]
    if unknown:
        raise ParameterError(f"Unknown outcome measure(s) {unknown}; known: {list(OUTCOME_SETS)}.")
    keys = as_list(by)
    require_columns(cases, ["outcome_type", "financial_year", "outcome_date", *keys])
    resolved = resolve_period(cases, period)
    rows = select(cases, resolved, basis)
    frames = []
    for name in names:
        types = OUTCOME_SETS[name]
        hits = rows["outcome_type"].isin(types).fillna(False)
        est = proportions_by(rows, hits, keys, _levels(cases, keys), confidence, method)
        if basis == "activity" and reference.PENDING in types:
            est[["value", "ci_low", "ci_high"]] = np.nan
            est["reason"] = NOT_DEFINED
        est.insert(len(keys), "measure", name)
        est.insert(len(keys) + 1, "basis", basis)
        est.insert(len(keys) + 2, "period", resolved.label)
        est.insert(len(keys) + 3, "outcome_types", "+".join(str(t) for t in types))
        frames.append(est)
    return _no_cases_reason(pd.concat(frames, ignore_index=True), rows, keys, basis)


def flag_share(
    cases: pd.DataFrame,
    column: str,
    period: str | Period = "latest",
    within: str | None = None,
    by: str | list[str] | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Share of crimes recorded in the period with a yes/no flag set (cohort basis).

    Definition: e.g. ``isva_referred``: share of victims referred to an ISVA. Numerator:
    crimes with the flag True. Denominator: crimes recorded in the period on which the
    flag is recorded (missing values are left out, not counted as "no"), restricted to
    rows where the column ``within`` is present when given (``within="suspect_id"``:
    crimes with a suspect identified).
    """
    keys = as_list(by)
    require_columns(cases, [column, "financial_year", *keys, *([within] if within else [])])
    resolved = resolve_period(cases, period)
    rows = select(cases, resolved, "cohort")
    if within:
        rows = rows[rows[within].notna()]
    known = rows[rows[column].notna()]
    hits = known[column].astype("boolean").fillna(False).astype(bool)
    est = proportions_by(known, hits, keys, _levels(cases, keys), confidence, method)
    est.insert(len(keys), "measure", f"{column}_share")
    est.insert(len(keys) + 1, "basis", "cohort")
    est.insert(len(keys) + 2, "period", resolved.label)
    if len(rows) and not len(known):
        est["reason"] = NOT_RECORDED
    return _no_cases_reason(est, rows, keys, "cohort")


def _no_cases_reason(
    est: pd.DataFrame, rows: pd.DataFrame, keys: list[str], basis: str
) -> pd.DataFrame:
    """Say "no cases in the period" rather than "zero denominator" when that is why."""
    if not len(rows) and not keys:
        est = est.copy()
        empty = est["reason"].eq("zero denominator")
        what = "no cases in the period" if basis == "cohort" else "no outcomes in the period"
        est.loc[empty, "reason"] = what
    return est[[c for c in est.columns if c not in ESTIMATE_COLUMNS] + ESTIMATE_COLUMNS]
