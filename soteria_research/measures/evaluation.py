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
aggregations. Intervals come from a bootstrap over forces (the unit that joins): every
force's whole series is resampled, so serial correlation within a force is kept.

Caveats the report must carry: forces were not chosen at random; national changes (the
Rape Review, CPS joint working) happened at the same time and are removed only insofar
as they hit every force alike; with a handful of forces in a cohort, intervals are wide.
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


def _att_draws(values, cohort, cells, weights) -> tuple[np.ndarray, np.ndarray]:
    """ATT(g, t) for every weight vector (rows of ``weights``) and the cohort weights."""
    att = np.full((weights.shape[0], len(cells)), np.nan)
    size = np.zeros((weights.shape[0], len(cells)))
    for j, (g, t, base) in enumerate(cells):
        change = values[:, t] - values[:, base]
        ok = np.isfinite(change)
        treated = ok & (cohort == g)
        control = ok & (cohort > max(t, base)) & (cohort != g)
        w_t = weights[:, treated]
        w_c = weights[:, control]
        n_t, n_c = w_t.sum(axis=1), w_c.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_t = w_t @ change[treated] / n_t
            mean_c = w_c @ change[control] / n_c
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
    z = float(stats.norm.ppf(0.5 + level / 2))
    return se, point - z * se, point + z * se


def staggered_effects(
    panel: pd.DataFrame,
    adoption: pd.DataFrame,
    cohorts: list[str] | None = None,
    n_boot: int = 999,
    seed: int = 0,
    confidence: float = 0.95,
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
        Bootstrap resamples of forces (0 for point estimates only).
    seed : int
        Seed of the bootstrap.
    confidence : float
        Level of the intervals (normal, with the bootstrap standard error).

    Returns
    -------
    StaggeredEffects
    """
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie between 0 and 1, not {confidence!r}.")
    forces, quarters, values, num, den, cohort = _matrices(panel, adoption)
    cells = _cells(cohort, len(quarters))
    unidentified = {int(g) for g in cohort if g < 1}
    if unidentified:
        logger.info(
            "%d cohort(s) joined in the first quarter or before: %s.", len(unidentified), NO_BASE
        )
    rng = np.random.default_rng(seed)
    n = len(forces)
    boot = rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    weights = np.vstack([np.ones((1, n)), boot])
    att, size = _att_draws(values, cohort, cells, weights)
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
                "reason": "" if np.isfinite(point) else NO_CONTROLS,
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
        bootstrap resamples, seed and confidence level.

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
    )
