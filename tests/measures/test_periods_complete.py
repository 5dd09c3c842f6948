"""'latest' is the latest complete financial year; partial years only on request, labelled."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.measures.periods import complete_years, national_year, resolve_period


def frame(years: list[str], extracted: str, force: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": force,
            "financial_year": years,
            "extraction_date": pd.Timestamp(extracted),
        }
    )


@pytest.mark.parametrize(
    ("extracted", "latest"),
    [("2024-03-30", "2022/23"), ("2024-03-31", "2023/24"), ("2024-09-30", "2023/24")],
)
def test_latest_is_the_latest_complete_year(extracted: str, latest: str) -> None:
    cases = frame(["2022/23", "2023/24", "2024/25"], extracted)
    period = resolve_period(cases, "latest")
    assert period.years == (latest,) and period.label == latest and not period.partial


def test_partial_years_only_on_request_and_labelled() -> None:
    cases = frame(["2023/24", "2024/25"], "2024-09-30")
    partial = resolve_period(cases, "latest-partial")
    assert partial.years == ("2024/25",) and partial.partial
    assert partial.label == "2024/25 (partial: to 30 Sep 2024)"
    named = resolve_period(cases, "2024/25")
    assert named.partial and named.label.startswith("2024/25 (partial")
    assert (
        resolve_period(cases, "all").label
        == "2023/24 to 2024/25 (last year partial: to 30 Sep 2024)"
    )


def test_no_complete_year_falls_back_to_the_partial_one_labelled() -> None:
    period = resolve_period(frame(["2024/25"], "2024-09-30"), "latest")
    assert period.years == ("2024/25",) and period.partial


def test_without_an_extraction_date_every_year_counts() -> None:
    cases = pd.DataFrame({"financial_year": ["2023/24", "2024/25"]})
    assert complete_years(cases) == ["2023/24", "2024/25"]
    assert resolve_period(cases, "latest").label == "2024/25"


def test_national_year_is_complete_for_most_forces() -> None:
    years = ["2022/23", "2023/24", "2024/25"]
    cases = pd.concat(
        [
            frame(years, "2025-04-30", "A"),  # 2024/25 complete here only
            frame(years, "2024-09-30", "B"),
            frame(years, "2024-06-30", "C"),
        ]
    )
    assert national_year(cases) == "2023/24"
    later = pd.concat([cases, frame(years, "2025-06-30", "D"), frame(years, "2025-05-01", "E")])
    assert national_year(later) == "2024/25"  # three of five
    assert national_year(frame(["2024/25"], "2024-09-30")) is None
