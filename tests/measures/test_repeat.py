"""Repeat suspects within and across forces."""

from __future__ import annotations

import numpy as np
import pytest

from soteria_research.measures.repeat import repeat_intervals, repeat_suspect_share


@pytest.fixture
def cases(make_cases):
    return make_cases(
        [
            {"force": "Kent", "suspect_id": "a", "recorded_date": "2023-05-01"},
            {"force": "Kent", "suspect_id": "a", "recorded_date": "2023-07-01"},
            {"force": "Kent", "suspect_id": "b", "recorded_date": "2023-05-01"},
            {"force": "Kent", "suspect_id": "c", "recorded_date": "2023-06-01"},
            {"force": "Kent", "suspect_id": None, "recorded_date": "2023-06-01"},
            {"force": "Essex", "suspect_id": "c", "recorded_date": "2022-06-01"},
            {"force": "Essex", "suspect_id": "a", "recorded_date": "2023-09-01"},
        ]
    )


def test_repeat_share_within_and_across_forces(cases) -> None:
    table = repeat_suspect_share(cases, "2023/24", force="Kent").set_index("measure")
    # Kent crimes with a suspect: a, a, b, c (4); a repeats in Kent; a and c appear in Essex
    assert table.loc["repeat_within_force", ["numerator", "denominator"]].tolist() == [2, 4]
    assert table.loc["repeat_across_forces", ["numerator", "denominator"]].tolist() == [3, 4]


def test_single_force_input_gives_nan_across_forces(cases) -> None:
    kent = cases[cases["force"] == "Kent"]
    table = repeat_suspect_share(kent, "2023/24").set_index("measure")
    assert table.loc["repeat_within_force", "value"] == pytest.approx(0.5)
    assert np.isnan(table.loc["repeat_across_forces", "value"])
    assert "single-force input" in table.loc["repeat_across_forces", "reason"]


def test_days_between_repeat_allegations(cases) -> None:
    est = repeat_intervals(cases, "2023/24").iloc[0]
    # a: 2023-05-01 -> 07-01 (61) -> 09-01 (62); c: 2022-06-01 -> 2023-06-01 (366)
    assert est["denominator"] == 3 and est["value"] == 62
    assert est["reason"] == "too few values for the interval"


def test_links_over_every_sexual_offence(make_cases) -> None:
    every = make_cases(
        [
            {"force": "Kent", "suspect_id": "a", "recorded_date": "2023-05-01"},
            {"force": "Kent", "suspect_id": "b", "recorded_date": "2023-05-02"},
            {"force": "Kent", "suspect_id": "a", "recorded_date": "2023-01-10"},
            {"force": "Kent", "suspect_id": "b", "recorded_date": "2023-08-01"},
        ]
    )
    every["offence_subgroup"] = ["Rape", "Rape", "Other sexual offences", "Rape"]
    rape = every[every["offence_subgroup"] == "Rape"]
    alone = repeat_suspect_share(rape, "2023/24", force="Kent").set_index("measure")
    linked = repeat_suspect_share(rape, "2023/24", force="Kent", links=every).set_index("measure")
    # rapes with a suspect: a, b, b. Rapes alone link b twice; with the other sexual
    # offence of suspect a (January 2023) a links too
    assert alone.loc["repeat_within_force", ["numerator", "denominator"]].tolist() == [2, 3]
    assert linked.loc["repeat_within_force", ["numerator", "denominator"]].tolist() == [3, 3]
    # intervals are measured for the rapes only, from the previous allegation of any kind
    gaps = repeat_intervals(rape, "2023/24", links=every).iloc[0]
    # a: 2023-01-10 -> 2023-05-01 = 111 days (the January crime is 2022/23, not measured);
    # b: 2023-05-02 -> 2023-08-01 = 91 days
    assert gaps["denominator"] == 2 and gaps["value"] == pytest.approx(101.0)
