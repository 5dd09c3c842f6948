"""The case-file review recomputed from the processed review tables, independently.

Only pandas, numpy, scipy, statsmodels and the ``krippendorff`` package, and the coding
frame read as plain YAML: nothing here imports ``soteria_research``. Definitions:

* each case counts once, by its first coding (the Review sheet first, then file and row
  order); shares are design-weighted Hajek ratios (weights ``1 / inclusion probability``)
  with the stratified linearisation variance and finite-population correction (Lohr,
  *Sampling*, 2nd ed., 9.1), Wilson interval on the effective sample size; days items are
  the design-weighted mean with a normal interval;
* agreement on the cases coded twice: Cohen's kappa of the first against the second coding
  (statsmodels ``cohens_kappa``, its asymptotic standard error, normal interval clipped to
  [-1, 1]); Gwet's AC1 with Gwet's (2008) linearised variance and a Student t interval on
  ``units - 1`` df, ``q`` the number of possible responses of the item; Krippendorff's
  alpha from the ``krippendorff`` package (nominal, ordinal or interval by response type),
  its percentile bootstrap interval from the coincidence matrices of the same seeded
  resamples of units (Krippendorff 2004, ch. 11; Hayes and Krippendorff 2007);
* the odds ratio of charge, yes against no, among sampled cases with an outcome: the
  weighted logistic regression of charge on the item (statsmodels GLM, design weights),
  its log-odds standard error by linearisation of the model's estimating equations over
  the sampling strata (with replacement: no finite-population correction).
"""

from __future__ import annotations

from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

ROOT = Path(__file__).resolve().parents[2]
CONF = 0.95
LEVEL = {"yes_no": "nominal", "category": "nominal", "ordinal": "ordinal", "days": "interval"}


def settings() -> dict:
    return yaml.safe_load((ROOT / "config" / "settings.yaml").read_text(encoding="utf-8"))


def framework() -> dict[str, dict]:
    """Item id -> pillar, text, response type and its possible responses."""
    raw = yaml.safe_load((ROOT / "config" / "review_framework.yaml").read_text("utf-8"))
    out = {}
    for pillar, body in raw["pillars"].items():
        for item in body["items"]:
            kind = item["response"]
            if kind == "yes_no":
                choices = ["yes", "no", "not recorded"]
            elif kind == "ordinal":
                choices = [str(v) for v in range(int(item["min"]), int(item["max"]) + 1)]
            elif kind == "category":
                choices = [str(c) for c in item["choices"]]
            else:
                choices = []
            out[item["id"]] = {"pillar": pillar, "text": item["text"], "response": kind,
                               "choices": choices}  # fmt: skip
    return out


def first_codings(review: pd.DataFrame) -> pd.DataFrame:
    order = review.assign(second=~review["primary"].fillna(False).astype(bool))
    order = order.sort_values(["second", "source_file", "source_row"], kind="stable")
    first = order.drop_duplicates("crime_id")[["crime_id", "reviewer", "source_file", "sheet"]]
    return review.merge(first, on=["crime_id", "reviewer", "source_file", "sheet"])


def design(sample: pd.DataFrame) -> pd.DataFrame:
    out = sample[["crime_id", "stratum", "inclusion_probability"]].copy()
    out["f"] = out["inclusion_probability"].astype(float)
    out["w"] = 1 / out["f"]
    return out


def strat_variance(u: pd.Series, strata: pd.Series, f: pd.Series | None) -> float:
    """``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (u_i - mean_h u)^2``."""
    frame = pd.DataFrame({"u": u.to_numpy(float), "h": strata.to_numpy(),
                          "f": 0.0 if f is None else f.to_numpy(float)})  # fmt: skip
    total = 0.0
    for _, part in frame.groupby("h"):
        n = len(part)
        if n > 1:
            total += (
                (1 - part["f"].mean()) * n / (n - 1) * ((part["u"] - part["u"].mean()) ** 2).sum()
            )
    return total


def ratio(y: pd.Series, d: pd.Series, coded: pd.DataFrame) -> tuple[float, float]:
    w = coded["w"]
    total = (w * d).sum()
    r = float((w * d * y).sum() / total)
    z = w * d * (y - r) / total
    return r, float(np.sqrt(strat_variance(z, coded["stratum"], coded["f"])))


def coded(first: pd.DataFrame, plan: pd.DataFrame, item: str) -> pd.DataFrame:
    codes = first.loc[first["item_id"] == item, ["crime_id", "response", "value"]]
    return plan.merge(codes, on="crime_id", how="left")


def responses_of(label: str, kind: str) -> set[str]:
    """The responses a (possibly pooled) published response label stands for."""
    if kind == "ordinal" and "-" in label:
        low, high = (int(v) for v in label.split("-"))
        return {str(v) for v in range(low, high + 1)}
    return set(label.split(" or "))


def share(first: pd.DataFrame, plan: pd.DataFrame, item: str, label: str, kind: str) -> dict:
    rows = coded(first, plan, item)
    d = rows["response"].notna().astype(float)
    y = rows["response"].isin(responses_of(label, kind)).fillna(False).astype(float)
    p, se = ratio(y, d, rows)
    n = int(d.sum())
    effective = p * (1 - p) / se**2 if se > 0 and 0 < p < 1 else n
    effective = min(effective, max(n, 1))
    low, high = proportion_confint(p * effective, effective, 1 - CONF, method="wilson")
    k = int((y * d).sum())
    return {"numerator": k, "denominator": n, "complement": n - k, "value": p,
            "rate": 100 * p, "ci_low": 100 * low, "ci_high": 100 * high}  # fmt: skip


def days(first: pd.DataFrame, plan: pd.DataFrame, item: str) -> dict:
    rows = coded(first, plan, item)
    values = rows["value"].astype("Float64").astype(float)
    d = values.notna().astype(float)
    mean, se = ratio(values.fillna(0.0), d, rows)
    z = stats.norm.ppf(0.5 + CONF / 2)
    return {"cases": float(d.sum()), "mean days": mean, "ci_low": mean - z * se,
            "ci_high": mean + z * se}  # fmt: skip


def units(review: pd.DataFrame, item: str, numeric: bool) -> list[list]:
    """Per case coded twice or more (in crime id order): its codes, first coding first."""
    codes = review[(review["item_id"] == item) & review["response"].notna()]
    codes = codes.assign(second=~codes["primary"].fillna(False).astype(bool))
    codes = codes.sort_values(["crime_id", "second", "source_file", "source_row"])
    column = "value" if numeric else "response"
    out = []
    for _, part in codes.groupby("crime_id", sort=True):
        if len(part) >= 2:
            out.append([float(v) if numeric else str(v) for v in part[column]])
    return out


def gwet(rows: list[list], q: int) -> dict:
    """Gwet's AC1 (Gwet 2008, multiple raters, missing codes) and its t interval."""
    levels = sorted({v for r in rows for v in r})
    counts = np.array([[r.count(v) for v in levels] for r in rows], dtype=float)
    m = counts.sum(axis=1)
    n = len(rows)
    pa_i = (counts * (counts - 1)).sum(axis=1) / (m * (m - 1))
    pa = pa_i.mean()
    pi = (counts / m[:, None]).mean(axis=0)
    pe = (pi * (1 - pi)).sum() / (q - 1)
    ac1 = (pa - pe) / (1 - pe)
    pe_i = (counts / m[:, None] * (1 - pi)).sum(axis=1) / (q - 1)
    ac1_i = (pa_i - pe) / (1 - pe) - 2 * (1 - ac1) * (pe_i - pe) / (1 - pe)
    se = np.sqrt(((ac1_i - ac1) ** 2).sum() / (n * (n - 1)))
    t = stats.t.ppf(0.5 + CONF / 2, n - 1)
    return {"estimate": ac1, "ci_low": max(ac1 - t * se, -1), "ci_high": min(ac1 + t * se, 1)}


def kappa(rows: list[list]) -> dict:
    first, second = [r[0] for r in rows], [r[1] for r in rows]
    levels = sorted(set(first) | set(second))
    table = pd.crosstab(pd.Categorical(first, levels), pd.Categorical(second, levels),
                        dropna=False).to_numpy()  # fmt: skip
    result = cohens_kappa(table)
    z = stats.norm.ppf(0.5 + CONF / 2)
    k, se = result["kappa"], result["std_kappa"]
    return {"estimate": k, "ci_low": max(k - z * se, -1), "ci_high": min(k + z * se, 1)}


def _delta(values: np.ndarray, margins: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's difference functions (margins: ... x K)."""
    k = len(values)
    if level == "nominal":
        return np.broadcast_to(1 - np.eye(k), (*margins.shape[:-1], k, k))
    if level == "interval":
        return np.broadcast_to((values[:, None] - values[None, :]) ** 2,
                               (*margins.shape[:-1], k, k))  # fmt: skip
    out = np.zeros((*margins.shape[:-1], k, k))
    for c in range(k):
        for d in range(k):
            lo, hi = min(c, d), max(c, d)
            between = margins[..., lo : hi + 1].sum(axis=-1)
            out[..., c, d] = (between - (margins[..., c] + margins[..., d]) / 2) ** 2
    return out


def krippendorff_alpha(rows: list[list], level: str, reps: int, seed: int) -> dict:
    """The package's alpha, and the percentile interval over resampled units."""
    width = max(len(r) for r in rows)
    if level == "nominal":
        index = {v: float(i) for i, v in enumerate(sorted({v for r in rows for v in r}))}
        table = np.array([[index[v] for v in r] + [np.nan] * (width - len(r)) for r in rows])
    else:
        table = np.array([list(r) + [np.nan] * (width - len(r)) for r in rows], dtype=float)
    estimate = krippendorff.alpha(reliability_data=table.T, level_of_measurement=level)
    values = np.unique(table[np.isfinite(table)])
    n_uc = np.stack([(table == v).sum(axis=1) for v in values], axis=1).astype(float)
    m_u = n_uc.sum(axis=1)
    per_unit = n_uc[:, :, None] * n_uc[:, None, :] - np.eye(len(values)) * n_uc[:, :, None]
    per_unit = per_unit / (m_u - 1)[:, None, None]
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)), size=reps)
    coincidence = np.einsum("ru,ukl->rkl", weights.astype(float), per_unit)
    margins = coincidence.sum(axis=-1)
    delta = _delta(values, margins, level)
    observed = (coincidence * delta).sum(axis=(-2, -1))
    expected = (margins[..., :, None] * margins[..., None, :] * delta).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = 1 - (margins.sum(axis=-1) - 1) * observed / expected
    draws = draws[np.isfinite(draws)]
    low, high = np.quantile(draws, [(1 - CONF) / 2, (1 + CONF) / 2])
    return {"estimate": float(estimate), "ci_low": float(low), "ci_high": float(high)}


def agreement(review: pd.DataFrame, items: dict[str, dict]) -> dict[str, dict]:
    """Item id -> ``<statistic> <part>`` and ``cases coded twice`` (the agreement table)."""
    conf = settings()["review"]
    out = {}
    for item, spec in items.items():
        numeric = spec["response"] in ("days", "ordinal")
        rows = units(review, item, numeric)
        figures: dict = {"cases coded twice": float(len(rows))}
        if len(rows) >= int(conf["min_double_coded"]):
            alpha = krippendorff_alpha(rows, LEVEL[spec["response"]],
                                       int(conf["bootstrap_replicates"]), 0)  # fmt: skip
            parts = {"krippendorff_alpha": alpha}
            if spec["response"] != "days":
                named = units(review, item, False)
                parts["cohen_kappa"] = kappa(named)
                parts["gwet_ac1"] = gwet(named, len(spec["choices"]))
            for statistic, values in parts.items():
                for part, value in values.items():
                    figures[f"{statistic} {part}"] = value
        out[item] = figures
    return out


def odds_ratio(first: pd.DataFrame, plan: pd.DataFrame, cases: pd.DataFrame, item: str) -> dict:
    """Design-weighted odds ratio of charge (yes against no) and its 2x2 counts."""
    outcome = cases.loc[cases["outcome_type"].fillna(0) != 0, ["crime_id", "charged"]]
    rows = coded(first, plan, item).merge(outcome, on="crime_id", how="left")
    include = rows["response"].isin(["yes", "no"]).fillna(False) & rows["charged"].notna()
    y = rows["charged"].fillna(False).astype(float).to_numpy()
    x = rows["response"].eq("yes").fillna(False).astype(float).to_numpy()
    inside = include.to_numpy()
    cells = {
        (a, b): int(((x == a) & (y == b) & inside).sum()) for a in (0.0, 1.0) for b in (0.0, 1.0)
    }
    out = {"cells": cells, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if min(cells.values()) == 0:
        return out
    design_x = sm.add_constant(x[inside])
    model = sm.GLM(y[inside], design_x, family=sm.families.Binomial(),
                   var_weights=rows["w"].to_numpy(float)[inside])  # fmt: skip
    fit = model.fit()
    bread = np.linalg.inv(-model.hessian(fit.params))
    influence = np.zeros(len(rows))
    influence[inside] = (model.score_obs(fit.params) @ bread)[:, 1]
    se = np.sqrt(strat_variance(pd.Series(influence), rows["stratum"], None))
    z = stats.norm.ppf(0.5 + CONF / 2)
    b = fit.params[1]
    out.update(odds_ratio=np.exp(b), ci_low=np.exp(b - z * se), ci_high=np.exp(b + z * se))
    return out


def sample_counts(review: pd.DataFrame, sample: pd.DataFrame, cases: pd.DataFrame) -> dict:
    merged = sample[["crime_id"]].merge(
        cases[["crime_id", "outcome_type", "charged"]].drop_duplicates("crime_id"),
        on="crime_id", how="left",
    )  # fmt: skip
    assigned = merged["outcome_type"].notna() & merged["outcome_type"].fillna(0).ne(0)
    charged = assigned & merged["charged"].fillna(False).astype(bool)
    reviewers = review.groupby("crime_id")["reviewer"].nunique()
    return {
        "case files sampled": float(len(sample)),
        "coded by a reviewer": float(first_codings(review)["crime_id"].nunique()),
        "coded by two reviewers": float((reviewers >= 2).sum()),
        "with an outcome assigned": float(assigned.sum()),
        "charged": float(charged.sum()),
    }
