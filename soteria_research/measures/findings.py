"""A force's key findings for one period: one row per measure, ready for the evidence base.

Each row names the pillar the measure evidences, its definition and basis, the estimate
with its interval, numerator and denominator, the comparator's value and the area it is
pooled over (England and Wales, or the force's region), where the force
sits on the comparator's funnel, any SPC signal in the period, and a one-line finding in
plain English. Provenance and disclosure columns are added downstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from soteria_research import reference
from soteria_research.measures import assessment as assess
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.comparator import compare
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.key_measures import case_measures, finding_row
from soteria_research.measures.periods import Period, resolve_period
from soteria_research.measures.wording import WITHHELD, describe

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
    "comparator_area",
    "funnel_position",
    "spc_signal",
    "finding",
    "reason",
]


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
                    **finding_row(measure, est),
                    "round": est.get("round"),
                    "pillar": pillar,
                    "scale": (est.get("scale_min"), est.get("scale_max")),
                }
            )
    return rows


def rating_scales(
    assessment: pd.DataFrame | None, force: str, confidence: float = 0.95
) -> dict[tuple[str, str], tuple]:
    """(measure, pillar) -> (scale_min, scale_max) of a force's maturity rows."""
    return {
        (row["measure"], row["pillar"]): row["scale"]
        for row in _assessment_rows(assessment, force, confidence)
    }


def finding_texts(
    rows: pd.DataFrame,
    assessment: pd.DataFrame | None,
    force: str,
    settings: Mapping[str, Any] | None = None,
) -> list[str]:
    """The one-line finding of each findings row, made from that row's columns only (a
    row marked ``suppressed`` says it is withheld), with the maturity scales of the
    force's self-assessment and the configured funnel limits."""
    s = measure_settings(settings)
    scales = rating_scales(assessment, force, s["confidence_level"])
    texts = []
    for r in rows.to_dict("records"):
        if bool(r.get("suppressed", False)):
            texts.append(WITHHELD)
            continue
        if r["measure"] not in MEASURES:
            # a survey scale, a review item or a change between rounds: its own module
            # words it from the same columns
            texts.append(str(r.get("finding") or ""))
            continue
        scale = scales.get((r["measure"], r["pillar"]))
        texts.append(describe(r, s["confidence_level"], scale, s["funnel_limits"]))
    return texts


def force_findings(
    cases: pd.DataFrame,
    assessment: pd.DataFrame | None,
    force: str,
    period: str | Period = "latest",
    comparator: pd.DataFrame | None = None,
    settings: Mapping[str, Any] | None = None,
    links: pd.DataFrame | None = None,
    measured: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Key findings of one force for one period, one row per measure.

    Parameters
    ----------
    cases
        Canonical cases: the force's own, or the national table (only ``force``'s crimes
        are measured; repeat suspects are linked within the force).
    assessment
        Canonical self-assessment rows (any forces; ``force``'s latest round is used), or
        None.
    force
        Home Office force name.
    period
        ``"2023/24"``, ``"latest"`` (the force's latest year) or ``"all"``.
    comparator
        Optional values pooled over the force's area: ``area, measure, value`` (and ``period``,
        compared only with rows of that period; ``pillar`` for maturity; ``tau2`` for
        over-dispersed funnels), e.g. one area of
        :func:`~soteria_research.measures.comparator.national_comparator`.
    settings
        The ``measures`` settings (defaults for absent keys; None reads the settings file).
    links
        The crimes repeat suspects are linked over (e.g. every sexual offence in the
        extract); by default ``cases``.
    measured
        :func:`~soteria_research.measures.key_measures.case_measures` of these arguments
        when the caller has it already (computed when None).

    Returns
    -------
    DataFrame
        ``force, period, pillar, measure, definition, basis, unit, value, ci_low, ci_high,
        numerator, denominator, comparator_value, comparator_area, funnel_position,
        spc_signal, finding, reason``; ``comparator_area`` is empty where there is no
        comparator value.
    """
    s = measure_settings(settings)
    levels = s["funnel_limits"]
    own = cases[cases["force"] == force]
    resolved = resolve_period(own, period)
    if measured is None:
        measured = case_measures(cases, resolved, s, force, links)
    rows = measured.to_dict("records")
    scales = {}
    for row in _assessment_rows(assessment, force, s["confidence_level"]):
        scales[(row["measure"], row["pillar"])] = row.pop("scale")
        # ratings are filed under the self-assessment round they come from, not the case period
        round_label = row.pop("round", None)
        period_label = (
            f"self-assessment round {round_label}"
            if round_label is not None and not pd.isna(round_label)
            else resolved.label
        )
        rows.append({**row, "period": period_label})
    out = pd.DataFrame(rows)
    out["force"] = force
    out["pillar"] = [
        r.get("pillar") if isinstance(r.get("pillar"), str) else MEASURES[r["measure"]].pillar
        for r in rows
    ]
    out["definition"] = out["measure"].map(lambda m: MEASURES[m].definition)
    out["basis"] = out["measure"].map(lambda m: MEASURES[m].basis)
    out["unit"] = out["measure"].map(lambda m: MEASURES[m].unit)
    out = compare(out, comparator, s)
    out["finding"] = [
        describe(r, s["confidence_level"], scales.get((r["measure"], r["pillar"])), levels)
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
        "comparator_area",
        "funnel_position",
        "spc_signal",
        "finding",
        "reason",
    ]
    return out.astype({c: "string" for c in text})
