"""Was joining the programme followed by change? A staggered-adoption evaluation.

Forces joined Operation Soteria at different times (pathfinder 2021, deep dives from
September 2021, the expansion from October 2022) and every force took up the National
Operating Model in July 2023. A two-way fixed-effects regression of a measure on a
joined-or-not flag is biased when adoption is staggered and effects differ by cohort or
grow over time: already-joined forces serve as controls for later ones, with negative
weights (Goodman-Bacon 2021). This module estimates instead the group-time average
effects of Callaway and Sant'Anna (2021):

``ATT(g, t) = [mean Y(t) - Y(g-1) among forces joining in g]
- [mean Y(t) - Y(g-1) among forces not yet joined at t]``

with the quarter before joining as the base (for the pre-joining placebo effects, the
quarter before ``t``), forces weighted equally, and their simple and event-time
aggregations.

Intervals: a two-stage bootstrap, because a force-quarter's share is itself an estimate.
Resampling whole forces alone (the usual cluster bootstrap) keeps the variation between
forces but, with one to four forces in a cohort, degenerates: a cohort of one force
against one control gets an interval of width 0, and on the synthetic panels about half
the 95% intervals missed the planted effect. Each replicate therefore

1. resamples forces with replacement *within their cohort* (forces joining in the same
   quarter; forces joining after the panel ends form their own cohorts), keeping every
   cohort's size, but only in a cohort of at least ``min_forces`` forces
   (``evaluation_min_forces``): below that a resample of forces says little about
   between-force variation and the cohort's forces are kept as they are, so the interval
   is about these forces (the report's claim) rather than a wider population of forces;
2. redraws every force-quarter's numerator from ``Binomial(denominator, p_hat)``,
   ``p_hat`` the observed share (a parametric bootstrap of each cell's own sampling
   error, which every draw carries whether or not its cohort's forces were resampled).

When a cohort is resampled its forces' sampling error enters twice (once through the
spread between forces, once through the redraw), so those intervals err on the wide
side; when none is, the standard error is that of the cells' binomial errors alone,
which a test checks against the exact variance of the linear estimator. The interval is
``estimate -/+ z se`` with ``se`` the standard deviation of the replicates and ``z`` the
normal quantile of the level. An interval of width 0 (every share redrawn at 0 or 100%)
is not an interval: its ends are NaN. Draw order, for reproducibility from
``evaluation_seed``: one ``numpy.random.default_rng(seed)``; first, for each resampled
cohort in order of joining, ``multinomial(n_g, [1/n_g] * n_g, size=n_boot)`` over its
forces in alphabetical order; then ``binomial(n, p_hat, size=(n_boot, cells))`` over
every force-quarter with crimes, forces in alphabetical order, quarters in time order.

Caveats the report must carry: forces were not chosen at random; national changes (the
Rape Review, CPS joint working) happened at the same time and are removed only insofar
as they hit every force alike; with a handful of forces in a cohort, the interval covers
the sampling error of these forces' crimes, not how differently other forces might have
responded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import require_columns

logger = logging.getLogger(__name__)

#: Why an estimate is missing.
NO_CONTROLS = "no force not yet joined to compare with"
NO_BASE = "no quarter before joining in the data"
#: Why an estimate has no interval.
NO_SPREAD = "no sampling variation to set an interval by (every share 0 or 100%)"


@dataclass(frozen=True)
class StaggeredEffects:
    """The estimates of :func:`staggered_effects`, each a tidy frame.

    Attributes
    ----------
    group_time : pandas.DataFrame
        One row per cohort and quarter: cohort, quarter, event_time, att, se, ci_low,
        ci_high, n_treated, n_control (forces), treated_numerator, treated_denominator,
        control_numerator, control_denominator (crimes in quarter t), reason.
    simple : pandas.DataFrame
        One row: estimate, se, ci_low, ci_high, n_forces (treated), n_cells (group-time
        effects averaged), numerator, denominator (crimes in the treated force-quarters).
    event : pandas.DataFrame
        One row per event time (quarters since joining, negative before): event_time,
        estimate, se, ci_low, ci_high, n_forces, numerator, denominator.
    cohort : pandas.DataFrame
        One row per cohort: cohort, estimate, se, ci_low, ci_high, n_forces, n_quarters,
        numerator, denominator.
    """

    group_time: pd.DataFrame
    simple: pd.DataFrame
    event: pd.DataFrame
    cohort: pd.DataFrame


def _matrices(panel: pd.DataFrame, adoption: pd.DataFrame):
    require_columns(panel, ["force", "quarter", "numerator", "denominator"], "panel")
    require_columns(adoption, ["force", "adoption_quarter"], "adoption")
    periods = pd.PeriodIndex(panel["quarter"].astype(str), freq="Q")
    quarters = pd.period_range(periods.min(), periods.max(), freq="Q")
    forces = sorted(set(panel["force"].astype(str)))
    joined = adoption.assign(force=adoption["force"].astype(str)).set_index("force")
    unknown = [f for f in forces if f not in joined.index]
    if unknown:
        raise ParameterError(
            f"No adoption quarter for force(s) {', '.join(unknown)}: give every force in the "
            "panel a row in the adoption table (see measures.panel.adoption_quarters)."
        )
    frame = panel.assign(force=panel["force"].astype(str), _q=periods)
    num = frame.pivot_table("numerator", "force", "_q", aggfunc="sum").reindex(forces)
    den = frame.pivot_table("denominator", "force", "_q", aggfunc="sum").reindex(forces)
    num = num.reindex(columns=quarters).to_numpy(float)
    den = den.reindex(columns=quarters).to_numpy(float)
    values = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    first = quarters[0].ordinal
    cohort = np.array(
        [pd.Period(joined.loc[f, "adoption_quarter"], freq="Q").ordinal - first for f in forces]
    )
    return forces, quarters, values, num, den, cohort


def _cells(cohort: np.ndarray, n_periods: int) -> list[tuple[int, int, int]]:
    """(g, t, base) of every identifiable group-time effect."""
    cells = []
    for g in sorted(set(cohort.tolist())):
        if g < 1 or g >= n_periods:
            continue
        for t in range(1, n_periods):
            base = g - 1 if t >= g else t - 1
            if ((cohort > max(t, base)) & (cohort != g)).any():
                cells.append((g, t, base))
    return cells


def _replicates(
    num: np.ndarray, den: np.ndarray, cohort: np.ndarray, n_boot: int, seed: int, min_forces: int
) -> tuple[np.ndarray, np.ndarray]:
    """Force weights ``(n_boot + 1, forces)`` and shares ``(n_boot + 1, forces, quarters)``
    of the observed data (row 0) and of every replicate (module docstring: the scheme and
    its draw order)."""
    rng = np.random.default_rng(seed)
    n_forces = len(cohort)
    weights = np.ones((n_boot + 1, n_forces))
    for g in sorted(set(cohort.tolist())):
        members = np.flatnonzero(cohort == g)
        if len(members) >= min_forces:
            k = len(members)
            weights[1:, members] = rng.multinomial(k, np.full(k, 1 / k), size=n_boot)
    den = np.nan_to_num(den, nan=0.0)
    forces, quarters = np.nonzero(den > 0)
    n = den[forces, quarters].astype(np.int64)
    p_hat = np.clip(np.nan_to_num(num[forces, quarters]) / n, 0.0, 1.0)
    values = np.full((n_boot + 1, *den.shape), np.nan)
    values[0, forces, quarters] = p_hat
    if n_boot:
        values[1:, forces, quarters] = rng.binomial(n, p_hat, size=(n_boot, len(n))) / n
    return weights, values


def _att_draws(values, cohort, cells, weights) -> tuple[np.ndarray, np.ndarray]:
    """ATT(g, t) for every replicate (rows of ``weights`` and ``values``) and the cohort
    weights."""
    att = np.full((weights.shape[0], len(cells)), np.nan)
    size = np.zeros((weights.shape[0], len(cells)))
    for j, (g, t, base) in enumerate(cells):
        change = values[:, :, t] - values[:, :, base]
        ok = np.isfinite(change[0])
        treated = ok & (cohort == g)
        control = ok & (cohort > max(t, base)) & (cohort != g)
        w_t = weights[:, treated]
        w_c = weights[:, control]
        n_t, n_c = w_t.sum(axis=1), w_c.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_t = (w_t * change[:, treated]).sum(axis=1) / n_t
            mean_c = (w_c * change[:, control]).sum(axis=1) / n_c
        att[:, j] = np.where((n_t > 0) & (n_c > 0), mean_t - mean_c, np.nan)
        size[:, j] = (weights[:, cohort == g]).sum(axis=1)
    return att, size


def _aggregate(att: np.ndarray, size: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Cohort-size-weighted mean of the selected cells, for each row of draws."""
    w = np.where(mask[None, :] & np.isfinite(att), size, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w * np.nan_to_num(att)).sum(axis=1) / total
    return np.where(total > 0, out, np.nan)


def _interval(point: float, draws: np.ndarray, level: float) -> tuple[float, float, float]:
    draws = draws[np.isfinite(draws)]
    if not np.isfinite(point) or len(draws) < 2:
        return np.nan, np.nan, np.nan
    se = float(np.std(draws, ddof=1))
    if not se > 0:  # width 0 is no interval
        return se, np.nan, np.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    return se, point - z * se, point + z * se


def staggered_effects(
    panel: pd.DataFrame,
    adoption: pd.DataFrame,
    cohorts: list[str] | None = None,
    n_boot: int = 999,
    seed: int = 0,
    confidence: float = 0.95,
    min_forces: int = 5,
) -> StaggeredEffects:
    """Group-time effects of joining, with not-yet-joined forces as controls.

    Parameters
    ----------
    panel : pandas.DataFrame
        force, quarter (``"2022Q1"``), numerator, denominator: one row per force and
        quarter (from :func:`~soteria_research.measures.panel.quarter_panel`).
    adoption : pandas.DataFrame
        force, adoption_quarter (``"2021Q3"``); forces joining after the panel ends are
        never-joined controls.
    cohorts : list of str, optional
        Adoption quarters whose effects the aggregations average (default all). Every
        cohort's forces still serve as controls before they join.
    n_boot : int
        Bootstrap replicates (0 for point estimates only).
    seed : int
        Seed of the bootstrap.
    confidence : float
        Level of the intervals (normal, with the bootstrap standard error).
    min_forces : int
        Fewest forces in a cohort for its forces to be resampled; smaller cohorts keep
        their forces and only their crimes are redrawn (see the module docstring).

    Returns
    -------
    StaggeredEffects
    """
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie between 0 and 1, not {confidence!r}.")
    _, quarters, values, num, den, cohort = _matrices(panel, adoption)
    cells = _cells(cohort, len(quarters))
    unidentified = {int(g) for g in cohort if g < 1}
    if unidentified:
        logger.info(
            "%d cohort(s) joined in the first quarter or before: %s.", len(unidentified), NO_BASE
        )
    if n_boot < 0 or min_forces < 1:
        raise ParameterError(
            f"n_boot must be 0 or more and min_forces 1 or more, not {n_boot!r} and "
            f"{min_forces!r}: check evaluation_bootstrap and evaluation_min_forces."
        )
    weights, draws = _replicates(num, den, cohort, n_boot, seed, min_forces)
    att, size = _att_draws(draws, cohort, cells, weights)
    g_of = np.array([g for g, _, _ in cells])
    t_of = np.array([t for _, t, _ in cells])
    keep = np.ones(len(cells), bool)
    if cohorts is not None:
        wanted = {pd.Period(c, freq="Q").ordinal - quarters[0].ordinal for c in cohorts}
        keep = np.isin(g_of, list(wanted))
    post = keep & (t_of >= g_of)
    group_time = _group_time(cells, att, values, num, den, cohort, quarters, confidence)

    def summary(mask: np.ndarray) -> dict:
        point = _aggregate(att[:1], size[:1], mask)[0]
        se, low, high = _interval(point, _aggregate(att[1:], size[1:], mask), confidence)
        treated = np.isin(cohort, g_of[mask])
        cell_den = sum(
            den[cohort == g, t].sum() for g, t in zip(g_of[mask], t_of[mask], strict=False)
        )
        cell_num = sum(
            num[cohort == g, t].sum() for g, t in zip(g_of[mask], t_of[mask], strict=False)
        )
        return {
            "estimate": point,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "n_forces": int(treated.sum()),
            "n_cells": int(mask.sum()),
            "numerator": int(np.nansum(cell_num)),
            "denominator": int(np.nansum(cell_den)),
        }

    simple = pd.DataFrame([summary(post)])
    events = sorted(set((t_of - g_of)[keep].tolist()))
    event = pd.DataFrame(
        [{"event_time": e, **summary(keep & (t_of - g_of == e))} for e in events]
    ).drop(columns="n_cells", errors="ignore")
    by_cohort = pd.DataFrame(
        [
            {"cohort": str(quarters[0] + int(g)), **summary(post & (g_of == g))}
            for g in sorted(set(g_of[post].tolist()))
        ]
    ).rename(columns={"n_cells": "n_quarters"})
    return StaggeredEffects(group_time, simple, _typed(event), _typed(by_cohort))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("n_forces", "n_cells", "n_quarters", "numerator", "denominator", "event_time"):
        if column in frame.columns:
            frame[column] = frame[column].astype("Int64")
    if "cohort" in frame.columns:
        frame["cohort"] = frame["cohort"].astype("string")
    return frame


def _group_time(cells, att, values, num, den, cohort, quarters, confidence) -> pd.DataFrame:
    rows = []
    for j, (g, t, base) in enumerate(cells):
        ok = np.isfinite(values[:, t] - values[:, base])
        treated = ok & (cohort == g)
        control = ok & (cohort > max(t, base)) & (cohort != g)
        point = att[0, j]
        se, low, high = _interval(point, att[1:, j], confidence)
        reason = "" if np.isfinite(point) else NO_CONTROLS
        if np.isfinite(point) and np.isfinite(se) and not np.isfinite(low):
            reason = NO_SPREAD
        rows.append(
            {
                "cohort": str(quarters[0] + g),
                "quarter": str(quarters[0] + t),
                "event_time": t - g,
                "att": point,
                "se": se,
                "ci_low": low,
                "ci_high": high,
                "n_treated": int(treated.sum()),
                "n_control": int(control.sum()),
                "treated_numerator": int(num[treated, t].sum()),
                "treated_denominator": int(den[treated, t].sum()),
                "control_numerator": int(num[control, t].sum()),
                "control_denominator": int(den[control, t].sum()),
                "reason": reason,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.astype({"cohort": "string", "quarter": "string", "reason": "string"})
    ints = [c for c in out.columns if c.startswith(("n_", "treated_", "control_"))]
    out[[*ints, "event_time"]] = out[[*ints, "event_time"]].astype("Int64")
    return out


def twfe_effect(panel: pd.DataFrame, adoption: pd.DataFrame) -> pd.DataFrame:
    """The two-way fixed-effects estimate, for comparison only (biased when staggered).

    Ordinary least squares of the force-quarter value on a joined flag with force and
    quarter fixed effects, standard errors clustered by force.

    Returns
    -------
    pandas.DataFrame
        One row: estimate, se, ci_low, ci_high, n_forces, n_obs.
    """
    import statsmodels.formula.api as smf

    forces, quarters, values, _, _, cohort = _matrices(panel, adoption)
    long = pd.DataFrame(
        {
            "force": np.repeat(forces, len(quarters)),
            "quarter": np.tile(np.arange(len(quarters)), len(forces)),
            "value": values.ravel(),
            "joined": (np.arange(len(quarters))[None, :] >= cohort[:, None]).ravel().astype(float),
        }
    ).dropna()
    fit = smf.ols("value ~ joined + C(force) + C(quarter)", data=long).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(long["force"])[0]}
    )
    low, high = fit.conf_int().loc["joined"]
    return pd.DataFrame(
        [
            {
                "estimate": fit.params["joined"],
                "se": fit.bse["joined"],
                "ci_low": low,
                "ci_high": high,
                "n_forces": len(forces),
                "n_obs": int(fit.nobs),
            }
        ]
    )


def programme_evaluation(
    cases: pd.DataFrame,
    phases: pd.DataFrame,
    measure: str = "arrest_share",
    cohorts: list[str] | None = None,
    settings: dict | None = None,
) -> StaggeredEffects:
    """The evaluation of one measure across forces, with the thresholds in the settings.

    Parameters
    ----------
    cases : pandas.DataFrame
        Canonical cases of every force (the national picture).
    phases : pandas.DataFrame
        :func:`soteria_research.reference.programme_phases`.
    measure : str
        A key of :data:`~soteria_research.measures.panel.PANEL_MEASURES`; ``isva_share``
        is the control measure the programme is not expected to move.
    cohorts : list of str, optional
        Adoption quarters to average (e.g. the deep-dive forces' ``["2021Q3"]``).
    settings : dict, optional
        The ``measures`` settings (default the settings file): follow-up days,
        bootstrap replicates, seed, smallest cohort whose forces are resampled and
        confidence level.

    Returns
    -------
    StaggeredEffects
    """
    from soteria_research.measures.defaults import measure_settings
    from soteria_research.measures.panel import adoption_quarters, quarter_panel

    conf = measure_settings(settings)
    panel = quarter_panel(cases, measure, int(conf["evaluation_follow_up_days"]))
    adoption = adoption_quarters(phases, sorted(set(panel["force"].astype(str))))
    return staggered_effects(
        panel,
        adoption,
        cohorts,
        int(conf["evaluation_bootstrap"]),
        int(conf["evaluation_seed"]),
        float(conf["confidence_level"]),
        min_forces=int(conf["evaluation_min_forces"]),
    )
