"""Paired change in maturity between assessment rounds, checked against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.measures.rounds import (
    ONE_ROUND,
    TOO_FEW_PAIRS,
    national_round_change,
    paired_change,
    round_change,
)

BEFORE = [1, 2, 2, 3, 1, 2, 3, 2]
AFTER = [2, 3, 2, 4, 2, 2, 4, 3]


def _rounds(make_assessment, force="Durham", before=BEFORE, after=AFTER, pillar="suspect_focus"):
    rows = []
    for rnd, ratings in (("2022-1", before), ("2023-1", after)):
        for i, rating in enumerate(ratings):
            rows.append(
                {
                    "force": force,
                    "round": rnd,
                    "pillar": pillar,
                    "question_id": f"Q{i}",
                    "self_rating": rating,
                    "peer_rating": None,
                }
            )
    return make_assessment(rows)


def test_paired_change_matches_scipy():
    est = paired_change(np.array(BEFORE), np.array(AFTER), 0.95)
    test = stats.ttest_rel(AFTER, BEFORE)
    interval = test.confidence_interval(0.95)
    assert est["value"] == pytest.approx(np.mean(np.subtract(AFTER, BEFORE)))
    assert est["ci_low"] == pytest.approx(interval.low)
    assert est["ci_high"] == pytest.approx(interval.high)
    assert est["t_p_value"] == pytest.approx(test.pvalue)
    assert est["wilcoxon_p_value"] == pytest.approx(stats.wilcoxon(AFTER, BEFORE).pvalue)
    assert (est["denominator"], est["improved"], est["worsened"]) == (8, 6, 0)


def test_paired_change_by_hand():
    # Changes 1, 1, 1, 0: mean 0.75, sd 0.5, se 0.25, t(3) 97.5% = 3.182446
    est = paired_change(np.array([1, 1, 1, 1]), np.array([2, 2, 2, 1]))
    assert est["value"] == pytest.approx(0.75)
    assert est["ci_low"] == pytest.approx(0.75 - 3.182446305 * 0.25, abs=1e-6)
    assert est["ci_high"] == pytest.approx(0.75 + 3.182446305 * 0.25, abs=1e-6)


@pytest.mark.parametrize(("n", "reason"), [(0, TOO_FEW_PAIRS), (1, TOO_FEW_PAIRS), (2, "")])
def test_paired_change_needs_two_pairs(n, reason):
    est = paired_change(np.arange(n), np.arange(n) + np.arange(n))
    assert est["reason"] == reason
    assert np.isnan(est["ci_low"]) == bool(reason)


def test_no_change_at_all_has_a_zero_width_interval():
    est = paired_change(np.array([2, 3, 3]), np.array([2, 3, 3]))
    assert (est["value"], est["ci_low"], est["ci_high"]) == (0, 0, 0)
    assert np.isnan(est["wilcoxon_p_value"])


def test_round_change_pairs_by_question(make_assessment):
    frame = _rounds(make_assessment)
    # A question asked only in the later round is not paired.
    extra = make_assessment(
        [
            {
                "force": "Durham",
                "round": "2023-1",
                "pillar": "suspect_focus",
                "question_id": "Q99",
                "self_rating": 4,
                "peer_rating": None,
            }
        ]
    )
    out = round_change(pd.concat([frame, extra])).iloc[0]
    assert (out["from_round"], out["to_round"], out["denominator"]) == ("2022-1", "2023-1", 8)
    assert out["value"] == pytest.approx(0.75)
    assert out["mean_from"] == pytest.approx(np.mean(BEFORE))


def test_round_change_with_one_round_says_why(make_assessment):
    frame = _rounds(make_assessment)
    single = frame[frame["round"] == "2023-1"]
    out = round_change(single)
    assert out["reason"].tolist() == [ONE_ROUND]
    assert out["denominator"].isna().all()
    with pytest.raises(ParameterError, match="rater"):
        round_change(frame, rater="chief")


def test_national_change_pairs_forces(make_assessment):
    frames = [
        _rounds(make_assessment, "Durham", [1, 2], [2, 3]),
        _rounds(make_assessment, "Gwent", [2, 2], [2, 2]),
        _rounds(make_assessment, "Kent", [3, 3], [4, 4]),
    ]
    out = national_round_change(pd.concat(frames), "2022-1", "2023-1").iloc[0]
    # force means 1.5->2.5, 2->2, 3->4: changes 1, 0, 1
    assert out["denominator"] == 3
    assert out["value"] == pytest.approx(2 / 3)
    test = stats.ttest_rel([2.5, 2, 4], [1.5, 2, 3])
    assert out["ci_low"] == pytest.approx(test.confidence_interval().low)
