"""Case-file review findings: prevalence of each item, agreement, association with charge.

Pure functions on the processed review tables (``review``: codings, one row per case,
reviewer and item; ``review_sample``: the design, one row per sampled case with its
stratum and inclusion probability) and, for the association, the cleaned cases.

* :func:`review_prevalence`: the design-weighted share of each response to each item
  (Hajek ratio estimator, weights ``1 / inclusion probability``), with a stratified
  linearisation variance (finite-population correction per stratum) and a Wilson
  interval on the effective sample size. Each case counts once: its first coding.
* :func:`review_days`: the design-weighted mean of each ``days`` item, normal interval.
* :func:`review_agreement`: per item on the cases coded by two or more reviewers: the
  share of pairs that agree, Cohen's kappa (first against second coding), Gwet's AC1 and
  Krippendorff's alpha (every coding; nominal, ordinal or interval by response type).
  Refused below ``review.min_double_coded`` cases.
* :func:`review_charge_association`: the odds ratio of charge for each yes/no item
  (yes against no) among sampled cases with an outcome, design-weighted, with a
  linearisation variance; refused, as the charge model is, when the smaller of charged
  and not charged is under ``measures.min_events_per_parameter`` (one parameter) or a
  cell of the 2x2 table is empty.

Every table carries its counts and denominators (unweighted cases) so that disclosure
control can be applied to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research import settings
from soteria_research.measures.agreement import cohens_kappa, gwet_ac1, krippendorff_alpha
from soteria_research.measures.frames import require_columns
from soteria_research.measures.intervals import proportion_ci

PREVALENCE_COLUMNS = [
    "force", "pillar", "item_id", "item", "response", "cases", "denominator", "sampled",
    "estimate", "se", "ci_low", "ci_high", "estimated_population",
]  # fmt: skip
DAYS_COLUMNS = [
    "force", "pillar", "item_id", "item", "cases", "sampled", "estimate", "se", "ci_low",
    "ci_high",
]  # fmt: skip
AGREEMENT_COLUMNS = [
    "force", "pillar", "item_id", "item", "statistic", "cases", "reviewers", "estimate", "se",
    "ci_low", "ci_high", "refused", "reason",
]  # fmt: skip
ASSOCIATION_COLUMNS = [
    "force", "pillar", "item_id", "item", "cases", "charged", "not_charged", "yes_charged",
    "yes_not_charged", "no_charged", "no_not_charged", "odds_ratio", "ci_low", "ci_high",
    "p_value", "interval_excludes_one", "refused", "reason",
]  # fmt: skip
STATISTICS = ("percent_agreement", "cohen_kappa", "gwet_ac1", "krippendorff_alpha")
_ALPHA_LEVEL = {
    "yes_no": "nominal",
    "category": "nominal",
    "ordinal": "ordinal",
    "days": "interval",
}
_DESIGN = ["crime_id", "stratum", "stratum_population", "inclusion_probability"]


def _items(items: pd.DataFrame | None) -> pd.DataFrame:
    if items is not None:
        return items
    from soteria_research.ingest.review_framework import load_review_framework, review_items

    return review_items(load_review_framework())


def _setting(section: str, name: str, given):
    return given if given is not None else settings.section(section)[name]


def _force(sample: pd.DataFrame) -> object:
    forces = sample["force"].dropna()
    return forces.iloc[0] if len(forces) else pd.NA


def first_codings(review: pd.DataFrame) -> pd.DataFrame:
    """One coding per case: from the Review sheet first, then in file and row order."""
    order = review.assign(_secondary=~review["primary"].fillna(False).astype(bool))
    keys = ["crime_id", "reviewer", "source_file", "sheet"]
    order = order.sort_values(["_secondary", "source_file", "source_row"], kind="stable")
    chosen = order.drop_duplicates("crime_id")[keys]
    return review.merge(chosen, on=keys, how="inner")


def stratified_ratio(
    y: np.ndarray, domain: np.ndarray, weight: np.ndarray, strata: np.ndarray, fpc: np.ndarray
) -> tuple[float, float]:
    """Hajek ratio estimate ``sum(w d y) / sum(w d)`` and its linearisation standard error.

    Parameters
    ----------
    y, domain, weight, strata, fpc
        One entry per sampled unit: the value (any number where out of the domain), 1
        when the unit is in the domain (e.g. coded on the item), the design weight, the
        stratum and the sampling fraction ``n_h / N_h`` (0 for no correction).

    Returns
    -------
    estimate, se
        The variance is ``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_i - mean_h z)^2`` with
        ``z_i = w_i d_i (y_i - R) / sum(w d)``; strata with one unit add nothing.
    """
    y = np.where(domain > 0, y, 0.0).astype(float)
    total = float((weight * domain).sum())
    if total <= 0:
        return float("nan"), float("nan")
    ratio = float((weight * domain * y).sum() / total)
    z = weight * domain * (y - ratio) / total
    variance = _stratified_variance(z, strata, fpc)
    return ratio, math.sqrt(variance)


def _stratified_variance(u: np.ndarray, strata: np.ndarray, fpc: np.ndarray | None) -> float:
    """``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (u_i - mean_h u)^2``; one-unit strata add 0."""
    codes, _ = pd.factorize(pd.Series(strata), use_na_sentinel=False)
    n = np.bincount(codes).astype(float)
    total = np.bincount(codes, weights=u)
    squares = np.bincount(codes, weights=u * u)
    fraction = np.zeros(len(n)) if fpc is None else np.bincount(codes, weights=fpc) / n
    spread = squares - total**2 / n
    factor = np.where(n > 1, (1 - fraction) * n / np.maximum(n - 1, 1), 0.0)
    return float(max((factor * spread).sum(), 0.0))


def _design(sample: pd.DataFrame) -> pd.DataFrame:
    require_columns(sample, [*_DESIGN, "force"], "review_sample")
    design = sample[_DESIGN].copy()
    design["weight"] = 1 / design["inclusion_probability"].astype(float)
    design["fpc"] = design["inclusion_probability"].astype(float)
    return design


def _coded(review: pd.DataFrame, design: pd.DataFrame, item_id: str) -> pd.DataFrame:
    """The design with each case's first response to an item (NA when not coded)."""
    codes = review.loc[review["item_id"] == item_id, ["crime_id", "response", "value"]]
    return design.merge(codes, on="crime_id", how="left")


def review_prevalence(
    review: pd.DataFrame,
    sample: pd.DataFrame,
    items: pd.DataFrame | None = None,
    confidence: float | None = None,
) -> pd.DataFrame:
    """Design-weighted share of each response to each item with a choice of responses.

    Returns
    -------
    DataFrame
        ``PREVALENCE_COLUMNS``, one row per item and response (yes/no/not recorded,
        category choices, ordinal values): ``cases`` sampled cases coded with that
        response, ``denominator`` sampled cases coded on the item, ``sampled`` cases in
        the sample, the weighted ``estimate`` with ``se`` and interval, and
        ``estimated_population`` (the weighted number of cases the denominator stands for).
    """
    confidence = float(_setting("measures", "confidence_level", confidence))
    items = _items(items)
    design = _design(sample)
    first = first_codings(review)
    rows = []
    for item in items.itertuples(index=False):
        if item.response == "days":
            continue
        coded = _coded(first, design, item.item_id)
        domain = coded["response"].notna().to_numpy(dtype=float)
        weight = coded["weight"].to_numpy(dtype=float)
        strata, fpc = coded["stratum"].to_numpy(), coded["fpc"].to_numpy(dtype=float)
        for level in str(item.choices).split("; "):
            y = (coded["response"] == level).fillna(False).to_numpy(dtype=float)
            estimate, se = stratified_ratio(y, domain, weight, strata, fpc)
            rows.append(
                (item.pillar, item.item_id, item.item, level, int((y * domain).sum()),
                 int(domain.sum()), len(coded), estimate, se, float((weight * domain).sum()))
            )  # fmt: skip
    columns = [c for c in PREVALENCE_COLUMNS if c not in ("force", "ci_low", "ci_high")]
    table = pd.DataFrame(rows, columns=columns)
    table = _wilson(table, confidence)
    table.insert(0, "force", _force(sample))
    return table[PREVALENCE_COLUMNS].astype(
        {"cases": "Int64", "denominator": "Int64", "sampled": "Int64"}
    )


def _merge(groups: list[list[str]], counts: dict[str, int], ordered: bool) -> bool:
    """Merge the smallest group into a neighbour (ordered) or the next smallest; False when
    only one group is left."""
    if len(groups) < 2:
        return False
    sizes = [sum(counts.get(level, 0) for level in g) for g in groups]
    small = min(range(len(groups)), key=lambda i: (sizes[i], i))
    if ordered:
        neighbours = [i for i in (small - 1, small + 1) if 0 <= i < len(groups)]
        other = min(neighbours, key=lambda i: (sizes[i], i))
    else:
        other = min((i for i in range(len(groups)) if i != small), key=lambda i: (sizes[i], i))
    first, second = sorted((small, other))
    groups[first] = groups[first] + groups[second]
    del groups[second]
    return True


def _pool_label(group: list[str], response: str) -> str:
    if len(group) == 1:
        return group[0]
    if response == "ordinal":
        return f"{group[0]}-{group[-1]}"
    return " or ".join(group)


def pool_responses(
    review: pd.DataFrame, items: pd.DataFrame, minimum: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses pooled so that each published share stands on at least ``minimum`` cases.

    Counted on each case's first coding. A yes/no item pools ``not recorded`` with ``no``;
    an ordinal item merges its smallest level with the smaller neighbour; a category item
    merges its smallest choices; until every pooled response holds ``minimum`` cases or
    one is left. Responses no case gave count as 0. Days items are left alone.

    Returns
    -------
    review, items
        The codings with pooled responses (``a-b`` for ordinal ranges, ``a or b``
        otherwise) and the items with their pooled ``choices``; both are copies.
    """
    first = first_codings(review)
    out, table = review.copy(), items.copy()
    for position, item in enumerate(items.itertuples(index=False)):
        if item.response == "days":
            continue
        counts = first.loc[first["item_id"] == item.item_id, "response"].value_counts().to_dict()
        levels = str(item.choices).split("; ")
        groups = [[level] for level in levels]
        if item.response == "yes_no":
            small = any(counts.get(level, 0) < minimum for level in levels)
            if small and len(levels) == 3:
                groups = [[levels[0]], levels[1:]]
        else:
            while any(sum(counts.get(v, 0) for v in g) < minimum for g in groups):
                if not _merge(groups, counts, ordered=item.response == "ordinal"):
                    break
        mapping = {v: _pool_label(g, item.response) for g in groups for v in g}
        rows = out["item_id"] == item.item_id
        out.loc[rows, "response"] = out.loc[rows, "response"].map(mapping, na_action="ignore")
        table.iloc[position, table.columns.get_loc("choices")] = "; ".join(
            _pool_label(g, item.response) for g in groups
        )
    return out, table


def _wilson(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Wilson intervals on the effective sample size ``p (1 - p) / se^2``."""
    p, se, n = table["estimate"], table["se"], table["denominator"].astype(float)
    effective = np.where((se > 0) & (p > 0) & (p < 1), p * (1 - p) / se.pow(2), n)
    effective = np.minimum(effective, np.maximum(n, 1)) if len(table) else effective
    low, high = proportion_ci(p * effective, effective, confidence, "wilson")
    return table.assign(ci_low=low, ci_high=high)


def review_days(
    review: pd.DataFrame,
    sample: pd.DataFrame,
    items: pd.DataFrame | None = None,
    confidence: float | None = None,
) -> pd.DataFrame:
    """Design-weighted mean of each ``days`` item (``DAYS_COLUMNS``; normal interval)."""
    confidence = float(_setting("measures", "confidence_level", confidence))
    z = stats.norm.ppf(0.5 + confidence / 2)
    items = _items(items)
    design, first = _design(sample), first_codings(review)
    rows = []
    for item in items[items["response"] == "days"].itertuples(index=False):
        coded = _coded(first, design, item.item_id)
        values = coded["value"].astype(float).to_numpy(na_value=np.nan)
        domain = np.isfinite(values).astype(float)
        estimate, se = stratified_ratio(
            np.nan_to_num(values), domain, coded["weight"].to_numpy(dtype=float),
            coded["stratum"].to_numpy(), coded["fpc"].to_numpy(dtype=float),
        )  # fmt: skip
        rows.append(
            (_force(sample), item.pillar, item.item_id, item.item, int(domain.sum()),
             len(coded), estimate, se, estimate - z * se, estimate + z * se)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=DAYS_COLUMNS).astype({"cases": "Int64", "sampled": "Int64"})


def _unit_codes(review: pd.DataFrame, item_id: str, numeric: bool) -> list[list]:
    """Per case coded by two or more reviewers: its codes, first coding first."""
    codes = review[(review["item_id"] == item_id) & review["response"].notna()]
    codes = codes.assign(_secondary=~codes["primary"].fillna(False).astype(bool))
    codes = codes.sort_values(["crime_id", "_secondary", "source_file", "source_row"])
    column = "value" if numeric else "response"
    ids = codes["crime_id"].to_numpy()
    values = codes[column].astype(float if numeric else object).to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], int)
    groups = np.split(values, starts[1:]) if len(ids) else []
    return [[float(v) if numeric else str(v) for v in g] for g in groups if len(g) >= 2]


def review_agreement(
    review: pd.DataFrame,
    items: pd.DataFrame | None = None,
    confidence: float | None = None,
    min_cases: int | None = None,
    replicates: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Inter-rater agreement per item on the cases coded by two or more reviewers.

    Returns
    -------
    DataFrame
        ``AGREEMENT_COLUMNS``, one row per item and statistic (``STATISTICS``; days items
        have Krippendorff's interval alpha only): ``cases`` coded twice or more on the
        item, ``reviewers`` distinct reviewers, the estimate with ``se`` and interval;
        ``refused`` with a ``reason`` below ``review.min_double_coded`` cases.
    """
    confidence = float(_setting("measures", "confidence_level", confidence))
    min_cases = int(_setting("review", "min_double_coded", min_cases))
    replicates = int(_setting("review", "bootstrap_replicates", replicates))
    items = _items(items)
    force = review["force"].dropna().iloc[0] if review["force"].notna().any() else pd.NA
    rows = []
    for item in items.itertuples(index=False):
        numeric = item.response in ("days", "ordinal")
        units = _unit_codes(review, item.item_id, numeric)
        reviewers = review.loc[review["item_id"] == item.item_id, "reviewer"].nunique()
        names = ("krippendorff_alpha",) if item.response == "days" else STATISTICS
        base = (force, item.pillar, item.item_id, item.item)
        if len(units) < min_cases:
            reason = f"{len(units)} cases coded twice, fewer than {min_cases}"
            for name in names:
                rows.append((*base, name, len(units), reviewers, *[np.nan] * 4, True, reason))
            continue
        width = max(len(u) for u in units)
        matrix = [u + [None] * (width - len(u)) for u in units]
        results = {
            "krippendorff_alpha": krippendorff_alpha(
                matrix, _ALPHA_LEVEL[item.response], confidence, replicates, seed
            )
        }
        if item.response != "days":
            agree = sum(u[0] == u[1] for u in units)
            low, high = proportion_ci(agree, len(units), confidence, "wilson")
            results["percent_agreement"] = {
                "estimate": agree / len(units), "se": math.sqrt(agree / len(units) * (1 - agree / len(units)) / len(units)),
                "ci_low": float(low[0]), "ci_high": float(high[0]),
            }  # fmt: skip
            results["cohen_kappa"] = cohens_kappa(
                [u[0] for u in units], [u[1] for u in units], confidence
            )
            results["gwet_ac1"] = gwet_ac1(matrix, confidence, len(str(item.choices).split("; ")))
        for name in names:
            got = results[name]
            values = [got.get(k, np.nan) for k in ("estimate", "se", "ci_low", "ci_high")]
            rows.append((*base, name, len(units), reviewers, *values, False, ""))
    table = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    return table.astype(
        {"cases": "Int64", "reviewers": "Int64", "refused": "boolean", "reason": "string"}
    )


def _association_row(frame: pd.DataFrame, min_events: int, z: float) -> dict:
    """The 2x2 counts and design-weighted odds ratio of one item. ``frame`` holds every
    sampled case (``include`` marks those in the analysis) so the variance is a domain
    variance within the sampling strata."""
    include = frame["include"].to_numpy(dtype=bool)
    charged = frame["charged"].fillna(False).to_numpy(dtype=bool) & include
    yes = frame["yes"].to_numpy(dtype=bool) & include
    masks = (yes & charged, yes & ~charged & include, ~yes & charged, ~yes & ~charged & include)
    names = ("yes_charged", "yes_not_charged", "no_charged", "no_not_charged")
    cells = {name: int(mask.sum()) for name, mask in zip(names, masks, strict=True)}
    events, cases = int(charged.sum()), int(include.sum())
    row = {"cases": cases, "charged": events, "not_charged": cases - events, **cells}
    nan = float("nan")
    row.update(odds_ratio=nan, ci_low=nan, ci_high=nan, p_value=nan, refused=True, reason="")
    fewer = min(events, cases - events)
    if fewer < min_events:
        row["reason"] = f"{fewer} events for 1 parameter, fewer than {min_events}"
        return row
    if min(cells.values()) == 0:
        row["reason"] = "a cell of the 2x2 table is empty (separation)"
        return row
    w = frame["weight"].to_numpy(dtype=float)
    totals = [float(w[m].sum()) for m in masks]
    log_or = math.log(totals[0]) - math.log(totals[1]) - math.log(totals[2]) + math.log(totals[3])
    signs = (1, -1, -1, 1)
    influence = sum(s * w * m / t for s, m, t in zip(signs, masks, totals, strict=True))
    _, se = stratified_ratio_influence(influence, frame["stratum"].to_numpy())
    row.update(
        odds_ratio=math.exp(log_or), ci_low=math.exp(log_or - z * se),
        ci_high=math.exp(log_or + z * se), p_value=float(2 * stats.norm.sf(abs(log_or) / se)),
        refused=False,
    )  # fmt: skip
    return row


def stratified_ratio_influence(influence: np.ndarray, strata: np.ndarray) -> tuple[float, float]:
    """Total and standard error of a linearised statistic under stratified sampling with
    replacement: ``sum_h n_h / (n_h - 1) sum_i (u_i - mean_h u)^2`` (no finite-population
    correction: the odds ratio describes the process, not the finite population)."""
    variance = _stratified_variance(influence, strata, None)
    return float(influence.sum()), math.sqrt(variance)


def review_charge_association(
    review: pd.DataFrame,
    sample: pd.DataFrame,
    cases: pd.DataFrame,
    items: pd.DataFrame | None = None,
    confidence: float | None = None,
    min_events: int | None = None,
) -> pd.DataFrame:
    """Odds ratio of charge, yes against no, for each yes/no item.

    Cases: sampled cases in the cleaned cases with an outcome assigned (type not 0) and
    coded yes or no on the item (their first coding). The odds ratio and its interval
    are design-weighted (weights ``1 / inclusion probability``; linearisation variance
    within the sampling strata), so an over-sampled outcome does not bias them.

    Returns
    -------
    DataFrame
        ``ASSOCIATION_COLUMNS``: the unweighted 2x2 counts, the odds ratio with interval
        and p-value, ``interval_excludes_one``, and ``refused`` with a ``reason`` when the
        events do not allow an estimate.
    """
    confidence = float(_setting("measures", "confidence_level", confidence))
    min_events = int(_setting("measures", "min_events_per_parameter", min_events))
    require_columns(cases, ["crime_id", "outcome_type", "charged"])
    z = stats.norm.ppf(0.5 + confidence / 2)
    items = _items(items)
    design = _design(sample)
    assigned = cases.loc[cases["outcome_type"].fillna(0) != 0, ["crime_id", "charged"]]
    design = design.merge(assigned.astype({"crime_id": "string"}), on="crime_id", how="left")
    first = first_codings(review)
    rows = []
    for item in items[items["response"] == "yes_no"].itertuples(index=False):
        coded = _coded(first, design, item.item_id)
        answered = coded["response"].isin(["yes", "no"]).fillna(False)
        coded = coded.assign(
            yes=coded["response"].eq("yes").fillna(False),
            include=answered & coded["charged"].notna(),
        )
        row = _association_row(coded, min_events, z)
        rows.append(
            {
                "force": _force(sample),
                "pillar": item.pillar,
                "item_id": item.item_id,
                "item": item.item,
                **row,
            }
        )
    table = pd.DataFrame(
        rows, columns=[c for c in ASSOCIATION_COLUMNS if c != "interval_excludes_one"]
    )
    table["interval_excludes_one"] = (table["ci_low"] > 1) | (table["ci_high"] < 1)
    counts = [
        "cases",
        "charged",
        "not_charged",
        "yes_charged",
        "yes_not_charged",
        "no_charged",
        "no_not_charged",
    ]
    types = dict.fromkeys(counts, "Int64") | {
        "refused": "boolean",
        "interval_excludes_one": "boolean",
    }
    return table[ASSOCIATION_COLUMNS].astype(types)
