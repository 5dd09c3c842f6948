"""k-anonymity for survey breakdowns: no group below k, alone or in combination."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.measures.survey_disclosure import (
    group_sizes,
    k_anonymity,
    publishable_breakdowns,
    respondents_below_k,
)

VARIABLES = ["role", "team", "service"]


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=VARIABLES)


def test_k_comes_from_the_settings():
    assert k_anonymity() == 10
    assert k_anonymity(4) == 4


@pytest.mark.parametrize(("small", "publishable"), [(9, False), (10, True), (11, True)])
def test_one_way_breakdown_at_the_threshold(small, publishable):
    frame = frame_of([("A", "X", "s")] * 30 + [("B", "X", "s")] * small)
    table = publishable_breakdowns(frame, ["role"], k=10).set_index("breakdown")
    assert table.loc["role", "publishable"] == publishable


def test_missing_values_form_their_own_group():
    frame = frame_of([("A", "X", "s")] * 30 + [(None, "X", "s")] * 3)
    assert not publishable_breakdowns(frame, ["role"], k=10)["publishable"].iloc[0]
    assert respondents_below_k(frame, ["role"], k=10).sum() == 3


def test_differencing_between_breakdowns_is_refused():
    # team X = role A plus two people: publishing both would give those two people's sum
    rows = [("A", "X", "s")] * 12 + [("B", "X", "s")] * 2 + [("B", "Y", "s")] * 20
    table = publishable_breakdowns(frame_of(rows), ["role", "team"], k=10).set_index("breakdown")
    assert table.loc["role", "publishable"]
    assert not table.loc["team", "publishable"]
    assert "differs from a published group" in table.loc["team", "reason"]


def test_complement_of_the_overall_figure_is_refused():
    rows = [("A", "X", "s")] * 40 + [("B", "X", "s")] * 3
    table = publishable_breakdowns(frame_of(rows), ["team"], k=10)
    assert table["publishable"].iloc[0]  # one group: everyone (no new information)
    rows = [("A", "X", "s")] * 40 + [("A", "Y", "s")] * 12
    frame = frame_of(rows + [("B", "Y", "s")] * 3)
    # team Y (15) is published against all (55): fine; role A (52) = all minus 3: refused
    table = publishable_breakdowns(frame, ["role", "team"], k=10).set_index("breakdown")
    assert not table.loc["role", "publishable"]


def test_respondents_below_k_in_the_full_combination():
    rows = [("A", "X", "s")] * 12 + [("A", "Y", "s")] * 4 + [("B", "Y", "t")]
    below = respondents_below_k(frame_of(rows), VARIABLES, k=10)
    assert below.tolist() == [False] * 12 + [True] * 5
    assert group_sizes(frame_of(rows), ["role"]).to_dict() == {"A": 16, "B": 1}


def _cover_gap(group: np.ndarray, partition: list[np.ndarray]) -> int:
    cover = np.zeros_like(group)
    for other in partition:
        if (group & other).any():
            cover |= other
    return int(cover.sum() - group.sum())


def _groups(frame: pd.DataFrame, variables: tuple[str, ...]) -> list[np.ndarray]:
    keys = frame[list(variables)].fillna("not stated").agg("|".join, axis=1).to_numpy()
    return [keys == key for key in np.unique(keys)]


rows_strategy = st.lists(
    st.tuples(st.sampled_from("AB"), st.sampled_from("XYZ"), st.sampled_from(["s", "t", None])),
    min_size=0,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, k=st.integers(2, 8))
def test_no_published_group_below_k_alone_or_in_combination(rows, k):
    frame = frame_of(rows)
    table = publishable_breakdowns(frame, VARIABLES, k=k)
    assert len(table) == 7  # every combination of the three variables
    published = [v for v, ok in zip(table["variables"], table["publishable"], strict=True) if ok]
    partitions = [_groups(frame, v) for v in published]
    if published:
        assert len(frame) >= k
        partitions.append([np.ones(len(frame), dtype=bool)])  # the overall figure
    for groups in partitions:
        assert all(g.sum() >= k for g in groups)  # alone
    for one, other in combinations(partitions, 2):  # in combination: differencing
        for group in one:
            assert not 0 < _cover_gap(group, other) < k
        for group in other:
            assert not 0 < _cover_gap(group, one) < k


@settings(max_examples=100, deadline=None)
@given(rows=rows_strategy, k=st.integers(2, 8))
def test_respondents_below_k_are_exactly_those_in_small_combinations(rows, k):
    frame = frame_of(rows)
    below = respondents_below_k(frame, VARIABLES, k=k)
    sizes = frame.fillna("not stated").value_counts(VARIABLES)
    for i, row in enumerate(frame.fillna("not stated").itertuples(index=False)):
        assert below.iloc[i] == (sizes[tuple(row)] < k)
