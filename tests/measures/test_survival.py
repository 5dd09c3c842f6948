"""Censoring-aware estimates: statsmodels references and simulated known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

from soteria_research.measures.survival import (
    aalen_johansen,
    cumulative_incidence,
    event_times,
    incidence_curve,
    kaplan_meier,
)


@pytest.fixture(scope="module")
def random_times():
    rng = np.random.default_rng(7)
    # the longest follow-up is censored: statsmodels' variance divides by zero when every
    # crime still at risk has an outcome at the last time
    time = np.r_[rng.integers(0, 60, 400), 90].astype(float)
    return time, np.r_[rng.integers(0, 4, 400), 0]


def test_aalen_johansen_matches_statsmodels(random_times) -> None:
    time, cause = random_times
    ours = aalen_johansen(time, cause)
    ref = CumIncidenceRight(time, cause)
    for k in (1, 2, 3):
        part = ours[ours["cause"] == k]
        np.testing.assert_allclose(part["time"], ref.times)
        np.testing.assert_allclose(part["value"], ref.cinc[k - 1], atol=1e-12)
        np.testing.assert_allclose(part["se"], ref.cinc_se[k - 1], atol=1e-12)


def test_kaplan_meier_matches_statsmodels(random_times) -> None:
    time, cause = random_times
    event = cause > 0
    ours = kaplan_meier(time, event)
    ref = SurvfuncRight(time, event.astype(float))
    at_events = ours[ours["events"] > 0]
    np.testing.assert_allclose(at_events["time"], ref.surv_times)
    np.testing.assert_allclose(at_events["survival"], ref.surv_prob, atol=1e-12)
    np.testing.assert_allclose(at_events["se"], ref.surv_prob_se, atol=1e-12)
    np.testing.assert_array_equal(at_events["at_risk"], ref.n_risk)


def test_one_cause_incidence_is_one_minus_kaplan_meier(random_times) -> None:
    time, cause = random_times
    single = (cause > 0).astype(int)
    aj = aalen_johansen(time, single)
    ref = SurvfuncRight(time, single.astype(float))
    at_events = aj[aj["events"] > 0]
    np.testing.assert_allclose(at_events["value"], 1 - ref.surv_prob, atol=1e-12)


def test_event_times_censor_pending_at_extraction(make_cases) -> None:
    cases = make_cases(
        [
            {"recorded_date": "2023-05-01", "outcome_type": 1, "outcome_date": "2023-05-31"},
            {"recorded_date": "2023-05-01", "outcome_type": 0},
            {"recorded_date": "2023-05-01", "outcome_type": 14, "outcome_date": "2023-06-10"},
            {"recorded_date": "2023-05-01", "outcome_type": 20, "outcome_date": "2023-06-10"},
            {"recorded_date": "2023-05-01", "outcome_type": 18, "outcome_date": "2023-04-20"},
        ]
    )
    times = event_times(cases, "2023/24")
    assert times["days"].tolist() == [30, 426, 40, 40, 0]
    assert times["cause"].tolist() == [1, 0, 2, 5, 4]
    assert times["clipped"].tolist() == [False, False, False, False, True]


@pytest.fixture
def simulated(simulated_cases):
    return simulated_cases


def test_estimator_recovers_the_true_incidence_where_the_naive_rate_does_not(
    simulated, truth
) -> None:
    # 2023/24 cohort, extracted 30 June 2024: 91 to 456 days of follow-up, many pending.
    table = cumulative_incidence(simulated, "2023/24", horizons=[180, 365])
    charge = table[table["cause"] == "charge"].set_index("horizon_days")
    true_365 = truth(1, 365)
    est = charge.loc[365]
    assert abs(est["value"] - true_365) < 0.01
    assert est["ci_low"] <= true_365 <= est["ci_high"]
    assert est["naive_value"] < true_365 - 0.02  # biased low by the pending
    assert abs(charge.loc[180, "value"] - truth(1, 180)) < 0.01
    withdrawn = table[table["cause"] == "victim_does_not_support"].set_index("horizon_days")
    assert abs(withdrawn.loc[365, "value"] - truth(16, 365)) < 0.012


def test_naive_rate_equals_charges_so_far_over_cohort(simulated) -> None:
    table = cumulative_incidence(simulated, "2023/24", horizons=[365])
    row = table[table["cause"] == "charge"].iloc[0]
    cohort = simulated[simulated["financial_year"] == "2023/24"]
    assert row["denominator"] == len(cohort)
    assert row["naive_numerator"] == (cohort["outcome_type"] == 1).sum()
    assert row["n_at_risk"] > 0 and row["excluded"] == 0


def test_horizon_beyond_follow_up_and_empty_cohort(simulated) -> None:
    table = cumulative_incidence(simulated, "2023/24", horizons=[730])
    assert table["value"].isna().all()
    assert table["reason"].str.startswith("horizon beyond the longest follow-up").all()
    empty = cumulative_incidence(simulated, "2019/20", horizons=[365])
    assert empty["value"].isna().all() and set(empty["reason"]) == {"no cases in the period"}


def test_incidence_never_exceeds_one_minus_all_cause_survival(simulated) -> None:
    curve = incidence_curve(simulated, "all")
    total = curve.groupby("time")["value"].sum()
    assert (total <= 1 + 1e-12).all()
    assert (curve["ci_low"].dropna() >= 0).all() and (curve["ci_high"].dropna() <= 1).all()
    assert curve.groupby("cause")["value"].apply(lambda v: v.is_monotonic_increasing).all()


def test_inputs_are_not_changed(simulated) -> None:
    before = simulated.copy()
    cumulative_incidence(simulated, "latest")
    pd.testing.assert_frame_equal(simulated, before)
