"""Each record is internally consistent, as a force's system would hold it."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference, settings

EXTRACTION = pd.Timestamp(settings.section("synthetic")["extraction_date"])
DATES = [
    "committed_date",
    "reported_date",
    "recorded_date",
    "arrest_date",
    "cps_referral_date",
    "outcome_date",
    "victim_withdrawal_date",
    "device_seized_date",
    "device_returned_date",
]


def test_one_row_per_crime_with_unique_references(national: pd.DataFrame) -> None:
    assert not national["crime_ref"].duplicated().any()
    repeat_victims = national["victim_ref"].duplicated(keep=False).mean()
    assert 0.02 < repeat_victims < 0.10
    same_victim = national.groupby("victim_ref")[["force", "victim_sex", "offence_code"]].nunique()
    assert (same_victim == 1).all().all()
    assert set(national["offence_code"]) <= set(reference.offences()["code"])
    rape = national["offence_code"].str.startswith("19")
    assert (national.loc[rape, "offence_subgroup"] == "Rape").all()
    assert (national.loc[~rape, "offence_subgroup"] == "Other sexual offences").all()


@pytest.mark.parametrize(
    ("codes", "sex", "low", "high"),
    [
        (["19E", "19H", "17B", "20B"], None, 0, 12),
        (["19D", "19G"], None, 13, 15),
        (["19C", "19F"], None, 16, 120),
        (["19C", "19D", "19E", "20A", "20B"], "female", 0, 120),
        (["19F", "19G", "19H", "17A", "17B"], "male", 0, 120),
    ],
)
def test_offence_code_fixes_victim_age_and_sex(
    national: pd.DataFrame, codes: list[str], sex: str | None, low: int, high: int
) -> None:
    rows = national[national["offence_code"].isin(codes)]
    ages = rows["victim_age"].dropna()
    assert ages.between(low, high).all()
    if sex:
        assert rows["victim_sex"].isin([sex, "unknown"]).all()
        assert (rows["victim_sex"] == sex).mean() > 0.98


def test_suspects_follow_the_outcome(national: pd.DataFrame) -> None:
    final = national["final_outcome_type"]
    assert national.loc[final.isin([14, 18]), "suspect_ref"].isna().all()
    assert national.loc[final.isin([1, 15, 16]), "suspect_ref"].notna().all()
    withdrew = national[national["outcome_type"] == 16]
    assert withdrew["victim_withdrawal_date"].notna().all()
    assert (withdrew["victim_withdrawal_date"] <= withdrew["outcome_date"]).all()
    assert national.loc[national["suspect_ref"].isna(), "arrested"].eq(False).all()


def test_charges_follow_a_cps_referral(national: pd.DataFrame) -> None:
    charged = national[national["outcome_type"] == 1]
    assert len(charged) > 100
    assert charged["referred_to_cps"].all()
    assert (charged["cps_referral_date"] < charged["outcome_date"]).all()
    assert (
        charged["arrest_date"].dropna() <= charged["outcome_date"][charged["arrest_date"].notna()]
    ).all()
    alternate = national.loc[national["outcome_alternate"], "outcome_type"]
    assert (alternate == 1).all()
    assert 0.05 < national.loc[charged.index, "outcome_alternate"].mean() < 0.15


def test_dates_run_in_order_and_stop_at_extraction(national: pd.DataFrame) -> None:
    assert (national["committed_date"] <= national["reported_date"]).all()
    assert (national["reported_date"] <= national["recorded_date"]).all()
    for column in DATES:
        assert (national[column].dropna() <= EXTRACTION).all(), column
    for column in ["arrest_date", "cps_referral_date", "outcome_date", "device_seized_date"]:
        known = national[column].notna()
        assert (national.loc[known, column] >= national.loc[known, "recorded_date"]).all()
    assert (
        (national["outcome_date"] > national["recorded_date"])
        .where(national["outcome_date"].notna(), True)
        .all()
    )
    back = national["device_returned_date"].notna()
    assert (
        national.loc[back, "device_returned_date"] > national.loc[back, "device_seized_date"]
    ).all()


def test_pending_means_no_outcome_date_and_a_later_final_outcome(national: pd.DataFrame) -> None:
    pending = national["outcome_type"] == 0
    assert national.loc[pending, "outcome_date"].isna().all()
    assert national.loc[~pending, "outcome_date"].notna().all()
    assert (national.loc[pending, "final_outcome_date"] > EXTRACTION).all()
    assert (
        national.loc[~pending, "final_outcome_type"] == national.loc[~pending, "outcome_type"]
    ).all()


def test_canonical_categories(national: pd.DataFrame) -> None:
    assert set(national["victim_sex"]) <= set(reference.SEXES)
    assert set(national["victim_ethnicity"]) <= set(reference.ETHNICITIES)
    assert set(national["relationship"]) <= set(reference.RELATIONSHIPS)
    assert national["financial_year"].isin(["2021/22", "2022/23", "2023/24"]).all()
