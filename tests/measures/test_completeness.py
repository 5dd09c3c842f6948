"""Completeness of key fields; conditional fields judged only where they apply."""

from __future__ import annotations

import pytest

from soteria_research.measures.completeness import data_completeness


def test_completeness_by_field_and_overall(make_cases) -> None:
    cases = make_cases(
        [
            {"victim_age": 30, "relationship": "unknown", "suspect_id": "s1", "arrested": True},
            {"victim_age": None, "relationship": "stranger", "outcome_type": 1},  # no outcome date
            {
                "victim_age": 22,
                "relationship": "family",
                "outcome_type": 16,
                "outcome_date": "2023-08-01",
            },
        ]
    )
    fields = {
        "victim_age": None,
        "relationship": None,
        "arrest_date": "arrested",
        "outcome_date": "outcome_assigned",
    }
    table = data_completeness(cases, "2023/24", fields).set_index("field")
    assert table.loc["victim_age", ["numerator", "denominator"]].tolist() == [2, 3]
    assert table.loc["relationship", "numerator"] == 2  # "unknown" is not complete
    assert table.loc["arrest_date", ["numerator", "denominator"]].tolist() == [0, 1]
    assert table.loc["outcome_date", ["numerator", "denominator"]].tolist() == [1, 2]
    assert table.loc["overall", "value"] == pytest.approx(5 / 9)


def test_completeness_of_an_empty_period(make_cases) -> None:
    table = data_completeness(make_cases([{}]), "2019/20")
    assert table["value"].isna().all() and set(table["reason"]) == {"no cases in the period"}
