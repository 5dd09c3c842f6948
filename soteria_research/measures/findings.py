"""A force's key findings for one period: one row per measure, ready for the evidence base.

Each row names the pillar the measure evidences, its definition and basis, the estimate
with its interval, numerator and denominator, the comparator's value, where the force
sits on the comparator's funnel, any SPC signal in the period, and a one-line finding in
plain English. Provenance and disclosure columns are added downstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.measures import (
    assessment as assess,
)
from soteria_research.measures import (
    completeness,
    outcomes,
    repeat,
    spc,
    survival,
    timeliness,
    volumes,
)
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.frames import NO_CASES, require_columns
from soteria_research.measures.funnel import funnel_positions, overdispersion
from soteria_research.measures.intervals import proportion_estimates
from soteria_research.measures.periods import Period, cohort, resolve_period

COLUMNS = [
    "force",
    "period",
    "pillar",
    "measure",
    "definition",
    "basis",
    "unit",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "comparator_value",
    "funnel_position",
    "spc_signal",
    "finding",
    "reason",
]


def _row(measure: str, est: Mapping[str, Any], spc_signal: str | None = None) -> dict[str, Any]:
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
) -> pd.DataFrame:
    """The case-based key measures of one force (or of all of ``cases`` pooled).

    ``cases`` may be the national table: repeat suspects are then linked across it, and
    ``force`` selects the force whose crimes are measured (None pools every force).

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
        _row(
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
    rows.append(_row("charge_rate", _first(shares, measure="charge_rate")))
    cif = _first(survival.cumulative_incidence(own, resolved, [365], conf, method), cause="charge")
    rows.append({**_row("charge_cif_365", cif), "funnel_n": _effective_n(cif)})
    activity = outcomes.outcome_shares(
        own, resolved, "activity", ["charge_rate"], None, conf, method
    )
    charge_months = volumes.monthly_outcome_share(own, (1,), "charge_share", conf, method)
    rows.append(
        _row(
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
        rows.append(_row(name, _first(shares, measure=name)))
    arrest = outcomes.flag_share(own, "arrested", resolved, "suspect_id", None, conf, method)
    rows.append(_row("arrest_share", _first(arrest)))
    rows.append(
        _row(
            "median_days_to_charge",
            _first(timeliness.median_days(own, resolved, "charge", "activity", conf)),
        )
    )
    linked = repeat.repeat_suspect_share(cases, resolved, force, conf, method)
    rows.append(_row("repeat_suspect_share", _first(linked, measure="repeat_within_force")))
    rows.append(_row("victim_withdrawal_share", _withdrawal(own, resolved, conf, method)))
    rows.append(
        _row(
            "isva_share",
            _first(outcomes.flag_share(own, "isva_referred", resolved, None, None, conf, method)),
        )
    )
    rows.append(
        _row(
            "median_device_turnaround_days",
            _first(timeliness.median_days(own, resolved, "device_return", "activity", conf)),
        )
    )
    complete = completeness.data_completeness(own, resolved, confidence=conf, method=method)
    rows.append(_row("data_completeness", _first(complete, field="overall")))
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


def _assessment_rows(assessment: pd.DataFrame | None, force: str, conf: float) -> list[dict]:
    own = None if assessment is None else assessment[assessment["force"] == force]
    table = (
        assess.maturity(own, "pillar", confidence=conf) if own is not None and len(own) else None
    )
    rows = []
    for pillar in reference.pillar_slugs():
        for rater in ("self", "peer"):
            measure = f"{rater}_maturity"
            if table is None or table.empty:
                est = {"reason": "no self-assessment for the force"}
            else:
                part = table[(table["pillar"] == pillar) & (table["rater"] == rater)]
                est = part.iloc[0].to_dict() if len(part) else {"reason": "pillar not assessed"}
            rows.append(
                {
                    **_row(measure, est),
                    "pillar": pillar,
                    "scale": (est.get("scale_min"), est.get("scale_max")),
                }
            )
    return rows


def _number(value: float, unit: str) -> str:
    if unit == "proportion":
        return f"{value * 100:.1f}%"
    if unit == "rating":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _fmt(value: float, unit: str, scale: tuple | None = None) -> str:
    if pd.isna(value):
        return "n/a"
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "rating" and scale and None not in scale and not any(pd.isna(x) for x in scale):
        return f"{value:.1f} on a {scale[0]:g}-{scale[1]:g} scale"
    return _number(value, unit)


_POSITION_TEXT = {
    "within": "within the 95% limits",
    "above95": "above the 95% limit",
    "below95": "below the 95% limit",
    "above998": "above the 99.8% limit",
    "below998": "below the 99.8% limit",
}


def describe(row: Mapping[str, Any], confidence: float = 0.95, scale: tuple | None = None) -> str:
    """One-line plain-English finding for a findings row.

    >>> describe({"measure": "charge_rate", "period": "2023/24", "value": 0.05,
    ...           "ci_low": 0.0216, "ci_high": 0.1118, "numerator": 5, "denominator": 100,
    ...           "reason": "", "pillar": "suspect_focus"})
    'Charge rate (naive), 2023/24: 5.0% (95% CI 2.2% to 11.2%; 5 of 100).'
    """
    measure = MEASURES[row["measure"]]
    label = measure.label
    if measure.unit == "rating":
        names = reference.pillars().set_index("slug")["name"]
        label += f" ({names.get(row['pillar'], row['pillar'])})"
    if pd.isna(row["value"]):
        return f"{label}, {row['period']}: not available ({row['reason'] or 'no estimate'})."
    text = f"{label}, {row['period']}: {_fmt(row['value'], measure.unit, scale)}"
    extra = []
    if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        extra.append(
            f"{confidence:.0%} CI {_number(row['ci_low'], measure.unit)} to "
            f"{_number(row['ci_high'], measure.unit)}"
        )
    if measure.unit == "proportion" and pd.notna(row["denominator"]):
        extra.append(f"{int(row['numerator']):,} of {int(row['denominator']):,}")
    elif measure.unit in ("days", "rating") and pd.notna(row["denominator"]):
        extra.append(f"n={int(row['denominator']):,}")
    text += f" ({'; '.join(extra)})" if extra else ""
    if pd.notna(row.get("comparator_value")):
        text += f"; comparator {_fmt(row['comparator_value'], measure.unit)}"
        position = row.get("funnel_position")
        if isinstance(position, str) and position in _POSITION_TEXT:
            text += f", {_POSITION_TEXT[position]}"
    signal = row.get("spc_signal")
    if isinstance(signal, str) and signal != "none" and not signal.startswith("not "):
        text += f"; SPC signal: {signal.replace(':', ' ').replace('_', ' ')}"
    return text + "."


def _compare(out: pd.DataFrame, comparator: pd.DataFrame | None, s: Mapping) -> pd.DataFrame:
    out = out.assign(comparator_value=np.nan, funnel_position=pd.NA)
    if comparator is None or comparator.empty:
        return out
    keys = ["measure", "pillar"] if "pillar" in comparator.columns else ["measure"]
    comp = comparator.drop_duplicates(keys).set_index(keys)
    for i, row in out.iterrows():
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row["measure"]
        if key not in comp.index:
            continue
        ref = comp.loc[key]
        unit_kind = MEASURES[row["measure"]].unit
        if unit_kind == "count":
            continue
        out.loc[i, "comparator_value"] = ref["value"]
        size = row.get("funnel_n", np.nan)
        if unit_kind != "proportion" or pd.isna(size) or pd.isna(row["value"]):
            continue
        tau2 = ref.get("tau2", np.nan) if s["funnel_overdispersion"] else 0.0
        unit = pd.DataFrame({"numerator": [row["value"] * size], "denominator": [size]})
        if pd.notna(ref["value"]) and 0 < ref["value"] < 1:
            placed = funnel_positions(
                unit,
                float(ref["value"]),
                s["funnel_limits"],
                s.get("funnel_method", "exact"),
                tau2=0.0 if pd.isna(tau2) else float(tau2),
            )
            out.loc[i, "funnel_position"] = placed["position"].iloc[0]
    return out


def force_findings(
    cases: pd.DataFrame,
    assessment: pd.DataFrame | None,
    force: str,
    period: str | Period = "latest",
    comparator: pd.DataFrame | None = None,
    settings: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Key findings of one force for one period, one row per measure.

    Parameters
    ----------
    cases
        Canonical cases: the force's own, or the national table (repeat suspects then
        link across it; only ``force``'s crimes are measured).
    assessment
        Canonical self-assessment rows (any forces; ``force``'s latest round is used), or
        None.
    force
        Home Office force name.
    period
        ``"2023/24"``, ``"latest"`` (the force's latest year) or ``"all"``.
    comparator
        Optional national values: ``measure, value, numerator, denominator`` (and
        ``pillar`` for maturity, ``tau2`` for over-dispersed funnels), e.g. from
        :func:`national_comparator`.
    settings
        The ``measures`` settings (defaults for absent keys; None reads the settings file).

    Returns
    -------
    DataFrame
        ``force, period, pillar, measure, definition, basis, unit, value, ci_low, ci_high,
        numerator, denominator, comparator_value, funnel_position, spc_signal, finding,
        reason``.
    """
    s = measure_settings(settings)
    own = cases[cases["force"] == force]
    resolved = resolve_period(own, period)
    rows = case_measures(cases, resolved, s, force).to_dict("records")
    scales = {}
    for row in _assessment_rows(assessment, force, s["confidence_level"]):
        scales[(row["measure"], row["pillar"])] = row.pop("scale")
        rows.append({**row, "period": resolved.label})
    out = pd.DataFrame(rows)
    out["force"] = force
    out["pillar"] = [
        r.get("pillar") if isinstance(r.get("pillar"), str) else MEASURES[r["measure"]].pillar
        for r in rows
    ]
    out["definition"] = out["measure"].map(lambda m: MEASURES[m].definition)
    out["basis"] = out["measure"].map(lambda m: MEASURES[m].basis)
    out["unit"] = out["measure"].map(lambda m: MEASURES[m].unit)
    out = _compare(out, comparator, s)
    out["finding"] = [
        describe(r, s["confidence_level"], scales.get((r["measure"], r["pillar"])))
        for r in out.to_dict("records")
    ]
    for column in ("numerator", "denominator"):
        out[column] = (
            pd.array(pd.to_numeric(out[column], errors="coerce"), dtype="Float64")
            .round()
            .astype("Int64")
        )
    for column in ("value", "ci_low", "ci_high", "comparator_value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out = out[COLUMNS]
    text = [
        "force",
        "period",
        "pillar",
        "measure",
        "definition",
        "basis",
        "unit",
        "funnel_position",
        "spc_signal",
        "finding",
        "reason",
    ]
    return out.astype({c: "string" for c in text})


def national_comparator(
    cases: pd.DataFrame,
    assessment: pd.DataFrame | None = None,
    period: str | Period = "latest",
    settings: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """National values of the key measures, to compare each force against.

    Case measures are computed on every force's crimes pooled; ``tau2`` (the
    between-force variance of Spiegelhalter's over-dispersion adjustment) is estimated
    from the forces' own numerators and denominators. Maturity is the mean over every
    force's latest-round ratings.

    Returns
    -------
    DataFrame
        ``measure, pillar, value, numerator, denominator, phi, tau2, reason``.
    """
    s = measure_settings(settings)
    resolved = resolve_period(cases, period)
    pooled = case_measures(cases, resolved, s, None)
    per_force = [
        case_measures(cases, resolved, s, f).assign(force=f)
        for f in sorted(cases["force"].dropna().unique())
    ]
    units = pd.concat(per_force, ignore_index=True) if per_force else pooled.iloc[0:0]
    phis, taus = [], []
    for _, row in pooled.iterrows():
        part = units[units["measure"] == row["measure"]].dropna(subset=["value", "funnel_n"])
        size = part["funnel_n"].astype(float)
        ok = MEASURES[row["measure"]].unit == "proportion" and 0 < row["value"] < 1
        disp = (
            overdispersion(part["value"].astype(float) * size, size, row["value"])
            if ok
            else {"phi": np.nan, "tau2": np.nan}
        )
        phis.append(disp["phi"])
        taus.append(disp["tau2"])
    out = pooled.assign(
        pillar=pooled["measure"].map(lambda m: MEASURES[m].pillar), phi=phis, tau2=taus
    )
    if assessment is not None and len(assessment):
        latest = assess.latest_round(assessment).assign(force="national", round="latest")
        table = assess.maturity(latest, confidence=s["confidence_level"])
        extra = table[["measure", "pillar", "value", "denominator", "reason"]]
        out = pd.concat([out, extra], ignore_index=True)
    return out[["measure", "pillar", "value", "numerator", "denominator", "phi", "tau2", "reason"]]
