"""XmR limits by hand; each Making Data Count rule on a series made to trigger it alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.measures.spc import (
    RULES,
    signal_periods,
    signals_touching,
    summarise_signals,
    xmr,
)

# Baseline: 12 points alternating 12, 10. Mean 11; every moving range 2, so mean MR 2;
# limits 11 +/- 2.66 * 2 = 5.68 and 16.32; two sigma 11 +/- (2/3) * 5.32 = 7.4533, 14.5467.
BASELINE = [12, 10] * 6
TAIL = [10, 12, 10, 12]


def chart(segment, **kwargs):
    return xmr(BASELINE + list(segment) + TAIL, baseline=len(BASELINE), **kwargs)


def flagged(result: pd.DataFrame) -> dict[str, list[int]]:
    return {rule: np.nonzero(result[rule].to_numpy())[0].tolist() for rule in RULES}


def test_limits_by_hand_on_a_short_series() -> None:
    result = xmr([5, 7, 6, 8, 4])
    # mean 6; moving ranges 2, 1, 2, 4 -> 2.25; limits 6 +/- 5.985
    assert result["mean"].iloc[0] == 6
    assert result["mr_bar"].iloc[0] == pytest.approx(2.25)
    assert result["upper_limit"].iloc[0] == pytest.approx(11.985)
    assert result["lower_limit"].iloc[0] == pytest.approx(0.015)
    assert result["upper_2sigma"].iloc[0] == pytest.approx(6 + 2 / 3 * 5.985)
    assert np.isnan(result["moving_range"].iloc[0])
    assert result["moving_range"].tolist()[1:] == [2, 1, 2, 4]


def test_baseline_limits_by_hand() -> None:
    result = chart([])
    assert result["mean"].iloc[0] == 11 and result["mr_bar"].iloc[0] == 2
    assert result["upper_limit"].iloc[0] == pytest.approx(16.32)
    assert result["lower_2sigma"].iloc[0] == pytest.approx(11 - 2 / 3 * 5.32)
    assert not result[list(RULES)].any().any()


def test_point_outside_limits_only() -> None:
    assert flagged(chart([17])) == {
        "outside_limits": [12],
        "run": [],
        "trend": [],
        "two_of_three": [],
    }
    assert chart([17])["signals"].iloc[12] == "outside_limits:high"


def test_point_inside_limits_is_no_signal() -> None:
    assert not chart([16])[list(RULES)].any().any()


def test_run_of_seven_above_the_mean_only() -> None:
    run = [11.5, 12, 11.5, 12, 11.5, 12, 11.5]
    assert flagged(chart(run)) == {
        "outside_limits": [],
        "run": list(range(12, 19)),
        "trend": [],
        "two_of_three": [],
    }
    assert summarise_signals(chart(run)) == "run:high"


def test_run_of_six_is_no_signal_unless_the_setting_says_six() -> None:
    run = [11.5, 12, 11.5, 12, 11.5, 12]
    assert not chart(run)[list(RULES)].any().any()
    assert flagged(chart(run, run_length=6))["run"] == list(range(12, 18))


def test_trend_of_seven_rising_only() -> None:
    trend = [9, 9.5, 10.5, 11.5, 12.5, 13, 13.5]
    assert flagged(chart(trend)) == {
        "outside_limits": [],
        "run": [],
        "trend": list(range(12, 19)),
        "two_of_three": [],
    }
    assert summarise_signals(chart(trend)) == "trend:high"


def test_trend_of_six_is_no_signal() -> None:
    assert not chart([9.5, 10.5, 11.5, 12.5, 13, 13.5])[list(RULES)].any().any()


def test_falling_trend_and_equal_values_break_it() -> None:
    falling = chart([13, 12.5, 12, 11.5, 10.5, 10, 9.5])
    assert falling["trend"].sum() == 7 and summarise_signals(falling) == "trend:low"
    flat = chart([9, 9.5, 10.5, 10.5, 12.5, 13, 13.5])
    assert not flat["trend"].any()


def test_two_of_three_beyond_two_sigma_only() -> None:
    assert flagged(chart([15, 11, 15])) == {
        "outside_limits": [],
        "run": [],
        "trend": [],
        "two_of_three": [12, 14],
    }


def test_one_of_three_beyond_two_sigma_is_no_signal() -> None:
    assert not chart([15, 11, 14])[list(RULES)].any().any()


def test_summary_within_points_and_empty_series() -> None:
    result = chart([17])
    assert summarise_signals(result, points=[0, 1, 2]) == "none"
    assert summarise_signals(result, points=[12]) == "outside_limits:high"
    empty = xmr([])
    assert empty.empty and summarise_signals(empty) == "none"
    single = xmr([4.0])
    assert np.isnan(single["upper_limit"].iloc[0]) and not single["outside_limits"].any()


def test_labels_and_missing_points() -> None:
    months = pd.date_range("2023-04-01", periods=4, freq="MS")
    result = xmr([1.0, None, 2.0, 3.0], index=months)
    assert result["point"].tolist() == [months[0], months[2], months[3]]


MONTHS = pd.date_range("2021-01-01", periods=40, freq="MS")


def monthly(segment: list[float], at: int) -> pd.DataFrame:
    """Baseline months, then ``segment`` from month ``at`` (0-based), then the tail."""
    values = (BASELINE * 4)[:at] + list(segment)
    values += (TAIL * 10)[: len(MONTHS) - len(values)]
    return xmr(values, index=MONTHS, baseline=len(BASELINE))


def test_each_signal_with_its_first_and_last_month() -> None:
    # the same run as above: seven months above the mean from Jan 2022 (month 12)
    run = [11.5, 12, 11.5, 12, 11.5, 12, 11.5]
    periods = signal_periods(monthly([*run, 17], 12))
    assert periods[["rule", "side", "first", "last", "points"]].values.tolist() == [
        ["run", "high", pd.Timestamp("2022-01-01"), pd.Timestamp("2022-08-01"), 8],
        ["outside_limits", "high", pd.Timestamp("2022-08-01"), pd.Timestamp("2022-08-01"), 1],
    ]
    assert periods["when"].tolist() == ["Jan 2022 to Aug 2022", "Aug 2022"]


def test_two_separate_signals_of_one_rule_are_two_rows() -> None:
    periods = signal_periods(monthly([17, 10, 12, 10, 12, 18], 14))
    assert periods[["rule", "first", "last"]].values.tolist() == [
        ["outside_limits", pd.Timestamp("2022-03-01"), pd.Timestamp("2022-03-01")],
        ["outside_limits", pd.Timestamp("2022-08-01"), pd.Timestamp("2022-08-01")],
    ]


def test_two_of_three_with_a_point_between_is_one_signal() -> None:
    periods = signal_periods(monthly([15, 12, 15], 12))
    assert periods[["rule", "side", "first", "last", "points"]].values.tolist() == [
        ["two_of_three", "high", pd.Timestamp("2022-01-01"), pd.Timestamp("2022-03-01"), 2]
    ]


def test_signals_agree_with_the_per_point_flags() -> None:
    chart = monthly([9, 9.5, 10.5, 11.5, 12.5, 13, 13.5, 17], 20)
    periods = signal_periods(chart)
    for row in periods.itertuples(index=False):
        inside = chart[(chart["point"] >= row.first) & (chart["point"] <= row.last)]
        assert inside[row.rule].sum() == row.points
    flagged = {(r, p) for r in RULES for p in chart.loc[chart[r], "point"]}
    covered = {
        (row.rule, p)
        for row in periods.itertuples(index=False)
        for p in chart["point"]
        if row.first <= p <= row.last and chart.loc[chart["point"] == p, row.rule].item()
    }
    assert covered == flagged


def test_only_signals_touching_the_reporting_period() -> None:
    # a low run that ended in August 2022 does not headline a 2023/24 report. The run
    # takes in the baseline's last month (10, Dec 2021) and the tail's first (10, Aug 2022).
    chart = monthly([10.5, 10, 10.5, 10, 10.5, 10, 10.5], 12)
    periods = signal_periods(chart)
    assert periods[["rule", "side", "when", "points"]].values.tolist() == [
        ["run", "low", "Dec 2021 to Aug 2022", 9]
    ]
    assert signals_touching(periods, "2023-04-01", "2024-03-01").empty
    assert signals_touching(periods, "2022-09-01", "2023-08-01").empty
    touching = signals_touching(periods, pd.Timestamp("2022-08-01"), pd.Timestamp("2023-07-01"))
    assert touching["when"].tolist() == ["Dec 2021 to Aug 2022"]
    assert len(signals_touching(periods, "2021-04-01", "2021-12-01")) == 1
    assert len(signals_touching(periods, "2021-04-01", "2021-11-01")) == 0


def test_no_signal_gives_an_empty_table() -> None:
    periods = signal_periods(xmr(BASELINE, index=MONTHS[:12]))
    assert periods.empty and list(periods.columns) == [
        "rule",
        "side",
        "first",
        "last",
        "points",
        "when",
    ]
    assert signals_touching(periods, "2021-01-01", "2021-12-01").empty
    points = signal_periods(chart([17]))  # integer points: labels as they are
    assert points[["first", "last", "when"]].values.tolist() == [[12, 12, "12"]]
