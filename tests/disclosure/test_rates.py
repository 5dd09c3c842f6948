"""Rates: computed from protected counts, hidden with them, never revealing a hidden count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.disclosure import Rules, protect_rate, protect_rates
from soteria_research.errors import DataError


@pytest.mark.parametrize(("numerator", "hidden"), [(9, True), (10, False), (11, False)])
def test_numerator_boundary(rules, numerator, hidden):
    rate = protect_rate(numerator, 200, rules)
    assert rate.suppressed is hidden
    assert (rate.rate is None) is hidden
    assert (rate.numerator is None) is hidden
    if not hidden:
        assert rate.rate == pytest.approx(numerator / 200)


@pytest.mark.parametrize(("numerator", "hidden"), [(191, True), (190, False), (189, False)])
def test_complement_boundary(rules, numerator, hidden):
    # 200 - 191 = 9 not charged: the numerator and the rate would give those 9 away
    rate = protect_rate(numerator, 200, rules)
    assert rate.suppressed is hidden
    assert (rate.numerator is None) is hidden
    assert rate.denominator == 200


@pytest.mark.parametrize(("denominator", "hidden"), [(9, True), (10, False), (11, False)])
def test_denominator_boundary(rules, denominator, hidden):
    rate = protect_rate(0, denominator, rules)  # nobody charged: only the denominator counts
    assert (rate.denominator is None) is hidden
    assert rate.suppressed is hidden


@pytest.mark.parametrize("zeros_disclosive", [True, False])
def test_zero_numerator_and_zero_complement(zeros_disclosive):
    rules = Rules(zeros_disclosive=zeros_disclosive)
    assert protect_rate(0, 100, rules).suppressed is zeros_disclosive
    assert protect_rate(100, 100, rules).suppressed is zeros_disclosive
    if not zeros_disclosive:
        assert protect_rate(0, 100, rules).rate == 0.0


def test_a_hidden_numerator_cannot_be_rebuilt_from_rate_and_denominator(rules):
    frame = pd.DataFrame(
        {
            "force": ["Durham", "Gwent", "Kent", "Essex"],
            "charged": [4, 30, 25, 12],
            "recorded": [300, 320, 280, 12],
            "ci_low": [0.01, 0.06, 0.06, 0.7],
            "ci_high": [0.03, 0.13, 0.13, 1.0],
        }
    )
    out = protect_rates(
        frame, "charged", "recorded", rules, ci_cols=["ci_low", "ci_high"], scale=100
    ).table
    for _, row in out.iterrows():
        if pd.isna(row["charged"]):
            assert pd.isna(row["rate"]) and pd.isna(row["ci_low"]) and pd.isna(row["ci_high"])
            assert row["suppressed"] and row["suppression_reason"]
        else:
            assert row["rate"] == pytest.approx(100 * row["charged"] / row["recorded"])
    # Durham: 4 charged; Essex: 12 of 12 (0 not charged, published since zeros are not)
    assert out["suppressed"].tolist() == [True, False, False, False]
    assert out.loc[3, "rate"] == 100


def test_rates_beside_published_totals_are_protected_across_rows(rules):
    frame = pd.DataFrame({"charged": [4, 30, 25], "recorded": [300, 320, 280]})
    plain = protect_rates(frame, "charged", "recorded", rules).table
    assert plain["charged"].isna().sum() == 1
    joint = protect_rates(frame, "charged", "recorded", rules, totals_published=True).table
    # 59 charged in all is published: Durham's 4 would be 59 - 30 - 25
    assert joint["charged"].isna().sum() == 2
    assert joint["suppressed"].sum() == 2


def test_rounding_gives_rates_from_rounded_counts():
    frame = pd.DataFrame({"n": [7, 52], "d": [103, 248], "ci_low": [0.1, 0.2]})
    out = protect_rates(
        frame,
        "n",
        "d",
        Rules(method="round"),
        ci_cols=["ci_low"],
        interval=lambda n, d: (n / d * 0.9, n / d * 1.1),
    ).table
    assert out["n"].tolist() == [5, 50] and out["d"].tolist() == [105, 250]
    assert out["rate"].tolist() == pytest.approx([5 / 105, 50 / 250])
    assert out["ci_low"].tolist() == pytest.approx([5 / 105 * 0.9, 0.2 * 0.9])


def test_numerator_above_denominator_is_refused(rules):
    with pytest.raises(DataError, match="exceeds"):
        protect_rates(pd.DataFrame({"n": [5], "d": [4]}), "n", "d", rules)


def test_mask_and_log_name_the_hidden_rows(rules):
    frame = pd.DataFrame({"n": [3, 40], "d": [100, 100]}, index=["a", "b"])
    protected = protect_rates(frame, "n", "d", rules, name="Charge rate")
    assert protected.mask.loc["a"].tolist() == ["primary", "", "primary"]
    entry = protected.log_entry
    assert entry["kind"] == "rate table" and entry["status"] == "protected"
    assert {c["row"] for c in entry["cells"]} == {"a"}
    assert np.isnan(protected.table["rate"].to_numpy(float, na_value=np.nan)[0])
