"""Censoring-aware estimates: cumulative incidence of charge and competing outcomes.

A cohort's naive charge rate (charges so far / crimes recorded) is biased low for recent
periods, because many crimes are still pending. Here each crime is followed from its
recording date: an outcome ends follow-up with that outcome as the *cause*; a pending
crime (type 0) is *censored* at the extraction date. The Aalen-Johansen estimator gives
the cumulative incidence of each cause by time since recording, allowing for the
competing causes (a crime filed as "victim does not support" can no longer be charged),
which one minus a Kaplan-Meier curve per cause would overstate.

Causes: 1 charge (type 1), 2 victim does not support (14, 16), 3 evidential
difficulties with the victim supporting (15), 4 no suspect identified (18), 5 any other
outcome. Outcomes dated before recording (``outcome_before_recording``) are placed at
day 0; crimes without the dates needed are left out and counted.

Standard errors are the delta-method (Marubini and Valsecchi 1995, as in Stata's
``stcompet`` and ``statsmodels.duration.survfunc.CumIncidenceRight``); intervals use the
log(-log) transform so they stay inside [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.measures.frames import NO_CASES, require_columns
from soteria_research.measures.intervals import proportion_ci
from soteria_research.measures.periods import Period, cohort, resolve_period

#: Cause number -> cause id.
CAUSES: dict[int, str] = {
    1: "charge",
    2: "victim_does_not_support",
    3: "victim_supports_difficulties",
    4: "no_suspect",
    5: "other",
}
_CAUSE_OF_TYPE = {1: 1, 14: 2, 16: 2, 15: 3, 18: 4}


def event_times(cases: pd.DataFrame, period: str | Period = "latest") -> pd.DataFrame:
    """Follow-up time and cause for each crime recorded in the period.

    Returns
    -------
    DataFrame
        ``crime_id, days`` (float; NaN when the dates needed are missing), ``cause``
        (0 = censored, else a key of :data:`CAUSES`), ``clipped`` (outcome dated before
        recording, placed at day 0).
    """
    require_columns(
        cases, ["crime_id", "recorded_date", "outcome_type", "outcome_date", "extraction_date"]
    )
    rows = cohort(cases, resolve_period(cases, period))
    types = rows["outcome_type"].astype("Int64")
    pending = types.eq(0).fillna(True).to_numpy(dtype=bool)
    end = rows["outcome_date"].where(~pending, rows["extraction_date"])
    days = (end - rows["recorded_date"]).dt.days.astype("float").to_numpy()
    cause = types.map(lambda t: _CAUSE_OF_TYPE.get(int(t), 5) if pd.notna(t) else 0)
    cause = np.where(pending, 0, cause.to_numpy(dtype=float, na_value=0)).astype(int)
    clipped = (days < 0) & ~pending
    days = np.where(days < 0, 0.0, days)
    return pd.DataFrame(
        {"crime_id": rows["crime_id"].to_numpy(), "days": days, "cause": cause, "clipped": clipped}
    )


def aalen_johansen(time: Iterable[float], cause: Iterable[int]) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each cause at each distinct time.

    Parameters
    ----------
    time
        Follow-up times.
    cause
        0 for censored, 1, 2, ... for the cause that ended follow-up.

    Returns
    -------
    DataFrame
        Long: ``cause, time, at_risk, events, survival`` (all-cause, just after the
        time), ``value`` (cumulative incidence), ``se``.
    """
    t = np.asarray(list(time), dtype=float)
    c = np.asarray(list(cause), dtype=int)
    if len(t) == 0:
        return pd.DataFrame(
            columns=["cause", "time", "at_risk", "events", "survival", "value", "se"]
        )
    utime, inv = np.unique(t, return_inverse=True)
    k = max(int(c.max()), 1)
    d = np.zeros((len(utime), k + 1))
    np.add.at(d, (inv, c), 1)
    leaving = d.sum(axis=1)
    n = len(t) - np.r_[0, np.cumsum(leaving)[:-1]]
    d_all = d[:, 1:].sum(axis=1)
    surv = np.cumprod(1 - d_all / n)
    s_prev = np.r_[1.0, surv[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(n > d_all, d_all / (n * (n - d_all)), 0.0)
    frames = []
    for j in range(1, k + 1):
        dj = d[:, j]
        f = np.cumsum(s_prev * dj / n)
        # Delta-method variance (Marubini and Valsecchi 1995, eq. 10.12).
        var = (
            f**2 * np.cumsum(g)
            - 2 * f * np.cumsum(f * g)
            + np.cumsum(f**2 * g)
            + np.cumsum(s_prev**2 * dj * (n - dj) / n**3)
            - 2 * f * np.cumsum(s_prev * dj / n**2)
            + 2 * np.cumsum(f * s_prev * dj / n**2)
        )
        frames.append(
            pd.DataFrame(
                {
                    "cause": j,
                    "time": utime,
                    "at_risk": n.astype(int),
                    "events": dj.astype(int),
                    "survival": surv,
                    "value": f,
                    "se": np.sqrt(np.clip(var, 0, None)),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def kaplan_meier(time: Iterable[float], event: Iterable[bool]) -> pd.DataFrame:
    """Kaplan-Meier survival with Greenwood standard errors (one cause).

    Returns
    -------
    DataFrame
        ``time, at_risk, events, survival, se`` at each distinct time.
    """
    t = np.asarray(list(time), dtype=float)
    e = np.asarray(list(event), dtype=bool).astype(int)
    curve = aalen_johansen(t, e)
    curve = curve[curve["cause"] == 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        n, d = curve["at_risk"].to_numpy(float), curve["events"].to_numpy(float)
        g = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
    surv = curve["survival"].to_numpy()
    return pd.DataFrame(
        {
            "time": curve["time"].to_numpy(),
            "at_risk": curve["at_risk"].to_numpy(),
            "events": curve["events"].to_numpy(),
            "survival": surv,
            "se": surv * np.sqrt(g),
        }
    )


def _loglog_ci(f: np.ndarray, se: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.isf((1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = z * se / (f * np.log(f))
        low, high = f ** np.exp(-w), f ** np.exp(w)
    inside = (f > 0) & (f < 1)
    return np.where(inside, low, np.nan), np.where(inside, high, np.nan)


def incidence_curve(
    cases: pd.DataFrame, period: str | Period = "latest", confidence: float = 0.95
) -> pd.DataFrame:
    """Cumulative incidence curves of every cause for the period's cohort (for plots).

    Returns
    -------
    DataFrame
        ``cause, cause_id, time, at_risk, events, value, ci_low, ci_high``.
    """
    times = event_times(cases, period).dropna(subset=["days"])
    curve = aalen_johansen(times["days"], times["cause"])
    if curve.empty:
        return curve.assign(cause_id=pd.Series(dtype="string"), ci_low=[], ci_high=[])
    low, high = _loglog_ci(curve["value"].to_numpy(), curve["se"].to_numpy(), confidence)
    curve = curve.assign(ci_low=low, ci_high=high)
    curve.insert(1, "cause_id", curve["cause"].map(CAUSES).astype("string"))
    return curve[["cause", "cause_id", "time", "at_risk", "events", "value", "ci_low", "ci_high"]]


def cumulative_incidence(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    horizons: Iterable[int] = (90, 180, 365, 730),
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Cumulative incidence of each outcome cause at given days since recording.

    Definition: estimated probability that a crime recorded in the period has had the
    outcome within ``horizon`` days of recording, with pending crimes censored at the
    extraction date and other outcomes competing (Aalen-Johansen). Cohort basis.
    ``numerator`` is the number of crimes with that outcome observed by the horizon,
    ``denominator`` the crimes in the cohort, ``n_at_risk`` those still followed at the
    horizon. Beside it, ``naive_value`` is the naive share (crimes with that outcome so
    far / crimes recorded), with its interval, which ignores censoring.

    A horizon beyond the longest follow-up gives NaN with a reason; where the estimate
    is 0 or 1 its interval is the exact binomial one on the cohort.

    Returns
    -------
    DataFrame
        ``measure, cause, horizon_days, basis, period, numerator, denominator,
        n_at_risk, value, se, ci_low, ci_high, naive_numerator, naive_value, naive_ci_low,
        naive_ci_high, excluded, reason``.
    """
    resolved = resolve_period(cases, period)
    times = event_times(cases, resolved)
    usable = times.dropna(subset=["days"])
    excluded = len(times) - len(usable)
    curve = aalen_johansen(usable["days"], usable["cause"])
    total = len(usable)
    longest = usable["days"].max() if total else np.nan
    rows = []
    for cause, name in CAUSES.items():
        part = curve[curve["cause"] == cause] if not curve.empty else curve
        observed = usable["cause"].eq(cause)
        naive = int(observed.sum())
        for h in horizons:
            row = {"cause": name, "horizon_days": int(h), "numerator": naive, "value": np.nan}
            row["numerator"] = int((observed & usable["days"].le(h)).sum())
            row["n_at_risk"] = int(usable["days"].ge(h).sum())
            row["se"] = np.nan
            row["reason"] = ""
            if total == 0:
                row["reason"] = NO_CASES
            elif h > longest:
                row["reason"] = f"horizon beyond the longest follow-up ({int(longest)} days)"
            else:
                upto = part[part["time"] <= h]
                row["value"] = float(upto["value"].iloc[-1]) if len(upto) else 0.0
                row["se"] = float(upto["se"].iloc[-1]) if len(upto) else 0.0
            row["naive_numerator"] = naive
            rows.append(row)
    out = pd.DataFrame(rows)
    value, se = out["value"].to_numpy(float), out["se"].to_numpy(float)
    low, high = _loglog_ci(value, se, confidence)
    edge_low, edge_high = proportion_ci(out["numerator"], total, confidence, "beta")
    edge = np.isin(value, [0.0, 1.0])
    out["ci_low"] = np.where(edge, edge_low, low)
    out["ci_high"] = np.where(edge, edge_high, high)
    naive_low, naive_high = proportion_ci(out["naive_numerator"], total, confidence, method)
    out["naive_value"] = out["naive_numerator"] / total if total else np.nan
    out["naive_ci_low"], out["naive_ci_high"] = naive_low, naive_high
    out["measure"] = "cumulative_incidence"
    out["basis"] = "cohort"
    out["period"] = resolved.label
    out["denominator"] = total
    out["excluded"] = excluded
    columns = [
        "measure",
        "cause",
        "horizon_days",
        "basis",
        "period",
        "numerator",
        "denominator",
        "n_at_risk",
        "value",
        "se",
        "ci_low",
        "ci_high",
        "naive_numerator",
        "naive_value",
        "naive_ci_low",
        "naive_ci_high",
        "excluded",
        "reason",
    ]
    out = out[columns].astype({"reason": "string", "cause": "string"})
    for column in ["numerator", "denominator", "n_at_risk", "naive_numerator", "excluded"]:
        out[column] = out[column].astype("Int64")
    return out
