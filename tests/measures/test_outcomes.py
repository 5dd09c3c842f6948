"""Outcome distribution and named shares, on the cohort and the activity basis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteria_research.errors import ParameterError
from soteria_research.measures.intervals import proportion_ci
from soteria_research.measures.outcomes import flag_share, outcome_distribution, outcome_shares


@pytest.fixture
def cases(make_cases):
    rows = [
        {"outcome_type": 1, "outcome_date": "2023-08-01", "outcome_alternate": True},
        {"outcome_type": 1, "outcome_date": "2023-09-01"},
        {"outcome_type": 16, "outcome_date": "2023-07-01", "isva_referred": True},
        {"outcome_type": 16, "outcome_date": "2023-07-01", "isva_referred": False},
        {"outcome_type": 14, "outcome_date": "2023-06-01", "isva_referred": True},
        {"outcome_type": 18, "outcome_date": "2023-06-01"},
        {"outcome_type": 15, "outcome_date": "2024-05-01"},  # outcome after the year
        {"outcome_type": 0},
        {"outcome_type": 0},
        {"outcome_type": 0},
        # recorded the year before, charged in 2023/24: activity only
        {"recorded_date": "2022-11-01", "outcome_type": 1, "outcome_date": "2023-05-01"},
    ]
    return make_cases(rows)


def test_cohort_shares_by_hand(cases) -> None:
    shares = outcome_shares(cases, "2023/24").set_index("measure")
    # 10 crimes recorded in 2023/24
    expected = {
        "charge_rate": 2,
        "outcome_16_share": 2,
        "victim_does_not_support_share": 3,
        "no_suspect_share": 2,
        "victim_supports_difficulties_share": 1,
        "pending_share": 3,
    }
    for measure, count in expected.items():
        assert shares.loc[measure, "numerator"] == count
        assert shares.loc[measure, "denominator"] == 10
        assert shares.loc[measure, "value"] == pytest.approx(count / 10)
        low, high = proportion_ci(count, 10)
        assert shares.loc[measure, "ci_low"] == pytest.approx(low[0])
        assert shares.loc[measure, "ci_high"] == pytest.approx(high[0])
    assert set(shares["basis"]) == {"cohort"}


def test_activity_shares_count_outcomes_assigned_in_the_period(cases) -> None:
    shares = outcome_shares(cases, "2023/24", basis="activity").set_index("measure")
    # outcomes dated in 2023/24: types 1, 1, 16, 16, 14, 18 (cohort) and 1 (older crime)
    assert shares.loc["charge_rate", "numerator"] == 3
    assert shares.loc["charge_rate", "denominator"] == 7
    assert np.isnan(shares.loc["pending_share", "value"])
    assert shares.loc["pending_share", "reason"] == "not defined on this basis"


def test_cohort_and_activity_distributions_differ_and_sum_to_one(cases) -> None:
    cohort = outcome_distribution(cases, "2023/24", "cohort")
    activity = outcome_distribution(cases, "2023/24", "activity")
    assert cohort["value"].sum() == pytest.approx(1)
    assert activity["value"].sum() == pytest.approx(1)
    assert 0 in set(cohort["outcome_type"]) and 0 not in set(activity["outcome_type"])
    # every Home Office type appears, zeros kept
    assert len(cohort) == 22 and (cohort["numerator"] == 0).sum() == 22 - 6


def test_distribution_by_group_merges_14_and_16(cases) -> None:
    groups = outcome_distribution(cases, "2023/24", level="group").set_index("outcome_group")
    assert groups.loc["Evidential difficulties (victim does not support action)", "numerator"] == 3
    with pytest.raises(ParameterError):
        outcome_distribution(cases, level="code")


def test_alternate_offence_charges_count_as_charges(cases) -> None:
    shares = outcome_shares(cases, "2023/24", measures=["charge_rate"])
    assert shares["numerator"].iloc[0] == 2  # one of them was for an alternate offence


def test_empty_period_gives_nan_with_reason(cases) -> None:
    shares = outcome_shares(cases, "2019/20")
    assert shares["value"].isna().all()
    assert set(shares["reason"]) == {"no cases in the period"}
    dist = outcome_distribution(cases, "2019/20")
    assert dist["value"].isna().all() and set(dist["reason"]) == {"no cases in the period"}


def test_empty_group_gives_nan_with_reason(make_cases) -> None:
    cases = make_cases(
        [
            {"force": "Durham", "outcome_type": 1, "outcome_date": "2023-06-01"},
            {
                "force": "Kent",
                "recorded_date": "2021-06-01",
                "outcome_type": 1,
                "outcome_date": "2021-09-01",
            },
        ]
    )
    shares = outcome_shares(cases, "2023/24", measures=["charge_rate"], by="force")
    kent = shares.set_index("force").loc["Kent"]
    assert kent["denominator"] == 0 and np.isnan(kent["value"])
    assert kent["reason"] == "zero denominator"
    assert shares.set_index("force").loc["Durham", "value"] == 1


def test_unknown_measure_is_refused(cases) -> None:
    with pytest.raises(ParameterError, match="Unknown outcome measure"):
        outcome_shares(cases, measures=["conviction_rate"])


def test_flag_share_leaves_out_unrecorded_flags(cases, make_cases) -> None:
    share = flag_share(cases, "isva_referred", "2023/24")
    assert share["numerator"].iloc[0] == 2 and share["denominator"].iloc[0] == 3
    none = flag_share(make_cases([{}, {}]), "isva_referred", "2023/24")
    assert np.isnan(none["value"].iloc[0]) and none["reason"].iloc[0] == "not recorded for any case"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from([0, 1, 2, 5, 14, 15, 16, 18, 20, 21]), min_size=1, max_size=40))
def test_shares_sum_to_one_and_nothing_is_lost(make_cases, types) -> None:
    rows = [{"outcome_type": t, "outcome_date": None if t == 0 else "2023-09-01"} for t in types]
    dist = outcome_distribution(make_cases(rows), "2023/24", level="group")
    assert dist["numerator"].sum() == len(types)
    assert dist["value"].sum() == pytest.approx(1)
    assert (dist["ci_low"] <= dist["value"]).all() and (dist["value"] <= dist["ci_high"]).all()
