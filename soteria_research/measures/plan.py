"""A force's improvement plan: actions by pillar and status, what is overdue, and how
each linked measure moved since its action started.

Pure functions of the ingested plan (:func:`soteria_research.ingest.plan.read_plan`)
and quarterly panels (:func:`soteria_research.measures.panel.quarter_panels`). A measure
"before" an action is its pooled share over the quarters of recording before the quarter
the action started; "after" is over the quarters from the one after it started. The
change comes with Newcombe's hybrid score interval for a difference of proportions
(as ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.ingest.plan_template import STATUSES
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.frames import require_columns
from soteria_research.measures.intervals import proportion_ci

#: Statuses of an action still open (the statuses are the plan template's).
OPEN = STATUSES[:2]
NO_SERIES = "no quarterly series for this measure"
NO_BEFORE = "no complete quarter before the action started"
NO_AFTER = "no complete quarter since the action started"
_PLAN = ["force", "action_id", "pillar", "status"]


def actions_by_status(plan: pd.DataFrame) -> pd.DataFrame:
    """Number of actions in each pillar and status, with the pillar's total.

    Returns
    -------
    pandas.DataFrame
        force, pillar, status, numerator (actions), denominator (actions in the pillar),
        value (share); every status for every pillar with an action.
    """
    require_columns(plan, _PLAN, "plan")
    if plan.empty:
        return pd.DataFrame(
            columns=["force", "pillar", "status", "numerator", "denominator", "value"]
        )
    counts = plan.groupby(["force", "pillar", "status"]).size()
    index = pd.MultiIndex.from_tuples(
        [(f, p, s) for f, p in counts.droplevel("status").index.unique() for s in STATUSES],
        names=["force", "pillar", "status"],
    )
    out = counts.reindex(index, fill_value=0).rename("numerator").reset_index()
    out["denominator"] = out.groupby(["force", "pillar"])["numerator"].transform("sum")
    out["value"] = out["numerator"] / out["denominator"]
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].astype("Int64")
    return out.astype({"force": "string", "pillar": "string", "status": "string"})


def overdue_actions(plan: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Open actions (planned or in progress) whose due date is before ``as_of``.

    Returns
    -------
    pandas.DataFrame
        force, action_id, pillar, action, owner_role, status, due_date, days_overdue;
        most overdue first.
    """
    require_columns(plan, [*_PLAN, "action", "owner_role", "due_date"], "plan")
    day = pd.Timestamp(as_of)
    late = plan[plan["status"].isin(OPEN) & (plan["due_date"] < day)]
    out = late[["force", "action_id", "pillar", "action", "owner_role", "status", "due_date"]]
    out = out.assign(days_overdue=(day - late["due_date"]).dt.days.astype("Int64"))
    return out.sort_values("days_overdue", ascending=False).reset_index(drop=True)


def newcombe_difference(
    count1: np.ndarray, nobs1: np.ndarray, count2: np.ndarray, nobs2: np.ndarray, confidence=0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval of ``count2/nobs2 - count1/nobs1`` (Wilson based)."""
    c1, n1, c2, n2 = (np.asarray(x, float) for x in (count1, nobs1, count2, nobs2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = c1 / n1, c2 / n2
    l1, u1 = proportion_ci(c1, n1, confidence, "wilson")
    l2, u2 = proportion_ci(c2, n2, confidence, "wilson")
    d = p2 - p1
    return d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + np.sqrt(
        (u2 - p2) ** 2 + (p1 - l1) ** 2
    )


def linked_measure_change(
    plan: pd.DataFrame,
    panels: pd.DataFrame,
    window_quarters: int | None = None,
    confidence: float | None = None,
) -> pd.DataFrame:
    """How each linked measure moved since its action started.

    Parameters
    ----------
    plan : pandas.DataFrame
        The ingested plan: force, action_id, pillar, status, start_date, linked_measures
        (``|``-separated measure names).
    panels : pandas.DataFrame
        force, measure, quarter (``"2022Q1"``), numerator, denominator
        (:func:`~soteria_research.measures.panel.quarter_panels`).
    window_quarters : int, optional
        Quarters pooled on each side of the action's start quarter (at most); default
        ``plan_window_quarters`` in the settings.
    confidence : float, optional
        Default ``confidence_level`` in the settings.

    Returns
    -------
    pandas.DataFrame
        One row per action and linked measure: force, action_id, pillar, status, measure,
        start_quarter, before_quarters, before_numerator, before_denominator,
        before_value, after_quarters, after_numerator, after_denominator, after_value,
        change, ci_low, ci_high (of the change), reason (empty when defined).
    """
    require_columns(plan, [*_PLAN, "start_date", "linked_measures"], "plan")
    if window_quarters is None or confidence is None:
        conf = measure_settings()
        window_quarters = (
            int(conf["plan_window_quarters"]) if window_quarters is None else window_quarters
        )
        confidence = float(conf["confidence_level"]) if confidence is None else confidence
    require_columns(panels, ["force", "measure", "quarter", "numerator", "denominator"], "panels")
    # a quarter without a recorded crime (e.g. after the extract's last recording) adds nothing
    kept = panels[panels["denominator"].fillna(0) > 0]
    series = kept.assign(_q=pd.PeriodIndex(kept["quarter"].astype(str), freq="Q"))
    rows = []
    for action in plan.itertuples(index=False):
        start = pd.Timestamp(action.start_date).to_period("Q")
        for measure in filter(None, str(action.linked_measures).split("|")):
            part = series[(series["force"] == action.force) & (series["measure"] == measure)]
            before = part[(part["_q"] < start) & (part["_q"] >= start - window_quarters)]
            after = part[(part["_q"] > start) & (part["_q"] <= start + window_quarters)]
            reason = (
                NO_SERIES
                if part.empty
                else NO_BEFORE
                if before.empty
                else NO_AFTER
                if after.empty
                else ""
            )
            rows.append(
                {
                    "force": action.force,
                    "action_id": action.action_id,
                    "pillar": action.pillar,
                    "status": action.status,
                    "measure": measure,
                    "start_quarter": str(start),
                    "before_quarters": len(before),
                    "before_numerator": int(before["numerator"].sum()),
                    "before_denominator": int(before["denominator"].sum()),
                    "after_quarters": len(after),
                    "after_numerator": int(after["numerator"].sum()),
                    "after_denominator": int(after["denominator"].sum()),
                    "reason": reason,
                }
            )
    return _with_change(pd.DataFrame(rows), confidence)


def _with_change(out: pd.DataFrame, confidence: float) -> pd.DataFrame:
    if out.empty:
        return out
    num1, den1 = out["before_numerator"].to_numpy(float), out["before_denominator"].to_numpy(float)
    num2, den2 = out["after_numerator"].to_numpy(float), out["after_denominator"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["before_value"] = np.where(den1 > 0, num1 / den1, np.nan)
        out["after_value"] = np.where(den2 > 0, num2 / den2, np.nan)
    out["change"] = out["after_value"] - out["before_value"]
    low, high = newcombe_difference(num1, den1, num2, den2, confidence)
    out["ci_low"], out["ci_high"] = low, high
    counts = [c for c in out.columns if c.endswith(("_quarters", "_numerator", "_denominator"))]
    out[counts] = out[counts].astype("Int64")
    text = ["force", "action_id", "pillar", "status", "measure", "start_quarter", "reason"]
    out[text] = out[text].astype("string")
    order = [
        "force", "action_id", "pillar", "status", "measure", "start_quarter",
        "before_quarters", "before_numerator", "before_denominator", "before_value",
        "after_quarters", "after_numerator", "after_denominator", "after_value",
        "change", "ci_low", "ci_high", "reason",
    ]  # fmt: skip
    return out[order]
