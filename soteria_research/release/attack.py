"""What a determined reader can work out about each withheld count, by linear programming.

The reader knows every published count and every relation in the ledger, and that counts
are whole and never negative. For each withheld count the smallest and largest values
consistent with all of that are two linear programmes (HiGHS through
:func:`scipy.optimize.linprog`). Published counts are constants, so each relation is
written over its withheld cells only, and the problem splits into connected components
of withheld cells that share a relation; most are tiny.

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
from collections import defaultdict

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from soteria_research.release.ledger import EQ, Ledger, Relation


def guarded(cell) -> bool:
    """Whether a withheld count must itself stay unknown to a reader.

    Every withheld count that an output shows as withheld (and every count that fails a
    rule itself) must; a count no output shows (a rate's complement, the records between a
    count and its subset) withheld only to protect another cell need not: it is an unknown
    in the reader's equations, not a promise to anyone."""
    return not (cell.status == "secondary" and cell.priority == 0)


def _withheld_counts(ledger: Ledger) -> list[str]:
    ledger.canonical()
    return [k for k, c in ledger.cells.items() if c.kind == "count" and c.withheld]


def _reduced(
    ledger: Ledger, hidden: set[str]
) -> list[tuple[dict[str, float], str, float, Relation]]:
    """Each relation over its hidden cells, published values moved to the right-hand side."""
    out = []
    for rel in ledger.relations:
        terms: dict[str, float] = {}
        rhs = rel.rhs
        for key, coef in rel.terms:
            if key in hidden:
                terms[key] = terms.get(key, 0.0) + coef
            else:
                rhs -= coef * ledger.cells[key].value
        terms = {k: c for k, c in terms.items() if c != 0}
        if terms:
            out.append((terms, rel.sense, rhs, rel))
    return out


def components(ledger: Ledger, hidden: set[str] | None = None) -> list[tuple[list[str], list]]:
    """Connected components of withheld counts linked by relations, with their relations."""
    hidden = set(_withheld_counts(ledger)) if hidden is None else hidden
    ledger.canonical()
    groups = _split(sorted(hidden), _reduced(ledger, hidden))
    return [(sorted(keys), rels) for keys, rels in groups]


def _solve(cost: np.ndarray, key: str, kwargs: dict) -> float:
    """The optimum of one direction (``+inf`` when a maximum is unbounded)."""
    res = linprog(cost, bounds=(0, None), method="highs", **kwargs)
    if res.status == 3:
        return math.inf
    if res.status != 0:
        raise ValueError(f"relations around {key!r} are inconsistent ({res.message})")
    return float(abs(res.fun)) if cost.sum() < 0 else float(res.fun)


def _bounds(
    keys: list[str], rels: list, targets: set[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Smallest and largest value of each cell of one component (of ``targets`` only, when
    given)."""
    if not rels:
        return {k: (0.0, math.inf) for k in keys if targets is None or k in targets}
    index = {k: i for i, k in enumerate(keys)}
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for terms, sense, rhs, _ in rels:
        row = np.zeros(len(keys))
        for key, coef in terms.items():
            row[index[key]] = coef
        if sense == EQ:
            eq_rows.append(row)
            eq_rhs.append(rhs)
        else:
            ub_rows.append(row)
            ub_rhs.append(rhs)
    kwargs = {}
    if eq_rows:
        kwargs["A_eq"], kwargs["b_eq"] = csr_matrix(np.array(eq_rows)), np.array(eq_rhs)
    if ub_rows:
        kwargs["A_ub"], kwargs["b_ub"] = csr_matrix(np.array(ub_rows)), np.array(ub_rhs)
    out = {}
    for key, i in index.items():
        if targets is not None and key not in targets:
            continue
        cost = np.zeros(len(keys))
        cost[i] = -1.0
        high = _solve(cost, key, kwargs)
        if math.isfinite(high) and high < 0.5:
            out[key] = (0.0, 0.0)
            continue
        cost[i] = 1.0
        low = _solve(cost, key, kwargs)
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
    for keys, rels in components(ledger):
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


def pinned(ledger: Ledger) -> list[list[str]]:
    """Withheld counts an equality pins to one value once published values and other pinned
    cells are substituted (no linear programme needed), grouped by component."""
    found = []
    for keys, rels in components(ledger):
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
