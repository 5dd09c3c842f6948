"""Monthly volumes: complete series, part-month at the extraction date left out."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.volumes import (
    last_whole_month,
    monthly_outcome_share,
    recorded_volumes,
)


@pytest.fixture
def cases(make_cases):
    return make_cases(
        [
            {"recorded_date": "2024-01-05", "offence_code": "19C"},
            {"recorded_date": "2024-01-20", "offence_code": "19D"},
            {
                "recorded_date": "2024-03-02",
                "offence_code": "19C",
                "outcome_type": 1,
                "outcome_date": "2024-03-20",
            },
            {
                "recorded_date": "2024-03-10",
                "offence_code": "19C",
                "outcome_type": 16,
                "outcome_date": "2024-03-25",
            },
            {"recorded_date": "2024-04-10", "offence_code": "19C"},  # part-month
        ],
        extraction_date="2024-04-15",
    )


def test_last_whole_month(cases) -> None:
    assert last_whole_month(cases) == pd.Timestamp("2024-03-01")
    assert last_whole_month(cases.assign(extraction_date=pd.Timestamp("2024-04-30"))) == (
        pd.Timestamp("2024-04-01")
    )


def test_monthly_volumes_fill_gaps_and_stop_at_the_last_whole_month(cases) -> None:
    table = recorded_volumes(cases, "month")
    assert table["period_start"].dt.month.tolist() == [1, 2, 3]
    assert table["n"].tolist() == [2, 0, 2]
    assert set(table["measure"]) == {"recorded_crimes"}


def test_volumes_by_offence_code_and_financial_year(cases) -> None:
    table = recorded_volumes(cases, "month", by="offence_code")
    assert table.groupby("offence_code")["n"].sum().to_dict() == {"19C": 3, "19D": 1}
    years = recorded_volumes(cases, "financial_year")
    assert years["n"].tolist() == [4, 1]
    with pytest.raises(ParameterError):
        recorded_volumes(cases, "week")


def test_monthly_charge_share_is_on_the_activity_basis(cases) -> None:
    table = monthly_outcome_share(cases)
    march = table[table["period_start"] == pd.Timestamp("2024-03-01")].iloc[0]
    assert (march["numerator"], march["denominator"], march["value"]) == (1, 2, 0.5)
    assert set(table["basis"]) == {"activity"}
