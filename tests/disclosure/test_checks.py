"""Models, medians, percentiles and summary statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from soteria_research.disclosure import (
    check_regression,
    protect_median,
    protect_percentiles,
    protect_statistics,
)
from soteria_research.errors import DataError, DisclosureError


def _ols(n: int):
    rng = np.random.default_rng(n)
    x = sm.add_constant(rng.normal(size=n))
    y = x @ [1.0, 2.0] + rng.normal(size=n)
    return sm.OLS(y, x).fit()


@pytest.mark.parametrize(("n", "passed"), [(11, False), (12, True), (13, True)])
def test_residual_degrees_of_freedom_boundary(rules, n, passed):
    result = _ols(n)  # two parameters: residual df = n - 2 = 9, 10, 11
    assert result.df_resid == n - 2
    check = check_regression(result, rules, name="charge model")
    assert check.passed is passed
    assert bool(check) is passed
    assert check.log_entry["status"] == ("pass" if passed else "withheld")
    assert check.log_entry["residual_df"] == n - 2


def test_a_failing_model_cannot_be_required(rules):
    check = check_regression(9, rules, name="charge model")
    assert check.reasons == ("residual degrees of freedom 9 < 10",)
    with pytest.raises(DisclosureError, match="charge model"):
        check.require()
    check_regression(10, rules).require()


def test_an_unreadable_model_is_refused(rules):
    with pytest.raises(DataError, match="degrees of freedom"):
        check_regression(object(), rules)


@pytest.mark.parametrize(("n", "hidden"), [(9, True), (10, False), (11, False)])
def test_median_needs_enough_cases(rules, n, hidden):
    values = list(range(1, n + 1))
    stat = protect_median(values, rules)
    assert stat.suppressed is hidden
    assert stat.n == n
    if not hidden:
        assert stat.value == pytest.approx(np.median(values))
    else:
        assert stat.value is None and stat.reason == "fewer than 10 cases"


def test_median_of_identical_values_is_withheld(rules):
    stat = protect_median([30] * 25, rules)
    assert stat.suppressed and stat.reason == "all values are the same"


def test_missing_values_do_not_count_as_cases(rules):
    assert protect_median([1, 2, 3, 4, 5, 6, 7, 8, 9, None, None], rules).suppressed


def test_percentiles_match_numpy(rules):
    values = np.arange(1, 41) ** 1.5
    stat = protect_percentiles(values, (0.25, 0.5, 0.75), rules)
    expected = np.percentile(values, [25, 50, 75])
    assert stat.value.to_numpy(float) == pytest.approx(expected)


def test_statistics_table_hides_rows_with_few_cases(rules):
    frame = pd.DataFrame(
        {"force": ["a", "b", "c"], "median_days": [40.0, 55.0, 61.5], "n": [9, 10, 250]}
    )
    protected = protect_statistics(frame, ["median_days"], "n", rules, name="days to charge")
    table = protected.table
    assert table["median_days"].isna().tolist() == [True, False, False]
    assert table["n"].isna().tolist() == [True, False, False]  # 9 cases is a small count
    assert table["suppressed"].tolist() == [True, False, False]
    assert protected.log_entry["cells"][0]["row"] == "0"
