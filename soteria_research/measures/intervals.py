"""Confidence intervals: proportions (Wilson, Clopper-Pearson), medians, means.

The shape follows ``statsmodels.stats.proportion.proportion_confint(count, nobs, alpha,
method)`` and the results match it (tested); the computations are written out here so
that zero denominators give NaN instead of a warning or an error.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import (
    ESTIMATE_COLUMNS,
    TOO_FEW_VALUES,
    ZERO_DENOMINATOR,
    as_list,
)

METHODS = ("wilson", "beta")


def proportion_ci(
    count: float | Iterable[float],
    nobs: float | Iterable[float],
    confidence: float = 0.95,
    method: str = "wilson",
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a binomial proportion ``count / nobs``.

    Parameters
    ----------
    count, nobs
        Numbers of successes and trials (scalars or arrays of equal length).
    confidence
        Confidence level, e.g. 0.95.
    method
        ``"wilson"`` (score interval) or ``"beta"`` (Clopper-Pearson, exact).

    Returns
    -------
    (low, high)
        Arrays; NaN where ``nobs`` is 0 or missing.

    >>> low, high = proportion_ci(5, 100)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.0215, 0.1118)
    """
    if method not in METHODS:
        raise ParameterError(f"interval method must be one of {METHODS}, not {method!r}.")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie between 0 and 1, not {confidence!r}.")
    x = np.atleast_1d(np.asarray(count, dtype=float))
    n = np.atleast_1d(np.asarray(nobs, dtype=float))
    x, n = np.broadcast_arrays(x, n)
    ok = (n > 0) & np.isfinite(n) & np.isfinite(x)
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    alpha = 1 - confidence
    xs, ns = x[ok], n[ok]
    if method == "wilson":
        z = stats.norm.isf(alpha / 2)
        centre = (xs + z**2 / 2) / (ns + z**2)
        half = z / (ns + z**2) * np.sqrt(xs * (ns - xs) / ns + z**2 / 4)
        low[ok] = np.where(xs == 0, 0.0, centre - half)
        high[ok] = np.where(xs == ns, 1.0, centre + half)
    else:
        with np.errstate(invalid="ignore"):
            lo = stats.beta.ppf(alpha / 2, xs, ns - xs + 1)
            hi = stats.beta.isf(alpha / 2, xs + 1, ns - xs)
        low[ok] = np.where(xs == 0, 0.0, lo)
        high[ok] = np.where(xs == ns, 1.0, hi)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def proportion_estimates(
    numerator: Iterable[float],
    denominator: Iterable[float],
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Estimate columns for proportions: numerator, denominator, value, CI, reason."""
    num = np.asarray(list(numerator) if not isinstance(numerator, np.ndarray) else numerator)
    den = np.asarray(list(denominator) if not isinstance(denominator, np.ndarray) else denominator)
    num, den = num.astype(float), den.astype(float)
    low, high = proportion_ci(num, den, confidence, method)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame(
        {
            "numerator": pd.array(num, dtype="Int64"),
            "denominator": pd.array(den, dtype="Int64"),
            "value": value,
            "ci_low": low,
            "ci_high": high,
            "reason": np.where(den > 0, "", ZERO_DENOMINATOR),
        }
    ).astype({"reason": "string"})


def proportions_by(
    frame: pd.DataFrame,
    hits: pd.Series,
    by: str | list[str] | None = None,
    levels: pd.DataFrame | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Share of rows of ``frame`` where ``hits`` is True, overall or per group.

    Parameters
    ----------
    frame
        The rows in the denominator.
    hits
        Boolean Series aligned on ``frame``: the rows in the numerator.
    by
        Grouping column(s); None for one overall row.
    levels
        Every group that must appear (e.g. the forces of the whole table); a group with
        no rows in ``frame`` gets denominator 0, value NaN and a reason.
    """
    keys = as_list(by)
    if not keys:
        est = proportion_estimates([int(hits.sum())], [len(frame)], confidence, method)
        return est[ESTIMATE_COLUMNS]
    work = frame[keys].assign(_hit=hits.astype(bool).to_numpy(), _one=1)
    counts = work.groupby(keys, dropna=False, observed=True)[["_hit", "_one"]].sum()
    if levels is not None:
        index = pd.MultiIndex.from_frame(levels[keys].drop_duplicates())
        if len(keys) == 1:
            index = index.get_level_values(0)
        counts = counts.reindex(counts.index.union(index), fill_value=0)
    counts = counts.reset_index()
    est = proportion_estimates(counts["_hit"], counts["_one"], confidence, method)
    return pd.concat([counts[keys], est[ESTIMATE_COLUMNS]], axis=1)


def median_ci(values: Iterable[float], confidence: float = 0.95) -> dict[str, float | int | str]:
    """Median with a distribution-free (order-statistic, binomial) confidence interval.

    The interval is ``(x_(k), x_(n-k+1))`` for the largest ``k`` with
    ``P(B <= k-1) <= alpha/2``, B ~ Binomial(n, 1/2) (Conover; the table in Altman et al.,
    *Statistics with Confidence*): for n=10 at 95% it is the 2nd and 9th values.

    Returns
    -------
    dict
        ``n``, ``value``, ``ci_low``, ``ci_high``, ``coverage`` (the exact coverage of
        the interval) and ``reason`` (empty, or why a value is NaN).
    """
    x = np.sort(np.asarray([v for v in values if pd.notna(v)], dtype=float))
    n = len(x)
    out: dict[str, float | int | str] = {
        "n": n,
        "value": float(np.median(x)) if n else np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "coverage": np.nan,
        "reason": "" if n else ZERO_DENOMINATOR,
    }
    if n == 0:
        return out
    alpha = 1 - confidence
    tail = stats.binom.cdf(np.arange(n), n, 0.5)  # tail[j] = P(B <= j)
    ks = np.nonzero(tail <= alpha / 2)[0] + 1  # candidate k: P(B <= k-1) <= alpha/2
    if len(ks) == 0:
        out["reason"] = TOO_FEW_VALUES
        return out
    k = int(ks.max())
    out.update(ci_low=float(x[k - 1]), ci_high=float(x[n - k]), coverage=float(1 - 2 * tail[k - 1]))
    return out


def median_ci_rank(n: int, confidence: float = 0.95) -> int:
    """``k`` of :func:`median_ci`'s interval ``(x_(k), x_(n-k+1))``: ``k - 1`` records lie
    below its lower end and ``k - 1`` above its upper end (0 when there is no interval).

    >>> median_ci_rank(10)
    2
    """
    if n <= 0:
        return 0
    tail = stats.binom.cdf(np.arange(n), n, 0.5)
    ks = np.nonzero(tail <= (1 - confidence) / 2)[0] + 1
    return int(ks.max()) if len(ks) else 0


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> dict[str, float | int | str]:
    """Mean with a t-interval; NaN interval (with a reason) below two values."""
    x = np.asarray([v for v in values if pd.notna(v)], dtype=float)
    n = len(x)
    out: dict[str, float | int | str] = {
        "n": n,
        "value": float(x.mean()) if n else np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "reason": "" if n else ZERO_DENOMINATOR,
    }
    if n >= 2:
        half = stats.t.isf((1 - confidence) / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
        out.update(ci_low=float(x.mean() - half), ci_high=float(x.mean() + half))
    elif n == 1:
        out["reason"] = TOO_FEW_VALUES
    return out
