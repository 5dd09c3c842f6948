"""Synthetic survey waves: deterministic, read back through ingest, and the planted means,
reliabilities and changes recovered within their intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteria_research.ingest import processed
from soteria_research.ingest.instrument import load_instrument
from soteria_research.ingest.survey import QUARANTINED, clean_all_surveys, load_survey
from soteria_research.measures import survey as measures
from soteria_research.measures.reliability import mcdonald_omega
from soteria_research.synth import survey as synth_survey
from soteria_research.synth.survey_files import TRUTH_FILE, write_surveys

CHANGING = ["Avon and Somerset", "Metropolitan Police", "Durham", "West Midlands", "South Wales"]
STEADY = ["Cleveland", "Kent"]
SEED = 20170401


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("surveys")
    for force in CHANGING + STEADY:
        folder = root / "raw" / processed.police_uk_id(force)
        folder.mkdir(parents=True)
        write_surveys(SEED, folder.name, force, folder)
    summary = clean_all_surveys(root / "raw", root / "processed")
    assert len(summary) == len(CHANGING + STEADY)
    return root


def truths(root: Path, force: str, instrument: str) -> dict:
    folder = root / "raw" / processed.police_uk_id(force) / "surveys"
    return json.loads((folder / TRUTH_FILE).read_text())["instruments"][instrument]


@pytest.fixture(scope="module", params=["officer", "victim"])
def measured(request, cleaned):
    instrument = load_instrument(request.param)
    responses = load_survey(request.param, None, cleaned / "processed")
    summary = measures.scale_summary(responses, instrument, replicates=300)
    change = measures.wave_change(responses, instrument)
    return instrument, summary, change


def _covered(rows: list[bool]) -> float:
    return float(np.mean(rows))


def test_planted_means_and_alpha_are_recovered_within_their_intervals(cleaned, measured):
    instrument, summary, _change = measured
    means, alphas = [], []
    for row in summary.itertuples(index=False):
        truth = truths(cleaned, row.force, instrument.id)["truths"][row.scale]
        wave = "mean_wave1" if row.wave == "wave 1" else "mean_wave2"
        means.append(row.ci_low <= truth[wave] <= row.ci_high)
        if row.wave == "wave 1":
            alphas.append(row.alpha_low <= truth["alpha"] <= row.alpha_high)
    # 95% intervals: 70 means and 35 alphas per instrument; fewer than 85% covering would
    # mean biased estimates or intervals too narrow
    assert len(means) == 70 and _covered(means) >= 0.85
    assert _covered(alphas) >= 0.85


def test_planted_omega_is_recovered_within_its_interval(cleaned, measured):
    instrument, summary, _change = measured
    covered = []
    for force in CHANGING + STEADY:
        model = synth_survey.model(instrument, SEED, processed.police_uk_id(force))
        population = synth_survey.population(model, 1, n=40_000)
        for scale in instrument.scales:
            if len(scale.items) < 3:
                continue
            block = population[list(scale.items)].to_numpy(float).copy()
            for j, item in enumerate(scale.items):
                if item in scale.reverse:
                    block[:, j] = 6 - block[:, j]
            truth = mcdonald_omega(block, replicates=0)[0]
            row = summary[
                (summary.force == force) & (summary.scale == scale.id) & (summary.wave == "wave 1")
            ].iloc[0]
            covered.append(row.omega_low <= truth <= row.omega_high)
    assert len(covered) >= 21 and _covered(covered) >= 0.85


def test_planted_change_is_recovered_and_detected(cleaned, measured):
    instrument, _summary, change = measured
    covered, detected = [], []
    for row in change[change["reason"] == ""].itertuples(index=False):
        truth = truths(cleaned, row.force, instrument.id)["truths"][row.scale]
        covered.append(row.ci_low <= truth["change"] <= row.ci_high)
        if truth["latent_change_sd"] > 0:
            detected.append(row.ci_low > 0)
        if row.force in STEADY:
            assert truth["change"] == 0
    assert _covered(covered) >= 0.85
    assert len(detected) == 2 * len(CHANGING) * (2 if instrument.id == "officer" else 1)
    assert _covered(detected) >= 0.9
    methods = set(change.loc[change["reason"] == "", "method"])
    assert methods == ({"paired", "independent"} if instrument.id == "officer" else {"independent"})


def test_planted_defects_are_found_by_ingest(cleaned):
    problems = pd.read_parquet(cleaned / "processed" / "durham" / "survey_problems.parquet")
    record = truths(cleaned, "Durham", "officer")["waves"]["wave 1"]
    wave = problems[problems["source_file"] == "officer_survey_wave1.csv"]
    # the duplicate submission copies a response with an out-of-range answer
    assert wave["problem"].str.startswith("out of range").sum() == record["out_of_range"] + 1
    assert (wave["problem"] == "not a scale answer").sum() == record["unreadable"]
    assert (wave["problem"] == "the same answer to every item").sum() == record["straightlined"]
    quarantined = wave[wave["action"] == QUARANTINED]
    assert len(quarantined) == record["duplicates"] + record["no_item_answered"]
    table = load_survey("officer", "Durham", cleaned / "processed")
    kept = table[table["source_file"] == "officer_survey_wave1.csv"]
    assert len(kept) + len(quarantined) == record["rows"]
    assert kept["free_text_answers"].sum() <= record["free_text_answers"]
    assert (kept["completeness"] < 1).sum() >= record["drop_off"]


def test_soteria_synth_writes_surveys_beside_each_extract(small_dir):
    for folder in small_dir.iterdir():
        mapping = folder / "surveys" / "surveys.yaml"
        assert mapping.is_file() and (folder / "surveys" / TRUTH_FILE).is_file()
        assert "officer_survey_wave2.csv" in mapping.read_text(encoding="utf-8")


def test_survey_files_are_deterministic(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_surveys(7, "durham", "Durham", tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a" / "surveys").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b" / "surveys").iterdir())
    for name in files:
        first = (tmp_path / "a" / "surveys" / name).read_bytes()
        assert first == (tmp_path / "b" / "surveys" / name).read_bytes()
    other = tmp_path / "c"
    other.mkdir()
    write_surveys(8, "durham", "Durham", other)
    wave = "officer_survey_wave1.csv"
    assert (other / "surveys" / wave).read_bytes() != (
        tmp_path / "a" / "surveys" / wave
    ).read_bytes()
