"""Force x quarter panels (censoring-aware) and adoption quarters from the phases."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.errors import ParameterError
from soteria_research.measures.panel import adoption_quarters, quarter_panel


def test_arrest_share_counts_arrests_within_the_follow_up(make_cases):
    cases = make_cases(
        [
            {
                "force": "Durham",
                "recorded_date": "2023-01-05",
                "arrested": True,
                "arrest_date": "2023-01-20",
            },
            {
                "force": "Durham",
                "recorded_date": "2023-02-01",
                "arrested": True,
                "arrest_date": "2023-07-01",
            },  # 150 days: too late
            {"force": "Durham", "recorded_date": "2023-03-01", "arrested": False},
            {
                "force": "Durham",
                "recorded_date": "2023-03-02",
                "arrested": True,
                "arrest_date": "2023-03-02",
                "offence_subgroup": "Other sexual offences",
                "offence_code": "20A",
            },
            {
                "force": "Gwent",
                "recorded_date": "2023-05-01",
                "arrested": True,
                "arrest_date": "2023-05-03",
            },
        ],
        extraction_date="2023-12-31",
    )
    panel = quarter_panel(cases, "arrest_share", follow_up_days=90).set_index(["force", "quarter"])
    assert panel.loc[("Durham", "2023Q1"), ["numerator", "denominator"]].tolist() == [1, 3]
    assert panel.loc[("Durham", "2023Q1"), "value"] == pytest.approx(1 / 3)
    # Every force gets every quarter; an empty quarter has NaN, not 0.
    assert panel.loc[("Gwent", "2023Q1"), "denominator"] == 0
    assert pd.isna(panel.loc[("Gwent", "2023Q1"), "value"])
    # 2023Q3 ends 30 Sep: 90 days later is 29 Dec, before the extraction date: kept.
    # 2023Q4 has not had 90 days of follow-up by 31 Dec: left out.
    quarters = set(panel.index.get_level_values("quarter"))
    assert "2023Q3" in quarters and "2023Q4" not in quarters
    everything = quarter_panel(cases, "arrest_share", 90, subgroup=None).set_index(
        ["force", "quarter"]
    )
    assert everything.loc[("Durham", "2023Q1"), ["numerator", "denominator"]].tolist() == [2, 4]


@pytest.mark.parametrize(
    ("extraction", "last"), [("2023-12-28", "2023Q2"), ("2023-12-29", "2023Q3")]
)
def test_last_quarter_needs_the_whole_follow_up(make_cases, extraction, last):
    cases = make_cases(
        [{"force": "Durham", "recorded_date": "2023-01-05"}], extraction_date=extraction
    )
    panel = quarter_panel(cases, "arrest_share", follow_up_days=90)
    assert panel["quarter"].iloc[-1] == last


def test_flag_measure_without_a_date_drops_only_the_partial_quarter(make_cases):
    cases = make_cases(
        [
            {"force": "Durham", "recorded_date": "2023-01-05", "isva_referred": True},
            {"force": "Durham", "recorded_date": "2023-02-05", "isva_referred": False},
        ],
        extraction_date="2023-11-15",
    )
    panel = quarter_panel(cases, "isva_share")
    assert panel["quarter"].tolist() == ["2023Q1", "2023Q2", "2023Q3"]
    assert panel["value"].iloc[0] == pytest.approx(0.5)


def test_bad_parameters(make_cases):
    cases = make_cases([{"force": "Durham"}])
    with pytest.raises(ParameterError, match="Unknown panel measure 'x'"):
        quarter_panel(cases, "x")
    with pytest.raises(ParameterError, match="follow_up_days"):
        quarter_panel(cases, "arrest_share", follow_up_days=-1)


def test_adoption_quarters_from_the_phases():
    phases = reference.programme_phases(use_override=False)
    adoption = adoption_quarters(phases).set_index("force")
    assert adoption.loc["Durham", "adoption_quarter"] == "2021Q3"
    assert adoption.loc["Avon and Somerset", "adoption_quarter"] == "2021Q2"
    assert adoption.loc["Avon and Somerset", "illustrative"]
    assert adoption.loc["Gwent", "adoption_quarter"] == "2022Q4"
    assert adoption.loc["Kent", ["phase", "adoption_quarter"]].tolist() == ["nom", "2023Q3"]
    assert len(adoption) == 43
    assert adoption_quarters(phases, ["Kent", "Durham"])["force"].tolist() == ["Kent", "Durham"]
