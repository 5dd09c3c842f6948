"""Magnitude tables: N-K dominance, p% and contributor counts at their exact boundaries."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.disclosure import Rules, dominance_failures, protect_magnitude
from soteria_research.errors import DataError


@pytest.mark.parametrize(
    ("top_two", "fails"),
    [
        ([45, 45], False),  # exactly 90% of 100: passes (the rule is "more than K")
        ([45, 46], True),  # 91 of 101
        ([44, 45], False),
    ],
)
def test_nk_rule_at_exactly_k(rules, top_two, fails):
    contributions = top_two + [1] * 10
    assert ("nk-rule" in dominance_failures(contributions, rules)) is fails


@pytest.mark.parametrize(("rest_each", "fails"), [(1.0, False), (0.9, True), (1.1, False)])
def test_p_percent_rule_at_exactly_p(rest_each, fails):
    # largest 100, second 50, ten others: the others add up to exactly 10% of the largest
    # when each is 1.0 (the N-K rule is switched off to isolate the p% rule)
    rules = Rules(nk_k=1.0)
    contributions = [100, 50] + [rest_each] * 10
    assert ("p-ratio" in dominance_failures(contributions, rules)) is fails


@pytest.mark.parametrize(("n", "fails"), [(9, True), (10, False), (11, False)])
def test_minimum_number_of_contributors(rules, n, fails):
    assert ("threshold" in dominance_failures([5] * n, rules)) is fails


def test_two_contributors_always_fail_the_p_rule(rules):
    assert "p-ratio" in dominance_failures([10, 10], rules)


def test_negative_contributions_are_refused(rules):
    with pytest.raises(DataError, match="negative"):
        dominance_failures([5, -1], rules)


def _days():
    contributions = pd.Series(
        [300, 20] + [3] * 10 + [10] * 12 + [8] * 15,
        index=["Durham"] * 12 + ["Gwent"] * 12 + ["Kent"] * 15,
        name="days",
    )
    values = contributions.groupby(level=0).sum()
    return values, contributions


def test_a_dominated_cell_is_hidden_and_the_reason_logged(rules):
    values, contributions = _days()
    protected = protect_magnitude(values, contributions, rules, name="days waited")
    table = protected.table["value"]
    assert pd.isna(table["Durham"])  # one case is 300 of 350 days
    assert table["Gwent"] == 120 and table["Kent"] == 120
    (cell,) = protected.log_entry["cells"]
    assert cell["row"] == "Durham" and "largest contributors exceed 90%" in cell["reason"]


def test_with_a_total_a_second_cell_is_hidden(rules):
    values, contributions = _days()
    protected = protect_magnitude(values, contributions, rules, name="days", margins=True)
    table = protected.table["value"]
    assert table.isna().sum() == 2
    assert table["Total"] == 590
    assert (protected.mask["value"] == "secondary").sum() == 1


def test_contributions_must_add_up(rules):
    values, contributions = _days()
    values["Kent"] += 1
    with pytest.raises(DataError, match="Kent"):
        protect_magnitude(values, contributions, rules)
