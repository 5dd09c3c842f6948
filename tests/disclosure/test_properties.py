"""Property-based tests: for random tables, nothing disclosive is left after protection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from soteria_research.disclosure import Rules, protect_by_unit, protect_rates, protect_table

from .checkers import bridges, recoverable_by_subtraction

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Counts skewed towards the threshold, so that most tables need suppression.
COUNT = st.one_of(st.integers(0, 12), st.integers(0, 60))


@st.composite
def tables(draw, max_side: int = 6) -> pd.DataFrame:
    shape = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    values = draw(arrays(np.int64, shape, elements=COUNT))
    return pd.DataFrame(
        values,
        index=[f"r{i}" for i in range(shape[0])],
        columns=[f"c{j}" for j in range(shape[1])],
    )


RULES = st.builds(
    Rules,
    min_cell_count=st.sampled_from([3, 5, 10]),
    zeros_disclosive=st.booleans(),
)


def _published_ok(table: pd.DataFrame, rules: Rules) -> bool:
    shown = table.stack().dropna().astype(int)
    small = (shown > 0) & (shown < rules.min_cell_count)
    zeros = (shown == 0) & rules.zeros_disclosive
    return not (small | zeros).any()


@FAST
@given(counts=tables(), rules=RULES)
def test_no_published_count_below_threshold_and_no_cell_recoverable(counts, rules):
    protected = protect_table(counts, rules, name="random")
    table = protected.table
    assert _published_ok(table, rules)
    # published cells keep their true values; totals are the true sums
    values = counts.to_numpy()
    if "Total" in table.columns:
        values = np.column_stack([values, values.sum(axis=1)])
    if "Total" in table.index:
        values = np.vstack([values, values.sum(axis=0)])
    original = pd.DataFrame(values, index=table.index, columns=table.columns)
    shown = table.notna()
    assert (table[shown] == original[shown]).all().all()
    # every line with a total has 0 or at least 2 hidden cells ...
    hidden = table.isna()
    if "Total" in table.columns:
        assert not (hidden.sum(axis=1) == 1).any()
    if "Total" in table.index:
        assert not (hidden.sum(axis=0) == 1).any()
    # ... no hidden cell is a published total minus published cells ...
    if "Total" in table.index and "Total" in table.columns:
        assert recoverable_by_subtraction(table, original) == []
        # ... and none is determined by any combination of the totals
        assert bridges(hidden.to_numpy()) == []
    # no hidden cell sits in a line whose published total is zero (it would be zero too)
    for axis in (0, 1):
        if "Total" in (table.index if axis == 0 else table.columns):
            totals = table.loc["Total"] if axis == 0 else table["Total"]
            zero_lines = totals.eq(0).fillna(False)
            lines = hidden.loc[:, zero_lines] if axis == 0 else hidden.loc[zero_lines]
            assert not lines.to_numpy().any()


@FAST
@given(counts=tables(), rules=RULES)
def test_national_totals_close_every_column(counts, rules):
    assume(len(counts) > 1)
    national = counts.sum() + pd.Series(
        np.arange(len(counts.columns)) % 3 * 25, index=counts.columns
    )
    protected = protect_table(counts, rules, name="random", margins=False, national_total=national)
    table = protected.table
    assert list(table.index) == list(counts.index)
    assert _published_ok(table, rules)
    assert not (table.isna().sum() == 1).any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cube=arrays(
        np.int64,
        st.tuples(st.integers(2, 4), st.integers(1, 3), st.integers(1, 3)),
        elements=COUNT,
    ),
    rules=RULES,
)
def test_units_with_national_table_leave_nothing_solvable(cube, rules):
    tables = {
        f"force {k}": pd.DataFrame(cube[k], columns=[f"c{j}" for j in range(cube.shape[2])])
        for k in range(cube.shape[0])
    }
    out = protect_by_unit(tables, rules, name="random")
    stacked = np.stack([out[u].table.to_numpy(dtype=float, na_value=np.nan) for u in out])
    hidden = np.isnan(stacked)
    for protected in out.values():
        assert _published_ok(protected.table, rules)
    # every line along every axis holds 0 or at least 2 hidden cells
    for axis in range(3):
        if hidden.shape[axis] > 1:  # an axis of one has no total
            assert not (hidden.sum(axis=axis) == 1).any()
    # no hidden cell is determined by the totals (null space computed independently)
    index = np.arange(hidden.size).reshape(hidden.shape)
    unknown = {int(c): i for i, c in enumerate(index[hidden])}
    rows = []
    for axis in range(3):
        if hidden.shape[axis] == 1:
            continue
        for line in np.moveaxis(index, axis, -1).reshape(-1, hidden.shape[axis]):
            row = np.zeros(len(unknown))
            for j, cell in enumerate(line):
                if int(cell) in unknown:
                    row[unknown[int(cell)]] = -1 if j == len(line) - 1 else 1
            rows.append(row)
    if unknown and rows:
        null = scipy.linalg.null_space(np.array(rows))
        assert null.shape[1] > 0
        assert (np.abs(null).max(axis=1) > 1e-9).all()


@FAST
@given(
    frame=arrays(np.int64, st.tuples(st.integers(1, 8), st.just(2)), elements=COUNT),
    rules=RULES,
    totals=st.booleans(),
)
def test_a_rate_never_reveals_a_hidden_count(frame, rules, totals):
    num = frame[:, 0]
    den = frame[:, 0] + frame[:, 1]
    # totals published elsewhere must themselves pass the rule, or they give rows away
    assume(not totals or not any(rules.count_fails(t) for t in (num.sum(), den.sum() - num.sum())))
    data = pd.DataFrame({"n": num, "d": den})
    out = protect_rates(data, "n", "d", rules, totals_published=totals, scale=100).table
    for i in range(len(data)):
        n_shown, d_shown = pd.notna(out["n"].iloc[i]), pd.notna(out["d"].iloc[i])
        rate_shown = pd.notna(out["rate"].iloc[i]) or (d_shown and den[i] == 0)
        # a shown rate with a shown denominator gives the numerator: it must be shown too
        if rate_shown and d_shown:
            assert n_shown
        if not n_shown:
            assert pd.isna(out["rate"].iloc[i]) and out["suppressed"].iloc[i]
        # whatever is shown, numerator and complement pass the rule
        if n_shown and d_shown:
            for count in (num[i], den[i] - num[i]):
                assert not rules.count_fails(count)
    if totals and len(data) > 1:
        hidden = out["n"].isna().to_numpy()
        complement_hidden = hidden | out["d"].isna().to_numpy()
        assert hidden.sum() != 1
        assert complement_hidden.sum() != 1
