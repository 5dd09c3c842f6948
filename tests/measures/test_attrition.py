"""Attrition: furthest stage reached, counts never rising, conversions."""

from __future__ import annotations

import numpy as np
import pytest

from soteria_research.measures.attrition import attrition, furthest_stage


@pytest.fixture
def cases(make_cases):
    return make_cases(
        [
            {},  # recorded only
            {"suspect_id": "s1"},  # suspect identified
            {"suspect_id": "s2", "arrested": True},  # arrested
            {"suspect_id": "s3", "arrested": True, "referred_to_cps": True},
            {
                "suspect_id": "s4",
                "arrested": True,
                "referred_to_cps": True,
                "outcome_type": 1,
                "outcome_date": "2023-09-01",
            },
            # charged with earlier flags not filled in: still counts at every stage
            {"outcome_type": 1, "outcome_date": "2023-10-01"},
        ]
    )


def test_furthest_stage(cases) -> None:
    assert furthest_stage(cases).tolist() == [0, 1, 2, 3, 4, 4]


def test_attrition_counts_and_conversions(cases) -> None:
    table = attrition(cases, "2023/24").set_index("stage")
    assert table["numerator"].tolist() == [6, 5, 4, 3, 2]
    assert (table["denominator"] == 6).all()
    assert table.loc["charged", "value"] == pytest.approx(2 / 6)
    assert table.loc["arrested", "conversion"] == pytest.approx(4 / 5)
    assert table.loc["recorded", "conversion"] == 1
    assert table["numerator"].is_monotonic_decreasing


def test_attrition_by_force_keeps_empty_forces(cases) -> None:
    both = cases.assign(force=["Kent"] * 5 + ["Durham"])
    both.loc[5, "recorded_date"] = both.loc[5, "recorded_date"].replace(year=2021)
    both.loc[5, "financial_year"] = "2021/22"
    table = attrition(both, "2023/24", by="force")
    durham = table[table["force"] == "Durham"]
    assert (durham["denominator"] == 0).all() and durham["value"].isna().all()
    assert set(durham["reason"]) == {"zero denominator"}


def test_attrition_of_an_empty_period(cases) -> None:
    table = attrition(cases, "2019/20")
    assert np.isnan(table["value"]).all() and set(table["reason"]) == {"no cases in the period"}
