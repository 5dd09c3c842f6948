"""Days to charge / outcome / device return: medians with order-statistic intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.timeliness import days_to_event, median_days


def _charged(recorded: str, days: int, **extra) -> dict:
    date = pd.Timestamp(recorded) + pd.Timedelta(days=days)
    return {"recorded_date": recorded, "outcome_type": 1, "outcome_date": date, **extra}


@pytest.fixture
def cases(make_cases):
    rows = [_charged("2022-06-01", d) for d in (300, 320, 400, 500, 610, 620, 700, 800)]
    rows += [_charged("2023-05-01", d) for d in (10, 20)]  # recorded 2023/24, charged 2023/24
    rows.append({"recorded_date": "2023-05-01", "outcome_type": 16, "outcome_date": "2023-07-01"})
    rows.append(
        {
            **_charged("2023-05-01", 30),
            "outcome_date": "2023-04-01",
            "date_flags": "outcome_before_recording",
        }
    )
    return make_cases(rows)


def test_activity_median_counts_charges_made_in_the_period(cases) -> None:
    days = days_to_event(cases, "2023/24", "charge", "activity")
    # charged in 2023/24 (1 April 2023 to 31 March 2024): 2022-06-01 + 320 (2023-04-17)
    # to + 620 (2024-02-10), not + 300 (2023-03-28) nor + 700 (2024-05-01); the two quick
    # ones and the out-of-order one (negative)
    assert sorted(days["days"].tolist()) == [-30, 10, 20, 320, 400, 500, 610, 620]
    est = median_days(cases, "2023/24", "charge", "activity").iloc[0]
    assert est["denominator"] == 7 and est["excluded_negative"] == 1
    assert est["value"] == 400
    assert est["measure"] == "median_days_to_charge" and est["basis"] == "activity"
    # n = 7 at 95%: ranks 1 and 7 (P(B <= 0) = 1/128 <= 0.025 < P(B <= 1) = 8/128)
    assert (est["ci_low"], est["ci_high"]) == (10, 620)


def test_cohort_median_counts_crimes_recorded_in_the_period(cases) -> None:
    est = median_days(cases, "2023/24", "charge", "cohort").iloc[0]
    assert est["denominator"] == 2 and est["value"] == 15
    assert np.isnan(est["ci_low"]) and est["reason"] == "too few values for the interval"


def test_any_outcome_and_device_turnaround(make_cases) -> None:
    cases = make_cases(
        [
            {"device_seized_date": "2023-05-01", "device_returned_date": "2023-05-11"},
            {"device_seized_date": "2023-05-01", "device_returned_date": "2023-06-10"},
            {"device_seized_date": "2023-05-01"},  # still held: not counted
        ]
    )
    days = days_to_event(cases, "2023/24", "device_return", "activity")
    assert sorted(days["days"].tolist()) == [10, 40]
    assert days_to_event(cases, "2023/24", "any_outcome", "cohort").empty


def test_no_event_and_empty_period_are_nan_with_reason(cases) -> None:
    est = median_days(cases, "2023/24", "withdrawal", "cohort").iloc[0]
    assert np.isnan(est["value"]) and est["reason"] == "no crimes reached the event"
    est = median_days(cases, "2019/20", "charge", "cohort").iloc[0]
    assert est["reason"] == "no cases in the period"


def test_unknown_event_is_refused(cases) -> None:
    with pytest.raises(ParameterError, match="Unknown event"):
        days_to_event(cases, event="conviction")
