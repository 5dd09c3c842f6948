"""Evidence-base rows: values, intervals and counts hidden where the counts fail."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.disclosure import Rules, protect_evidence


def _findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": ["charge rate"] * 4 + ["recorded rapes", "median days to charge"],
            "force": ["Durham", "Gwent", "Kent", "Essex", "Durham", "Gwent"],
            "period": ["2023/24"] * 6,
            "numerator": [4, 30, 25, 291, 8, None],
            "denominator": [300, 320, 280, 300, None, None],
            "cases": [None, None, None, None, None, 9],
            "value": [1.3, 9.4, 8.9, 97.0, 8.0, 120.0],
            "ci_low": [0.5, 6.6, 6.1, 94.4, None, 80.0],
            "ci_high": [3.4, 13.1, 12.8, 98.4, None, 160.0],
            "finding": [
                f"{f} charged {n} of {d}"
                for f, n, d in zip(
                    ["Durham", "Gwent", "Kent", "Essex", "Durham", "Gwent"],
                    [4, 30, 25, 291, 8, None],
                    [300, 320, 280, 300, None, None],
                    strict=True,
                )
            ],
            "funnel_position": ["below95", "within", "within", "above998", None, None],
        }
    )


def test_each_failing_row_loses_value_interval_and_failing_counts(rules):
    out, entries = protect_evidence(_findings(), rules)
    assert out["suppressed"].tolist() == [True, False, False, True, True, True]
    hidden = out[out["suppressed"]]
    # Essex: 291 of 300 leaves 9 not charged, so its numerator goes too
    assert hidden[["value", "ci_low", "ci_high", "numerator", "denominator"]].isna().all().all()
    assert out.loc[5, "cases"] is pd.NA
    assert hidden["finding"].eq("Withheld by disclosure control.").all()
    assert hidden["funnel_position"].isna().all()
    assert out.loc[1, "finding"] == "Gwent charged 30 of 320"
    assert out.loc[1, "value"] == 9.4 and out.loc[1, "numerator"] == 30
    assert (out.loc[~out["suppressed"], "suppression_reason"] == "").all()
    assert out.loc[0, "suppression_reason"] == "a count behind this value is below 10"
    (entry,) = entries
    assert entry["kind"] == "evidence base" and entry["summary"] == "4 of 6 findings suppressed"
    assert entry["cells"][0]["row"] == "measure=charge rate; force=Durham; period=2023/24"


@pytest.mark.parametrize(("cases", "hidden"), [(9, True), (10, False), (11, False)])
def test_cases_behind_a_statistic_boundary(rules, cases, hidden):
    findings = pd.DataFrame({"measure": ["median"], "cases": [cases], "value": [42.0]})
    out, _ = protect_evidence(findings, rules)
    assert bool(out.loc[0, "suppressed"]) is hidden


def test_rows_adding_up_to_a_published_total_are_protected_together(rules):
    findings = _findings().iloc[:3]
    alone, _ = protect_evidence(findings, rules)
    assert alone["suppressed"].sum() == 1
    joint, entries = protect_evidence(findings, rules, lines=["measure", "period"])
    assert joint["suppressed"].sum() == 2
    assert {c["suppression"] for c in entries[0]["cells"]} == {"primary", "secondary"}


def test_earlier_suppression_is_kept(rules):
    findings = _findings().iloc[1:3].assign(suppressed=[True, False])
    out, _ = protect_evidence(findings, rules)
    assert out["suppressed"].tolist() == [True, False]


def test_rounding_rounds_published_counts_and_still_hides_failing_values():
    out, _ = protect_evidence(_findings(), Rules(method="round", zeros_disclosive=False))
    assert out.loc[1, "numerator"] == 30 and out.loc[2, "numerator"] == 25
    assert out.loc[1, "denominator"] == 320 and out.loc[2, "denominator"] == 280
    assert out.loc[0, "suppressed"]


def test_input_is_not_changed(rules):
    findings = _findings()
    before = findings.copy()
    protect_evidence(findings, rules)
    pd.testing.assert_frame_equal(findings, before)
