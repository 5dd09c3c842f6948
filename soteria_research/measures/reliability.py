"""Reliability of a scale: Cronbach's alpha (Feldt interval) and McDonald's omega.

* :func:`cronbach_alpha`: ``k / (k - 1) * (1 - sum of item variances / variance of the
  total)``, with Feldt's (1965) F-distribution interval, the interval pingouin's
  ``cronbach_alpha`` gives (tested against its values).
* :func:`one_factor`: maximum-likelihood one-factor model of a covariance matrix by the
  classic fixed-point iteration (Joreskog), batched over many matrices at once; its
  loadings match ``statsmodels.multivariate.factor.Factor(method="ml")`` (tested).
* :func:`mcdonald_omega`: omega total of the one-factor model,
  ``(sum loadings)^2 / ((sum loadings)^2 + sum uniquenesses)``, with a percentile
  bootstrap interval (seeded, so reruns agree).

Both take complete answers only (respondents x items, reverse-scored items already
mirrored); :mod:`.survey` does the selection.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

_MAX_ITER = 2000
_POWER_STEPS = 3
_TOL = 1e-8


def cronbach_alpha(block: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Cronbach's alpha of complete answers and its Feldt interval.

    Parameters
    ----------
    block
        Respondents x items (no missing values), reverse-scored items mirrored.
    confidence
        Interval level.

    Returns
    -------
    alpha, low, high : float
        NaN when fewer than 2 items or 3 respondents, or the total has no variance.
    """
    block = np.asarray(block, float)
    n, k = block.shape
    total = block.sum(axis=1).var(ddof=1) if n > 1 else 0.0
    if k < 2 or n < 3 or total <= 0:
        return np.nan, np.nan, np.nan
    alpha = k / (k - 1) * (1 - block.var(axis=0, ddof=1).sum() / total)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(alpha), float(low), float(high)


def one_factor(cov: np.ndarray, start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood one-factor model of covariance matrices.

    Parameters
    ----------
    cov
        One ``k x k`` covariance matrix or a stack ``(m, k, k)``.
    start
        Starting uniquenesses (``(k,)``), e.g. the full sample's for bootstrap samples;
        default half of each variance.

    Returns
    -------
    loadings, uniquenesses : ndarray
        Shapes ``(k,)`` or ``(m, k)``; loadings signed so that their sum is positive,
        uniquenesses kept above a small floor (Heywood cases).
    """
    cov = np.asarray(cov, float)
    single = cov.ndim == 2
    cov = cov[None] if single else cov
    if cov.shape[-1] == 3:
        loadings, psi = _three_items(cov)
        return (loadings[0], psi[0]) if single else (loadings, psi)
    diag = np.diagonal(cov, axis1=1, axis2=2)
    floor = 1e-6 * np.maximum(diag, 1e-12)
    psi = diag * 0.5 if start is None else np.broadcast_to(start, diag.shape).copy()
    psi = np.maximum(psi, floor)
    loadings = np.zeros_like(diag)
    active = np.arange(len(cov))  # matrices still moving: converged ones drop out
    vector = np.linalg.eigh(cov)[1][:, :, -1]  # warm start of the power iterations
    for _ in range(_MAX_ITER):
        sub_psi = psi[active]
        scale = 1 / np.sqrt(sub_psi)
        scaled = cov[active] * scale[:, :, None] * scale[:, None, :]
        sub_vector = vector[active]
        for _step in range(_POWER_STEPS):  # top eigenvector, by power iteration
            sub_vector = np.einsum("bij,bj->bi", scaled, sub_vector)
            sub_vector /= np.linalg.norm(sub_vector, axis=1, keepdims=True)
        top = np.einsum("bi,bij,bj->b", sub_vector, scaled, sub_vector)
        vector[active] = sub_vector
        sub_loadings = np.sqrt(sub_psi) * sub_vector * np.sqrt(np.maximum(top - 1, 0))[:, None]
        updated = np.maximum(diag[active] - sub_loadings**2, floor[active])
        change = np.max(np.abs(updated - sub_psi) / np.maximum(diag[active], 1e-12), axis=1)
        loadings[active] = sub_loadings
        psi[active] = updated
        active = active[change >= _TOL]
        if not len(active):
            break
    sign = np.where(loadings.sum(axis=1) < 0, -1.0, 1.0)
    loadings = loadings * sign[:, None]
    return (loadings[0], psi[0]) if single else (loadings, psi)


def _three_items(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three items: the one-factor model is saturated, and fits exactly where it can:
    ``loading_i^2 = s_ij * s_ik / s_jk``; uniquenesses kept above the floor otherwise."""
    diag = np.diagonal(cov, axis1=1, axis2=2)
    s01, s02, s12 = cov[:, 0, 1], cov[:, 0, 2], cov[:, 1, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        squares = np.stack([s01 * s02 / s12, s01 * s12 / s02, s02 * s12 / s01], axis=1)
    floor = 1e-6 * np.maximum(diag, 1e-12)
    squares = np.clip(np.nan_to_num(squares, nan=0.0, posinf=0.0), 0, diag - floor)
    signs = np.stack([np.sign(s01 * s02), np.sign(s01), np.sign(s02)], axis=1)
    signs = np.where(signs == 0, 1.0, signs)
    loadings = np.sqrt(squares) * signs
    sign = np.where(loadings.sum(axis=1) < 0, -1.0, 1.0)
    return loadings * sign[:, None], diag - squares


def _omega(loadings: np.ndarray, psi: np.ndarray) -> np.ndarray:
    common = loadings.sum(axis=-1) ** 2
    return common / (common + psi.sum(axis=-1))


def mcdonald_omega(
    block: np.ndarray,
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """McDonald's omega (total, one factor) with a percentile bootstrap interval.

    Parameters
    ----------
    block
        Respondents x items, complete, reverse-scored items mirrored.
    confidence
        Interval level.
    replicates
        Bootstrap resamples of respondents (0 for no interval).
    seed
        Seed of the resampling.

    Returns
    -------
    omega, low, high : float
        NaN when fewer than 3 items (one factor is not identified from two) or 3
        respondents.
    """
    block = np.asarray(block, float)
    n, k = block.shape
    if k < 3 or n < 3 or np.all(block.var(axis=0) == 0):
        return np.nan, np.nan, np.nan
    loadings, psi = one_factor(np.cov(block, rowvar=False))
    omega = float(_omega(loadings, psi))
    if replicates <= 0:
        return omega, np.nan, np.nan
    rng = np.random.default_rng(seed)
    samples = block[rng.integers(0, n, size=(replicates, n))]
    centred = samples - samples.mean(axis=1, keepdims=True)
    covs = np.einsum("bni,bnj->bij", centred, centred) / (n - 1)
    usable = np.all(np.diagonal(covs, axis1=1, axis2=2) > 0, axis=1)
    boot = _omega(*one_factor(covs[usable], start=psi))
    tail = (1 - confidence) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return omega, float(low), float(high)
