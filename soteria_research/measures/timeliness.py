"""Timeliness: days between two dates of a crime, summarised by the median.

Events (start -> end date):

* ``charge``: recorded_date -> outcome_date, crimes charged (type 1);
* ``any_outcome``: recorded_date -> outcome_date, crimes with an outcome assigned;
* ``withdrawal``: recorded_date -> victim_withdrawal_date, victims who withdrew;
* ``arrest``: recorded_date -> arrest_date, suspects arrested or interviewed;
* ``device_return``: device_seized_date -> device_returned_date, devices returned.

On the **activity** basis the crimes are those whose end date falls in the period (the
Home Office "median days to charge" counts charges made in the year); on the **cohort**
basis, those recorded in the period with the end date reached so far. Both leave out
crimes that have not reached the end date, so for a recent cohort they describe the
quick cases only: use :mod:`soteria_research.measures.survival` for an estimate that
counts the pending as censored. Negative intervals (dates out of order, flagged in
``date_flags``) are left out and counted in ``excluded_negative``.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import NO_CASES, check_basis, require_columns
from soteria_research.measures.intervals import median_ci
from soteria_research.measures.periods import Period, cohort, resolve_period

#: Event -> (start column, end column, outcome types required or None).
EVENTS: dict[str, tuple[str, str, tuple[int, ...] | None]] = {
    "charge": ("recorded_date", "outcome_date", (1,)),
    "any_outcome": ("recorded_date", "outcome_date", None),
    "withdrawal": ("recorded_date", "victim_withdrawal_date", None),
    "arrest": ("recorded_date", "arrest_date", None),
    "device_return": ("device_seized_date", "device_returned_date", None),
}


def days_to_event(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    event: str = "charge",
    basis: str = "activity",
) -> pd.DataFrame:
    """Days from start to end date of each crime that reached ``event``.

    Returns
    -------
    DataFrame
        ``crime_id, days`` (Int64; negative intervals kept here, flagged by the caller).
    """
    if event not in EVENTS:
        raise ParameterError(f"Unknown event {event!r}; known: {', '.join(EVENTS)}.")
    start, end, types = EVENTS[event]
    require_columns(cases, ["crime_id", "financial_year", "outcome_type", start, end])
    resolved = resolve_period(cases, period)
    if check_basis(basis) == "cohort":
        rows = cohort(cases, resolved)
    else:
        inside = cases[end].ge(resolved.start) & cases[end].le(resolved.end)
        rows = cases[inside.fillna(False).astype(bool)] if resolved.years else cases.iloc[0:0]
    rows = rows[rows[start].notna() & rows[end].notna()]
    if types is not None:
        rows = rows[rows["outcome_type"].isin(types).fillna(False).astype(bool)]
    elif event == "any_outcome":
        rows = rows[rows["outcome_type"].ne(0).fillna(False).astype(bool)]
    days = (rows[end] - rows[start]).dt.days.astype("Int64")
    return pd.DataFrame({"crime_id": rows["crime_id"].to_numpy(), "days": days.to_numpy()})


def median_days(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    event: str = "charge",
    basis: str = "activity",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Median days to an event, with a distribution-free confidence interval.

    Definition: median of the days from start to end date (see module notes). n: crimes
    that reached the event (on ``basis``) with both dates present and in order.

    Returns
    -------
    DataFrame
        One row: ``measure, event, basis, period, denominator (n), value, ci_low,
        ci_high, q1, q3, excluded_negative, reason``.
    """
    resolved = resolve_period(cases, period)
    days = days_to_event(cases, resolved, event, basis)["days"].dropna()
    negative = int((days < 0).sum())
    kept = days[days >= 0].astype(float)
    est = median_ci(kept, confidence)
    reason = est["reason"]
    if not len(days) and reason:
        reason = NO_CASES if not len(cohort(cases, resolved)) else "no crimes reached the event"
    return pd.DataFrame(
        {
            "measure": [f"median_days_to_{event}"],
            "event": [event],
            "basis": [basis],
            "period": [resolved.label],
            "denominator": pd.array([est["n"]], dtype="Int64"),
            "value": [est["value"]],
            "ci_low": [est["ci_low"]],
            "ci_high": [est["ci_high"]],
            "q1": [kept.quantile(0.25) if len(kept) else float("nan")],
            "q3": [kept.quantile(0.75) if len(kept) else float("nan")],
            "excluded_negative": pd.array([negative], dtype="Int64"),
            "reason": pd.array([reason], dtype="string"),
        }
    )
