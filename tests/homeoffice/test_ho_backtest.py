"""Back-test against the published 2017/18 figures (packaged Home Office file).

Expected values come from the Home Office release and from sums over the raw file taken
with the csv module, never from the code under test.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest

from soteria_research import homeoffice, reference

COHORT = "Force outcomes for offences recorded in quarter"
ACTIVITY = "Force outcomes recorded in quarter"


def _sums(rows, column, subgroup="Rape", outcome=None):
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        if subgroup and row["Offence Subgroup"] != subgroup:
            continue
        if outcome is not None and row["Outcome Type"] != str(outcome):
            continue
        if row[column] != "":
            totals[row["Force Name"]] += int(row[column])
    return dict(totals)


@pytest.fixture(scope="module")
def rape(published):
    return homeoffice.outcomes_summary(published, subgroup="Rape", measure="cohort")


def test_national_rape_cohort_charge_rate_is_the_published_4_15_percent(published):
    national = homeoffice.outcomes_summary(published, by="national", year="2017/18")
    row = national.iloc[0]
    assert len(national) == 1
    assert row["force"] == "All forces"
    assert (row["recorded"], row["charged"], row["n_forces"]) == (53_931, 2_238, 44)
    assert round(float(row["charge_rate"]), 2) == 4.15


@pytest.mark.parametrize(
    ("force", "rate"),
    [("South Wales", 9.48), ("Durham", 7.70), ("Kent", 1.66), ("London, City of", 0.0)],
)
def test_published_force_charge_rates(rape, force, rate):
    row = rape.set_index("force").loc[force]
    assert round(float(row["charge_rate"]), 2) == rate


def test_city_of_london_has_25_rapes_and_no_charge(rape):
    row = rape.set_index("force").loc["London, City of"]
    assert (row["recorded"], row["charged"]) == (25, 0)


def test_every_force_matches_sums_over_the_raw_file(rape, raw_rows):
    recorded = _sums(raw_rows, COHORT)
    charged = _sums(raw_rows, COHORT, outcome=1)
    pending = _sums(raw_rows, COHORT, outcome=0)
    table = rape.set_index("force")
    assert sorted(table.index) == sorted(recorded)
    assert len(table) == 44
    for force, total in recorded.items():
        assert table.loc[force, "recorded"] == total, force
        assert table.loc[force, "charged"] == charged.get(force, 0), force
        assert table.loc[force, "pending"] == pending.get(force, 0), force


def test_all_sexual_offences_and_activity_totals_match_the_raw_file(published, raw_rows):
    every = homeoffice.outcomes_summary(published, subgroup=None).set_index("force")
    activity = homeoffice.outcomes_summary(published, measure="activity").set_index("force")
    for force, total in _sums(raw_rows, COHORT, subgroup=None).items():
        assert every.loc[force, "recorded"] == total, force
    for force, total in _sums(raw_rows, ACTIVITY).items():
        assert activity.loc[force, "recorded"] == total, force


def test_per_force_rates_agree_with_the_reference_calibration_table(rape):
    calibration = reference.calibration_2017_18().set_index("force")
    table = rape.set_index("force")
    assert sorted(table.index) == sorted(calibration.index)
    for force, row in calibration.iterrows():
        assert table.loc[force, "recorded"] == row["rapes_recorded"], force
        assert table.loc[force, "charged"] == row["rapes_charged"], force
        assert round(float(table.loc[force, "charge_rate"]), 2) == row["charge_rate_pct"], force


def test_activity_measure_charge_share_is_the_published_7_9_percent(published):
    row = homeoffice.outcomes_summary(published, measure="activity", by="national").iloc[0]
    assert round(float(row["charge_rate"]), 1) == 7.9
    assert pd.isna(row["pending"])  # outcome 0 has no activity figure


@pytest.mark.parametrize(
    ("outcome", "share"), [(0, 12.3), (1, 4.15), (14, 13.1), (15, 25.7), (16, 31.9), (18, 9.2)]
)
def test_cohort_outcome_mix_for_rape(published, outcome, share):
    mix = homeoffice.outcome_mix(published, by="national").set_index("outcome_type")
    digits = 2 if outcome == 1 else 1
    assert round(float(mix.loc[outcome, "share"]), digits) == share
    assert mix["share"].sum() == pytest.approx(100)


def test_negative_counts_are_kept_and_flagged(published, raw_rows):
    negative_cohort = {i + 2 for i, r in enumerate(raw_rows) if r[COHORT].startswith("-")}
    negative_activity = {i + 2 for i, r in enumerate(raw_rows) if r[ACTIVITY].startswith("-")}
    assert len(negative_cohort) == 318
    assert set(published.loc[published["cohort_negative"], "source_row"]) == negative_cohort
    assert set(published.loc[published["activity_negative"], "source_row"]) == negative_activity
    assert (published.loc[published["cohort_negative"], "cohort"] < 0).all()
    quirks = homeoffice.data_quirks(published).set_index("quirk")["rows"]
    assert quirks["negative_cohort"] == 318
    assert quirks["negative_activity"] == len(negative_activity) == 76


def test_blank_activity_counts_stay_missing(published, raw_rows):
    blank = {i + 2 for i, r in enumerate(raw_rows) if r[ACTIVITY] == ""}
    assert len(blank) == 4_048
    assert set(published.loc[published["activity"].isna(), "source_row"]) == blank
    assert homeoffice.data_quirks(published).set_index("quirk")["rows"]["blank_activity"] == 4_048
    assert published["cohort"].notna().all()


def test_published_rape_rates(raw_rows):
    rates = homeoffice.published_rape_rates("2017/18")
    assert len(rates) == 44
    assert list(rates.columns[:3]) == ["force", "police_uk_id", "region"]
    assert rates["recorded"].sum() == 53_931
    assert rates.set_index("force").loc["Durham", "police_uk_id"] == "durham"
    assert set(rates["measure"]) == {"cohort"}


def test_published_rape_rates_other_year_says_how_to_get_it():
    from soteria_research.errors import ParameterError

    with pytest.raises(ParameterError, match=r"2017/18.*data/external"):
        homeoffice.published_rape_rates("2021/22")


def test_the_packaged_file_is_small_and_attributed():
    assert homeoffice.PUBLISHED_FILE.stat().st_size < 1_000_000
    readme = (homeoffice.PUBLISHED_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in readme


def test_packaged_rape_summary_agrees_with_the_open_data_file() -> None:
    """The small per-force file the reports read is exactly the summary of the full file."""
    from soteria_research.homeoffice import published

    packaged = published._rape_rates_file().reset_index(drop=True)
    pd.testing.assert_frame_equal(packaged, published.derive_rape_rates())
    assert int(packaged["recorded"].sum()) == 53_931
    assert int(packaged["charged"].sum()) == 2_238
