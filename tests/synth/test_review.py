"""Synthetic case-file reviews: written for the deep-dive forces only, deterministic, and
the estimates recover what was planted (prevalences, agreement, association with charge)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteria_research import synth
from soteria_research.ingest import clean_force
from soteria_research.ingest.pseudonymise import SYNTHETIC_DEMO_KEY, normalise_ref, pseudonyms
from soteria_research.ingest.review import load_review, read_review_book, review_tables
from soteria_research.ingest.review_framework import load_review_framework, review_items
from soteria_research.measures.review import (
    review_agreement,
    review_charge_association,
    review_prevalence,
)
from soteria_research.measures.review_rounds import review_round_change
from soteria_research.synth import review

SCALE = 0.3
WHEN = dt.datetime(2024, 6, 30, 9)
DEEP_DIVES = ["Avon and Somerset", "Metropolitan Police", "Durham", "West Midlands", "South Wales"]


@pytest.fixture(autouse=True)
def _demo_key(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(tmp_path_factory.mktemp("k") / "absent.key"))


def test_the_deep_dive_forces_come_from_the_reference_table() -> None:
    assert sorted(review.deep_dive_forces()) == sorted(DEEP_DIVES)


@pytest.fixture(scope="module")
def estimates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each deep-dive force's review, read back and estimated, with what was planted."""
    options = synth.make_options(scale=SCALE, forces=DEEP_DIVES)
    frame = synth.cases(scale=SCALE, forces=DEEP_DIVES)
    framework = load_review_framework()
    folder = tmp_path_factory.mktemp("reviews")
    found = {}
    for force in DEEP_DIVES:
        rows = frame[frame["force"] == force]
        data, planted = review.review_files(rows, force, options, WHEN)
        path = folder / f"review_{force}.xlsx"
        path.write_bytes(data)
        refs = [normalise_ref(r) for r in rows["crime_ref"]]
        cases = pd.DataFrame(
            {
                "crime_id": pseudonyms(refs, SYNTHETIC_DEMO_KEY, f"{force}|"),
                "outcome_type": rows["outcome_type"].to_numpy(),
                "charged": rows["outcome_type"].eq(1).to_numpy(),
            }
        ).drop_duplicates("crime_id")
        tables = review_tables([read_review_book(path)], cases, force, framework)
        found[force] = {
            "planted": planted,
            "tables": tables,
            "prevalence": review_prevalence(tables["review"], tables["review_sample"]),
            "agreement": review_agreement(tables["review"], replicates=200),
            "association": review_charge_association(
                tables["review"], tables["review_sample"], cases
            ),
            "bytes": data,
            "rows": rows,
            "options": options,
        }
    return found


def test_synthetic_workbooks_ingest_without_problems(estimates) -> None:
    for force, got in estimates.items():
        assert got["tables"]["review_quarantine"].empty, force
        sample = got["tables"]["review_sample"]
        assert len(sample) == got["planted"]["sample_size"]
        assert int(sample["double_coded"].sum()) == got["planted"]["double_coded"]
        assert (sample["codings"] == np.where(sample["double_coded"], 2, 1)).all()


def test_synthetic_reviews_are_deterministic(estimates) -> None:
    got = estimates["Durham"]
    again, _ = review.review_files(got["rows"], "Durham", got["options"], WHEN)
    assert again == got["bytes"]
    other = synth.make_options(scale=SCALE, forces=["Durham"], seed=99)
    assert review.review_files(got["rows"], "Durham", other, WHEN)[0] != got["bytes"]


def test_prevalence_intervals_cover_the_planted_coded_prevalence(estimates) -> None:
    covered = []
    for got in estimates.values():
        table = got["prevalence"]
        for item_id, shares in got["planted"]["coded_prevalence"].items():
            if item_id == review.ASSOCIATED_ITEM:  # depends on the force's charge mix
                continue
            for level, share in shares.items():
                row = table[(table["item_id"] == item_id) & (table["response"] == level)].iloc[0]
                covered.append(row["ci_low"] <= share <= row["ci_high"])
    assert len(covered) > 150
    assert np.mean(covered) >= 0.9  # 95% intervals


def _expected_agreement(shares: dict[str, float], error: float) -> tuple[float, float]:
    """Kappa and AC1 that two reviewers with the planted error rate are expected to reach."""
    p = np.array(list(shares.values()))
    k = len(p)
    confusion = np.full((k, k), error / (k - 1)) + np.eye(k) * (1 - error - error / (k - 1))
    joint = confusion.T @ np.diag(p) @ confusion
    observed = np.trace(joint)
    margin = joint.sum(axis=0)
    kappa = (observed - margin @ margin) / (1 - margin @ margin)
    chance = (margin * (1 - margin)).sum() / (k - 1)
    return float(kappa), float((observed - chance) / (1 - chance))


def test_agreement_intervals_cover_the_planted_agreement(estimates) -> None:
    covered = []
    for got in estimates.values():
        table = got["agreement"].set_index(["item_id", "statistic"])
        for item_id, shares in got["planted"]["prevalence"].items():
            kappa, ac1 = _expected_agreement(shares, got["planted"]["error_rate"][item_id])
            for statistic, expected in (("cohen_kappa", kappa), ("gwet_ac1", ac1)):
                row = table.loc[(item_id, statistic)]
                assert not row["refused"]
                covered.append(row["ci_low"] <= expected <= row["ci_high"])
        judgement = table.loc[("SF03", "cohen_kappa"), "estimate"]
        assert judgement < table.loc[("VE01", "cohen_kappa"), "estimate"]  # planted: harder item
    assert np.mean(covered) >= 0.85


def test_the_planted_association_is_found_and_null_items_are_not_flagged(estimates) -> None:
    covers, flagged, null_flags = [], [], []
    for got in estimates.values():
        table = got["association"].set_index("item_id")
        assert not table["refused"].any()
        row = table.loc[review.ASSOCIATED_ITEM]
        covers.append(row["ci_low"] <= got["planted"]["coded_odds_ratio"] <= row["ci_high"])
        flagged.append(bool(row["interval_excludes_one"]))
        null_flags.extend(table.drop(index=review.ASSOCIATED_ITEM)["interval_excludes_one"])
    assert sum(covers) >= 4 and sum(flagged) >= 4
    assert sum(null_flags) <= 5  # of 40 null items at 5%: 99th percentile of Binomial(40, 0.05)


def test_soteria_synth_writes_reviews_for_deep_dive_forces_and_clean_reads_them(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    synth.generate(raw, forces=["Durham", "Cleveland"], scale=0.1)
    assert (raw / "durham" / review.FILE_NAME).is_file()
    assert not (raw / "cleveland" / review.FILE_NAME).exists()
    planted = json.loads((raw / "durham" / review.PLANTED_FILE).read_text(encoding="utf-8"))
    assert planted["odds_ratio"] == review.ODDS_RATIO
    items = review_items(load_review_framework())
    assert set(planted["error_rate"]) == set(items["item_id"])
    clean_force(raw / "durham", tmp_path / "processed")
    tables = load_review("Durham", tmp_path / "processed")
    assert len(tables["review"]) > 0
    problems = set(tables["review_quarantine"]["problem"])
    assert problems <= {"sampled case not in the cleaned cases"}
    assert tables["review_sample"]["in_cases"].mean() > 0.97


def test_the_earlier_round_is_its_own_sample_of_the_first_year_with_the_planted_change(
    estimates, tmp_path: Path
) -> None:
    """Every deep-dive force's earlier round: a sample of the first financial year's cases
    (another sample id), coded a year before; the suspect-focus pillar's change between the
    rounds covers the planted change and is found, the other pillars' changes are not."""
    framework = load_review_framework()
    covers, found, nulls = [], [], []
    for force, got in estimates.items():
        rows, options = got["rows"], got["options"]
        data, planted = review.review_files(rows, force, options, WHEN, earlier=True)
        assert review.review_files(rows, force, options, WHEN, earlier=True)[0] == data
        first_year = min(rows["financial_year"])
        assert planted["financial_years"] == [first_year]
        refs = [normalise_ref(r) for r in rows["crime_ref"]]
        cases = pd.DataFrame(
            {
                "crime_id": pseudonyms(refs, SYNTHETIC_DEMO_KEY, f"{force}|"),
                "financial_year": rows["financial_year"].to_numpy(),
            }
        ).drop_duplicates("crime_id")
        (tmp_path / "review_earlier.xlsx").write_bytes(data)
        (tmp_path / "review.xlsx").write_bytes(got["bytes"])
        earlier = read_review_book(tmp_path / "review_earlier.xlsx")
        later = read_review_book(tmp_path / "review.xlsx")
        assert earlier.about["sample id"] != later.about["sample id"]
        tables = review_tables([later, earlier], cases, force, framework)
        assert tables["review_quarantine"].empty, force
        sample = tables["review_sample"]
        assert set(sample.loc[sample["round"] == 1, "sample_id"]) == {earlier.about["sample id"]}
        years = cases.set_index("crime_id")["financial_year"]
        assert set(sample.loc[sample["round"] == 1, "crime_id"].map(years)) == {first_year}
        dates = tables["review"].groupby("round")["review_date"].max()
        assert dates[1] < dates[2]
        review_, sample_ = tables["review"], tables["review_sample"]
        rounds = [(review_[review_["round"] == n], sample_[sample_["round"] == n]) for n in (1, 2)]
        change = review_round_change(*rounds).set_index("pillar")
        pillar = planted["changed_pillar"]
        target = planted["pillar_change"][pillar]
        covers.append(change.at[pillar, "ci_low"] <= target <= change.at[pillar, "ci_high"])
        found.append(change.at[pillar, "ci_low"] > 0)
        others = change.drop(index=pillar)
        nulls.extend((others["ci_low"] > 0) | (others["ci_high"] < 0))
    assert sum(covers) >= 4 and all(found)
    assert sum(nulls) <= 3  # of 15 null pillar changes at 5%: above the 99th percentile


def test_soteria_synth_writes_two_review_rounds_and_clean_reads_both(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    synth.generate(raw, forces=["Durham"], scale=0.1)
    folder = raw / "durham"
    assert (folder / review.FILE_NAME).is_file() and (folder / review.EARLIER_FILE).is_file()
    planted = json.loads((folder / review.EARLIER_PLANTED_FILE).read_text(encoding="utf-8"))
    assert planted["pillar_change"][review.CHANGED_PILLAR] > 0.1
    assert all(v == 0 for k, v in planted["pillar_change"].items() if k != review.CHANGED_PILLAR)
    clean_force(folder, tmp_path / "processed")
    tables = load_review("Durham", tmp_path / "processed")
    sample = tables["review_sample"]
    assert sample.groupby("round")["sample_id"].nunique().to_dict() == {1: 1, 2: 1}
    later = read_review_book(folder / review.FILE_NAME).about["sample id"]
    assert set(sample.loc[sample["round"] == 2, "sample_id"]) == {later}
    assert set(tables["review"]["round"]) == {1, 2}
