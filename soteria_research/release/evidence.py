"""The evidence base: every force's findings placed against the pooled national value."""

from __future__ import annotations

import pandas as pd

from soteria_research import measures
from soteria_research.disclosure import OutputLog, Rules, protect_evidence
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.defaults import measure_settings


def evidence_base(
    findings: pd.DataFrame, rules: Rules | None = None
) -> tuple[pd.DataFrame, OutputLog]:
    """The evidence base: every force's findings placed against the pooled national value.

    Case measures that are proportions get ``comparator_value`` (pooled over the forces
    whose figures are published) and ``funnel_position`` (exact binomial limits); then the
    rows are protected again across forces, so that no withheld figure can be recovered
    from a national total. Returns the protected rows and their output-checking log.
    """
    out = findings.copy()
    s = measure_settings()
    for (measure, _period), rows in out.groupby(["measure", "period"]):
        info = MEASURES.get(measure)
        if info is None or info.unit != "proportion":
            continue
        usable = rows.dropna(subset=["numerator", "denominator"])
        usable = usable[usable["denominator"] > 0]
        if len(usable) < 2:
            continue
        units = usable[["force", "numerator", "denominator"]].astype(
            {"numerator": float, "denominator": float}
        )
        placed = measures.funnel_positions(units, levels=s["funnel_limits"])
        out.loc[usable.index, "comparator_value"] = placed["target"].to_numpy()
        out.loc[usable.index, "funnel_position"] = placed["position"].to_numpy()
    protected, entries = protect_evidence(
        out, rules, lines=["measure", "period"], name="evidence base"
    )
    log = OutputLog("National Operating Model evidence base", rules)
    log.extend(entries)
    return protected, log
