"""Reliability: alpha and its Feldt interval, the one-factor model and omega, against
reference values (pingouin, statsmodels, hand computation, exact population models)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.multivariate.factor import Factor

from soteria_research.measures.reliability import cronbach_alpha, mcdonald_omega, one_factor

# Ten respondents, four items, written by hand.
X = np.array(
    [
        [4, 5, 4, 3],
        [3, 3, 2, 3],
        [5, 5, 4, 4],
        [2, 3, 2, 1],
        [4, 4, 5, 4],
        [3, 2, 3, 3],
        [5, 4, 5, 5],
        [1, 2, 1, 2],
        [3, 4, 3, 4],
        [4, 3, 4, 3],
    ],
    float,
)


def test_alpha_matches_hand_computation_and_pingouin():
    k = 4
    item_variances = X.var(axis=0, ddof=1).sum()  # 1.6 + 1.2889 + 1.7889 + 1.1556
    total_variance = X.sum(axis=1).var(ddof=1)
    hand = k / (k - 1) * (1 - item_variances / total_variance)
    alpha, low, high = cronbach_alpha(X)
    assert alpha == pytest.approx(hand, abs=1e-12)
    # pingouin 0.7.0, pg.cronbach_alpha(pd.DataFrame(X)): (0.9168646, array([0.781, 0.977]))
    assert alpha == pytest.approx(0.9168646, abs=1e-7)
    assert (round(low, 3), round(high, 3)) == (0.781, 0.977)


def test_alpha_interval_is_feldts():
    alpha, low, high = cronbach_alpha(X, confidence=0.9)
    n, k = X.shape
    df1, df2 = n - 1, (n - 1) * (k - 1)
    assert low == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.95, df1, df2))
    assert high == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.05, df1, df2))


@pytest.mark.parametrize("block", [X[:2], X[:, :1], np.ones((10, 3))])
def test_alpha_is_nan_where_undefined(block):
    assert np.isnan(cronbach_alpha(block)).all()


@pytest.mark.parametrize("columns", [[0, 1, 2, 3], [1, 2, 3], [0, 2, 3]])
def test_one_factor_loadings_match_statsmodels_maximum_likelihood(columns):
    corr = np.corrcoef(X[:, columns], rowvar=False)
    reference = Factor(corr=corr, n_factor=1, method="ml", nobs=len(X)).fit()
    loadings, uniquenesses = one_factor(corr)
    np.testing.assert_allclose(loadings, np.abs(reference.loadings.ravel()), atol=2e-5)
    np.testing.assert_allclose(uniquenesses, reference.uniqueness, atol=2e-5)


LOADINGS = np.array([0.9, 0.7, 0.6, 0.4])
UNIQUE = np.array([0.5, 0.8, 0.6, 1.1])


def test_one_factor_recovers_an_exact_population_model_and_its_omega():
    cov = np.outer(LOADINGS, LOADINGS) + np.diag(UNIQUE)
    loadings, uniquenesses = one_factor(cov)
    np.testing.assert_allclose(loadings, LOADINGS, atol=1e-5)
    np.testing.assert_allclose(uniquenesses, UNIQUE, atol=1e-5)
    stacked = one_factor(np.stack([cov, cov * 4]))
    np.testing.assert_allclose(stacked[0][1], 2 * LOADINGS, atol=1e-5)


def test_omega_is_recovered_from_a_large_sample_with_its_interval():
    truth = LOADINGS.sum() ** 2 / (LOADINGS.sum() ** 2 + UNIQUE.sum())  # 0.7418
    cov = np.outer(LOADINGS, LOADINGS) + np.diag(UNIQUE)
    sample = np.random.default_rng(5).multivariate_normal(np.zeros(4), cov, size=3000)
    omega, low, high = mcdonald_omega(sample, replicates=300, seed=1)
    assert low < truth < high
    assert omega == pytest.approx(truth, abs=0.02)
    assert high - low < 0.05


def test_omega_equals_alpha_when_items_are_tau_equivalent():
    cov = np.full((4, 4), 0.64) + np.diag(np.full(4, 0.5))
    sample = np.random.default_rng(2).multivariate_normal(np.zeros(4), cov, size=20000)
    omega = mcdonald_omega(sample, replicates=0)[0]
    assert omega == pytest.approx(cronbach_alpha(sample)[0], abs=0.003)


def test_omega_exceeds_alpha_when_loadings_differ():
    cov = np.outer(LOADINGS, LOADINGS) + np.diag(UNIQUE)
    sample = np.random.default_rng(3).multivariate_normal(np.zeros(4), cov, size=20000)
    assert mcdonald_omega(sample, replicates=0)[0] > cronbach_alpha(sample)[0]


def test_omega_bootstrap_is_seeded_and_needs_three_items():
    assert mcdonald_omega(X, replicates=200, seed=4) == mcdonald_omega(X, replicates=200, seed=4)
    assert np.isnan(mcdonald_omega(X[:, :2])).all()


def test_three_item_closed_form_fits_exactly():
    cov = np.cov(X[:, 1:], rowvar=False)
    loadings, psi = one_factor(cov)
    fitted = np.outer(loadings, loadings) + np.diag(psi)
    np.testing.assert_allclose(fitted, cov, atol=1e-10)  # saturated: exact fit
