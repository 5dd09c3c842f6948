"""The surveys recomputed from the processed responses, independently of the package.

Only pandas, numpy and scipy, and the instrument files read as plain YAML: nothing here
imports ``soteria_research``. Definitions are the published ones (``docs/surveys.md``)
and the textbooks':

* a respondent's scale score: the mean of the answered items of the scale, reverse-scored
  items mirrored (``min + max - answer``), when at least ``min_scale_items_share`` of
  them were answered;
* scale means: Student t interval;
* Cronbach's alpha on the respondents who answered every item of the scale, with Feldt's
  (1965) interval ``1 - (1 - alpha) F``, F on ``n - 1`` and ``(n - 1)(k - 1)`` df;
* McDonald's omega (total) of the maximum-likelihood one-factor model,
  ``(sum loadings)^2 / ((sum loadings)^2 + sum uniquenesses)``: three items in closed
  form (the model is saturated: ``loading_i^2 = s_ij s_ik / s_jk``), more items by the
  EM algorithm of Rubin and Thayer (1982); its percentile bootstrap interval on the same
  seeded resamples of respondents (``surveys.bootstrap_seed``);
* change between waves: paired t interval of the linked respondents' differences, or
  Welch's interval with Welch-Satterthwaite degrees of freedom;
* a group against the other respondents: Welch's interval of the difference in means.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
CONF = 0.95


def settings() -> dict:
    return yaml.safe_load((ROOT / "config" / "settings.yaml").read_text(encoding="utf-8"))


def instrument(name: str) -> dict:
    """The instrument file as written: scales (id, name, items, reverse), scale range."""
    raw = yaml.safe_load((ROOT / "config" / "surveys" / f"{name}.yaml").read_text("utf-8"))
    return {
        "id": raw["id"],
        "min": int(raw["scale"]["min"]),
        "max": int(raw["scale"]["max"]),
        "labels": {int(k): str(v) for k, v in raw["scale"]["labels"].items()},
        "items": [i["id"] for i in raw["items"]],
        "grouping": [g["id"] for g in raw.get("grouping", [])],
        "scales": [
            {
                "id": s["id"],
                "name": s["name"],
                "items": list(s["items"]),
                "reverse": list(s.get("reverse", [])),
            }
            for s in raw["scales"]
        ],
    }


def waves(responses: pd.DataFrame) -> list[str]:
    return sorted(responses["wave"].astype(str).unique())


def scored(responses: pd.DataFrame, ins: dict, scale: dict) -> pd.DataFrame:
    block = responses[scale["items"]].astype("Float64").astype(float)
    for item in scale["reverse"]:
        block[item] = ins["min"] + ins["max"] - block[item]
    return block


def scores(responses: pd.DataFrame, ins: dict, share: float) -> pd.DataFrame:
    """Respondent x scale scores (NaN when too few items of the scale were answered)."""
    out = pd.DataFrame(index=responses.index)
    for scale in ins["scales"]:
        block = scored(responses, ins, scale)
        answered = block.notna().sum(axis=1)
        out[scale["id"]] = block.mean(axis=1).where(answered >= share * len(scale["items"]))
    return out


def t_interval(x: np.ndarray) -> dict[str, float]:
    n = len(x)
    mean = float(np.mean(x))
    half = stats.t.ppf(0.5 + CONF / 2, n - 1) * np.std(x, ddof=1) / np.sqrt(n)
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def welch(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """mean(a) - mean(b), Welch's interval and two-sided p (by hand)."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    d = float(np.mean(a) - np.mean(b))
    half = stats.t.ppf(0.5 + CONF / 2, df) * se
    return {"change": d, "ci_low": d - half, "ci_high": d + half,
            "p_value": 2 * stats.t.sf(abs(d) / se, df)}  # fmt: skip


def paired(after: np.ndarray, before: np.ndarray) -> dict[str, float]:
    diff = after - before
    n = len(diff)
    d, se = float(diff.mean()), np.std(diff, ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.5 + CONF / 2, n - 1) * se
    return {"change": d, "ci_low": d - half, "ci_high": d + half,
            "p_value": 2 * stats.t.sf(abs(d) / se, n - 1)}  # fmt: skip


def cronbach(block: np.ndarray) -> dict[str, float]:
    n, k = block.shape
    alpha = k / (k - 1) * (1 - block.var(axis=0, ddof=1).sum() / block.sum(axis=1).var(ddof=1))
    tail = (1 - CONF) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return {
        "alpha": alpha,
        "alpha_low": 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2),
        "alpha_high": 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2),
    }


def omega_of(cov: np.ndarray) -> np.ndarray:
    """Omega of covariance matrices (..., k, k) under the one-factor ML model."""
    cov = np.asarray(cov, float)
    if cov.shape[-1] == 3:
        s01, s02, s12 = cov[..., 0, 1], cov[..., 0, 2], cov[..., 1, 2]
        diag = np.diagonal(cov, axis1=-2, axis2=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            squares = np.stack([s01 * s02 / s12, s01 * s12 / s02, s02 * s12 / s01], axis=-1)
        squares = np.clip(np.nan_to_num(squares, nan=0.0, posinf=0.0), 0, diag)
        signs = np.stack([np.sign(s01 * s02), np.sign(s01), np.sign(s02)], axis=-1)
        loadings = np.sqrt(squares) * np.where(signs == 0, 1.0, signs)
        psi = diag - squares
    else:
        loadings, psi = em_one_factor(cov)
    common = np.abs(loadings.sum(axis=-1)) ** 2
    return common / (common + psi.sum(axis=-1))


def em_one_factor(cov: np.ndarray, iterations: int = 50_000, tol: float = 1e-13):
    """Rubin-Thayer EM for the one-factor model of covariance matrices (..., k, k)."""
    single = cov.ndim == 2
    s = cov[None] if single else cov
    diag = np.diagonal(s, axis1=-2, axis2=-1)
    first = np.linalg.eigh(s)[1][..., -1]
    top = np.linalg.eigvalsh(s)[..., -1]
    lam = first * np.sqrt(top)[:, None] * 0.9
    psi = np.maximum(diag - lam**2, 0.05 * diag)
    for _ in range(iterations):
        sigma = lam[:, :, None] * lam[:, None, :] + psi[:, :, None] * np.eye(s.shape[-1])
        beta = np.linalg.solve(sigma, lam[:, :, None])[:, :, 0]  # Sigma^-1 lambda
        sb = np.einsum("bij,bj->bi", s, beta)
        ezz = 1 - (beta * lam).sum(axis=1) + (beta * sb).sum(axis=1)
        new_lam = sb / ezz[:, None]
        new_psi = diag - new_lam * sb
        moved = max(np.abs(new_lam - lam).max(), np.abs(new_psi - psi).max())
        lam, psi = new_lam, new_psi
        if moved < tol:
            break
    return (lam[0], psi[0]) if single else (lam, psi)


def omega(block: np.ndarray, reps: int, seed: int) -> dict[str, float]:
    n, k = block.shape
    nan = float("nan")
    if k < 3:
        return {"omega": nan, "omega_low": nan, "omega_high": nan}
    value = float(omega_of(np.cov(block, rowvar=False)))
    rng = np.random.default_rng(seed)
    samples = block[rng.integers(0, n, size=(reps, n))]
    centred = samples - samples.mean(axis=1, keepdims=True)
    covs = np.einsum("bni,bnj->bij", centred, centred) / (n - 1)
    covs = covs[np.all(np.diagonal(covs, axis1=1, axis2=2) > 0, axis=1)]
    low, high = np.quantile(omega_of(covs), [(1 - CONF) / 2, (1 + CONF) / 2])
    return {"omega": value, "omega_low": float(low), "omega_high": float(high)}


def survey(responses: pd.DataFrame, name: str, minimum: int) -> dict:
    """Everything one force's report shows about one instrument, by published row."""
    conf = settings()["surveys"]
    ins = instrument(name)
    share = float(conf["min_scale_items_share"])
    order = waves(responses)
    latest = responses[responses["wave"] == order[-1]]
    out: dict = {"instrument": ins, "waves": order, "latest": order[-1]}
    complete = responses[ins["items"]].notna().all(axis=1)
    out["respondents"] = {
        w: {
            "respondents": int((responses["wave"] == w).sum()),
            "complete": int((complete & (responses["wave"] == w)).sum()),
            "partial": int((~complete & (responses["wave"] == w)).sum()),
        }
        for w in order
    }
    own = scores(latest, ins, share)
    scales = {}
    for scale in ins["scales"]:
        row = t_interval(own[scale["id"]].dropna().to_numpy(float))
        block = scored(latest, ins, scale).dropna().to_numpy(float)
        row |= cronbach(block)
        row |= omega(block, int(conf["bootstrap_replicates"]), int(conf["bootstrap_seed"]))
        scales[scale["name"]] = row
    out["scales"] = scales
    out["change"] = {}
    every = scores(responses, ins, share).assign(
        wave=responses["wave"].astype(str), respondent_id=responses["respondent_id"]
    )
    for first, second in pairwise(order):
        for scale in ins["scales"]:
            x = every[every["wave"] == first].set_index("respondent_id")[scale["id"]].dropna()
            y = every[every["wave"] == second].set_index("respondent_id")[scale["id"]].dropna()
            linked = x.index.intersection(y.index)
            if len(linked) >= minimum:
                label, figures = "paired", paired(y[linked].to_numpy(), x[linked].to_numpy())
            else:
                label, figures = "independent samples", welch(y.to_numpy(), x.to_numpy())
            out["change"][(first, second, f"{scale['name']} ({label})")] = figures
    out["groups"] = {}
    for variable in ins["grouping"]:
        groups = latest[variable].astype("string").fillna("not stated")
        for scale in ins["scales"]:
            values = own[scale["id"]]
            has = values.notna()
            for group in sorted(groups[has].unique()):
                inside = values[has & (groups == group)].to_numpy(float)
                rest = values[has & (groups != group)].to_numpy(float)
                if len(inside) < 2 or len(rest) < 2:
                    continue
                row = t_interval(inside)
                diff = welch(inside, rest)
                row |= {"difference": diff["change"], "diff_low": diff["ci_low"],
                        "diff_high": diff["ci_high"]}  # fmt: skip
                label = f"{scale['name']}: {variable.replace('_', ' ')} = {group}"
                out["groups"][label] = row
        out.setdefault("group_sizes", {})[variable] = groups.value_counts().to_dict()
    answers = {}
    for item in ins["items"]:
        column = latest[item].astype("Float64")
        counts = {ins["labels"][a]: float((column == a).sum()) for a in ins["labels"]}
        counts["not answered"] = float(column.isna().sum())
        answers[item] = counts
    out["answers"] = answers
    return out


def pooled_means(latest: pd.DataFrame, name: str) -> dict[str, dict]:
    """(force or ``pooled``, scale name) -> mean with t interval, over latest waves."""
    conf = settings()["surveys"]
    ins = instrument(name)
    own = scores(latest, ins, float(conf["min_scale_items_share"]))
    out = {}
    for scale in ins["scales"]:
        for force, index in latest.groupby("force").groups.items():
            values = own.loc[index, scale["id"]].dropna().to_numpy(float)
            out[(str(force), scale["name"])] = t_interval(values)
        out[("pooled", scale["name"])] = t_interval(own[scale["id"]].dropna().to_numpy(float))
    return out
