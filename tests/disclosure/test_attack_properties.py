"""Property tests of the attack on random tables with margins: safe and unsafe suppression."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.disclosure import Rules
from soteria_research.disclosure.attack import attack_paths
from tests.disclosure.test_attack import _page, _table

RULES = Rules(zeros_disclosive=False)


@st.composite
def tables(draw):
    rows = draw(st.integers(2, 5))
    cols = draw(st.integers(2, 5))
    values = np.array(
        draw(st.lists(st.integers(5, 60), min_size=rows * cols, max_size=rows * cols))
    ).reshape(rows, cols)
    return values


def _attack(values: np.ndarray, hidden: set[tuple[int, int]]):
    rows, cols = values.shape
    names = [f"c{j}" for j in range(cols)]
    body = []
    for i in range(rows):
        shown = [None if (i, j) in hidden else int(values[i, j]) for j in range(cols)]
        body.append((f"r{i}", *shown, int(values[i].sum())))
    body.append(("Total", *(int(v) for v in values.sum(axis=0)), int(values.sum())))
    html = _page(_table("Random", [*names, "Total"], body, total="Total"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.html"
        path.write_text(html, encoding="utf-8")
        return attack_paths([path], RULES)


def _true(values: np.ndarray, where: str) -> int:
    row = int(where.split("row 'r")[1].split("'")[0])
    col = int(where.split("column 'c")[1].split("'")[0])
    return int(values[row, col])


@settings(max_examples=40, deadline=None)
@given(tables(), st.data())
def test_suppression_by_rectangles_of_large_cells_is_safe(values, data):
    rows, cols = values.shape
    r1, r2 = sorted(
        data.draw(st.lists(st.integers(0, rows - 1), min_size=2, max_size=2, unique=True))
    )
    c1, c2 = sorted(
        data.draw(st.lists(st.integers(0, cols - 1), min_size=2, max_size=2, unique=True))
    )
    hidden = {(r1, c1), (r1, c2), (r2, c1), (r2, c2)}  # each cell moves by at least 5 either way
    assert _attack(values, hidden) == []


@settings(max_examples=40, deadline=None)
@given(tables(), st.data())
def test_a_lone_withheld_cell_in_a_line_is_recovered_exactly(values, data):
    rows, cols = values.shape
    cell = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    (exposure,) = _attack(values, {cell})
    assert exposure.bound.exact
    assert exposure.bound.low == values[cell]


@settings(max_examples=40, deadline=None)
@given(tables(), st.data())
def test_every_bound_holds_the_true_value(values, data):
    rows, cols = values.shape
    cells = [(i, j) for i in range(rows) for j in range(cols)]
    hidden = set(data.draw(st.lists(st.sampled_from(cells), min_size=1, max_size=len(cells))))
    for exposure in _attack(values, hidden):
        truth = _true(values, exposure.bound.where)
        assert exposure.bound.low <= truth <= exposure.bound.high
