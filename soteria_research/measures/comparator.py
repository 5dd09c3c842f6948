"""The comparator of a force's findings: national values, and where the force sits.

:func:`national_comparator` computes the key measures on every force pooled, with the
between-force variance ``tau2`` of Spiegelhalter's over-dispersion adjustment;
:func:`compare` adds ``comparator_value`` and ``funnel_position`` to findings rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.measures import assessment as assess
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.funnel import funnel_positions, overdispersion
from soteria_research.measures.key_measures import case_measures
from soteria_research.measures.periods import Period, resolve_period


def compare(out: pd.DataFrame, comparator: pd.DataFrame | None, s: Mapping) -> pd.DataFrame:
    """Add ``comparator_value`` and ``funnel_position`` (proportions only) to findings
    rows, matching the comparator on ``measure`` (and ``pillar`` when it has one).

    ``s`` holds the measure settings: ``funnel_limits``, ``funnel_overdispersion`` (use
    the comparator's ``tau2``) and optionally ``funnel_method`` (default ``exact``).
    Counts get no comparator value.
    """
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
        case_measures(own, resolved, s, force).assign(force=force)
        for force, own in cases.groupby("force", sort=True, observed=True)
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
