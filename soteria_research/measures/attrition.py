"""Attrition: how far recorded crimes get, from recording to charge.

Stages, in order: recorded -> suspect identified -> arrested or interviewed -> referred
to the CPS -> charged. A crime "reaches" a stage when it shows that stage *or any later
one* (a charge implies a suspect, even where an earlier flag was not filled in), so the
counts never rise from one stage to the next and the charged count equals the charge
rate's numerator. Cohort basis: crimes recorded in the period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.measures.frames import NO_CASES, as_list, flag, require_columns
from soteria_research.measures.intervals import proportion_estimates
from soteria_research.measures.periods import Period, cohort, resolve_period

#: Stage id -> label, in order.
STAGES: dict[str, str] = {
    "recorded": "Recorded",
    "suspect_identified": "Suspect identified",
    "arrested": "Arrested or interviewed",
    "referred_to_cps": "Referred to the CPS",
    "charged": "Charged or summonsed",
}


def furthest_stage(cases: pd.DataFrame) -> pd.Series:
    """Index (0-4 in :data:`STAGES`) of the furthest stage each crime has reached."""
    require_columns(cases, ["suspect_id", "arrested", "referred_to_cps", "outcome_type"])
    shown = np.column_stack(
        [
            np.ones(len(cases), dtype=bool),
            cases["suspect_id"].notna().to_numpy(),
            flag(cases["arrested"]).to_numpy(),
            flag(cases["referred_to_cps"]).to_numpy(),
            cases["outcome_type"].eq(1).fillna(False).to_numpy(dtype=bool),
        ]
    )
    furthest = np.where(shown, np.arange(len(STAGES)), 0).max(axis=1)
    return pd.Series(furthest, index=cases.index, name="furthest_stage")


def attrition(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    by: str | list[str] | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Crimes reaching each investigative stage, as counts and shares (cohort basis).

    Definition: crimes recorded in the period that reached each stage (see module notes).
    ``value`` is the share of recorded crimes reaching the stage (numerator: crimes
    reaching it; denominator: crimes recorded in the period). ``conversion`` is the share
    of crimes reaching the previous stage that reached this one, with its interval in
    ``conversion_low``/``conversion_high``.

    Returns
    -------
    DataFrame
        ``[by...], stage, stage_label, order, measure, basis, period, numerator, denominator,
        value, ci_low, ci_high, conversion, conversion_low, conversion_high, reason``.
    """
    keys = as_list(by)
    require_columns(cases, ["financial_year", *keys])
    resolved = resolve_period(cases, period)
    rows = cohort(cases, resolved)
    stage = furthest_stage(rows)
    groups = cases[keys].drop_duplicates().reset_index(drop=True) if keys else None
    frames = []
    for i, (sid, label) in enumerate(STAGES.items()):
        reached = (stage >= i).to_numpy()
        if keys:
            counts = rows[keys].assign(_r=reached, _one=1).groupby(keys)[["_r", "_one"]].sum()
            counts = groups.merge(counts.reset_index(), on=keys, how="left").fillna(
                {"_r": 0, "_one": 0}
            )
        else:
            counts = pd.DataFrame({"_r": [reached.sum()], "_one": [len(rows)]})
        counts = counts.assign(stage=sid, stage_label=label, order=i + 1)
        frames.append(counts)
    table = pd.concat(frames, ignore_index=True)
    table["_prev"] = table.groupby(keys)["_r"].shift(1) if keys else table["_r"].shift(1)
    table["_prev"] = table["_prev"].fillna(table["_one"])
    share = proportion_estimates(table["_r"], table["_one"], confidence, method)
    conv = proportion_estimates(table["_r"], table["_prev"], confidence, method)
    out = table[[*keys, "stage", "stage_label", "order"]].assign(
        measure="attrition", basis="cohort"
    )
    out["period"] = resolved.label
    out = pd.concat([out, share.drop(columns="reason")], axis=1)
    out["conversion"] = conv["value"]
    out["conversion_low"] = conv["ci_low"]
    out["conversion_high"] = conv["ci_high"]
    out["reason"] = share["reason"] if len(rows) or keys else NO_CASES
    return out.sort_values([*keys, "order"]).reset_index(drop=True)
