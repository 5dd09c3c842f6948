"""One precision rule: percentages, days, ratings, counts, ratios and p-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research import formatting as fmt


@pytest.mark.parametrize(
    ("proportion", "shown"),
    [
        (0.0415, "4.2%"),  # half up on the value as written, not its binary form
        (0.04149, "4.1%"),
        (0.145, "14.5%"),
        (0.28549, "28.5%"),
        (0.2855, "28.6%"),  # 28.549999... in binary
        (0.4429530201342282, "44.3%"),
        (0.0, "0.0%"),
        (0.0004, "< 0.1%"),
        (0.0005, "0.1%"),
        (0.9996, "> 99.9%"),
        (1.0, "100.0%"),
    ],
)
def test_percentages_have_one_decimal(proportion: float, shown: str) -> None:
    assert fmt.percent(proportion) == shown


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.0, "p < 0.001"),
        (0.000999, "p < 0.001"),
        (0.001, "p = 0.001"),
        (0.0341, "p = 0.034"),
        (0.0345, "p = 0.035"),
        (0.5, "p = 0.500"),
        (0.9996, "p > 0.999"),
    ],
)
def test_p_values_never_read_zero(p: float, shown: str) -> None:
    assert fmt.p_value(p) == shown


def test_days_counts_ratings_and_ratios() -> None:
    assert fmt.days(394.5) == "395 days"  # Crown Court median, domain reference
    assert fmt.days(381) == "381 days" and fmt.days(1) == "1 day"
    assert fmt.count(8300) == "8,300" and fmt.count(54045.0) == "54,045"
    assert fmt.rating(2.45) == "2.5" and fmt.ratio(1.345) == "1.35"


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, float("nan")])
def test_missing_figures_show_the_missing_mark(missing: object) -> None:
    assert fmt.percent(missing) == fmt.MISSING
    assert fmt.value(missing, "days", missing="[c]") == "[c]"
    assert fmt.p_value(missing) == fmt.MISSING
    assert fmt.interval(missing, 0.2, "proportion") == ""


def test_value_and_interval_follow_the_unit() -> None:
    assert fmt.value(0.0415, "proportion") == "4.2%"
    assert fmt.value(41.0, "days") == "41 days"
    assert fmt.value(1234, "count") == "1,234"
    assert fmt.value(3.14159, None) == "3.14"
    assert fmt.interval(0.031, 0.052, "proportion") == "3.1% to 5.2%"
    assert fmt.interval(12, 30.4, "days") == "12 to 30 days"


def test_excel_formats_match_the_text_rule() -> None:
    assert fmt.EXCEL_FORMATS["proportion"] == "0.0%"
    assert fmt.EXCEL_FORMATS["rating"] == "0.0"
    assert fmt.EXCEL_FORMATS["days"] == "#,##0"
    assert fmt.header("Charge rate", "proportion") == "Charge rate, %"
    assert fmt.header("Force", None) == "Force"
