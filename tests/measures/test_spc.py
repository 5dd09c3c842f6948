"""XmR limits by hand; each Making Data Count rule on a series made to trigger it alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.measures.spc import RULES, summarise_signals, xmr

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
