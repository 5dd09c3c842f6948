"""The comparator: each measure pooled over every force with its own estimator, compared
only with the same period, and placed on limits named from the settings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.comparator import compare, force_areas, national_comparator
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.findings import force_findings
from soteria_research.measures.funnel import overdispersion, position_codes, position_words
from soteria_research.measures.key_measures import case_measures
from soteria_research.measures.survival import cumulative_incidence
from soteria_research.measures.wording import describe
from soteria_research.release.evidence_schema import FUNNEL_POSITION_PATTERN

SETTINGS = {"confidence_level": 0.95, "interval_method": "wilson"}
# Durham and Northumbria are in the North East, Kent in the South East
FORCES = ("Durham", "Northumbria", "Kent")


@pytest.fixture(scope="module")
def national(simulate):
    return simulate(n=6000, seed=11, forces=FORCES)


@pytest.fixture(scope="module")
def pooled(national):
    return national_comparator(national, None, "latest", SETTINGS).set_index("measure")


def test_censoring_aware_comparator_is_aalen_johansen_on_the_pooled_crimes(national, pooled):
    ref = cumulative_incidence(national, "latest", [365])
    expected = ref.loc[ref["cause"] == "charge", "value"].iloc[0]
    row = pooled.loc["charge_cif_365"]
    assert row["value"] == pytest.approx(expected)
    # not the naive ratio of charges seen within 365 days over crimes
    assert abs(row["value"] - row["numerator"] / row["denominator"]) > 1e-3
    assert row["units"] == 3 and row["period"] == "2023/24"


def test_ratio_comparators_pool_every_force(national, pooled):
    rows = [case_measures(national, "latest", SETTINGS, f) for f in FORCES]
    own = pd.concat(rows).set_index("measure").loc["charge_rate"]
    row = pooled.loc["charge_rate"]
    assert row["numerator"] == own["numerator"].sum()
    assert row["denominator"] == own["denominator"].sum()
    assert row["value"] == pytest.approx(own["numerator"].sum() / own["denominator"].sum())
    disp = overdispersion(own["numerator"], own["denominator"], row["value"])
    assert row["phi"] == pytest.approx(disp["phi"]) and row["tau2"] == pytest.approx(disp["tau2"])


def test_regions_pool_only_their_own_forces(national):
    areas = force_areas(list(FORCES), "region")
    assert areas == {"Durham": "North East", "Northumbria": "North East", "Kent": "South East"}
    table = national_comparator(national, None, "latest", SETTINGS, areas=areas)
    row = table[(table["area"] == "North East") & (table["measure"] == "charge_rate")].iloc[0]
    own = national[national["force"].isin(["Durham", "Northumbria"])]
    expected = case_measures(own, "latest", SETTINGS).set_index("measure").loc["charge_rate"]
    assert row["denominator"] == expected["denominator"] and row["units"] == 2
    with pytest.raises(ParameterError, match="comparator must be one of national, region"):
        force_areas(list(FORCES), "family")


def test_no_comparison_across_periods(national, pooled):
    other = pooled.reset_index().assign(period="2019/20")
    table = force_findings(national, None, "Durham", "latest", other, SETTINGS)
    assert table["comparator_value"].isna().all() and table["funnel_position"].isna().all()
    assert not table["finding"].str.contains("comparator").any()
    same = force_findings(national, None, "Durham", "latest", pooled.reset_index(), SETTINGS)
    assert same.set_index("measure").loc["charge_rate", "comparator_value"] == pytest.approx(
        pooled.loc["charge_rate", "value"]
    )


@pytest.mark.parametrize("levels", [[0.95, 0.998], [0.9, 0.99], [0.8]])
def test_positions_are_named_from_the_configured_limits(national, pooled, levels):
    s = measure_settings({**SETTINGS, "funnel_limits": levels})
    table = force_findings(national, None, "Kent", "latest", pooled.reset_index(), s)
    got = set(table["funnel_position"].dropna())
    assert got and got <= set(position_codes(levels))
    assert all(re.match(FUNNEL_POSITION_PATTERN, code) for code in position_codes(levels))
    for code in got:
        assert position_words(code, levels) in " ".join(table["finding"])


def test_position_words():
    assert position_codes() == ("within", "above95", "below95", "above998", "below998")
    assert position_words("below998") == "below the 99.8% limit"
    assert position_words("above90", [0.9, 0.99]) == "above the 90% limit"
    assert position_words("within", [0.9, 0.99]) == "within the 90% limits"
    assert position_words(pd.NA) == ""


def test_over_dispersed_comparator_widens_the_limits_only_when_asked():
    units = pd.DataFrame({"measure": ["charge_rate"], "period": ["2023/24"], "value": [0.3]})
    comparator = pd.DataFrame(
        {
            "area": ["England and Wales"],
            "measure": ["charge_rate"],
            "period": ["2023/24"],
            "value": [0.2],
            "tau2": [0.01],
        }
    )
    rows = units.assign(funnel_n=400)
    plain = compare(rows, comparator, measure_settings({"funnel_overdispersion": False}))
    wide = compare(rows, comparator, measure_settings({"funnel_overdispersion": True}))
    # z = 0.1 / sqrt(0.2 * 0.8 / 400) = 5 unadjusted; 0.1 / sqrt(0.0004 + 0.01) = 0.98 with tau2
    assert plain["funnel_position"].iloc[0] == "above998"
    assert wide["funnel_position"].iloc[0] == "within"


def test_wording_of_censoring_aware_estimates_and_zero_width_intervals():
    row = {
        "measure": "charge_cif_365",
        "period": "2023/24",
        "value": 0.024,
        "ci_low": 0.013,
        "ci_high": 0.042,
        "numerator": 11,
        "denominator": 791,
        "reason": "",
        "pillar": "suspect_focus",
    }
    assert describe(row) == (
        "Charged within a year (censoring-aware), 2023/24: 2.4% (95% CI 1.3% to 4.2%; "
        "Aalen-Johansen estimate from 791 crimes, 11 charged within 365 days so far)."
    )
    rating = {
        "measure": "peer_maturity",
        "period": "self-assessment round 1",
        "value": 3.0,
        "ci_low": 3.0,
        "ci_high": 3.0,
        "numerator": np.nan,
        "denominator": np.nan,
        "reason": "",
        "pillar": "suspect_focus",
    }
    text = describe(rating, scale=(1, 4))
    assert "CI" not in text and "3.0 on a 1-4 scale (every answer the same" in text
    withheld = {**row, "value": np.nan, "reason": "withheld"}
    assert "nan" not in describe(withheld)
