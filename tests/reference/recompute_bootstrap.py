"""The programme evaluation's intervals recomputed: a bootstrap over forces written anew.

Only numpy and scipy: nothing here imports ``soteria_research``.

The scheme is the one ``measures/evaluation.py`` documents: each replicate resamples the
forces with replacement (every force's whole series goes with it), draws as many forces
as there are; a force drawn ``k`` times counts ``k`` times in every mean. The draws are
numpy's ``default_rng(evaluation_seed)``, one multinomial vector of counts per replicate
over the forces in alphabetical order (``multinomial(n, [1/n] * n, size=replicates)``,
the order the package draws in), so the replicates are the package's own and every
interval must agree to rounding. A replicate in which a group-time effect has no treated
or no control force drawn gives no value for that effect; an aggregate averages the
effects that have one, each weighted by its cohort's forces drawn. The interval is
normal with the bootstrap standard error (standard deviation of the replicates that give
a value, ``ddof=1``): ``estimate -/+ z se`` with ``z`` the normal quantile of the level.

Independently of the random stream, :func:`exact_moments` enumerates every one of the
``n ** n`` equally likely resamples of a few forces, which gives the bootstrap's own
standard error (infinitely many replicates) and the Monte Carlo spread of an estimate
from a finite number of replicates, so a published standard error can be checked
against it with a tolerance that follows from the number of replicates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Cell:
    """One group-time effect: the cohort ``g`` at quarter ``t`` against ``base``."""

    g: pd.Period
    t: pd.Period
    base: pd.Period
    cohort: tuple[str, ...]  # the forces joining in g (all of them: the cohort's weight)
    treated: tuple[str, ...]  # the cohort's forces with both quarters measured
    controls: tuple[str, ...]  # forces not yet joined at t and base, both quarters measured
    change: dict  # force -> share(t) - share(base), percent

    @property
    def event(self) -> int:
        return (self.t - self.g).n


def shares(panels: dict[str, dict], measure: str) -> dict[tuple[str, pd.Period], float]:
    """(force, quarter) -> the measure's share in percent, quarters with crimes only."""
    out = {}
    for force, cells in panels.items():
        for (quarter, name), n in cells.items():
            if name == "recorded" and n > 0:
                out[(force, pd.Period(quarter, freq="Q"))] = 100 * cells[(quarter, measure)] / n
    return out


def group_time_cells(
    panels: dict[str, dict], measure: str, join: dict[str, pd.Period]
) -> list[Cell]:
    """Every identifiable group-time effect (Callaway and Sant'Anna, not-yet-joined
    controls; base the quarter before joining, or before ``t`` before joining)."""
    share = shares(panels, measure)
    quarters = sorted({q for _, q in share})
    cells = []
    for g in sorted(set(join.values())):
        cohort = tuple(sorted(f for f in join if join[f] == g))
        for t in quarters:
            base = g - 1 if t >= g else t - 1
            if base not in quarters or t == base:
                continue
            measured = {f for f in join if (f, t) in share and (f, base) in share}
            treated = tuple(f for f in cohort if f in measured)
            controls = tuple(sorted(f for f in measured if join[f] > max(t, base) and join[f] != g))
            if treated and controls:
                change = {f: share[(f, t)] - share[(f, base)] for f in treated + controls}
                cells.append(Cell(g, t, base, cohort, treated, controls, change))
    return cells


def replicate_counts(forces: list[str], replicates: int, seed: int) -> np.ndarray:
    """(replicates, forces) times each force is drawn, in the package's draw order."""
    n = len(forces)
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, [1 / n] * n, size=replicates).astype(float)


def cell_draws(cells: list[Cell], forces: list[str], counts: np.ndarray):
    """Each cell's effect in every replicate (NaN: no treated or no control drawn) and
    its cohort's forces drawn."""
    column = {f: i for i, f in enumerate(forces)}
    att = np.full((counts.shape[0], len(cells)), np.nan)
    size = np.zeros_like(att)
    for j, cell in enumerate(cells):

        def mean(group, j=j, cell=cell):
            w = counts[:, [column[f] for f in group]]
            d = np.array([cell.change[f] for f in group])
            total = w.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(total > 0, (w * d).sum(axis=1) / total, np.nan)

        att[:, j] = mean(cell.treated) - mean(cell.controls)
        size[:, j] = counts[:, [column[f] for f in cell.cohort]].sum(axis=1)
    return att, size


def aggregate(att: np.ndarray, size: np.ndarray, chosen: list[int]) -> np.ndarray:
    """Per replicate, the mean of the chosen cells that give a value, weighted by forces."""
    a, w = att[:, chosen], size[:, chosen]
    w = np.where(np.isfinite(a), w, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * np.nan_to_num(a)).sum(axis=1) / total, np.nan)


def rows(cells: list[Cell]) -> dict[str, list[int]]:
    """The report's rows and the cells each pools: quarters since joining (``+2``, ``-1``)
    and cohorts (``g`` as a string, the quarters since joining only)."""
    out: dict[str, list[int]] = {}
    for j, cell in enumerate(cells):
        out.setdefault(f"{cell.event:+d}", []).append(j)
        if cell.event >= 0:
            out.setdefault(str(cell.g), []).append(j)
    return out


def normal_interval(point: float, draws: np.ndarray, level: float) -> dict[str, float]:
    """``point -/+ z se``, se the standard deviation of the replicates giving a value."""
    draws = draws[np.isfinite(draws)]
    if not np.isfinite(point) or len(draws) < 2:
        return {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    se = float(np.std(draws, ddof=1))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return {"se": se, "ci_low": point - z * se, "ci_high": point + z * se}


def intervals(
    panels: dict[str, dict],
    measure: str,
    join: dict[str, pd.Period],
    replicates: int,
    seed: int,
    level: float,
) -> dict[str, dict[str, float]]:
    """Every row's estimate (the unresampled forces) and bootstrap interval."""
    cells = group_time_cells(panels, measure, join)
    forces = sorted(panels)
    once = np.ones((1, len(forces)))
    counts = np.vstack([once, replicate_counts(forces, replicates, seed)])
    att, size = cell_draws(cells, forces, counts)
    out = {}
    for label, chosen in rows(cells).items():
        values = aggregate(att, size, chosen)
        out[label] = {"estimate": float(values[0]), **normal_interval(values[0], values[1:], level)}
    return out


def exact_moments(panels: dict[str, dict], measure: str, join: dict[str, pd.Period]) -> dict:
    """Per row, from all ``n ** n`` resamples: the bootstrap's standard deviation ``sd``,
    the share of resamples giving a value ``p`` and the fourth central moment ``m4``."""
    cells = group_time_cells(panels, measure, join)
    forces = sorted(panels)
    n = len(forces)
    draws = np.array(list(itertools.product(range(n), repeat=n)))
    counts = np.stack([(draws == i).sum(axis=1) for i in range(n)], axis=1).astype(float)
    att, size = cell_draws(cells, forces, counts)
    out = {}
    for label, chosen in rows(cells).items():
        values = aggregate(att, size, chosen)
        given = values[np.isfinite(values)]
        centred = given - given.mean()
        out[label] = {
            "sd": float(np.sqrt(np.mean(centred**2))),
            "m4": float(np.mean(centred**4)),
            "p": len(given) / len(values),
        }
    return out


def monte_carlo_sd(moments: dict[str, float], replicates: int) -> float:
    """Spread of a standard error estimated from ``replicates`` resamples (delta method:
    ``sd(s) ~ sqrt((m4 - sd^4) / m) / (2 sd)``, ``m`` the replicates giving a value)."""
    sd, m = moments["sd"], moments["p"] * replicates
    if sd == 0 or m < 2:
        return 0.0
    return float(np.sqrt(max(moments["m4"] - sd**4, 0.0) / m) / (2 * sd))


def planted(
    cells: list[Cell], chosen: list[int], effect: dict[str, pd.Period], size: float
) -> float:
    """The planted truth of a row in percent points: the synthetic effect ``size`` (a
    share) added from quarter ``effect[force]`` on, through the same cells and weights."""

    def rise(force: str, q: pd.Period) -> float:
        return 100 * size if force in effect and q >= effect[force] else 0.0

    def change(force: str, cell: Cell) -> float:
        return rise(force, cell.t) - rise(force, cell.base)

    truths = [
        np.mean([change(f, c) for f in c.treated]) - np.mean([change(f, c) for f in c.controls])
        for c in (cells[j] for j in chosen)
    ]
    weights = [len(cells[j].cohort) for j in chosen]
    return float(np.average(truths, weights=weights))
