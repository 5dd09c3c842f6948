"""Intervals against statsmodels and the published order-statistic table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from soteria_research.errors import ParameterError
from soteria_research.measures.intervals import (
    mean_ci,
    median_ci,
    proportion_ci,
    proportion_estimates,
)

GRID = [(0, 1), (0, 10), (1, 10), (5, 100), (37, 120), (99, 100), (100, 100), (3, 7)]


@pytest.mark.parametrize("method", ["wilson", "beta"])
@pytest.mark.parametrize(("count", "nobs"), GRID)
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_proportion_ci_matches_statsmodels(method, count, nobs, confidence) -> None:
    low, high = proportion_ci(count, nobs, confidence, method)
    ref_low, ref_high = proportion_confint(count, nobs, alpha=1 - confidence, method=method)
    assert low[0] == pytest.approx(ref_low, abs=1e-10)
    assert high[0] == pytest.approx(ref_high, abs=1e-10)


def test_proportion_ci_is_vectorised_and_nan_for_zero_denominators() -> None:
    low, high = proportion_ci([1, 0, 2], [10, 0, 4])
    assert np.isnan(low[1]) and np.isnan(high[1])
    assert low[0] == pytest.approx(proportion_confint(1, 10, method="wilson")[0])
    assert high[2] == pytest.approx(proportion_confint(2, 4, method="wilson")[1])


def test_proportion_ci_rejects_unknown_method_and_level() -> None:
    with pytest.raises(ParameterError, match="interval method"):
        proportion_ci(1, 10, method="agresti")
    with pytest.raises(ParameterError, match="confidence"):
        proportion_ci(1, 10, confidence=95)


def test_proportion_estimates_carry_numerator_denominator_and_reason() -> None:
    est = proportion_estimates([3, 0], [12, 0])
    assert est["value"].iloc[0] == pytest.approx(0.25)
    assert est["numerator"].tolist() == [3, 0]
    assert est["denominator"].tolist() == [12, 0]
    assert np.isnan(est["value"].iloc[1])
    assert est["reason"].tolist() == ["", "zero denominator"]


# Ranks of the 95% interval for the median as tabulated in Altman, Machin, Bryant and
# Gardner, Statistics with Confidence (2nd ed., BMJ Books), table of ranks for medians:
# (n, lower rank, upper rank).
@pytest.mark.parametrize(
    ("n", "lower", "upper"), [(6, 1, 6), (10, 2, 9), (20, 6, 15), (30, 10, 21), (50, 18, 33)]
)
def test_median_ci_uses_the_published_order_statistics(n, lower, upper) -> None:
    values = np.arange(1, n + 1) * 10.0
    rng = np.random.default_rng(n)
    est = median_ci(rng.permutation(values))
    assert est["ci_low"] == values[lower - 1]
    assert est["ci_high"] == values[upper - 1]
    tail = sum(math.comb(n, k) for k in range(lower)) / 2**n
    assert est["coverage"] == pytest.approx(1 - 2 * tail)
    assert est["coverage"] >= 0.95


def test_median_ci_below_six_values_is_nan_with_reason() -> None:
    est = median_ci([3, 1, 2, 5, 4])
    assert est["value"] == 3
    assert np.isnan(est["ci_low"]) and est["reason"] == "too few values for the interval"
    assert median_ci([])["reason"] == "zero denominator"


def test_median_ci_ignores_missing_values() -> None:
    assert median_ci([1.0, np.nan, 3.0])["n"] == 2


def test_mean_ci_is_the_t_interval() -> None:
    est = mean_ci([2, 4, 4, 4, 5, 5, 7, 9])
    # mean 5, sd 2.138, t(0.975, 7) = 2.3646
    assert est["value"] == 5
    assert est["ci_low"] == pytest.approx(5 - 2.364624 * 2.13809 / math.sqrt(8), abs=1e-4)
    assert mean_ci([3])["reason"] == "too few values for the interval"


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.sampled_from(["wilson", "beta"]),
    st.sampled_from([0.8, 0.95, 0.998]),
)
def test_interval_contains_the_estimate_and_lies_in_0_1(count, extra, method, confidence):
    nobs = count + extra
    low, high = proportion_ci(count, nobs, confidence, method)
    if nobs == 0:
        assert np.isnan(low[0]) and np.isnan(high[0])
    else:
        assert 0 <= low[0] <= count / nobs <= high[0] <= 1
