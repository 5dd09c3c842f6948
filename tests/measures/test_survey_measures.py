"""Survey measures on small hand-made response tables, checked against scipy/statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from soteria_research.ingest.instrument import load_instrument
from soteria_research.measures import survey

VICTIM = load_instrument("victim")
OFFICER = load_instrument("officer")


def responses(instrument, n: int, wave: str = "1", seed: int = 0, ids=None, shift=0.0, **groups):
    """A processed-table-like frame: correlated answers on the scale."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n) + shift
    frame = pd.DataFrame(
        {
            "force": "Durham",
            "instrument": instrument.id,
            "wave": wave,
            "respondent_id": ids if ids is not None else [f"{wave}-{i}" for i in range(n)],
        }
    )
    for scale in instrument.scales:
        for item in scale.items:
            value = np.clip(np.rint(3 + latent + rng.normal(0, 0.8, n)), 1, 5)
            if item in scale.reverse:
                value = 6 - value
            frame[item] = pd.array(value.astype(int), dtype="Int64")
    for group in instrument.grouping:
        frame[group.id] = groups.get(group.id, rng.choice(list(group.values), n))
    return frame


def test_scale_scores_reverse_and_need_half_the_items():
    frame = responses(VICTIM, 3)
    frame.loc[0, ["re1", "re2", "re3"]] = [5, 4, 1]  # re3 is reverse-scored: 1 counts as 5
    frame.loc[1, ["re1", "re2", "re3"]] = [5, pd.NA, pd.NA]  # one of three answered
    frame.loc[2, ["re1", "re2", "re3"]] = [2, pd.NA, 5]  # two of three
    scores = survey.scale_scores(frame, VICTIM, min_share=0.5)
    assert scores.loc[0, "respect"] == pytest.approx((5 + 4 + 5) / 3)
    assert np.isnan(scores.loc[1, "respect"])
    assert scores.loc[2, "respect"] == pytest.approx((2 + 1) / 2)


def test_scale_summary_gives_counts_means_intervals_and_reliability():
    frame = responses(VICTIM, 200)
    table = survey.scale_summary(frame, VICTIM, replicates=100)
    voice = table.set_index("scale").loc["voice"]
    scores = survey.scale_scores(frame, VICTIM)["voice"]
    stats = DescrStatsW(scores.to_numpy(float))
    assert voice["n"] == 200 and voice["mean"] == pytest.approx(scores.mean())
    assert (voice["ci_low"], voice["ci_high"]) == pytest.approx(stats.tconfint_mean())
    assert 0.6 < voice["alpha"] < 0.95 and voice["alpha_low"] < voice["alpha"]
    assert voice["omega_low"] < voice["omega"] < voice["omega_high"]
    assert table.set_index("scale").loc["trust", "omega"] != table.loc[0, "omega"]
    assert np.isnan(table.set_index("scale").loc["trust", "omega"])  # two items


@pytest.mark.parametrize(("n", "published"), [(9, False), (10, True), (11, True)])
def test_scale_summary_withholds_below_the_minimum_count(n, published):
    table = survey.scale_summary(responses(VICTIM, n), VICTIM, min_count=10, replicates=0)
    assert table["mean"].notna().all() == published
    assert (table["reason"] == survey.TOO_FEW).all() != published


def test_item_distributions_count_every_answer():
    frame = responses(VICTIM, 40)
    frame.loc[:4, "vo1"] = pd.NA
    table = survey.item_distributions(frame, VICTIM)
    vo1 = table[table["item"] == "vo1"]
    assert vo1["answer"].tolist() == [1, 2, 3, 4, 5]
    assert vo1["count"].sum() == 35 and (vo1["n"] == 35).all()
    assert (vo1["not_answered"] == 5).all()
    assert vo1["share"].sum() == pytest.approx(1)
    assert vo1["count"].tolist() == [int((frame["vo1"] == a).sum()) for a in range(1, 6)]
    assert vo1["label"].iloc[-1] == "Strongly agree"


def test_wave_change_paired_and_independent_match_statsmodels():
    ids = [f"p{i}" for i in range(60)]
    first = responses(OFFICER, 60, "2023", seed=1, ids=ids)
    second = responses(OFFICER, 80, "2024", seed=2, ids=ids[:50] + [f"n{i}" for i in range(30)])
    second.iloc[:, 4:21] = (
        first.iloc[:50, 4:21].to_numpy().tolist() + second.iloc[50:, 4:21].to_numpy().tolist()
    )
    second.loc[:49, "ld1"] = (second.loc[:49, "ld1"] + 1).clip(upper=5)
    frame = pd.concat([first, second], ignore_index=True)
    table = survey.wave_change(frame, OFFICER).set_index(["scale", "method"])
    scores = survey.scale_scores(frame, OFFICER)
    a = scores[scores.wave == "2023"].set_index("respondent_id")["learning"]
    b = scores[scores.wave == "2024"].set_index("respondent_id")["learning"]
    paired = table.loc[("learning", "paired")]
    linked = a.index.intersection(b.index)
    diff = DescrStatsW((b[linked] - a[linked]).to_numpy(float))
    assert paired["n_from"] == 50 and paired["change"] == pytest.approx(diff.mean)
    assert (paired["ci_low"], paired["ci_high"]) == pytest.approx(diff.tconfint_mean())
    welch = CompareMeans(DescrStatsW(b.to_numpy(float)), DescrStatsW(a.to_numpy(float)))
    independent = table.loc[("learning", "independent")]
    assert (independent["n_from"], independent["n_to"]) == (60, 80)
    assert (independent["ci_low"], independent["ci_high"]) == pytest.approx(
        welch.tconfint_diff(usevar="unequal")
    )
    assert independent["p_value"] == pytest.approx(welch.ttest_ind(usevar="unequal")[1])


def test_wave_change_without_links_gives_no_paired_estimate():
    frame = pd.concat([responses(VICTIM, 30, "1"), responses(VICTIM, 30, "2", seed=3)])
    table = survey.wave_change(frame, VICTIM)
    paired = table[table["method"] == "paired"]
    assert paired["change"].isna().all() and (paired["reason"] == survey.TOO_FEW).all()
    assert table.loc[table["method"] == "independent", "change"].notna().all()


def test_group_differences_only_where_every_group_meets_the_threshold():
    n = 60
    roles = ["Investigator"] * 30 + ["Supervisor"] * 21 + ["Specialist"] * 9  # one group < 10
    teams = ["RASSO team"] * 35 + ["CID"] * 25
    frame = responses(OFFICER, n, role=roles, team=teams, length_of_service=["Over 10 years"] * n)
    table = survey.group_differences(frame, OFFICER, min_count=10, k=10)
    assert set(table["grouping"]) == {"team"}  # role has a group of 9; service would equal all
    assert table["n"].min() >= 10
    learning = table[(table["scale"] == "learning") & (table["group"] == "CID")].iloc[0]
    scores = survey.scale_scores(frame, OFFICER)
    inside = scores.loc[np.array(teams) == "CID", "learning"].to_numpy(float)
    rest = scores.loc[np.array(teams) != "CID", "learning"].to_numpy(float)
    welch = CompareMeans(DescrStatsW(inside), DescrStatsW(rest))
    assert (learning["diff_low"], learning["diff_high"]) == pytest.approx(
        welch.tconfint_diff(usevar="unequal")
    )


def test_no_published_measure_carries_a_respondent():
    frame = responses(OFFICER, 50)
    for table in (
        survey.scale_summary(frame, OFFICER, replicates=0),
        survey.item_distributions(frame, OFFICER),
        survey.group_differences(frame, OFFICER),
        survey.wave_change(frame, OFFICER),
    ):
        assert "respondent_id" not in table.columns
        assert not set(OFFICER.item_ids) & set(table.columns)


@settings(max_examples=25, deadline=None)
@given(
    roles=st.lists(
        st.sampled_from(["Investigator", "Supervisor", "Specialist", None]),
        min_size=12,
        max_size=70,
    ),
    k=st.integers(3, 12),
)
def test_group_differences_never_publish_a_small_group_or_complement(roles, k):
    n = len(roles)
    teams = ["RASSO team" if i % 3 else "CID" for i in range(n)]
    frame = responses(OFFICER, n, role=roles, team=teams, length_of_service=["Over 10 years"] * n)
    table = survey.group_differences(frame, OFFICER, min_count=k, k=k)
    assert (table["n"] >= k).all() and (table["n_rest"] >= k).all()
    for _key, part in table.groupby(["wave", "scale", "grouping"]):
        assert part["n"].sum() == part["n"].iloc[0] + part["n_rest"].iloc[0]  # whole breakdown


def test_survey_quality_counts_what_was_kept_quarantined_and_partial():
    from soteria_research.measures.survey_quality import survey_quality

    frame = responses(VICTIM, 20)
    frame["completeness"] = [1.0] * 17 + [0.5] * 3
    frame["straightlined"] = [True] + [False] * 19
    frame["free_text_answers"] = [1, 1] + [0] * 18
    problems = pd.DataFrame(
        {
            "force": "Durham",
            "instrument": ["victim", "victim", "victim", "officer"],
            "wave": "1",
            "action": ["response quarantined", "answer set to missing"] * 2,
        }
    )
    row = survey_quality(frame, problems).iloc[0]
    assert row[["responses", "quarantined", "answers_set_missing"]].tolist() == [20, 2, 1]
    assert row[["straightlined", "partial", "free_text_respondents"]].tolist() == [1, 3, 2]
    assert row["mean_completeness"] == pytest.approx((17 + 1.5) / 20)


def test_reliability_needs_enough_complete_responses_but_the_mean_does_not():
    frame = responses(VICTIM, 30)
    frame.loc[:24, "vo3"] = pd.NA  # 5 complete on voice; every respondent still has a score
    voice = survey.scale_summary(frame, VICTIM, min_count=10, replicates=0).iloc[0]
    assert voice["n"] == 30 and voice["n_complete"] == 5
    assert not np.isnan(voice["mean"]) and np.isnan(voice["alpha"])
    assert voice["reason"] == survey.TOO_FEW_COMPLETE
