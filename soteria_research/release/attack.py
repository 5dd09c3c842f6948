"""What a determined reader can work out about each withheld count, by linear programming.

The reader knows every published count and every relation in the ledger, and that counts
are whole and never negative. For each withheld count the smallest and largest values
consistent with all of that are two linear programmes. Published counts are constants, so
each relation is written over its withheld cells only, and the problem splits into
connected components of withheld cells that share a relation; most are tiny. Each
component is passed to HiGHS (``highspy``) once and solved for one cell after another,
each solve starting from the last one's basis; a solve HiGHS cannot finish that way is
done by :func:`scipy.optimize.linprog`.

>>> from soteria_research.release.ledger import Ledger
>>> ledger = Ledger()
>>> a, b = (ledger.count("F", "t", r, "n", v) for r, v in (("a", 3), ("b", 40)))
>>> total = ledger.count("F", "t", "Total", "n", 43)
>>> ledger.total(total, [a, b])
>>> ledger.cells[a].status = "primary"
>>> intervals(ledger).loc[a, ["low", "high"]].tolist()
[3.0, 3.0]
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from soteria_research.release.ledger import EQ, Ledger, Relation

#: HiGHS' ``simplex_strategy`` for the primal simplex.
PRIMAL_SIMPLEX = 4
_SOLVERS = threading.local()


def guarded(cell) -> bool:
    """Whether a withheld count must itself stay unknown to a reader.

    Every withheld count that an output shows as withheld (and every count that fails a
    rule itself) must; a count no output shows (a rate's complement, the records between a
    count and its subset) withheld only to protect another cell need not: it is an unknown
    in the reader's equations, not a promise to anyone."""
    return not (cell.status == "secondary" and cell.priority == 0)


#: Where :func:`intervals`' ``cache`` keeps the relations through each cell.
_INDEX = "relations through each cell"


def relations_by_cell(relations: list[Relation]) -> dict[str, list[int]]:
    """The positions in ``relations`` of the relations through each cell."""
    by_cell: dict[str, list[int]] = {}
    for index, rel in enumerate(relations):
        for key, _ in rel.terms:
            by_cell.setdefault(key, []).append(index)
    return by_cell


class _Index:
    """The ledger as the reader's equations see it, built once per ledger and cache: each
    count's cell, each cell's published value and the relations through each cell (values
    and relations do not change while a release is protected; statuses do)."""

    def __init__(self, ledger: Ledger) -> None:
        self.relations = ledger.relations
        cells = ledger.cells
        self.counts = {k: c for k, c in cells.items() if c.kind == "count"}
        self.values = {k: c.value for k, c in cells.items()}
        self.by_cell = relations_by_cell(self.relations)
        #: the withheld counts last seen and their components (see :func:`components`)
        self.components: tuple[set[str], list] | None = None


def _index(ledger: Ledger, cache: dict | None) -> _Index:
    ledger.canonical()
    index = cache.get(_INDEX) if cache is not None else None
    if index is None or index.relations is not ledger.relations:
        index = _Index(ledger)
        if cache is not None:
            cache[_INDEX] = index
    return index


def _withheld_counts(ledger: Ledger, cache: dict | None = None) -> list[str]:
    return [k for k, c in _index(ledger, cache).counts.items() if c.withheld]


def _reduce(ledger: Ledger, index: _Index, rel: Relation, hidden: set[str]) -> tuple | None:
    """One relation over its hidden cells, published values moved to the right-hand side
    (``None`` when no hidden cell is left in it)."""
    terms: dict[str, float] = {}
    rhs = rel.rhs
    for key, coef in rel.terms:
        if key in hidden:
            terms[key] = terms.get(key, 0.0) + coef
        else:
            value = index.values.get(key)
            rhs -= coef * (ledger.cells[key].value if value is None else value)
    terms = {k: c for k, c in terms.items() if c != 0}
    return (terms, rel.sense, rhs, rel) if terms else None


def _reduced(
    ledger: Ledger, hidden: set[str], cache: dict | None = None
) -> list[tuple[dict[str, float], str, float, Relation]]:
    """Each relation over its hidden cells (only relations through a hidden cell have any:
    the others are dropped)."""
    index = _index(ledger, cache)
    through = sorted({i for key in hidden for i in index.by_cell.get(key, ())})
    reduced = (_reduce(ledger, index, index.relations[i], hidden) for i in through)
    return [r for r in reduced if r is not None]


def components(
    ledger: Ledger, hidden: set[str] | None = None, cache: dict | None = None
) -> list[tuple[list[str], list]]:
    """Connected components of withheld counts linked by relations, with their relations,
    in the order of each component's first key.

    ``cache`` as for :func:`intervals`; with it, the components of the withheld counts are
    kept, and the next call works out again only those that a change of withheld counts
    reached (rounds of suppression change a few cells of a release of thousands)."""
    if hidden is not None or cache is None:
        hidden = set(_withheld_counts(ledger, cache)) if hidden is None else hidden
        groups = _split(sorted(hidden), _reduced(ledger, hidden, cache))
        return [(sorted(keys), rels) for keys, rels in groups]
    index = _index(ledger, cache)
    now = set(_withheld_counts(ledger, cache))
    kept = index.components
    if kept is None:
        found = components(ledger, now)
    else:
        before, groups = kept
        changed = now ^ before
        if not changed:
            return groups
        of = {key: n for n, (keys, _) in enumerate(groups) for key in keys}
        reached = {of[k] for k in changed if k in of}
        for key in changed:
            for i in index.by_cell.get(key, ()):
                reached.update(of[k] for k, _ in index.relations[i].terms if k in of)
        seeds = {k for n in reached for k in groups[n][0] if k in now} | (changed & now)
        redone = _components_from(ledger, index, seeds, now)
        found = [g for n, g in enumerate(groups) if n not in reached] + redone
        found.sort(key=lambda group: group[0][0])
    index.components = (now, found)
    return found


def _components_from(
    ledger: Ledger, index: _Index, seeds: set[str], hidden: set[str]
) -> list[tuple[list[str], list]]:
    """The components of ``hidden`` holding ``seeds``, as :func:`components` gives them."""
    out = []
    left = set(seeds)
    while left:
        start = min(left)
        members, queue, through = {start}, [start], set()
        while queue:
            key = queue.pop()
            for i in index.by_cell.get(key, ()):
                if i in through:
                    continue
                reduced = _reduce(ledger, index, index.relations[i], hidden)
                if reduced is None:
                    continue
                through.add(i)
                for other in reduced[0]:
                    if other not in members:
                        members.add(other)
                        queue.append(other)
        left -= members
        rels = [_reduce(ledger, index, index.relations[i], hidden) for i in sorted(through)]
        out.append((sorted(members), rels))
    return out


def _solve(cost: np.ndarray, key: str, kwargs: dict) -> float:
    """The optimum of one direction (``+inf`` when a maximum is unbounded).

    Without presolve: HiGHS' presolve, as :func:`~scipy.optimize.linprog` runs it, calls
    some feasible programmes whose maximum is unbounded infeasible."""
    res = linprog(cost, bounds=(0, None), method="highs", options={"presolve": False}, **kwargs)
    if res.status == 3:
        return math.inf
    if res.status != 0:
        raise ValueError(f"relations around {key!r} are inconsistent ({res.message})")
    return float(abs(res.fun)) if cost.sum() < 0 else float(res.fun)


def _highs() -> Any:
    """This thread's HiGHS solver, quiet (HiGHS prints a banner when a process first makes
    one: it goes to ``/dev/null``)."""
    solver = getattr(_SOLVERS, "highs", None)
    if solver is None:
        import highspy

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
            solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        solver.setOptionValue("output_flag", False)
        # Each programme differs from the one before only in its objective: the last
        # optimal basis stays feasible, so primal simplex goes on from it (no presolve).
        solver.setOptionValue("presolve", "off")
        solver.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        _SOLVERS.highs = solver
    return solver


class _Programme:
    """One component's relations as one linear programme, solved for one cell at a time.

    The constraints are passed to HiGHS once; each bound only changes the objective, so
    every solve after the first starts from the last optimal basis. A solve that ends in
    neither an optimum nor an unbounded ray is done again from scratch, then by
    :func:`scipy.optimize.linprog`, which also names inconsistent relations.
    """

    def __init__(self, keys: list[str], rels: list) -> None:
        import highspy

        self.keys, self.rels = keys, rels
        index = {k: i for i, k in enumerate(keys)}
        rows, cols, coefs, lower, upper = [], [], [], [], []
        for r, (terms, sense, rhs, _) in enumerate(rels):
            for key, coef in terms.items():
                rows.append(r)
                cols.append(index[key])
                coefs.append(coef)
            lower.append(rhs if sense == EQ else -highspy.kHighsInf)
            upper.append(rhs)
        matrix = csr_matrix((coefs, (rows, cols)), shape=(len(rels), len(keys)))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(keys), len(rels)
        lp.col_cost_ = np.zeros(len(keys))
        lp.col_lower_ = np.zeros(len(keys))
        lp.col_upper_ = np.full(len(keys), highspy.kHighsInf)
        lp.row_lower_ = np.asarray(lower, dtype=float)
        lp.row_upper_ = np.asarray(upper, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(keys), len(rels)
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.status = highspy.HighsModelStatus
        self.solver = _highs()
        self.solver.clearModel()
        self.solver.passModel(lp)
        self.matrix = matrix

    def _run(self, i: int, sign: float) -> tuple[Any, float]:
        solver = self.solver
        solver.changeColCost(i, sign)
        solver.run()
        status = solver.getModelStatus()
        value = solver.getInfo().objective_function_value  # before the cost is reset
        solver.changeColCost(i, 0.0)
        return status, value

    def optimum(self, i: int, sign: float) -> float:
        """The least (``sign`` 1) or greatest (``sign`` -1) value of cell ``i`` (``+inf``
        when unbounded)."""
        for _attempt in range(2):
            status, value = self._run(i, sign)
            if status == self.status.kOptimal:
                return abs(value) if sign < 0 else value
            if status == self.status.kUnbounded:
                return math.inf
            self.solver.clearSolver()  # start again without the last basis
        return self._linprog(i, sign)

    def _linprog(self, i: int, sign: float) -> float:
        eq = [r for r, (_, sense, _, _) in enumerate(self.rels) if sense == EQ]
        ub = [r for r, (_, sense, _, _) in enumerate(self.rels) if sense != EQ]
        rhs = np.array([rhs for _, _, rhs, _ in self.rels])
        kwargs = {}
        if eq:
            kwargs["A_eq"], kwargs["b_eq"] = self.matrix[eq], rhs[eq]
        if ub:
            kwargs["A_ub"], kwargs["b_ub"] = self.matrix[ub], rhs[ub]
        cost = np.zeros(len(self.keys))
        cost[i] = sign
        return _solve(cost, self.keys[i], kwargs)


def _bounds(
    keys: list[str], rels: list, targets: set[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Smallest and largest value of each cell of one component (of ``targets`` only, when
    given)."""
    if not rels:
        return {k: (0.0, math.inf) for k in keys if targets is None or k in targets}
    programme = _Programme(keys, rels)
    out = {}
    for i, key in enumerate(keys):
        if targets is not None and key not in targets:
            continue
        high = programme.optimum(i, -1.0)
        if math.isfinite(high) and high < 0.5:
            out[key] = (0.0, 0.0)
            continue
        low = programme.optimum(i, 1.0)
        # Counts are whole numbers: the reader rounds inwards.
        low = math.ceil(low - 1e-7) if math.isfinite(low) else low
        high = math.floor(high + 1e-7) if math.isfinite(high) else high
        out[key] = (float(max(low, 0.0)), float(high))
    return out


def _peel(keys: list[str], rels: list) -> tuple[dict[str, float], list]:
    """Cells an equality pins alone (then substituted, as a reader would), and what is left."""
    known: dict[str, float] = {}
    rels = [(dict(t), sense, rhs, rel) for t, sense, rhs, rel in rels]
    changed = True
    while changed:
        changed = False
        left = []
        for terms, sense, rhs, rel in rels:
            for key in [k for k in terms if k in known]:
                rhs -= terms.pop(key) * known[key]
            if not terms:
                continue
            if sense == EQ and len(terms) == 1:
                ((key, coef),) = terms.items()
                known[key] = rhs / coef
                changed = True
                continue
            left.append((terms, sense, rhs, rel))
        rels = left
    return known, rels


def intervals(
    ledger: Ledger,
    only: set[str] | None = None,
    *,
    just: bool = False,
    cache: dict | None = None,
) -> pd.DataFrame:
    """For every guarded withheld count (:func:`guarded`): ``low``, ``high`` (what a reader
    can work out) and ``value``.

    ``only`` limits the work to the components holding those cells; with ``just``, to
    those cells themselves (each still bounded under its whole component's relations).
    ``cache`` (a dict the caller keeps across calls on one ledger whose values and
    relations do not change) remembers each component's answer: a component is the same
    problem while its withheld cells are, so rounds of suppression that change one
    component solve that one alone.
    """
    rows = []
    for keys, rels in components(ledger, cache=cache):
        if only is not None and not only.intersection(keys):
            continue
        targets = {k for k in keys if guarded(ledger.cells[k])}
        if just and only is not None:
            targets &= only
        if not targets:
            continue
        memo = (tuple(keys), frozenset(targets))
        if cache is not None and memo in cache:
            rows.extend(cache[memo])
            continue
        known, left = _peel(keys, rels)
        found = {k: (v, v) for k, v in known.items() if k in targets}
        rest = [k for k in keys if k not in known]
        for sub_keys, sub_rels in _split(rest, left):
            if targets.intersection(sub_keys):
                found.update(_bounds(sub_keys, sub_rels, targets))
        answer = [
            {
                "key": key,
                "value": ledger.cells[key].value,
                "low": low,
                "high": high,
                "relations": "; ".join(sorted({r[3].why for r in rels if key in r[0]})),
            }
            for key, (low, high) in found.items()
        ]
        if cache is not None:
            cache[memo] = answer
        rows.extend(answer)
    frame = pd.DataFrame(rows, columns=["key", "value", "low", "high", "relations"])
    return frame.set_index("key")


def _split(keys: list[str], rels: list) -> list[tuple[list[str], list]]:
    """Connected components of ``keys`` under ``rels`` (after peeling)."""
    parent = {k: k for k in keys}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for terms, *_ in rels:
        first, *others = list(terms)
        for other in others:
            a, b = find(first), find(other)
            if a != b:
                parent[b] = a
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        groups[find(key)].append(key)
    by_root: dict[str, list] = defaultdict(list)
    for item in rels:
        by_root[find(next(iter(item[0])))].append(item)
    return [(members, by_root.get(root, [])) for root, members in groups.items()]


def pinned(ledger: Ledger, cache: dict | None = None) -> list[list[str]]:
    """Withheld counts an equality pins to one value once published values and other pinned
    cells are substituted (no linear programme needed), grouped by component (``cache`` as
    for :func:`intervals`)."""
    found = []
    for keys, rels in components(ledger, cache=cache):
        known, _ = _peel(keys, rels)
        known = [k for k in known if guarded(ledger.cells[k])]
        if known:
            found.append(sorted(known))
    return found


def exposed(
    ledger: Ledger,
    width: float,
    only: set[str] | None = None,
    *,
    just: bool = False,
    cache: dict | None = None,
) -> pd.DataFrame:
    """Withheld counts a reader can pin to an interval narrower than ``width`` (``only``,
    ``just`` and ``cache`` as for :func:`intervals`)."""
    found = intervals(ledger, only, just=just, cache=cache)
    return found[(found["high"] - found["low"]) < width]
