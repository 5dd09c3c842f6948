"""Funnel plots: where each force's rate sits against a target, allowing for its size.

Limits for a proportion with target ``p`` and denominator ``n`` (Spiegelhalter 2005,
"Funnel plots for comparing institutional performance", Stat Med 24:1185):

* ``exact``: binomial quantiles, interpolated as in the paper's appendix: for the
  ``q``-quantile ``r`` of Binomial(n, p), ``a = (F(r) - q) / (F(r) - F(r - 1))`` and the
  limit is ``(r - a) / n``, which makes the limits smooth in ``n``;
* ``normal``: ``p +/- z * sqrt(p (1 - p) / n)``.

Over-dispersion (Spiegelhalter 2005, "Handling over-dispersion of performance
indicators", Qual Saf Health Care 14:347): z-scores ``(y - p) / s`` with
``s = sqrt(p (1 - p) / n)`` are winsorised at the 10th and 90th percentiles; ``phi`` is
their mean square. If ``I * phi > I - 1`` the additive random-effects variance is
``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``, ``w = 1 / s^2``, and the limits
become ``p +/- z * sqrt(s^2 + tau2)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import SINGLE_FORCE, ZERO_DENOMINATOR

#: Positions on the default limits (0.95 and 0.998); other limits give other names, see
#: :func:`position_codes`.
POSITIONS = ("within", "above95", "below95", "above998", "below998")


def _level_name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")


def position_codes(levels: Iterable[float] = (0.95, 0.998)) -> tuple[str, ...]:
    """The funnel positions the configured ``levels`` can give, in the evidence base's
    codes: ``within`` and ``above<L>`` / ``below<L>`` per level (``L`` the coverage in
    percent without its point: 0.95 -> ``95``, 0.998 -> ``998``).

    >>> position_codes([0.9, 0.99])
    ('within', 'above90', 'below90', 'above99', 'below99')
    """
    codes = ["within"]
    for level in sorted(levels):
        codes += [f"above{_level_name(level)}", f"below{_level_name(level)}"]
    return tuple(codes)


def position_words(code: object, levels: Iterable[float] = (0.95, 0.998)) -> str:
    """A funnel position in words, read with the configured ``levels`` ("" when unplaced).

    >>> position_words("above998"), position_words("within", [0.9, 0.99])
    ('above the 99.8% limit', 'within the 90% limits')
    """
    if not isinstance(code, str):
        return ""
    levels = sorted(levels)
    if code == "within":
        return f"within the {levels[0] * 100:g}% limits" if levels else "within the limits"
    for level in levels:
        for side in ("above", "below"):
            if code == f"{side}{_level_name(level)}":
                return f"{side} the {level * 100:g}% limit"
    return ""


def exact_quantile(q: float, n: np.ndarray, p: float) -> np.ndarray:
    """Interpolated binomial quantile ``(r - a) / n`` of Spiegelhalter (2005), appendix."""
    n = np.asarray(n, dtype=float)
    r = stats.binom.ppf(q, n, p)
    f_r = stats.binom.cdf(r, n, p)
    f_below = stats.binom.cdf(r - 1, n, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (f_r - q) / (f_r - f_below)
        return np.where(n > 0, (r - a) / n, np.nan)


def funnel_limits(
    target: float,
    n: float | Iterable[float],
    levels: Iterable[float] = (0.95, 0.998),
    method: str = "exact",
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Control limits around ``target`` for denominators ``n``.

    Parameters
    ----------
    target
        The comparator proportion (e.g. the national rate).
    n
        Denominator(s) at which to draw the limits.
    levels
        Two-sided coverage of each pair of limits (0.95 and 0.998 by default).
    method
        ``"exact"`` (interpolated binomial) or ``"normal"``. With ``tau2 > 0`` the
        normal form with the random-effects variance added is used whatever the method.

    Returns
    -------
    DataFrame
        ``n`` and, per level, ``lower<L>`` and ``upper<L>`` (e.g. ``lower95``,
        ``upper998``), clipped to [0, 1].
    """
    if method not in ("exact", "normal"):
        raise ParameterError(f"funnel method must be 'exact' or 'normal', not {method!r}.")
    if not 0 < target < 1:
        raise ParameterError(f"funnel target must lie strictly between 0 and 1, not {target!r}.")
    sizes = np.atleast_1d(np.asarray(n, dtype=float))
    out = pd.DataFrame({"n": sizes})
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(sizes > 0, np.sqrt(target * (1 - target) / sizes), np.nan)
    for level in levels:
        tail = (1 - level) / 2
        name = _level_name(level)
        if method == "exact" and tau2 == 0:
            low, high = exact_quantile(tail, sizes, target), exact_quantile(1 - tail, sizes, target)
        else:
            half = stats.norm.isf(tail) * np.sqrt(s**2 + tau2)
            low, high = target - half, target + half
        out[f"lower{name}"] = np.clip(low, 0, 1)
        out[f"upper{name}"] = np.clip(high, 0, 1)
    return out


def overdispersion(
    numerator: Iterable[float], denominator: Iterable[float], target: float, winsor: float = 0.1
) -> dict[str, float | int | str]:
    """Over-dispersion of unit proportions around ``target`` (Spiegelhalter 2005).

    Returns
    -------
    dict
        ``units`` (with n > 0), ``phi`` (mean square of winsorised z-scores), ``tau2``
        (additive random-effects variance, 0 when not over-dispersed), ``reason``.
    """
    y = np.asarray(list(numerator), dtype=float)
    n = np.asarray(list(denominator), dtype=float)
    keep = n > 0
    y, n = y[keep], n[keep]
    units = len(n)
    if units < 2:
        return {
            "units": units,
            "phi": np.nan,
            "tau2": np.nan,
            "reason": SINGLE_FORCE if units == 1 else ZERO_DENOMINATOR,
        }
    s = np.sqrt(target * (1 - target) / n)
    z = (y / n - target) / s
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    tau2 = 0.0
    if units * phi > units - 1:
        tau2 = float((units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return {"units": units, "phi": phi, "tau2": tau2, "reason": ""}


def classify(value: float, limits: pd.Series, levels: Iterable[float] = (0.95, 0.998)) -> str:
    """Position of ``value`` against one row of :func:`funnel_limits` (NA when NaN)."""
    if pd.isna(value) or pd.isna(limits.get("n")) or limits.get("n") == 0:
        return pd.NA
    position = "within"
    for level in sorted(levels):
        name = _level_name(level)
        if value > limits[f"upper{name}"]:
            position = f"above{name}"
        elif value < limits[f"lower{name}"]:
            position = f"below{name}"
    return position


def funnel_positions(
    units: pd.DataFrame,
    target: float | None = None,
    levels: Iterable[float] = (0.95, 0.998),
    method: str = "exact",
    adjust_overdispersion: bool = False,
    tau2: float | None = None,
    unit: str = "force",
) -> pd.DataFrame:
    """Place each unit's proportion on the funnel of ``target``.

    Parameters
    ----------
    units
        One row per unit with ``numerator`` and ``denominator`` (and the ``unit`` column).
    target
        The comparator proportion; by default the pooled rate of all units
        (sum of numerators / sum of denominators).
    adjust_overdispersion
        Widen the limits by the random-effects variance estimated from the units (needs
        two or more units; with one, the position is computed unadjusted and the reason
        says so), unless ``tau2`` is given (e.g. estimated nationally).

    Returns
    -------
    DataFrame
        The units with ``value, target, z, lower95, upper95, lower998, upper998,
        position`` (within / above95 / below95 / above998 / below998), ``phi``,
        ``tau2`` and ``reason``.
    """
    frame = units.reset_index(drop=True).copy()
    num = frame["numerator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    den = frame["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if target is None:
        target = float(np.nansum(num) / np.nansum(den)) if np.nansum(den) > 0 else np.nan
    frame["value"] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    frame["target"] = target
    reason = np.where(den > 0, "", ZERO_DENOMINATOR).astype(object)
    if not (pd.notna(target) and 0 < target < 1):
        frame["position"] = pd.array([pd.NA] * len(frame), dtype="string")
        frame["reason"] = f"target {target} outside (0, 1): no funnel"
        return frame
    disp = {"phi": np.nan, "tau2": 0.0, "reason": ""}
    if tau2 is not None:
        disp["tau2"] = float(tau2)
    elif adjust_overdispersion:
        disp = overdispersion(num, den, target)
        if disp["reason"]:
            reason = np.where(
                reason == "", f"no over-dispersion adjustment: {disp['reason']}", reason
            )
            disp["tau2"] = 0.0
    limits = funnel_limits(target, den, levels, method, tau2=disp["tau2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(target * (1 - target) / den + disp["tau2"])
        frame["z"] = np.where(den > 0, (frame["value"] - target) / s, np.nan)
    for column in limits.columns.drop("n"):
        frame[column] = limits[column].to_numpy()
    positions = [classify(v, limits.iloc[i], levels) for i, v in enumerate(frame["value"])]
    frame["position"] = pd.array(positions, dtype="string")
    frame["phi"] = disp["phi"]
    frame["tau2"] = disp["tau2"]
    frame["reason"] = pd.array(reason, dtype="string")
    return frame


def funnel_curve(
    target: float,
    n_max: float,
    levels: Iterable[float] = (0.95, 0.998),
    method: str = "exact",
    tau2: float = 0.0,
    points: int = 200,
) -> pd.DataFrame:
    """Limits on a grid of denominators from 1 to ``n_max`` (for drawing the funnel)."""
    grid = np.unique(np.geomspace(1, max(n_max, 2), points).round())
    return funnel_limits(target, grid, levels, method, tau2)
