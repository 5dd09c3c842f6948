"""A force's key findings: one row per measure, consistent with the measures behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.errors import ParameterError
from soteria_research.measures.comparator import compare, force_areas, national_comparator
from soteria_research.measures.findings import COLUMNS, force_findings
from soteria_research.measures.outcomes import outcome_shares
from soteria_research.measures.survival import cumulative_incidence
from soteria_research.measures.wording import describe

SETTINGS = {"confidence_level": 0.95, "interval_method": "wilson"}
FORCES = ("Avon and Somerset", "Durham", "Kent")


@pytest.fixture(scope="module")
def national(simulate):
    return simulate(n=4500, seed=5, forces=FORCES)


@pytest.fixture(scope="module")
def assessment(make_assessment):
    rows = []
    for force in FORCES[:2]:
        for pillar in reference.pillar_slugs():
            rows += [
                {"force": force, "pillar": pillar, "self_rating": 3, "peer_rating": 2},
                {"force": force, "pillar": pillar, "self_rating": 4, "peer_rating": 2},
            ]
    return make_assessment(rows)


@pytest.fixture(scope="module")
def findings(national, assessment):
    comparator = national_comparator(national, assessment, "latest", SETTINGS)
    return force_findings(national, assessment, "Durham", "latest", comparator, SETTINGS)


def test_columns_and_no_provenance_or_suppression(findings) -> None:
    assert list(findings.columns) == COLUMNS
    assert not {"suppressed", "run_id", "code_version", "data_hash"} & set(findings.columns)
    assert not findings.duplicated(["measure", "pillar"]).any()


def test_key_measures_present_and_mapped_to_pillars(findings) -> None:
    pillar = findings.drop_duplicates("measure").set_index("measure")["pillar"]
    assert pillar["charge_rate"] == "suspect_focus"
    assert pillar["charge_cif_365"] == "suspect_focus"
    assert pillar["repeat_suspect_share"] == "repeat_suspects"
    assert pillar["outcome_16_share"] == "victim_engagement"
    assert pillar["isva_share"] == "victim_engagement"
    assert pillar["median_device_turnaround_days"] == "digital_forensics"
    assert pillar["data_completeness"] == "data_performance"
    maturity = findings[findings["measure"].isin(["self_maturity", "peer_maturity"])]
    assert sorted(set(maturity["pillar"])) == sorted(reference.pillar_slugs())
    assert len(maturity) == 12


def test_values_agree_with_the_measures(findings, national) -> None:
    durham = national[national["force"] == "Durham"]
    row = findings.set_index("measure").loc["charge_rate"]
    ref = outcome_shares(durham, "latest", measures=["charge_rate"]).iloc[0]
    assert (row["numerator"], row["denominator"]) == (ref["numerator"], ref["denominator"])
    assert row["value"] == pytest.approx(ref["value"])
    assert row["basis"] == "cohort" and row["period"] == "2023/24"
    cif = findings.set_index("measure").loc["charge_cif_365"]
    ref = cumulative_incidence(durham, "latest", [365])
    assert cif["value"] == pytest.approx(ref.loc[ref["cause"] == "charge", "value"].iloc[0])


def test_comparator_and_funnel_positions(findings) -> None:
    rows = findings.set_index(["measure", "pillar"])
    assert rows.loc[("charge_rate", "suspect_focus"), "comparator_value"] > 0
    positions = set(findings["funnel_position"].dropna())
    assert positions <= {"within", "above95", "below95", "above998", "below998"}
    assert pd.notna(rows.loc[("charge_rate", "suspect_focus"), "funnel_position"])
    assert pd.isna(rows.loc[("median_days_to_charge", "suspect_focus"), "funnel_position"])
    assert rows.loc[("self_maturity", "suspect_focus"), "comparator_value"] == 3.5
    assert isinstance(rows.loc[("recorded_crimes", "data_performance"), "spc_signal"], str)


def test_findings_are_plain_english_lines(findings) -> None:
    assert findings["finding"].str.endswith(".").all()
    assert not findings["finding"].str.contains("\n").any()
    charge = findings.set_index("measure").loc["charge_rate", "finding"]
    assert charge.startswith("Charge rate (naive), 2023/24: ") and " of " in charge


def test_force_without_assessment_or_comparator(national) -> None:
    table = force_findings(national, None, "Kent", "latest", None, SETTINGS)
    maturity = table[table["measure"] == "self_maturity"]
    assert maturity["value"].isna().all()
    assert set(maturity["reason"]) == {"no self-assessment for the force"}
    assert table["comparator_value"].isna().all() and table["funnel_position"].isna().all()


def test_single_force_input_and_empty_period(national) -> None:
    kent = national[national["force"] == "Kent"]
    table = force_findings(kent, None, "Kent", "2019/20", None, SETTINGS)
    case_rows = table[~table["measure"].str.endswith("maturity")]
    assert case_rows["value"].isna().all()
    assert (case_rows["reason"] != "").all()
    assert table["finding"].str.contains("not available").all()


def test_unknown_force_gives_nan_rows_not_a_crash(national) -> None:
    table = force_findings(national, None, "Cleveland", "2023/24", None, SETTINGS)
    assert table["value"].isna().all()


def test_describe_examples() -> None:
    row = {
        "measure": "median_days_to_charge",
        "period": "2023/24",
        "value": 400.0,
        "ci_low": 350.0,
        "ci_high": 450.0,
        "numerator": pd.NA,
        "denominator": 80,
        "reason": "",
        "pillar": "suspect_focus",
        "comparator_value": 420.0,
        "comparator_area": "England and Wales",
        "spc_signal": None,
    }
    assert describe(row) == (
        "Median days from recording to charge, 2023/24: 400 days "
        "(95% CI 350 to 450; n=80); comparator (England and Wales, pooled over every force) "
        "420 days."
    )
    row = {
        "measure": "charge_share_activity",
        "period": "2023/24",
        "value": 0.1,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "numerator": 10,
        "denominator": 100,
        "reason": "",
        "pillar": "suspect_focus",
        "comparator_value": 0.05,
        "comparator_area": "North East",
        "funnel_position": "above998",
        "spc_signal": "run:high",
    }
    assert describe(row) == (
        "Charges among outcomes assigned, 2023/24: 10.0% (10 of 100); "
        "comparator (North East, pooled over every force) 5.0%, above the 99.8% limit; "
        "SPC signal: run high."
    )


def test_inputs_are_not_changed(national, assessment) -> None:
    before_cases, before_assessment = national.copy(), assessment.copy()
    force_findings(national, assessment, "Durham", "latest", None, SETTINGS)
    pd.testing.assert_frame_equal(national, before_cases)
    pd.testing.assert_frame_equal(assessment, before_assessment)


def test_ratings_are_filed_under_their_self_assessment_round(findings) -> None:
    ratings = findings[findings["basis"] == "assessment"]
    cases = findings[findings["basis"] != "assessment"]
    assert len(ratings) and set(ratings["period"]) == {"self-assessment round 2023"}
    assert not cases["period"].str.startswith("self-assessment").any()


def test_sentences_round_as_the_reports_do() -> None:
    """A sentence quotes a figure as every table shows it (half away from zero on the value
    as written): a median of 68.5 days is 69 days, 0.0415 is 4.2%, a mean of 3.25 is 3.3."""
    row = {
        "measure": "median_device_turnaround_days",
        "period": "2023/24",
        "value": 68.5,
        "ci_low": 60.0,
        "ci_high": 82.0,
        "numerator": pd.NA,
        "denominator": 98,
        "reason": "",
        "pillar": "digital_forensics",
        "comparator_value": 0.5,
        "comparator_area": "England and Wales",
        "spc_signal": None,
    }
    assert describe(row) == (
        "Median days to return a device, 2023/24: 69 days (95% CI 60 to 82; n=98); "
        "comparator (England and Wales, pooled over every force) 1 day."
    )
    row |= {
        "measure": "isva_share",
        "value": 0.0415,
        "ci_low": 0.0005,
        "ci_high": 0.0785,
        "numerator": 83,
        "denominator": 2000,
        "comparator_value": 0.0004,
        "pillar": "victim_engagement",
    }
    assert describe(row) == (
        "Victim referred to an ISVA, 2023/24: 4.2% (95% CI 0.1% to 7.9%; 83 of 2,000); "
        "comparator (England and Wales, pooled over every force) < 0.1%."
    )
    row |= {
        "measure": "self_maturity",
        "value": 3.25,
        "ci_low": 2.25,
        "ci_high": 4.0,
        "numerator": pd.NA,
        "denominator": pd.NA,
        "comparator_value": np.nan,
        "pillar": "suspect_focus",
    }
    assert describe(row, scale=(1, 4)).endswith(": 3.3 on a 1-4 scale (95% CI 2.3 to 4.0).")


#: Every area a comparator may be pooled over: England and Wales, or a region.
AREAS = ("England and Wales", *sorted(set(reference.forces()["region"].dropna())))


def assert_names_its_own_area(row) -> None:
    """A finding quotes a comparator only with the area of its own ``comparator_area``,
    and names no other area; a row with no comparator value has no area and no comparator."""
    text = row["finding"]
    if pd.isna(row["comparator_value"]):
        assert pd.isna(row["comparator_area"]) and "comparator" not in text, text
        return
    area = row["comparator_area"]
    assert f"comparator ({area}, pooled over every force) " in text, (area, text)
    others = [a for a in AREAS if a != area and f"({a}," in text]
    assert not others, (others, text)


def test_every_comparator_names_the_area_it_is_pooled_over(findings) -> None:
    compared = findings[findings["comparator_value"].notna()]
    assert len(compared) > 10 and set(compared["comparator_area"]) == {"England and Wales"}
    assert findings.loc[findings["comparator_value"].isna(), "comparator_area"].isna().all()
    for row in findings.to_dict("records"):
        assert_names_its_own_area(row)


def test_a_sentence_naming_another_area_than_its_column_fails(findings) -> None:
    row = findings.set_index("measure").loc["charge_rate"].to_dict()
    assert_names_its_own_area(row)
    for other in ("North East", "Wales"):
        with pytest.raises(AssertionError):
            assert_names_its_own_area(row | {"comparator_area": other})
    named_twice = row["finding"][:-1] + "; comparator (North East, pooled over every force) 5.0%."
    with pytest.raises(AssertionError):
        assert_names_its_own_area(row | {"finding": named_twice})
    with pytest.raises(AssertionError):
        assert_names_its_own_area(row | {"comparator_area": pd.NA})


def test_a_region_comparator_is_named_by_the_region(national, assessment) -> None:
    """With ``comparator: region`` Durham's case measures are pooled over the North East and
    say so; the maturity means, pooled over every force nationally, name England and Wales."""
    areas = force_areas(list(FORCES), "region")
    assert areas["Durham"] == "North East"
    pooled = national_comparator(national, assessment, "latest", SETTINGS, areas=areas)
    own = pooled[pooled["area"].isin(["North East", "England and Wales"])]
    table = force_findings(national, assessment, "Durham", "latest", own, SETTINGS)
    rows = table.set_index(["measure", "pillar"])
    charge = rows.loc[("charge_rate", "suspect_focus")]
    north_east = own[(own["area"] == "North East") & (own["measure"] == "charge_rate")]
    assert charge["comparator_value"] == pytest.approx(north_east["value"].iloc[0])
    assert charge["comparator_area"] == "North East"
    assert "comparator (North East, pooled over every force) " in charge["finding"]
    ratings = table[table["unit"] == "rating"].dropna(subset=["comparator_value"])
    cases = table[table["unit"] != "rating"].dropna(subset=["comparator_value"])
    assert len(ratings) == 12 and set(ratings["comparator_area"]) == {"England and Wales"}
    assert len(cases) > 5 and set(cases["comparator_area"]) == {"North East"}
    for row in table.to_dict("records"):
        assert_names_its_own_area(row)


def test_a_comparator_value_without_its_area_is_refused() -> None:
    row = {
        "measure": "charge_rate",
        "period": "2023/24",
        "value": 0.1,
        "numerator": 10,
        "denominator": 100,
        "comparator_value": 0.05,
        "comparator_area": pd.NA,
        "pillar": "suspect_focus",
    }
    with pytest.raises(ParameterError, match="no comparator_area"):
        describe(row)
    comparator = pd.DataFrame({"measure": ["charge_rate"], "value": [0.05]})
    with pytest.raises(ParameterError, match="no 'area' column"):
        compare(pd.DataFrame([row]).drop(columns="comparator_value"), comparator, SETTINGS)
