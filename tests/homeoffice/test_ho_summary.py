"""outcomes_summary, outcome_mix and data_quirks on tiny hand-written tables."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research import homeoffice
from soteria_research.errors import DataError, ParameterError
from soteria_research.homeoffice.schema import COLUMNS, DTYPES, validate

NA = None
GROUPS = {"19C": "Rape", "19D": "Rape", "71": "Other sexual offences"}

# force, code, quarter, outcome type, cohort, activity
ROWS = [
    ("Durham", "19C", 1, 0, 5, NA),
    ("Durham", "19C", 1, 1, 2, 3),
    ("Durham", "19C", 1, 14, 1, 0),
    ("Durham", "19C", 1, 15, 0, 2),
    ("Durham", "19C", 1, 5, 1, 1),
    ("Durham", "19C", 2, 0, -1, NA),
    ("Durham", "19C", 2, 1, 1, 1),
    ("Durham", "71", 1, 0, 10, NA),
    ("Durham", "71", 1, 1, 10, 4),
    ("Kent", "19D", 1, 0, 0, NA),
    ("Kent", "19D", 1, 1, 0, 0),
    ("British Transport Police", "19C", 1, 0, 1, NA),
    ("British Transport Police", "19C", 1, 1, 1, 1),
]


def _table(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["force", "offence_code", "financial_quarter", "outcome_type", "cohort",
                       "activity"]
    )  # fmt: skip
    frame["financial_year"] = "2017/18"
    frame["offence_group"] = "Sexual offences"
    frame["offence_subgroup"] = frame["offence_code"].map(GROUPS)
    for column in ("offence_description", "offence_code_expired", "outcome_description",
                   "outcome_group"):  # fmt: skip
        frame[column] = pd.NA
    frame["cohort"] = frame["cohort"].astype("Int64")
    frame["activity"] = frame["activity"].astype("Int64")
    frame["cohort_negative"] = frame["cohort"].lt(0).fillna(False)
    frame["activity_negative"] = frame["activity"].lt(0).fillna(False)
    frame["source_row"] = range(2, len(frame) + 2)
    return validate(frame[list(COLUMNS)].astype(DTYPES))


@pytest.fixture
def table() -> pd.DataFrame:
    return _table(ROWS)


def test_cohort_recorded_sums_every_outcome_type_including_0_and_negatives(table):
    row = homeoffice.outcomes_summary(table).set_index("force").loc["Durham"]
    assert row["recorded"] == 9
    assert (row["charged"], row["pending"], row["outcome_14"], row["outcome_15"]) == (3, 4, 1, 0)
    assert (row["outcome_16"], row["outcome_18"]) == (0, 0)  # no row: none published
    assert row["charge_rate"] == pytest.approx(100 * 3 / 9)
    assert (row["negative_rows"], row["blank_rows"]) == (1, 0)
    assert row["denominator"] == "offences recorded in the period"


def test_activity_counts_outcomes_assigned_and_keeps_blank_pending_missing(table):
    row = homeoffice.outcomes_summary(table, measure="activity").set_index("force").loc["Durham"]
    assert (row["recorded"], row["charged"]) == (7, 4)
    assert pd.isna(row["pending"])
    assert row["charge_rate"] == pytest.approx(100 * 4 / 7)
    assert row["blank_rows"] == 2
    assert row["denominator"] == "outcomes assigned in the period"


def test_no_offences_recorded_gives_no_rate(table):
    row = homeoffice.outcomes_summary(table).set_index("force").loc["Kent"]
    assert row["recorded"] == 0 and pd.isna(row["charge_rate"])


def test_national_row_is_the_pooled_rate_over_every_force(table):
    row = homeoffice.outcomes_summary(table, by="national").iloc[0]
    assert (row["force"], row["recorded"], row["charged"], row["n_forces"]) == (
        "All forces",
        11,
        4,
        3,
    )
    assert row["charge_rate"] == pytest.approx(100 * 4 / 11)
    without = homeoffice.outcomes_summary(table, by="national", include_btp=False).iloc[0]
    assert (without["recorded"], without["charged"], without["n_forces"]) == (9, 3, 2)


def test_all_sexual_offences_and_other_subgroup(table):
    every = homeoffice.outcomes_summary(table, subgroup=None).set_index("force").loc["Durham"]
    assert (every["recorded"], every["charged"], every["subgroup"]) == (
        29,
        13,
        "All sexual offences",
    )
    other = homeoffice.outcomes_summary(table, subgroup="other sexual offences")
    assert other["force"].tolist() == ["Durham"]
    assert other["subgroup"].iloc[0] == "Other sexual offences"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"measure": "flow"}, ParameterError, "choose one of: cohort, activity"),
        ({"by": "region"}, ParameterError, "choose one of: force, national"),
        ({"subgroup": "Burglary"}, ParameterError, "holds: Other sexual offences, Rape"),
        ({"year": "2019/20"}, ParameterError, "holds 2017/18"),
        ({"year": "2019"}, ParameterError, "financial year"),
    ],
)
def test_bad_parameters(table, kwargs, error, message):
    with pytest.raises(error, match=message):
        homeoffice.outcomes_summary(table, **kwargs)


def test_year_spellings_are_accepted(table):
    assert len(homeoffice.outcomes_summary(table, year="2017-18")) == 3


def test_a_table_without_sexual_offences_is_named(table):
    other = table.assign(offence_group=pd.array(["Robbery"] * len(table), dtype="string"))
    with pytest.raises(DataError, match=r"offence group.*'Robbery'"):
        homeoffice.outcomes_summary(other)


def test_inputs_are_not_changed(table):
    before = table.copy()
    homeoffice.outcomes_summary(table, by="national", measure="activity")
    homeoffice.outcome_mix(table)
    pd.testing.assert_frame_equal(table, before)


def test_outcome_mix_agrees_with_the_summary(table):
    mix = homeoffice.outcome_mix(table, by="force").set_index(["force", "outcome_type"])
    assert mix.loc[("Durham", 0), "count"] == 4
    assert mix.loc[("Durham", 1), "share"] == pytest.approx(100 * 3 / 9)
    assert mix.loc[("Durham", 1), "outcome_group"] == "Charged/Summonsed"
    assert mix.loc["Durham", "share"].sum() == pytest.approx(100)


def test_data_quirks_counts(table):
    quirks = homeoffice.data_quirks(table).set_index("quirk")["rows"]
    assert quirks.to_dict() == {
        "negative_cohort": 1, "negative_activity": 0, "blank_cohort": 0, "blank_activity": 5
    }  # fmt: skip


counts = st.one_of(st.none(), st.integers(min_value=-3, max_value=50))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=6, max_size=6))
def test_national_row_is_the_sum_of_the_force_rows(values):
    layout = [(f, t) for f in ("Durham", "Kent", "Gwent") for t in (0, 1)]
    rows = [(f, "19C", 1, t, c, a) for (f, t), (c, a) in zip(layout, values, strict=True)]
    table = _table(rows)
    for measure in ("cohort", "activity"):
        forces = homeoffice.outcomes_summary(table, measure=measure)
        national = homeoffice.outcomes_summary(table, measure=measure, by="national").iloc[0]
        for column in ("recorded", "charged", "negative_rows", "blank_rows"):
            total = forces[column].sum(min_count=1)
            assert (pd.isna(total) and pd.isna(national[column])) or national[column] == total
