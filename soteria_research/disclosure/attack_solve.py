"""Bound every withheld cell by linear programming over the relations a reader can see.

A release is a set of :class:`Cell` (published or withheld) and :class:`Relation`
(``low <= sum(coefficient * cell) <= high``). Published cells are constants; each withheld
cell is a non-negative unknown. The unknowns are split into connected components of the
relation graph and, for each withheld cell, the smallest and largest values consistent with
every relation of its component are found with ``scipy.optimize.linprog(method="highs")``.
Counts are integers, so bounds are rounded inwards (ceil of the minimum, floor of the maximum).

A cell is *exposed* when its interval is narrower than the protection width: ``high - low <
width`` (an exactly recovered cell has width 0).

Example
-------
>>> cells = [Cell("a", None), Cell("b", 30.0), Cell("t", 34.0)]
>>> rel = [Relation.total("t", ["a", "b"], "row total")]
>>> [(b.cell, b.low, b.high) for b in bound_cells(cells, rel)]
[('a', 4.0, 4.0)]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

log = logging.getLogger(__name__)

#: Slack for floating-point LP results before integer rounding.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Cell:
    """One published quantity: ``value`` is ``None`` when it is withheld.

    ``where`` says, for a reader, which file, table or sentence and which cell it is.
    ``integer`` cells are counts (whole numbers); all cells are non-negative.
    """

    id: str
    value: float | None
    where: str = ""
    integer: bool = True

    @property
    def withheld(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Relation:
    """``low <= sum(coefficient * cell) <= high``, and why a reader knows it."""

    terms: tuple[tuple[str, float], ...]
    low: float
    high: float
    source: str

    @classmethod
    def total(cls, whole: str, parts: Sequence[str], source: str) -> Relation:
        """``whole = sum(parts)``."""
        terms = ((whole, 1.0), *((p, -1.0) for p in parts))
        return cls(terms, 0.0, 0.0, source)

    @classmethod
    def same(cls, first: str, second: str, source: str) -> Relation:
        """The same quantity published twice: ``first = second``."""
        return cls(((first, 1.0), (second, -1.0)), 0.0, 0.0, source)


def shares(part: str, whole: str, low: float, high: float, source: str) -> list[Relation]:
    """``low * whole <= part <= high * whole`` as two linear relations."""
    return [
        Relation(((part, 1.0), (whole, -low)), 0.0, math.inf, source),
        Relation(((part, 1.0), (whole, -high)), -math.inf, 0.0, source),
    ]


@dataclass(frozen=True)
class Bound:
    """What a reader can work out about one withheld cell."""

    cell: str
    where: str
    low: float
    high: float
    relations: tuple[str, ...]

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def exact(self) -> bool:
        return self.width == 0


class _Components:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, items: Sequence[str]) -> None:
        roots = [self.find(i) for i in items]
        for r in roots[1:]:
            self.parent[r] = roots[0]


def _reduce(
    relations: Iterable[Relation], known: dict[str, float], unknown: set[str]
) -> list[tuple[dict[str, float], float, float, str]]:
    """Substitute published values: relations over withheld cells only (others dropped)."""
    reduced = []
    for rel in relations:
        terms: dict[str, float] = {}
        shift = 0.0
        usable = True
        for cid, coef in rel.terms:
            if cid in unknown:
                terms[cid] = terms.get(cid, 0.0) + coef
            elif cid in known:
                shift += coef * known[cid]
            else:
                usable = False
                break
        terms = {c: a for c, a in terms.items() if a != 0.0}
        if usable and terms:
            reduced.append((terms, rel.low - shift, rel.high - shift, rel.source))
    return reduced


def _solve_single(
    rows: list[tuple[dict[str, float], float, float, str]],
) -> tuple[float, float] | None:
    """One unknown: intersect the intervals each relation allows (no LP needed)."""
    low, high = 0.0, math.inf
    for terms, lo, hi, _ in rows:
        (a,) = terms.values()
        ends = (lo / a, hi / a) if a > 0 else (hi / a, lo / a)
        low, high = max(low, ends[0]), min(high, ends[1])
    return None if low > high + TOLERANCE else (low, high)


def _matrices(ids: list[str], rows) -> dict:
    index = {c: k for k, c in enumerate(ids)}
    n = len(ids)
    eq, eq_b, ub, ub_b = [], [], [], []
    for terms, low, high, _ in rows:
        line = np.zeros(n)
        for c, a in terms.items():
            line[index[c]] = a
        if low == high:
            eq.append(line), eq_b.append(low)
            continue
        for sign, limit in ((1.0, high), (-1.0, -low)):
            if math.isfinite(limit):
                ub.append(sign * line), ub_b.append(limit)
    kwargs: dict = {"bounds": [(0, None)] * n, "method": "highs"}
    if eq:
        kwargs["A_eq"], kwargs["b_eq"] = np.vstack(eq), np.asarray(eq_b)
    if ub:
        kwargs["A_ub"], kwargs["b_ub"] = np.vstack(ub), np.asarray(ub_b)
    if n > 200:  # big components: sparse matrices
        for key in ("A_eq", "A_ub"):
            if key in kwargs:
                kwargs[key] = csr_matrix(kwargs[key])
    return kwargs


def _solve_component(
    ids: list[str], rows: list[tuple[dict[str, float], float, float, str]]
) -> dict[str, tuple[float, float]] | None:
    if len(ids) == 1:
        single = _solve_single(rows)
        return None if single is None else {ids[0]: single}
    kwargs = _matrices(ids, rows)
    out: dict[str, tuple[float, float]] = {}
    objective = np.zeros(len(ids))
    for k, cid in enumerate(ids):
        ends = []
        for sign in (1.0, -1.0):
            objective[k] = sign
            result = linprog(objective, **kwargs)
            objective[k] = 0.0
            if result.status == 2:
                return None
            # status 3: unbounded, only ever upwards (every cell is non-negative)
            ends.append(sign * result.fun if result.status == 0 else math.inf)
        out[cid] = (ends[0], ends[1])
    return out


def bound_cells(cells: Iterable[Cell], relations: Iterable[Relation]) -> list[Bound]:
    """The interval a reader can work out for every withheld cell that takes part in a relation.

    Parameters
    ----------
    cells
        Every published and withheld cell (ids unique).
    relations
        Every relation the reader can see; a relation naming an id not in ``cells`` is dropped.

    Returns
    -------
    list of Bound
        One per withheld cell in at least one usable relation, rounded inwards for integer
        cells. A component whose relations contradict each other (the published values do not
        satisfy them: a relation was guessed wrongly) is skipped with a warning.
    """
    cells = list(cells)
    by_id = {c.id: c for c in cells}
    known = {c.id: float(c.value) for c in cells if c.value is not None}
    unknown = {c.id for c in cells if c.value is None}
    rows = _reduce(relations, known, unknown)
    sources: dict[str, list[str]] = {}
    for terms, _, _, source in rows:
        for cid in terms:
            sources.setdefault(cid, []).append(source)
    alias, rows = _merge_aliases(rows, set(sources))
    fixed, rows, failed = _fix(rows)
    solved = {c: (v, v) for c, v in fixed.items()}
    for ids, own in _components(rows):
        result = _solve_component(ids, own)
        if result is None:
            log.warning(
                "relations over %d withheld cell(s) contradict the published values: skipped",
                len(ids),
            )
            failed.update(ids)
        else:
            solved.update(result)
    bounds = []
    for cid, used in sources.items():
        rep = alias.find(cid)
        if rep in failed:
            continue
        low, high = solved.get(rep, (0.0, math.inf))
        if by_id[cid].integer:
            low = float(math.ceil(low - TOLERANCE))
            high = float(math.floor(high + TOLERANCE)) if math.isfinite(high) else high
        bounds.append(Bound(cid, by_id[cid].where, low, high, tuple(dict.fromkeys(used))))
    return bounds


Row = tuple[dict[str, float], float, float, str]


def _merge_aliases(rows: list[Row], ids: set[str]) -> tuple[_Components, list[Row]]:
    """One unknown for each set of withheld cells published as the same quantity."""
    alias = _Components(sorted(ids))
    for terms, low, high, _ in rows:
        if low == high == 0 and len(terms) == 2:
            (a, ca), (b, cb) = terms.items()
            if ca == -cb:
                alias.join([a, b])
    merged = []
    for terms, low, high, source in rows:
        new: dict[str, float] = {}
        for cid, coef in terms.items():
            rep = alias.find(cid)
            new[rep] = new.get(rep, 0.0) + coef
        new = {c: a for c, a in new.items() if a != 0.0}
        if new:
            merged.append((new, low, high, source))
    return alias, merged


def _fix(rows: list[Row]) -> tuple[dict[str, float], list[Row], set[str]]:
    """Unknowns an equality with a single unknown gives exactly, substituted until none is left.

    Returns the fixed values, the rows left, and the unknowns of rows the fixed values
    contradict (a negative count, or a relation that no longer holds).
    """
    fixed: dict[str, float] = {}
    failed: set[str] = set()
    changed = True
    while changed:
        changed = False
        left = []
        for terms, low, high, source in rows:
            shift = sum(a * fixed[c] for c, a in terms.items() if c in fixed)
            rest = {c: a for c, a in terms.items() if c not in fixed}
            if not rest:
                if not low - TOLERANCE <= shift <= high + TOLERANCE:
                    failed.update(terms)
                continue
            if len(rest) == 1 and low == high:
                ((cid, coef),) = rest.items()
                fixed[cid] = (low - shift) / coef
                if fixed[cid] < -TOLERANCE:
                    failed.update(terms)
                changed = True
                continue
            left.append((rest, low - shift, high - shift, source))
        rows = left
    if failed:
        log.warning(
            "relations over %d withheld cell(s) contradict the published values", len(failed)
        )
    return fixed, rows, failed


def _components(rows: list[Row]) -> Iterator[tuple[list[str], list[Row]]]:
    groups = _Components(sorted({c for terms, *_ in rows for c in terms}))
    for terms, *_ in rows:
        groups.join(list(terms))
    members: dict[str, list[str]] = {}
    for cid in groups.parent:
        members.setdefault(groups.find(cid), []).append(cid)
    own: dict[str, list[Row]] = {}
    for row in rows:
        own.setdefault(groups.find(next(iter(row[0]))), []).append(row)
    for root, ids in members.items():
        yield ids, own[root]


def exposed(bounds: Iterable[Bound], width: float) -> list[Bound]:
    """The withheld cells a reader can narrow to an interval narrower than ``width``."""
    return [b for b in bounds if b.width < width]
