"""Self-assessment workbooks in the layout the ingest stage reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from soteria_research import reference, synth
from soteria_research.synth import assessment, calibration, people

from .support import LAYOUT_FORCES

IDS = {row.name: row.police_uk_id for row in reference.forces().itertuples()}
HEADER = [
    "Pillar",
    "Theme ID",
    "Theme",
    "Question ID",
    "Question",
    "Self rating",
    "Peer rating",
    "Evidence",
    "Actions",
    "Owner",
]


@pytest.mark.parametrize("force", LAYOUT_FORCES)
def test_workbook_layout(small_dir: Path, force: str) -> None:
    framework = assessment.load_framework()
    book = openpyxl.load_workbook(small_dir / IDS[force] / "self_assessment.xlsx")
    assert book.sheetnames == ["Assessment", "About"]
    sheet = book["Assessment"]
    assert sheet["A1"].value == f"Soteria self-assessment: {force}"
    assert sheet["A2"].value == "Round: 2023-1"
    assert all(c.value is None for c in sheet[3])
    assert [c.value for c in sheet[4]] == HEADER
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(assessment.questions(framework))
    low, high = framework["scale"]["min"], framework["scale"]["max"]
    for row in rows:
        assert row[0] in reference.pillar_slugs()
        assert isinstance(row[5], int) and low <= row[5] <= high
        assert row[6] is None or (isinstance(row[6], int) and low <= row[6] <= high)
        assert row[7] and row[8] and row[9]
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert [c.value for c in book["About"][1]] == ["Key", "Value"]
    assert about == {
        "Force": force,
        "Round": "2023-1",
        "Framework": framework["name"],
        "Scale min": low,
        "Scale max": high,
    }


@pytest.fixture(scope="module")
def all_answers() -> pd.DataFrame:
    framework = assessment.load_framework()
    plan = calibration.force_plan(synth.make_options()).drop_duplicates("force")
    frames = []
    for row in plan.itertuples():
        rng = people.stream(1, row.police_uk_id, "assessment")
        frame = assessment.assessment(framework, row.charge_multiplier, rng)
        frames.append(frame.assign(force=row.force, performance=row.charge_multiplier))
    return pd.concat(frames, ignore_index=True)


def test_self_ratings_run_a_little_above_peer_ratings(all_answers: pd.DataFrame) -> None:
    answered = all_answers.dropna(subset=["Peer rating"])
    lift = (answered["Self rating"] - answered["Peer rating"]).astype(float).mean()
    assert 0.1 < lift < 0.8


def test_a_few_peer_ratings_are_unanswered(all_answers: pd.DataFrame) -> None:
    share = all_answers["Peer rating"].isna().mean()
    assert 0.01 < share < 0.15
    assert all_answers["Self rating"].notna().all()


def test_ratings_rise_with_case_level_performance(all_answers: pd.DataFrame) -> None:
    by_force = all_answers.groupby("force").agg(
        peer=("Peer rating", "mean"), performance=("performance", "first")
    )
    rho = by_force["peer"].astype(float).corr(by_force["performance"], method="spearman")
    assert rho > 0.4
    assert np.isfinite(rho)
