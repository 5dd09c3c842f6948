"""The reader's linear programmes: HiGHS solved once per component agrees with linprog."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.release import attack
from soteria_research.release.ledger import EQ, LE
from tests.release.test_release_core import table


def _linprog_bounds(keys, rels):
    """Each cell's least and greatest value by scipy's linprog, one fresh programme each."""
    index = {k: i for i, k in enumerate(keys)}
    eq = [r for r in rels if r[1] == EQ]
    ub = [r for r in rels if r[1] != EQ]

    def matrix(rows):
        out = np.zeros((len(rows), len(keys)))
        for j, (terms, *_) in enumerate(rows):
            for key, coef in terms.items():
                out[j, index[key]] = coef
        return out

    kwargs = {}
    if eq:
        kwargs["A_eq"], kwargs["b_eq"] = matrix(eq), np.array([r[2] for r in eq])
    if ub:
        kwargs["A_ub"], kwargs["b_ub"] = matrix(ub), np.array([r[2] for r in ub])
    out = {}
    for key, i in index.items():
        cost = np.zeros(len(keys))
        cost[i] = -1.0
        high = attack._solve(cost, key, kwargs)
        cost[i] = 1.0
        low = attack._solve(cost, key, kwargs)
        out[key] = (low, high)
    return out


@st.composite
def systems(draw):
    """A feasible system over 2-7 whole counts: equalities and inequalities, with known
    true values (so it is consistent), some leaving a cell unbounded."""
    n = draw(st.integers(2, 7))
    truth = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
    keys = [f"c{i}" for i in range(n)]
    rels = []
    for _ in range(draw(st.integers(1, 6))):
        chosen = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        coefs = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=len(chosen)))
        coefs = (coefs + [1.0] * len(chosen))[: len(chosen)]
        terms = {keys[i]: c for i, c in zip(chosen, coefs, strict=True)}
        value = sum(c * truth[i] for i, c in zip(chosen, coefs, strict=True))
        sense = draw(st.sampled_from([EQ, LE]))
        slack = 0 if sense == EQ else draw(st.integers(0, 20))
        rels.append((terms, sense, float(value + slack), None))
    return keys, rels


@settings(max_examples=150, deadline=None)
@given(systems())
def test_bounds_agree_with_a_fresh_linprog_for_every_cell(system):
    keys, rels = system
    expected = _linprog_bounds(keys, rels)
    found = attack._bounds(keys, rels)
    for key, (low, high) in expected.items():
        want_low = float(max(math.ceil(low - 1e-7), 0))
        want_high = math.floor(high + 1e-7) if math.isfinite(high) else math.inf
        if math.isfinite(want_high) and high < 0.5:
            want_low, want_high = 0.0, 0.0
        assert found[key] == (want_low, float(want_high)), key


def test_an_unbounded_cell_and_a_pinned_one():
    keys = ["a", "b", "c"]
    rels = [({"a": 1.0, "b": -1.0}, EQ, 0.0, None), ({"c": 1.0, "b": 1.0}, EQ, 7.0, None)]
    found = attack._bounds(keys, rels)
    assert found == {"a": (0.0, 7.0), "b": (0.0, 7.0), "c": (0.0, 7.0)}
    found = attack._bounds(["a", "b"], [({"a": 1.0, "b": -1.0}, EQ, 3.0, None)])
    assert found == {"a": (3.0, math.inf), "b": (0.0, math.inf)}


def test_an_unbounded_maximum_that_presolve_calls_infeasible():
    # linprog with HiGHS' presolve says "infeasible" here, though every cell at 0 fits and
    # c2 = c3 grows without bound: the reader's bounds must not stop a release for it
    rels = [
        ({"c0": 1.0, "c1": 1.0, "c2": 1.0, "c3": -1.0, "c4": 1.0}, LE, 1.0, None),
        ({"c0": 1.0, "c1": 1.0, "c2": -1.0, "c3": 1.0, "c4": -1.0}, LE, 0.0, None),
    ]
    keys = ["c0", "c1", "c2", "c3", "c4"]
    found = attack._bounds(keys, rels)
    assert found["c3"] == (0.0, math.inf)
    assert found["c0"] == (0.0, 0.0)  # c0 + c1 <= 0.5 from the two rows: whole counts, 0
    assert _linprog_bounds(keys, rels)["c3"] == (0.0, math.inf)


def test_inconsistent_relations_are_named():
    rels = [({"a": 1.0, "b": 1.0}, EQ, 4.0, None), ({"a": 1.0}, LE, -1.0, None)]
    with pytest.raises(ValueError, match="relations around 'a' are inconsistent"):
        attack._bounds(["a", "b"], rels)


def test_the_solver_prints_nothing():
    code = (
        "from soteria_research.release import attack\n"
        "attack._bounds(['a', 'b'], [({'a': 1.0, 'b': 1.0}, '=', 4.0, None)])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60), min_size=3, max_size=3), min_size=2, max_size=4),
    st.lists(st.lists(st.integers(0, 60), min_size=2, max_size=2), min_size=2, max_size=3),
    st.randoms(use_true_random=False),
)
def test_kept_components_are_the_components_worked_out_afresh(first, second, rng):
    # two tables sharing a cell, the cells hidden and published again at random, as
    # suppression and restoring do: what the cache keeps must be what a fresh pass finds
    ledger, keys = table(first)
    ledger, other = table(second, ledger, unit="G")
    ledger.total(other[0][0], [keys[0][0]], why="a subset")
    cells = [k for k, c in ledger.cells.items() if c.kind == "count"]
    cache: dict = {}
    for _ in range(8):
        for key in rng.sample(cells, k=rng.randint(1, max(1, len(cells) // 4))):
            cell = ledger.cells[key]
            cell.status = "" if cell.withheld else "secondary"
        kept = attack.components(ledger, cache=cache)
        assert kept == attack.components(ledger)
        assert attack.pinned(ledger, cache) == attack.pinned(ledger)
