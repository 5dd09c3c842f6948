"""The comparator of a force's findings: the same measures pooled over every force of an
area (England and Wales, or the force's region), and where the force sits against them.

:func:`national_comparator` pools every force before anything is withheld: a proportion
that is a simple ratio is the sum of the forces' numerators over the sum of their
denominators; a censoring-aware estimate (Aalen-Johansen) or a median is the same
estimator run on the pooled crimes, never a naive ratio. Each proportion carries the
over-dispersion of the forces around it (Spiegelhalter's ``phi`` and the additive
random-effects ``tau2``). :func:`compare` adds ``comparator_value``, the area it was pooled
over (``comparator_area``) and ``funnel_position`` to findings rows of the same period only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.errors import ParameterError
from soteria_research.measures import assessment as assess
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.funnel import funnel_positions, overdispersion
from soteria_research.measures.key_measures import case_measures
from soteria_research.measures.periods import Period, resolve_period

#: Measures whose value is not the ratio of its counts: pooled by running the estimator
#: on the pooled crimes (the censoring-aware charge within 365 days).
POOLED_BY_ESTIMATOR = ("charge_cif_365",)
#: What the ``comparator`` setting may name.
COMPARATORS = ("national", "region")
NATIONAL_AREA = "England and Wales"

COLUMNS = [
    "area",
    "period",
    "measure",
    "pillar",
    "value",
    "numerator",
    "denominator",
    "units",
    "phi",
    "tau2",
    "reason",
]


def compare(out: pd.DataFrame, comparator: pd.DataFrame | None, s: Mapping) -> pd.DataFrame:
    """Add ``comparator_value``, ``comparator_area`` and ``funnel_position`` (proportions
    only) to findings rows, matching the comparator on ``measure`` (and ``pillar`` when it
    has one) and on ``period`` when it has one: a row is never compared with another period.

    ``comparator`` names the area each of its rows was pooled over (``area``: England and
    Wales, or a region), so a row's comparator value always comes with its area; a row
    with no comparator value has no area. ``s`` holds the measure settings:
    ``funnel_limits``, ``funnel_method`` and ``funnel_overdispersion`` (widen the limits by
    the comparator's ``tau2``). Counts get no comparator value.

    Raises
    ------
    ParameterError
        When the comparator has no ``area`` column, or a matched row leaves it empty.
    """
    out = out.assign(comparator_value=np.nan, comparator_area=pd.NA, funnel_position=pd.NA)
    if comparator is None or comparator.empty:
        return out
    if "area" not in comparator.columns:
        raise ParameterError(
            "the comparator has no 'area' column: name the area each row is pooled over "
            f"({NATIONAL_AREA}, or a region), as national_comparator does."
        )
    keys = ["measure", "pillar"] if "pillar" in comparator.columns else ["measure"]
    comp = comparator.drop_duplicates([*keys, "period"] if "period" in comparator else keys)
    for i, row in out.iterrows():
        match = comp
        for k in keys:
            match = match[match[k] == row[k]]
        if "period" in match.columns:
            match = match[match["period"].isna() | (match["period"] == row["period"])]
        if match.empty:
            continue
        ref = match.iloc[0]
        unit_kind = MEASURES[row["measure"]].unit
        if unit_kind == "count":
            continue
        if pd.isna(ref["area"]) or not str(ref["area"]).strip():
            raise ParameterError(
                f"the comparator row of {row['measure']} has no 'area': name the area it is "
                f"pooled over ({NATIONAL_AREA}, or a region)."
            )
        out.loc[i, "comparator_value"] = ref["value"]
        if pd.notna(ref["value"]):
            out.loc[i, "comparator_area"] = str(ref["area"])
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
                s["funnel_method"],
                tau2=0.0 if pd.isna(tau2) else float(tau2),
            )
            out.loc[i, "funnel_position"] = placed["position"].iloc[0]
    return out


def force_areas(forces: list[str], comparator: str = "national") -> dict[str, str]:
    """The area each force is compared with: England and Wales, or its region (from the
    reference data; a force with no region is compared nationally)."""
    if comparator not in COMPARATORS:
        raise ParameterError(
            f"comparator must be one of {', '.join(COMPARATORS)}, not {comparator!r} "
            "(reports.comparator_default in config/settings.yaml, or --comparator)."
        )
    if comparator == "national":
        return dict.fromkeys(forces, NATIONAL_AREA)
    region = reference.forces().set_index("name")["region"]
    return {
        f: (str(region[f]) if f in region.index and pd.notna(region[f]) else NATIONAL_AREA)
        for f in forces
    }


def _pooled(measure: str, pooled: pd.DataFrame, units: pd.DataFrame, ratio: bool) -> dict[str, Any]:
    """One measure pooled over ``units`` (one row per force)."""
    own = units[units["measure"] == measure]
    est = pooled[pooled["measure"] == measure].iloc[0]
    num = pd.to_numeric(own["numerator"], errors="coerce").astype(float)
    den = pd.to_numeric(own["denominator"], errors="coerce").astype(float)
    counted = num.notna() & den.notna()
    row = {
        "measure": measure,
        "numerator": float(num[counted].sum()) if counted.any() else np.nan,
        "denominator": float(den[counted].sum()) if counted.any() else np.nan,
        "units": int(counted.sum()),
        "reason": est["reason"],
    }
    if ratio:
        row["value"] = row["numerator"] / row["denominator"] if row["denominator"] else np.nan
    else:
        row["value"] = float(est["value"]) if pd.notna(est["value"]) else np.nan
    if MEASURES[measure].unit == "count":
        row["value"] = row["numerator"]
    disp = {"phi": np.nan, "tau2": np.nan}
    placed = own.dropna(subset=["value", "funnel_n"])
    if MEASURES[measure].unit == "proportion" and pd.notna(row["value"]) and 0 < row["value"] < 1:
        size = placed["funnel_n"].astype(float)
        disp = overdispersion(placed["value"].astype(float) * size, size, row["value"])
    return {**row, "phi": disp["phi"], "tau2": disp["tau2"]}


def _own(links: pd.DataFrame | None, forces: list[str]) -> pd.DataFrame | None:
    return None if links is None else links[links["force"].isin(forces)]


def national_comparator(
    cases: pd.DataFrame,
    assessment: pd.DataFrame | None = None,
    period: str | Period = "latest",
    settings: Mapping[str, Any] | None = None,
    areas: Mapping[str, str] | None = None,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The key measures pooled over every force of each area, to compare forces against.

    Parameters
    ----------
    cases
        Canonical cases of every force (none withheld: the comparator is pooled before
        disclosure control, and published through the release).
    assessment
        Self-assessment rows, or None: maturity is then the mean over every force's
        latest-round ratings (national only).
    period
        The reporting period, resolved on the pooled cases.
    areas
        Force -> area (see :func:`force_areas`); by default every force is in England and
        Wales.
    links
        The crimes repeat suspects are linked over (as for each force's findings).

    Returns
    -------
    DataFrame
        ``area, period, measure, pillar, value, numerator, denominator, units, phi, tau2,
        reason``: ``units`` is the number of forces pooled; ``phi`` (Spiegelhalter's
        winsorised over-dispersion) and ``tau2`` (additive random-effects variance)
        are estimated from the forces' own estimates around the pooled value.
    """
    s = measure_settings(settings)
    resolved = resolve_period(cases, period)
    per_force = {
        force: case_measures(own, resolved, s, force, _own(links, [force]))
        for force, own in cases.groupby("force", sort=True, observed=True)
    }
    if areas is None:
        areas = dict.fromkeys(per_force, NATIONAL_AREA)
    rows = []
    for area in sorted(set(areas[f] for f in per_force if f in areas)):
        members = [f for f in per_force if areas.get(f) == area]
        pooled = case_measures(
            cases[cases["force"].isin(members)], resolved, s, None, _own(links, members)
        )
        units = pd.concat([per_force[f].assign(force=f) for f in members], ignore_index=True)
        for measure in pooled["measure"]:
            ratio = MEASURES[measure].unit == "proportion" and measure not in POOLED_BY_ESTIMATOR
            rows.append({"area": area, **_pooled(measure, pooled, units, ratio)})
    out = pd.DataFrame(rows)
    out["period"] = resolved.label
    out["pillar"] = out["measure"].map(lambda m: MEASURES[m].pillar)
    if assessment is not None and len(assessment):
        latest = assess.latest_round(assessment).assign(force="national", round="latest")
        table = assess.maturity(latest, confidence=s["confidence_level"])
        extra = table[["measure", "pillar", "value", "denominator", "reason"]].assign(
            area=NATIONAL_AREA, period=np.nan
        )
        out = pd.concat([out, extra], ignore_index=True)
    return out.reindex(columns=COLUMNS)
