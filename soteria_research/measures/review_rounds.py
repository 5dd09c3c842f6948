"""Change between case-file review rounds: each pillar's share of yes codings.

A review round is one sample of a force's case files, read and coded
(:mod:`soteria_research.measures.review`). Two rounds are two independent samples, so
their change is not paired: a pillar's share in each round is a design-weighted mean
over the sampled cases (Hajek ratio, :func:`~.review.stratified_ratio`) of each case's
share of ``yes`` among the pillar's yes/no items coded on it, with its stratified
linearisation standard error; the change is the difference, with the normal interval of
the two variances added (``se = sqrt(se_from^2 + se_to^2)``) and its two-sided p-value.

Each case counts once (its first coding) and carries its counts, so disclosure control
can be applied: ``cases`` (cases coded on the pillar) and ``sampled`` per round.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.measures.frames import require_columns
from soteria_research.measures.review import (
    _design,
    _items,
    _setting,
    first_codings,
    stratified_ratio,
)

SHARE_COLUMNS = ["pillar", "items", "cases", "sampled", "estimate", "se"]
CHANGE_COLUMNS = [
    "pillar", "items", "cases_from", "sampled_from", "cases_to", "sampled_to", "share_from",
    "share_to", "change", "se", "ci_low", "ci_high", "p_value", "reason",
]  # fmt: skip
TOO_FEW = "fewer than two cases coded on the pillar in a round"
YES = "yes"


def pillar_yes_share(
    review: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each pillar's design-weighted share of yes codings over its yes/no items.

    Parameters
    ----------
    review, sample : pandas.DataFrame
        One round's processed ``review`` (codings) and ``review_sample`` (the design).
    items : pandas.DataFrame, optional
        The coding frame (``review_items``); default the configured framework.

    Returns
    -------
    pandas.DataFrame
        ``SHARE_COLUMNS``: pillar, items (yes/no items of the pillar), cases (sampled
        cases coded on at least one of them), sampled, estimate (the weighted mean of the
        cases' yes shares), se (stratified linearisation).
    """
    require_columns(review, ["crime_id", "item_id", "response"], "review")
    items = _items(items)
    yes_no = items[items["response"] == "yes_no"]
    design = _design(sample)
    first = first_codings(review)
    rows = []
    for pillar, part in yes_no.groupby("pillar", sort=False):
        codes = first[first["item_id"].isin(part["item_id"]) & first["response"].notna()]
        per_case = codes.assign(hit=codes["response"].eq(YES).astype(float))
        per_case = per_case.groupby("crime_id")["hit"].agg(["sum", "count"])
        coded = design.join(per_case, on="crime_id")
        domain = coded["count"].fillna(0).gt(0).to_numpy(dtype=float)
        share = (coded["sum"] / coded["count"]).fillna(0).to_numpy(dtype=float)
        estimate, se = stratified_ratio(
            share,
            domain,
            coded["weight"].to_numpy(dtype=float),
            coded["stratum"].to_numpy(),
            coded["fpc"].to_numpy(dtype=float),
        )
        rows.append((pillar, len(part), int(domain.sum()), len(coded), estimate, se))
    out = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    return out.astype({"items": "Int64", "cases": "Int64", "sampled": "Int64"})


def review_round_change(
    first: tuple[pd.DataFrame, pd.DataFrame],
    second: tuple[pd.DataFrame, pd.DataFrame],
    items: pd.DataFrame | None = None,
    confidence: float | None = None,
) -> pd.DataFrame:
    """Change in each pillar's share of yes codings between two review rounds.

    Parameters
    ----------
    first, second : (review, review_sample)
        The earlier and the later round's processed tables (independent samples).
    items : pandas.DataFrame, optional
        The coding frame; default the configured framework.
    confidence : float, optional
        Default ``measures.confidence_level``.

    Returns
    -------
    pandas.DataFrame
        ``CHANGE_COLUMNS``, one row per pillar with a yes/no item: the counts of each
        round, the shares, the change (later minus earlier, proportion), its standard
        error, normal interval and two-sided p-value; NaN with ``reason`` when a round
        has fewer than two cases coded on the pillar.
    """
    level = float(_setting("measures", "confidence_level", confidence))
    z = float(stats.norm.ppf(0.5 + level / 2))
    before = pillar_yes_share(*first, items=items).set_index("pillar")
    after = pillar_yes_share(*second, items=items).set_index("pillar")
    rows = []
    for pillar in before.index.intersection(after.index, sort=False):
        a, b = before.loc[pillar], after.loc[pillar]
        row = {
            "pillar": pillar,
            "items": int(a["items"]),
            "cases_from": int(a["cases"]),
            "sampled_from": int(a["sampled"]),
            "cases_to": int(b["cases"]),
            "sampled_to": int(b["sampled"]),
            "reason": "",
        }
        if min(row["cases_from"], row["cases_to"]) < 2:
            rows.append(row | {"reason": TOO_FEW})
            continue
        change = float(b["estimate"] - a["estimate"])
        se = math.sqrt(float(a["se"]) ** 2 + float(b["se"]) ** 2)
        p_value = float(2 * stats.norm.sf(abs(change) / se)) if se > 0 else np.nan
        rows.append(
            row
            | {
                "share_from": float(a["estimate"]),
                "share_to": float(b["estimate"]),
                "change": change,
                "se": se,
                "ci_low": change - z * se,
                "ci_high": change + z * se,
                "p_value": p_value,
            }
        )
    out = pd.DataFrame(rows).reindex(columns=CHANGE_COLUMNS)
    counts = ["items", "cases_from", "sampled_from", "cases_to", "sampled_to"]
    return out.astype(dict.fromkeys(counts, "Int64") | {"reason": "string"})
