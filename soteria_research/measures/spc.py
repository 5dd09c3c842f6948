"""Statistical process control: XmR charts with the NHS "Making Data Count" rules.

Centre line: the mean of the points. Moving range ``MR_i = |x_i - x_(i-1)|``; process
limits ``mean +/- 2.66 * mean(MR)`` (2.66 = 3 / 1.128, so the limits sit three
estimated sigma from the mean). Rules, each returning the points that form the pattern:

* ``outside_limits``: a point above the upper or below the lower process limit;
* ``run``: ``run_length`` (7) or more consecutive points on one side of the mean (a
  point on the mean ends a run);
* ``trend``: ``trend_length`` (7) or more consecutive points each higher (or each
  lower) than the one before (a repeat of the same value ends a trend);
* ``two_of_three``: two of three consecutive points beyond two sigma (two thirds of the
  way to a limit) on the same side of the mean; the points beyond are flagged.

Sides are ``high`` and ``low``; whether high is improvement or concern depends on the
measure and is decided by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

RULES = ("outside_limits", "run", "trend", "two_of_three")


def _runs(sign: np.ndarray, length: int) -> np.ndarray:
    """Mark members of runs of at least ``length`` equal non-zero values of ``sign``."""
    marked = np.zeros(len(sign), dtype=bool)
    start = 0
    for i in range(1, len(sign) + 1):
        if i == len(sign) or sign[i] != sign[start]:
            if sign[start] != 0 and i - start >= length:
                marked[start:i] = True
            start = i
    return marked


def xmr(
    values: Iterable[float],
    index: Iterable | None = None,
    run_length: int = 7,
    trend_length: int = 7,
    baseline: int | None = None,
) -> pd.DataFrame:
    """XmR chart of a series, with per-point signals.

    Parameters
    ----------
    values
        The series in time order (missing points are dropped).
    index
        Labels of the points (e.g. month starts); defaults to 0, 1, ...
    run_length, trend_length
        Points needed for a run and a trend (settings ``spc_run_length``,
        ``spc_trend_length``).
    baseline
        Compute mean and limits from the first ``baseline`` points only (default: all).

    Returns
    -------
    DataFrame
        ``point, value, moving_range, mean, mr_bar, lower_limit, upper_limit,
        lower_2sigma, upper_2sigma``, a boolean column per rule and ``signals``: the
        rules triggered at the point with their side, e.g. ``"run:low;trend:low"``
        (``high`` = above the mean or rising). Under two points the limits are NaN.
    """
    x = pd.Series(list(values), dtype="Float64")
    labels = pd.Series(list(index) if index is not None else range(len(x)))
    keep = x.notna().to_numpy()
    x = x[keep].astype(float).to_numpy()
    labels = labels[keep].reset_index(drop=True)
    mr = np.r_[np.nan, np.abs(np.diff(x))] if len(x) else np.array([])
    base = slice(0, baseline) if baseline else slice(None)
    mean = float(np.mean(x[base])) if len(x) else np.nan
    mr_bar = float(np.nanmean(mr[base])) if len(x) > 1 else np.nan
    out = pd.DataFrame({"point": labels, "value": x, "moving_range": mr})
    out["mean"] = mean
    out["mr_bar"] = mr_bar
    out["lower_limit"] = mean - 2.66 * mr_bar
    out["upper_limit"] = mean + 2.66 * mr_bar
    out["lower_2sigma"] = mean - 2 / 3 * 2.66 * mr_bar
    out["upper_2sigma"] = mean + 2 / 3 * 2.66 * mr_bar
    side = np.sign(x - mean) if len(x) else np.array([])
    location = np.where(side > 0, "high", "low")
    hits = {
        "outside_limits": (x > out["upper_limit"].to_numpy()) | (x < out["lower_limit"].to_numpy()),
        "run": _runs(side, run_length),
        "two_of_three": _two_of_three(
            x, out["upper_2sigma"].to_numpy(), out["lower_2sigma"].to_numpy()
        ),
    }
    sides = {rule: np.where(hit, location, "") for rule, hit in hits.items()}
    sides["trend"] = _trend(x, trend_length)
    for rule in RULES:
        out[rule] = sides[rule] != ""
    out["signals"] = pd.array(
        [
            ";".join(f"{rule}:{sides[rule][i]}" for rule in RULES if sides[rule][i])
            for i in range(len(x))
        ],
        dtype="string",
    )
    return out


def _trend(x: np.ndarray, length: int) -> np.ndarray:
    """Side (``high`` rising, ``low`` falling, empty) of points in a trend of ``length``."""
    out = np.full(len(x), "", dtype=object)
    if len(x) < 2:
        return out
    step = np.sign(np.diff(x))
    for direction, label in ((1, "high"), (-1, "low")):
        in_trend = _runs(np.where(step == direction, direction, 0), length - 1)
        members = np.zeros(len(x), dtype=bool)
        members[1:] |= in_trend
        members[:-1] |= in_trend
        out[members] = label
    return out


def _two_of_three(x: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    flagged = np.zeros(len(x), dtype=bool)
    for beyond in (x > upper, x < lower):
        for i in range(len(x) - 2):
            window = beyond[i : i + 3]
            if window.sum() >= 2:
                flagged[i : i + 3] |= window
    return flagged


def summarise_signals(chart: pd.DataFrame, points: Iterable | None = None) -> str:
    """One line naming the rules triggered (with side) among ``points`` (default all).

    ``"none"`` when the chart shows only common-cause variation there, e.g.
    ``"run:low; outside_limits:high"``.
    """
    part = chart if points is None else chart[chart["point"].isin(list(points))]
    if part.empty:
        return "none"
    found = {item for text in part["signals"].dropna() for item in text.split(";") if item}
    ordered = [f"{r}:{s}" for r in RULES for s in ("high", "low") if f"{r}:{s}" in found]
    return "; ".join(ordered) if ordered else "none"


SIGNAL_COLUMNS = ("rule", "side", "first", "last", "points", "when")
#: Flagged points of one signal may be this far apart (two of three: one point between).
_GAP = {"outside_limits": 1, "run": 1, "trend": 1, "two_of_three": 2}


def signal_periods(chart: pd.DataFrame) -> pd.DataFrame:
    """Each special-cause signal of an XmR chart with when it happened.

    A signal is a stretch of consecutive points flagged by one rule on one side
    (``two_of_three`` points may have one unflagged point between them): a run of nine
    low months is one signal from its first month to its last.

    Parameters
    ----------
    chart
        Output of :func:`xmr` (``point`` labels, e.g. month starts, in time order).

    Returns
    -------
    DataFrame
        ``rule, side, first, last, points, when``: the rule, ``high`` or ``low``, the
        labels of the first and last point of the signal, the number of points flagged,
        and ``when`` in words (``Jan 2021 to Jul 2022``, ``Mar 2023`` for dated points);
        ordered by ``first`` then rule. Empty when the chart shows only common-cause
        variation.

    Examples
    --------
    >>> chart = xmr([12, 10] * 6 + [17, 10, 12], baseline=12)
    >>> signal_periods(chart)[["rule", "side", "first", "last"]].values.tolist()
    [['outside_limits', 'high', 12, 12]]
    """
    rows = []
    labels = chart["point"].tolist()
    signals = chart["signals"].fillna("").tolist()
    for rule in RULES:
        for side in ("high", "low"):
            hits = [i for i, text in enumerate(signals) if f"{rule}:{side}" in text.split(";")]
            start = None
            for k, i in enumerate(hits):
                if start is None:
                    start, count = i, 0
                count += 1
                last = k == len(hits) - 1 or hits[k + 1] - i > _GAP[rule]
                if last:
                    when = _when(labels[start], labels[i])
                    rows.append((rule, side, labels[start], labels[i], count, when, start))
                    start = None
    out = pd.DataFrame(rows, columns=[*SIGNAL_COLUMNS, "position"])
    out = out.sort_values(["position", "rule"], kind="stable").drop(columns="position")
    types = {"rule": "string", "side": "string", "points": "Int64", "when": "string"}
    return out.astype(types).reset_index(drop=True)


def _when(first: object, last: object) -> str:
    """``Jan 2021 to Jul 2022`` for dated points (``Mar 2023`` when one month), else the
    labels themselves."""
    if isinstance(first, (pd.Timestamp, np.datetime64)) or hasattr(first, "strftime"):
        first, last = pd.Timestamp(first), pd.Timestamp(last)
        a, b = f"{first:%b %Y}", f"{last:%b %Y}"
    else:
        a, b = str(first), str(last)
    return a if a == b else f"{a} to {b}"


def signals_touching(periods: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """The signals of :func:`signal_periods` that touch the period ``start`` to ``end``
    (both included; labels comparable with the chart's points, e.g. month starts).

    A signal touches the period when it began on or before ``end`` and ended on or after
    ``start``: a run of Jan 2021 to Jul 2022 does not touch 2023/24.
    """
    if periods.empty:
        return periods
    first, last = periods["first"], periods["last"]
    if pd.api.types.is_datetime64_any_dtype(first) or isinstance(start, (pd.Timestamp,)):
        first, last = pd.to_datetime(first), pd.to_datetime(last)
        start, end = pd.Timestamp(start), pd.Timestamp(end)
    keep = (first <= end) & (last >= start)
    return periods[keep.to_numpy()].reset_index(drop=True)
