"""Periods: latest / all / a named year; cohort vs activity subsets."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.periods import (
    activity,
    cohort,
    financial_year,
    resolve_period,
    select,
)


@pytest.fixture
def cases(make_cases):
    return make_cases(
        [
            # recorded 2022/23, outcome assigned in 2023/24: cohort 2022/23, activity 2023/24
            {"recorded_date": "2023-01-10", "outcome_type": 1, "outcome_date": "2023-06-01"},
            # recorded 2023/24, still pending: cohort 2023/24, never activity
            {"recorded_date": "2023-04-01", "outcome_type": 0},
            # recorded and closed in 2023/24
            {"recorded_date": "2024-03-31", "outcome_type": 16, "outcome_date": "2024-03-31"},
            # recorded 2023/24, outcome in 2024/25
            {"recorded_date": "2023-12-01", "outcome_type": 18, "outcome_date": "2024-04-01"},
        ]
    )


def test_financial_year_boundaries() -> None:
    dates = pd.Series(pd.to_datetime(["2023-03-31", "2023-04-01", "2024-03-31", None]))
    assert financial_year(dates).tolist()[:3] == ["2022/23", "2023/24", "2023/24"]
    assert pd.isna(financial_year(dates).iloc[3])


def test_resolve_latest_all_and_named(cases) -> None:
    latest = resolve_period(cases, "latest")
    assert latest.years == ("2023/24",)
    assert latest.start == pd.Timestamp("2023-04-01") and latest.end == pd.Timestamp("2024-03-31")
    every = resolve_period(cases, "all")
    assert every.years == ("2022/23", "2023/24") and every.label == "2022/23 to 2023/24"
    assert resolve_period(cases, "2019/20").years == ("2019/20",)


@pytest.mark.parametrize("bad", ["2023", "2023/25", "23/24", "last"])
def test_malformed_period_is_refused(cases, bad) -> None:
    with pytest.raises(ParameterError, match="financial year"):
        resolve_period(cases, bad)


def test_cohort_and_activity_select_different_crimes(cases) -> None:
    assert cohort(cases, "2023/24")["crime_id"].tolist() == ["c00001", "c00002", "c00003"]
    assert activity(cases, "2023/24")["crime_id"].tolist() == ["c00000", "c00002"]
    assert select(cases, "2022/23", "activity").empty
    with pytest.raises(ParameterError, match="basis"):
        select(cases, "2023/24", "recorded")


def test_empty_table_resolves_to_an_empty_period(cases) -> None:
    empty = cases.iloc[0:0]
    period = resolve_period(empty, "latest")
    assert period.years == () and pd.isna(period.start)
    assert cohort(empty, period).empty and activity(empty, period).empty


def test_inputs_are_not_changed(cases) -> None:
    before = cases.copy()
    cohort(cases, "all")
    activity(cases, "latest")
    pd.testing.assert_frame_equal(cases, before)
