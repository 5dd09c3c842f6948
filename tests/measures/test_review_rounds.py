"""Change between case-file review rounds: each pillar's yes share, checked against the
textbook variance of a mean under simple random sampling (finite-population correction)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from soteria_research.measures.review_rounds import (
    CHANGE_COLUMNS,
    TOO_FEW,
    pillar_yes_share,
    review_round_change,
)

from .test_review import _codings

ITEMS = pd.DataFrame(
    {
        "pillar": ["suspect_focus", "suspect_focus", "victim_engagement", "suspect_focus"],
        "item_id": ["SF01", "SF02", "VE01", "SF05"],
        "item": ["Plan", "Previous allegations", "Kept informed", "Days to account"],
        "response": ["yes_no", "yes_no", "yes_no", "days"],
        "choices": ["yes; no; not recorded"] * 3 + [""],
    }
).astype("string")


def _srs(cases: int, population: int, prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": "Durham",
            "crime_id": [f"{prefix}{i}" for i in range(cases)],
            "stratum": "all",
            "stratum_population": population,
            "inclusion_probability": cases / population,
        }
    ).astype({"crime_id": "string", "stratum": "string"})


#: Round 1: five cases of 50; suspect-focus yes shares 1, 0.5, 0, 1, 0.5.
FIRST = (
    _codings([
        ("a0", "SF01", "yes", None), ("a0", "SF02", "yes", None),
        ("a1", "SF01", "yes", None), ("a1", "SF02", "no", None),
        ("a2", "SF01", "no", None), ("a2", "SF02", "not recorded", None),
        ("a3", "SF01", "yes", None),
        ("a4", "SF01", "no", None), ("a4", "SF02", "yes", None),
        ("a0", "VE01", "yes", None), ("a1", "VE01", "no", None), ("a2", "SF05", None, 12),
    ]),
    _srs(5, 50, "a"),
)  # fmt: skip
#: Round 2: four cases of 40; suspect-focus yes shares 1, 1, 0.5, 1; one case of victim
#: engagement only (too few to compare).
SECOND = (
    _codings([
        ("b0", "SF01", "yes", None), ("b0", "SF02", "yes", None),
        ("b1", "SF01", "yes", None),
        ("b2", "SF01", "yes", None), ("b2", "SF02", "no", None),
        ("b3", "SF02", "yes", None), ("b3", "VE01", "yes", None),
    ]),
    _srs(4, 40, "b"),
)  # fmt: skip


def _srs_mean(shares: list[float], population: int) -> tuple[float, float]:
    """Sample mean and its standard error under SRS without replacement (Cochran 2.4)."""
    x = np.array(shares)
    f = len(x) / population
    return float(x.mean()), math.sqrt((1 - f) * x.var(ddof=1) / len(x))


def test_pillar_share_is_the_srs_mean_with_its_textbook_error():
    shares = pillar_yes_share(*FIRST, items=ITEMS).set_index("pillar")
    mean, se = _srs_mean([1, 0.5, 0, 1, 0.5], 50)
    assert shares.loc["suspect_focus", "estimate"] == pytest.approx(mean)
    assert shares.loc["suspect_focus", "se"] == pytest.approx(se)
    assert shares.loc["suspect_focus", "cases"] == 5 and shares.loc["suspect_focus", "items"] == 2
    # victim engagement: coded on two of the five cases (a domain of the sample)
    assert shares.loc["victim_engagement", "cases"] == 2
    assert shares.loc["victim_engagement", "estimate"] == pytest.approx(0.5)


def test_round_change_adds_the_two_variances():
    change = review_round_change(FIRST, SECOND, items=ITEMS, confidence=0.95)
    assert list(change.columns) == CHANGE_COLUMNS
    row = change.set_index("pillar").loc["suspect_focus"]
    m1, s1 = _srs_mean([1, 0.5, 0, 1, 0.5], 50)
    m2, s2 = _srs_mean([1, 1, 0.5, 1], 40)
    se = math.hypot(s1, s2)
    assert row["change"] == pytest.approx(m2 - m1)
    assert row["se"] == pytest.approx(se)
    z = stats.norm.ppf(0.975)
    assert row["ci_low"] == pytest.approx(m2 - m1 - z * se)
    assert row["ci_high"] == pytest.approx(m2 - m1 + z * se)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf((m2 - m1) / se))
    assert (row["cases_from"], row["sampled_from"], row["cases_to"], row["sampled_to"]) == (
        5, 5, 4, 4,
    )  # fmt: skip
    few = change.set_index("pillar").loc["victim_engagement"]
    assert few["reason"] == TOO_FEW and pd.isna(few["change"])


def test_a_second_coding_does_not_count_twice():
    second = _codings([("a2", "SF01", "yes", None), ("a2", "SF02", "yes", None)], primary=False,
                      reviewer="CD")  # fmt: skip
    doubled = (pd.concat([FIRST[0], second], ignore_index=True), FIRST[1])
    once = pillar_yes_share(*FIRST, items=ITEMS)
    assert pillar_yes_share(*doubled, items=ITEMS).equals(once)


def test_a_planted_rise_is_recovered_and_no_change_is_not_flagged():
    rng = np.random.default_rng(5)

    def round_of(p: float, prefix: str):
        rows = [(f"{prefix}{i}", item, "yes" if rng.random() < p else "no", None)
                for i in range(200) for item in ("SF01", "SF02")]  # fmt: skip
        return _codings(rows), _srs(200, 2000, prefix)

    rise = review_round_change(round_of(0.4, "a"), round_of(0.6, "b"), items=ITEMS)
    row = rise.set_index("pillar").loc["suspect_focus"]
    assert row["ci_low"] <= 0.2 <= row["ci_high"] and row["ci_low"] > 0
    flat = review_round_change(round_of(0.5, "c"), round_of(0.5, "d"), items=ITEMS)
    row = flat.set_index("pillar").loc["suspect_focus"]
    assert row["ci_low"] <= 0 <= row["ci_high"]
