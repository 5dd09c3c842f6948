"""The programme evaluation's intervals recomputed: the two-stage bootstrap written anew.

Only numpy and scipy: nothing here imports ``soteria_research``.

The scheme is the one ``measures/evaluation.py`` documents. Each replicate (1) resamples
the forces of every cohort (forces joining in the same quarter) that has at least
``evaluation_min_forces`` forces, with replacement and within the cohort, so a force drawn
``k`` times counts ``k`` times in every mean; smaller cohorts keep their forces; and (2)
redraws every force-quarter's count of crimes with the event from ``Binomial(crimes,
observed share)``. The draws are numpy's ``default_rng(evaluation_seed)``: first, for
each resampled cohort in order of joining, ``multinomial(n_g, [1/n_g] * n_g,
size=replicates)`` over its forces in alphabetical order; then one ``binomial(crimes,
share, size=(replicates, cells))`` over every force-quarter with crimes, forces in
alphabetical order and quarters in time order. So the replicates are the package's own
and every interval must agree to rounding. A replicate in which a group-time effect has
no treated or no control force drawn gives no value for that effect; an aggregate
averages the effects that have one, each weighted by its cohort's forces drawn. The
interval is normal with the bootstrap standard error (standard deviation of the
replicates that give a value, ``ddof=1``): ``estimate -/+ z se`` with ``z`` the normal
quantile of the level; a standard error of 0 gives no interval.

Independently of the random stream, :func:`exact_moments` gives, when no cohort's forces
are resampled (every cohort of the reference release is smaller than the threshold),
the bootstrap's own standard error (infinitely many replicates): each row's estimate is
then a fixed linear combination of force-quarter shares, each redrawn independently, so
its variance is the sum of ``coefficient^2 p (1 - p) / n`` and its fourth central moment
follows from the binomial cumulants; from them, the Monte Carlo spread of a standard
error estimated from a finite number of replicates, so a published standard error can be
checked against it with a tolerance that follows from the number of replicates.
"""

from __future__ import annotations

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


def replicate_counts(
    forces: list[str], join: dict[str, pd.Period], replicates: int, rng, min_forces: int
) -> np.ndarray:
    """(replicates, forces) times each force is drawn: resampled within its cohort when the
    cohort has ``min_forces`` forces or more, else once each."""
    counts = np.ones((replicates, len(forces)))
    for g in sorted(set(join[f] for f in forces)):
        members = [i for i, f in enumerate(forces) if join[f] == g]
        if len(members) >= min_forces:
            k = len(members)
            counts[:, members] = rng.multinomial(k, [1 / k] * k, size=replicates)
    return counts


def redrawn_shares(
    panels: dict[str, dict], measure: str, replicates: int, rng
) -> tuple[list[tuple[str, pd.Period]], np.ndarray]:
    """Every force-quarter with crimes (forces alphabetically, quarters in time order) and
    its share in percent: observed (row 0), then redrawn from the binomial per replicate."""
    order, crimes, events = [], [], []
    for force in sorted(panels):
        cells = panels[force]
        quarters = sorted(
            pd.Period(q, freq="Q") for (q, name), n in cells.items() if name == "recorded" and n
        )
        for q in quarters:
            order.append((force, q))
            crimes.append(cells[(str(q), "recorded")])
            events.append(cells[(str(q), measure)])
    n = np.array(crimes, dtype=np.int64)
    p = np.array(events, float) / n
    drawn = rng.binomial(n, p, size=(replicates, len(n))) / n
    return order, 100 * np.vstack([p[None, :], drawn])


def cell_draws(cells: list[Cell], forces: list[str], counts: np.ndarray, order, shares):
    """Each cell's effect in every replicate (NaN: no treated or no control drawn) and
    its cohort's forces drawn; ``shares`` (replicates, force-quarters in ``order``)."""
    column = {f: i for i, f in enumerate(forces)}
    where = {key: i for i, key in enumerate(order)}
    att = np.full((counts.shape[0], len(cells)), np.nan)
    size = np.zeros_like(att)
    for j, cell in enumerate(cells):

        def mean(group, cell=cell):
            w = counts[:, [column[f] for f in group]]
            d = np.stack(
                [shares[:, where[(f, cell.t)]] - shares[:, where[(f, cell.base)]] for f in group],
                axis=1,
            )
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
    if se == 0:
        return {"se": se, "ci_low": np.nan, "ci_high": np.nan}
    z = float(stats.norm.ppf(0.5 + level / 2))
    return {"se": se, "ci_low": point - z * se, "ci_high": point + z * se}


def intervals(
    panels: dict[str, dict],
    measure: str,
    join: dict[str, pd.Period],
    replicates: int,
    seed: int,
    level: float,
    min_forces: int,
) -> dict[str, dict[str, float]]:
    """Every row's estimate (the observed data) and bootstrap interval."""
    cells = group_time_cells(panels, measure, join)
    forces = sorted(panels)
    rng = np.random.default_rng(seed)
    counts = replicate_counts(forces, join, replicates, rng, min_forces)
    counts = np.vstack([np.ones((1, len(forces))), counts])
    order, shares = redrawn_shares(panels, measure, replicates, rng)
    att, size = cell_draws(cells, forces, counts, order, shares)
    out = {}
    for label, chosen in rows(cells).items():
        values = aggregate(att, size, chosen)
        out[label] = {"estimate": float(values[0]), **normal_interval(values[0], values[1:], level)}
    return out


def exact_moments(
    panels: dict[str, dict], measure: str, join: dict[str, pd.Period], min_forces: int
) -> dict:
    """Per row, with every cohort's forces kept: the bootstrap's standard deviation ``sd``,
    the share of replicates giving a value ``p`` (1: every cell always has its forces) and
    the fourth central moment ``m4``, from the binomial variance and fourth cumulant of
    every force-quarter share the row's estimate is a linear combination of."""
    sizes = pd.Series(join).value_counts()
    assert (sizes < min_forces).all(), "a cohort's forces are resampled: no closed form"
    cells = group_time_cells(panels, measure, join)
    out = {}
    for label, chosen in rows(cells).items():
        weight = {j: len(cells[j].cohort) for j in chosen}
        total = sum(weight.values())
        coef: dict[tuple[str, pd.Period], float] = {}
        for j in chosen:
            cell = cells[j]
            for group, sign in ((cell.treated, 1.0), (cell.controls, -1.0)):
                for f in group:
                    c = sign * weight[j] / total / len(group)
                    coef[(f, cell.t)] = coef.get((f, cell.t), 0.0) + c
                    coef[(f, cell.base)] = coef.get((f, cell.base), 0.0) - c
        variance = cumulant4 = 0.0
        for (force, q), c in coef.items():
            n = panels[force][(str(q), "recorded")]
            p = panels[force][(str(q), measure)] / n
            scale = 100 * c / n  # percent points per crime with the event
            variance += scale**2 * n * p * (1 - p)
            cumulant4 += scale**4 * n * p * (1 - p) * (1 - 6 * p * (1 - p))
        out[label] = {
            "sd": float(np.sqrt(variance)),
            "m4": float(cumulant4 + 3 * variance**2),
            "p": 1.0,
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
