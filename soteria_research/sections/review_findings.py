"""The case-file review's rows of the evidence base (before the release; the force
report's findings publish them): per yes/no item the share of files coded yes, per coded
item the reviewers' agreement (Gwet's AC1), per yes/no item the odds ratio of charge.

Their counts share keys with the review section's cells, so each is one quantity with one
disclosure decision wherever it is shown.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.sections.review import (
    AGREEMENT,
    CHARGE_ODDS,
    OUTCOME,
    YES_SHARE,
    ReviewData,
    association_reasons,
    estimates,
    min_double_coded,
    quote,
    review_data,
    sample_counts,
)


def _finding_row(ctx, data: ReviewData, family: str, item, **figures) -> dict:
    from soteria_research.measures.catalogue import MEASURES

    return {
        "force": ctx.force, "period": data.period, "pillar": item.pillar,
        "measure": f"{family}_{item.item_id.lower()}",
        "definition": f"{item.item_id} {item.item}: {MEASURES[family].definition}",
        "basis": MEASURES[family].basis, "unit": MEASURES[family].unit,
        "comparator_value": float("nan"), "comparator_area": pd.NA,
        "funnel_position": pd.NA, "spc_signal": pd.NA,
        "reason": "", **figures,
    }  # fmt: skip


def review_findings(ctx) -> pd.DataFrame:
    """The review's evidence-base rows, before the release: per yes/no item the share coded
    yes, per coded item the reviewers' agreement (Gwet's AC1) and per yes/no item the odds
    ratio of charge (no value, with the reason, where the events do not allow one)."""
    data = review_data(ctx)
    if data is None or data.review.empty:
        return pd.DataFrame()
    found, rows, nan = estimates(ctx, data), [], float("nan")
    prevalence = found["prevalence"]
    for r in prevalence[prevalence["response"] == "yes"].itertuples(index=False):
        item = data.item(r.item_id)
        rows.append(_finding_row(
            ctx, data, YES_SHARE, item, value=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
            numerator=int(r.cases), denominator=int(r.denominator),
            finding=f"{100 * r.estimate:.1f}% of case files (design-weighted) recorded "
            f"'{quote(item.item)}' (95% interval {100 * r.ci_low:.1f}% to {100 * r.ci_high:.1f}%).",
        ))  # fmt: skip
    agreement = found["agreement"]
    for r in agreement[agreement["statistic"] == "gwet_ac1"].itertuples(index=False):
        item = data.item(r.item_id)
        refused = bool(r.refused)
        rows.append(_finding_row(
            ctx, data, AGREEMENT, item, value=nan if refused else r.estimate,
            ci_low=nan if refused else r.ci_low, ci_high=nan if refused else r.ci_high,
            numerator=pd.NA, denominator=int(r.cases),
            reason=f"fewer than {min_double_coded()} cases coded twice" if refused else "",
            finding=f"Agreement between reviewers on {item.item_id} is not estimated."
            if refused else f"Reviewers agreed on {item.item_id} with AC1 {r.estimate:.2f} "
            f"(95% interval {r.ci_low:.2f} to {r.ci_high:.2f}).",
        ))  # fmt: skip
    association, counts = found["association"], sample_counts(data)
    reasons = association_reasons(association, ctx.rules.min_cell_count)
    for r in association.itertuples(index=False):
        item, why = data.item(r.item_id), reasons[r.item_id]
        rows.append(_finding_row(
            ctx, data, CHARGE_ODDS, item, value=nan if why else r.odds_ratio,
            ci_low=nan if why else r.ci_low, ci_high=nan if why else r.ci_high,
            numerator=pd.NA, denominator=int(counts.at[OUTCOME, "cases"]), reason=why,
            finding=f"The odds ratio of charge for {item.item_id} is not estimated: {why}."
            if why else f"Odds of charge when the file records {item.item_id}, yes against no: "
            f"{r.odds_ratio:.2f} (95% interval {r.ci_low:.2f} to {r.ci_high:.2f}).",
        ))  # fmt: skip
    out = pd.DataFrame(rows)
    for column in ("numerator", "denominator"):
        out[column] = pd.array(out[column], dtype="Int64")
    return out


__all__ = ["review_findings"]
