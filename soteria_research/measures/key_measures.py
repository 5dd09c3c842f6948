"""The case-based key measures of a force (or of every force pooled), one row each.

These are the case rows of a force's findings (see :mod:`.findings`) and, computed on
every force pooled, the national comparator (see :mod:`.comparator`). Each row carries
``funnel_n``: the denominator that places its value on a funnel (the denominator itself,
or for the censoring-aware estimate its effective sample size ``p (1 - p) / se^2``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.measures import (
    completeness,
    outcomes,
    repeat,
    spc,
    survival,
    timeliness,
    volumes,
)
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.frames import NO_CASES, require_columns
from soteria_research.measures.intervals import proportion_estimates
from soteria_research.measures.periods import Period, cohort, resolve_period


def finding_row(
    measure: str, est: Mapping[str, Any], spc_signal: str | None = None
) -> dict[str, Any]:
    """A findings row from an estimate (a row of a measure's output, as a dict)."""
    denominator = est.get("denominator", pd.NA)
    return {
        "funnel_n": denominator,
        "measure": measure,
        "value": est.get("value", np.nan),
        "ci_low": est.get("ci_low", np.nan),
        "ci_high": est.get("ci_high", np.nan),
        "numerator": est.get("numerator", pd.NA),
        "denominator": est.get("denominator", pd.NA),
        "reason": est.get("reason", "") or "",
        "spc_signal": spc_signal,
    }


def _first(frame: pd.DataFrame, **match: Any) -> dict[str, Any]:
    part = frame
    for column, value in match.items():
        part = part[part[column] == value]
    return part.iloc[0].to_dict()


def _spc_in_period(series: pd.DataFrame, column: str, period: Period, s: Mapping) -> str:
    series = series.dropna(subset=[column])
    if len(series) < 2:
        return "not assessed (fewer than two months)"
    chart = spc.xmr(
        series[column], series["period_start"], s["spc_run_length"], s["spc_trend_length"]
    )
    inside = chart["point"].between(period.start, period.end)
    if not inside.any():
        return "not assessed (no whole month in the period)"
    return spc.summarise_signals(chart, chart.loc[inside, "point"])


def case_measures(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    settings: Mapping[str, Any] | None = None,
    force: str | None = None,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The case-based key measures of one force (or of all of ``cases`` pooled).

    ``cases`` may be the national table: ``force`` selects the force whose crimes are
    measured (None pools every force). Repeat suspects are linked within the force,
    over ``links`` when given (e.g. every sexual offence in the extract) else ``cases``.

    Returns
    -------
    DataFrame
        ``period, funnel_n, measure, value, ci_low, ci_high, numerator, denominator,
        reason, spc_signal``. ``funnel_n`` is the denominator that places the value on a
        funnel: the denominator itself, or for the censoring-aware estimate its effective
        sample size ``p (1 - p) / se^2``.
    """
    s = measure_settings(settings)
    conf, method = s["confidence_level"], s["interval_method"]
    require_columns(cases, ["force", "financial_year"])
    own = cases if force is None else cases[cases["force"] == force]
    resolved = resolve_period(own, period)
    rows = []
    recorded = len(cohort(own, resolved))
    monthly = volumes.recorded_volumes(own, "month")
    rows.append(
        finding_row(
            "recorded_crimes",
            {
                "value": float(recorded) if recorded else np.nan,
                "numerator": recorded,
                "reason": "" if recorded else NO_CASES,
            },
            _spc_in_period(monthly, "n", resolved, s),
        )
    )
    shares = outcomes.outcome_shares(own, resolved, "cohort", confidence=conf, method=method)
    rows.append(finding_row("charge_rate", _first(shares, measure="charge_rate")))
    cif = _first(survival.cumulative_incidence(own, resolved, [365], conf, method), cause="charge")
    rows.append({**finding_row("charge_cif_365", cif), "funnel_n": _effective_n(cif)})
    activity = outcomes.outcome_shares(
        own, resolved, "activity", ["charge_rate"], None, conf, method
    )
    charge_months = volumes.monthly_outcome_share(own, (1,), "charge_share", conf, method)
    rows.append(
        finding_row(
            "charge_share_activity",
            _first(activity),
            _spc_in_period(charge_months, "value", resolved, s),
        )
    )
    for name in (
        "no_suspect_share",
        "pending_share",
        "outcome_16_share",
        "victim_does_not_support_share",
    ):
        rows.append(finding_row(name, _first(shares, measure=name)))
    arrest = outcomes.flag_share(own, "arrested", resolved, "suspect_id", None, conf, method)
    rows.append(finding_row("arrest_share", _first(arrest)))
    rows.append(
        finding_row(
            "median_days_to_charge",
            _first(timeliness.median_days(own, resolved, "charge", "activity", conf)),
        )
    )
    linked = repeat.repeat_suspect_share(own, resolved, force, conf, method, links)
    rows.append(finding_row("repeat_suspect_share", _first(linked, measure="repeat_within_force")))
    rows.append(finding_row("victim_withdrawal_share", _withdrawal(own, resolved, conf, method)))
    rows.append(
        finding_row(
            "isva_share",
            _first(outcomes.flag_share(own, "isva_referred", resolved, None, None, conf, method)),
        )
    )
    rows.append(
        finding_row(
            "median_device_turnaround_days",
            _first(timeliness.median_days(own, resolved, "device_return", "activity", conf)),
        )
    )
    complete = completeness.data_completeness(own, resolved, confidence=conf, method=method)
    rows.append(finding_row("data_completeness", _first(complete, field="overall")))
    out = pd.DataFrame(rows)
    out.insert(0, "period", resolved.label)
    return out


def _effective_n(est: Mapping[str, Any]) -> float:
    """Binomial sample size with the same variance as a censoring-aware estimate."""
    value, se = est.get("value", np.nan), est.get("se", np.nan)
    if pd.isna(value) or pd.isna(se) or se <= 0:
        return np.nan
    return float(value * (1 - value) / se**2)


def _withdrawal(cases: pd.DataFrame, period: Period, conf: float, method: str) -> dict:
    rows = cohort(cases, period)
    est = (
        proportion_estimates(
            [rows["victim_withdrawal_date"].notna().sum()], [len(rows)], conf, method
        )
        .iloc[0]
        .to_dict()
    )
    if not len(rows):
        est["reason"] = NO_CASES
    return est
