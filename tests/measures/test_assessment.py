"""Maturity, weighted kappa against SAS's published example and statsmodels, and gaps."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from soteria_research.errors import ParameterError
from soteria_research.measures.assessment import (
    agreement_table,
    latest_round,
    maturity,
    maturity_gaps,
    rating_agreement,
    round_order,
    weighted_kappa,
    workbook_problems,
)

# A SAS PROC FREQ printout for this table, as quoted in statsmodels' own tests
# (statsmodels/stats/tests/test_inter_rater.py): simple kappa 0.4842 (ASE 0.1380,
# 95% 0.2137 to 0.7547); weighted kappa with Cicchetti-Allison (linear) weights 0.4701
# (ASE 0.1457, 95% 0.1845 to 0.7558).
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_simple_kappa_matches_sas() -> None:
    res = weighted_kappa(SAS_TABLE, weights=None)
    assert res["kappa"] == pytest.approx(0.4842, abs=5e-5)
    assert res["se"] == pytest.approx(0.1380, abs=5e-5)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((0.2137, 0.7547), abs=5e-5)


def test_linear_weighted_kappa_matches_sas() -> None:
    res = weighted_kappa(SAS_TABLE, weights="linear")
    assert res["kappa"] == pytest.approx(0.4701, abs=5e-5)
    assert res["se"] == pytest.approx(0.1457, abs=5e-5)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((0.1845, 0.7558), abs=5e-5)


def cohen_1968(pairs: list[tuple[int, int]], k: int, power: int) -> float:
    """Cohen (1968) from rating pairs: 1 - sum(v * observed) / sum(v * expected), with
    disagreement weights v = |i - j| ** power (the agreement-weight form is equivalent)."""
    n = len(pairs)
    rows = [sum(1 for a, _ in pairs if a == i) / n for i in range(k)]
    cols = [sum(1 for _, b in pairs if b == j) / n for j in range(k)]
    observed = sum(abs(a - b) ** power for a, b in pairs) / n
    expected = sum(
        abs(i - j) ** power * rows[i] * cols[j] for i, j in itertools.product(range(k), repeat=2)
    )
    return 1 - observed / expected


RATINGS = [
    (0, 0),
    (0, 1),
    (1, 1),
    (1, 1),
    (2, 1),
    (2, 2),
    (3, 2),
    (3, 3),
    (3, 3),
    (1, 0),
    (2, 3),
    (0, 0),
]


@pytest.mark.parametrize(
    ("weights", "power", "wt"), [("linear", 1, "linear"), ("quadratic", 2, "quadratic")]
)
def test_weighted_kappa_by_hand_and_statsmodels(weights, power, wt) -> None:
    table = np.zeros((4, 4))
    for a, b in RATINGS:
        table[a, b] += 1
    res = weighted_kappa(table, weights)
    assert res["kappa"] == pytest.approx(cohen_1968(RATINGS, 4, power), abs=1e-12)
    ref = cohens_kappa(table, wt=wt)
    assert res["kappa"] == pytest.approx(ref.kappa, abs=1e-12)
    assert res["se"] == pytest.approx(ref.std_kappa, abs=1e-12)


def test_kappa_without_variation_or_ratings_is_nan_with_reason() -> None:
    assert weighted_kappa([[5, 0], [0, 0]])["reason"] == "no variation in the ratings"
    assert weighted_kappa(np.zeros((3, 3)))["reason"] == "no question rated by both"
    with pytest.raises(ParameterError):
        weighted_kappa(SAS_TABLE, weights="cubic")


@pytest.fixture
def assessment(make_assessment):
    rows = [
        {"pillar": "suspect_focus", "theme_id": "SF1", "self_rating": 3, "peer_rating": 2},
        {"pillar": "suspect_focus", "theme_id": "SF1", "self_rating": 4, "peer_rating": 3},
        {"pillar": "suspect_focus", "theme_id": "SF2", "self_rating": 2, "peer_rating": None},
        {"pillar": "victim_engagement", "theme_id": "VE1", "self_rating": 1, "peer_rating": 1},
        {
            "pillar": "victim_engagement",
            "theme_id": "VE1",
            "self_rating": None,
            "peer_rating": None,
        },
        {
            "pillar": "suspect_focus",
            "theme_id": "SF1",
            "self_rating": 1,
            "peer_rating": 1,
            "round": "2022",
        },  # an older round: left out
    ]
    return make_assessment(rows, round="2023")


def test_maturity_per_pillar_and_theme(assessment) -> None:
    table = maturity(assessment).set_index(["pillar", "rater"])
    assert table.loc[("suspect_focus", "self"), "value"] == 3
    assert table.loc[("suspect_focus", "self"), "denominator"] == 3
    assert table.loc[("suspect_focus", "peer"), "value"] == 2.5
    assert table.loc[("suspect_focus", "self"), "value_scaled"] == pytest.approx(2 / 3)
    assert table.loc[("suspect_focus", "self"), "ci_high"] <= 4
    assert table.loc[("victim_engagement", "self"), "questions"] == 2
    themes = maturity(assessment, level="theme").set_index(["theme_id", "rater"])
    assert themes.loc[("SF1", "self"), "value"] == 3.5
    assert themes.loc[("SF2", "peer"), "reason"] == "no question rated"


def test_agreement_table_and_rating_agreement(assessment) -> None:
    latest = assessment[assessment["round"] == "2023"]
    table = agreement_table(latest)
    assert table.shape == (4, 4) and table.sum() == 3
    assert table[2, 1] == 1 and table[3, 2] == 1 and table[0, 0] == 1
    res = rating_agreement(assessment, weights="quadratic").iloc[0]
    assert res["denominator"] == 3
    assert res["value"] == pytest.approx(weighted_kappa(table, "quadratic")["kappa"])


def test_gaps_between_stated_maturity_and_case_measures(assessment) -> None:
    table = maturity(assessment)
    findings = pd.DataFrame(
        {
            "pillar": ["suspect_focus", "suspect_focus", "victim_engagement"],
            "measure": ["charge_rate", "median_days_to_charge", "isva_share"],
            "funnel_position": ["below95", pd.NA, "above998"],
        }
    )
    gaps = maturity_gaps(table, findings).set_index("pillar")
    # self 3 of 1-4 (scaled 0.67) while the charge rate is below the national funnel
    assert gaps.loc["suspect_focus", "gap"] == "stated above evidence"
    assert gaps.loc["suspect_focus", "measures_worse"] == 1
    # self 1 (scaled 0) while the ISVA referral share is above the funnel
    assert gaps.loc["victim_engagement", "gap"] == "stated below evidence"
    none = maturity_gaps(table, findings.iloc[0:0]).set_index("pillar")
    assert set(none["gap"]) == {"no case evidence"}


@pytest.mark.parametrize(
    ("labels", "latest"),
    [
        (["9", "10"], "10"),  # numbers as numbers, not text ("9" > "10")
        (["2", "1.5"], "2"),
        (["2023-10", "2023-2"], "2023-10"),  # one pattern: compared by its numbers
        (["Round 9", "Round 10"], "Round 10"),
        (["31/03/2023", "30/09/2022"], "31/03/2023"),  # UK dates as dates
        (["March 2024", "October 2023"], "March 2024"),
        (["2023-03-31", "2022-12-01"], "2023-03-31"),
    ],
)
def test_latest_round_is_the_real_latest(make_assessment, labels, latest) -> None:
    rows = [
        {
            "pillar": "suspect_focus",
            "theme_id": "SF1",
            "self_rating": 2,
            "peer_rating": 2,
            "round": label,
        }
        for label in labels
    ]
    frame = make_assessment(rows)
    assert set(latest_round(frame)["round"]) == {latest}
    order = round_order(frame)
    assert order.loc[order["latest"], "round"].tolist() == [latest]
    assert order["order"].tolist() == [1, 2]


def test_rounds_in_an_explicit_order_or_refused(make_assessment) -> None:
    rows = [
        {
            "pillar": "suspect_focus",
            "theme_id": "SF1",
            "self_rating": r,
            "peer_rating": r,
            "round": label,
        }
        for r, label in ((1, "Spring"), (4, "Autumn"))
    ]
    frame = make_assessment(rows)
    with pytest.raises(ParameterError, match="cannot be put in order"):
        latest_round(frame)
    with pytest.raises(ParameterError, match="cannot be put in order"):
        latest_round(make_assessment([{**rows[0], "round": "1"}, {**rows[1], "round": "2023-1"}]))
    assert set(latest_round(frame, order=["Spring", "Autumn"])["round"]) == {"Autumn"}
    table = maturity(frame, rounds="latest", order=["Autumn", "Spring"])
    assert set(table["round"]) == {"Spring"} and table["value"].iloc[0] == 1
    with pytest.raises(ParameterError, match="not in the order"):
        latest_round(frame, order=["Spring"])


def test_each_force_has_its_own_latest_round(make_assessment) -> None:
    rows = [
        {
            "pillar": "suspect_focus",
            "theme_id": "SF1",
            "self_rating": 2,
            "peer_rating": 2,
            "round": r,
            "force": f,
        }
        for f, r in (("Durham", "9"), ("Durham", "10"), ("Kent", "2"))
    ]
    frame = make_assessment(rows)
    got = latest_round(frame)[["force", "round"]].drop_duplicates().values.tolist()
    assert sorted(got) == [["Durham", "10"], ["Kent", "2"]]


def test_counts_are_integers(assessment) -> None:
    table = agreement_table(assessment[assessment["round"] == "2023"])
    assert table.dtype.kind == "i"
    findings = pd.DataFrame(
        {"pillar": ["suspect_focus"], "measure": ["charge_rate"], "funnel_position": ["below95"]}
    )
    gaps = maturity_gaps(maturity(assessment), findings)
    for column in ("measures_better", "measures_worse", "measures_within"):
        assert str(gaps[column].dtype) == "Int64"
    assert gaps["measures_worse"].tolist() == [1, 0]


def test_workbook_problems_from_the_quality_table() -> None:
    quality = pd.DataFrame(
        {
            "force": ["Durham", "Durham", "Durham", "Kent"],
            "section": ["assessment", "assessment", "rows", "assessment"],
            "item": [
                "durham/self_assessment.xlsx, Assessment!F10: self rating 7 is off the 1-4 scale",
                "durham/self_assessment.xlsx, Assessment!F9: self rating is not a rating",
                "input rows",
                "kent/self_assessment.xlsx, Assessment!G5: peer rating is empty",
            ],
        }
    )
    table = workbook_problems(quality, "Durham")
    assert table.values.tolist() == [
        [
            "Durham",
            "durham/self_assessment.xlsx",
            "Assessment",
            "F9",
            "self rating is not a rating",
        ],
        [
            "Durham",
            "durham/self_assessment.xlsx",
            "Assessment",
            "F10",
            "self rating 7 is off the 1-4 scale",
        ],
    ]
    assert len(workbook_problems(quality)) == 3
    assert workbook_problems(quality.iloc[2:3]).empty


def test_self_peer_gap_is_paired_over_questions_rated_by_both(make_assessment) -> None:
    from soteria_research.measures.assessment import paired_gap

    rows = [
        {"pillar": "suspect_focus", "self_rating": 4, "peer_rating": 3},
        {"pillar": "suspect_focus", "self_rating": 3, "peer_rating": 3},
        {"pillar": "suspect_focus", "self_rating": 4, "peer_rating": 2},
        {"pillar": "suspect_focus", "self_rating": 1, "peer_rating": pd.NA},  # self only
        {"pillar": "suspect_focus", "self_rating": pd.NA, "peer_rating": 4},  # peer only
    ]
    gap = paired_gap(make_assessment(rows))
    # differences 1, 0, 2: mean 1, sd 1, t(0.975, 2) = 4.302653 -> 1 -/+ 4.302653 / sqrt(3)
    assert gap["n"] == 3 and gap["value"] == pytest.approx(1.0)
    assert gap["ci_low"] == pytest.approx(1 - 4.302653 / 3**0.5, abs=1e-5)
    assert gap["ci_high"] == pytest.approx(1 + 4.302653 / 3**0.5, abs=1e-5)
    # the unpaired gap of the means would be (12 / 4) - (12 / 4) = 0: a different question set
