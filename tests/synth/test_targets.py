"""The generator's target tables agree with the published figures they come from."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.homeoffice import published
from soteria_research.synth import calibration, targets

#: The Home Office open data the targets come from, as the package holds it (with its
#: provenance in soteria_research/reference/published/README.md).
OPEN_DATA = published.PUBLISHED_FILE
COHORT = "Force outcomes for offences recorded in quarter"


@pytest.fixture(scope="module")
def open_data() -> pd.DataFrame:
    data = pd.read_csv(OPEN_DATA)
    data[COHORT] = pd.to_numeric(data[COHORT], errors="coerce")
    return data


def test_tables_cover_every_force_and_the_published_totals() -> None:
    assert set(targets.OTHER_SEXUAL_2017_18) == set(reference.force_names(include_btp=True))
    assert sum(targets.RAPE_OUTCOMES_2017_18.values()) == 53931  # rapes recorded, 44 forces
    assert targets.RAPE_OUTCOMES_2017_18[1] / 53931 == pytest.approx(0.0415, abs=0.0005)
    assert set(targets.OTHER_CODES_2017_18) <= set(reference.offences()["code"])


def test_other_sexual_offences_match_the_open_data(open_data: pd.DataFrame) -> None:
    other = open_data[open_data["Offence Subgroup"] == "Other sexual offences"]
    by_force = other.groupby("Force Name")[COHORT].sum().astype(int)
    assert by_force.to_dict() == targets.OTHER_SEXUAL_2017_18
    by_code = other.groupby("Offence Code")[COHORT].sum().astype(int)
    assert by_code[by_code > 0].to_dict() == targets.OTHER_CODES_2017_18
    by_outcome = other.groupby("Outcome Type")[COHORT].sum().astype(int)
    assert by_outcome[by_outcome > 0].to_dict() == targets.OTHER_OUTCOMES_2017_18


def test_rape_outcomes_match_the_open_data(open_data: pd.DataFrame) -> None:
    rape = open_data[open_data["Offence Subgroup"] == "Rape"]
    by_outcome = rape.groupby("Outcome Type")[COHORT].sum().astype(int)
    assert by_outcome[by_outcome > 0].to_dict() == targets.RAPE_OUTCOMES_2017_18


@pytest.mark.parametrize("charge", [0.0, 0.014, 0.0415, 0.2])
def test_outcome_probabilities_sum_to_one_with_the_charge_share(charge: float) -> None:
    probs = calibration.outcome_probabilities("Rape", charge)
    assert probs.sum() == pytest.approx(1.0)
    assert probs[1] == pytest.approx(charge)
    assert 0 not in probs.index
