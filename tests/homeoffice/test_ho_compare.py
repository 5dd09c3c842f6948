"""compare_with_cases: case-level figures beside published ones, with the gap explained."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import homeoffice


@pytest.fixture
def published() -> pd.DataFrame:
    rates = homeoffice.published_rape_rates()
    return rates[rates["force"].isin(["Durham", "Kent"])].reset_index(drop=True)


@pytest.fixture
def cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": ["Durham", "Gwent"],
            "recorded": [600, 300],
            "charged": [12, 9],
            "financial_year": ["2023/24", "2023/24"],
            "extraction_date": pd.to_datetime(["2024-06-30", "2024-06-30"]),
            "data_source": ["synthetic", "synthetic"],
        }
    )


def test_one_row_per_force_with_both_figures(published, cases):
    table = homeoffice.compare_with_cases(published, cases).set_index("force")
    assert list(table.index) == ["Durham", "Gwent", "Kent"]
    durham = table.loc["Durham"]
    assert (durham["recorded_published"], durham["charged_published"]) == (623, 48)
    assert (durham["recorded_cases"], durham["charged_cases"]) == (600, 12)
    assert durham["charge_rate_cases"] == pytest.approx(2.0)
    assert durham["difference"] == pytest.approx(2.0 - 100 * 48 / 623)
    assert not durham["comparable"]


def test_explanation_names_period_measure_extraction_and_source(published, cases):
    table = homeoffice.compare_with_cases(published, cases).set_index("force")
    text = table.loc["Durham", "explanation"]
    assert "different periods (published 2017/18, cases 2023/24)" in text
    assert "both on the cohort measure" in text
    assert "extraction on 2024-06-30 (91 days after the period ended)" in text
    assert "synthetic" in text
    assert table.loc["Gwent", "explanation"] == "force not in the published table"
    assert table.loc["Kent", "explanation"] == "no case-level figures for this force"
    assert pd.isna(table.loc["Kent", "difference"])


def test_same_period_and_measure_is_comparable(published):
    cases = pd.DataFrame({"force": ["Kent"], "recorded": [2529], "charged": [42]})
    table = homeoffice.compare_with_cases(published, cases, period="2017/18", data_source="real")
    kent = table.set_index("force").loc["Kent"]
    assert kent["comparable"]
    assert kent["difference"] == pytest.approx(0)
    assert kent["explanation"] == "same period (2017/18); both on the cohort measure"


def test_different_measures_are_flagged_not_comparable(published):
    cases = pd.DataFrame({"force": ["Kent"], "recorded": [100], "charged": [8]})
    table = homeoffice.compare_with_cases(published, cases, period="2017/18", measure="activity")
    kent = table.set_index("force").loc["Kent"]
    assert not kent["comparable"]
    assert (
        "different measures (published cohort, cases activity): not comparable"
        in (kent["explanation"])
    )


def test_inputs_are_not_changed(published, cases):
    before = (published.copy(), cases.copy())
    homeoffice.compare_with_cases(published, cases)
    pd.testing.assert_frame_equal(published, before[0])
    pd.testing.assert_frame_equal(cases, before[1])


def test_missing_columns_and_period_are_named(published):
    from soteria_research.errors import DataError

    with pytest.raises(DataError, match="cases figures lack column"):
        homeoffice.compare_with_cases(published, pd.DataFrame({"force": ["Kent"]}))
    cases = pd.DataFrame({"force": ["Kent"], "recorded": [10], "charged": [1]})
    kent = homeoffice.compare_with_cases(published, cases).set_index("force").loc["Kent"]
    assert kent["explanation"].startswith("period of the case-level figures not given")
    assert not kent["comparable"]
