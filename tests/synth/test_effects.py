"""The planted programme effect: where it is, what it leaves alone, and that the
evaluation finds it (and nothing on the control measure)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from soteria_research import reference, synth
from soteria_research.errors import ConfigError
from soteria_research.measures.evaluation import programme_evaluation
from soteria_research.synth import effects

from .conftest import NATIONAL_SCALE

DEEP_DIVE = ["Durham", "Metropolitan Police", "South Wales", "West Midlands"]


def _with_extraction(cases: pd.DataFrame, options: synth.Options) -> pd.DataFrame:
    return cases.assign(
        extraction_date=pd.Timestamp(options.extraction_date),
        charged=cases["outcome_type"].eq(1),
    )


def test_settings_plant_the_default_effect():
    effect = effects.configured_effect()
    assert effect == effects.ProgrammeEffect("deep_dive", 0.08, 2, 0.5)
    assert effects.effect_start("Durham", effect) == pd.Timestamp("2022-01-01")
    assert effects.effect_start("Kent", effect) is None
    assert effects.effect_start("Durham", dataclasses.replace(effect, size=0.0)) is None


@pytest.mark.parametrize(
    "given",
    [
        {"phase": "launch"},
        {"size": 1.5},
        {"size": -0.1},
        {"lag_quarters": -1},
        {"size": "x"},
        {"round_rise": 2},
    ],
)
def test_bad_effect_settings_are_refused(given):
    with pytest.raises(ConfigError, match="programme_effect"):
        effects.configured_effect({"programme_effect": given})


@pytest.fixture(scope="module")
def planted_and_not() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deep-dive forces and Kent with the configured effect, and with none."""
    forces = [*DEEP_DIVE, "Kent"]
    on = synth.cases(forces=forces, scale=NATIONAL_SCALE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(effects, "configured_effect", lambda: effects.ProgrammeEffect(size=0.0))
        off = synth.cases(forces=forces, scale=NATIONAL_SCALE)
    return on, off


def test_plant_changes_only_early_arrests_after_the_start(planted_and_not):
    on, off = planted_and_not
    start = effects.effect_start("Durham", effects.configured_effect())
    pd.testing.assert_frame_equal(
        on.drop(columns=["arrest_date", "arrested"]), off.drop(columns=["arrest_date", "arrested"])
    )
    never = pd.Timestamp("1900-01-01")
    changed = on["arrest_date"].fillna(never).ne(off["arrest_date"].fillna(never))
    assert changed.sum() > 100
    moved = on[changed]
    assert off.loc[changed, "arrest_date"].isna().all()
    assert moved["suspect_ref"].notna().all()
    assert moved["force"].isin(DEEP_DIVE).all()
    assert (moved["recorded_date"] >= start).all()
    days = (moved["arrest_date"] - moved["recorded_date"]).dt.days
    assert days.between(0, effects.MAX_ARREST_DAYS).all()
    assert (moved["arrest_date"] <= moved["final_outcome_date"]).all()
    referred = moved[moved["cps_referral_date"].notna()]
    assert (referred["arrest_date"] <= referred["cps_referral_date"]).all()
    assert on["arrested"].eq(on["arrest_date"].notna()).all()


def test_planted_rise_in_the_arrest_share_is_the_set_size(planted_and_not):
    on, off = planted_and_not
    size = effects.configured_effect().size
    start = effects.effect_start("Durham", effects.configured_effect())
    late = (on["recorded_date"] >= start) & on["force"].isin(DEEP_DIVE)
    late &= on["recorded_date"] <= pd.Timestamp("2024-03-31")
    for subgroup in ("Rape", "Other sexual offences"):
        rows = late & on["offence_subgroup"].eq(subgroup)

        def soon(frame, rows=rows):
            lag = (frame.loc[rows, "arrest_date"] - frame.loc[rows, "recorded_date"]).dt.days
            return lag.le(90).mean()

        assert soon(on) - soon(off) == pytest.approx(size, abs=0.015)


def test_switching_the_effect_off_in_settings(tmp_path, monkeypatch):
    from soteria_research import paths

    text = paths.settings_file().read_text(encoding="utf-8").replace("size: 0.08", "size: 0")
    (tmp_path / "settings.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(tmp_path))
    assert effects.configured_effect().size == 0.0


def test_evaluation_finds_the_planted_effect_and_not_the_null(national, national_options):
    cases = _with_extraction(national, national_options)
    phases = reference.programme_phases()
    size = effects.configured_effect().size
    arrest = programme_evaluation(cases, phases, "arrest_share", cohorts=["2021Q3"])
    late = arrest.event[arrest.event["event_time"] >= 2]
    assert ((late["ci_low"] <= size) & (late["ci_high"] >= size)).all()
    assert (late["ci_low"] > 0).all()
    # Averaged over the eight quarters after joining, two of them before the effect.
    cohort = arrest.cohort.set_index("cohort").loc["2021Q3"]
    expected = size * (len(late) / (len(late) + 2))
    assert cohort["ci_low"] <= expected <= cohort["ci_high"]
    assert cohort["ci_low"] > 0
    control = programme_evaluation(cases, phases, "isva_share", cohorts=["2021Q3"]).simple
    assert control["ci_low"].iloc[0] <= 0 <= control["ci_high"].iloc[0]
    # Forces of the expansion carry no planted effect.
    expansion = programme_evaluation(cases, phases, "arrest_share", cohorts=["2022Q4"]).simple
    assert expansion["ci_low"].iloc[0] <= 0 <= expansion["ci_high"].iloc[0]
    assert np.isfinite(arrest.simple["se"].iloc[0])


def test_an_earlier_round_shows_members_improving(tmp_path):
    from soteria_research.ingest import read_assessment
    from soteria_research.measures.rounds import paired_change, round_change

    synth.generate(tmp_path, forces=["Durham", "Kent"], scale=0.02)
    rise = effects.configured_effect().round_rise
    frames = []
    for folder in ("durham", "kent"):
        files = sorted((tmp_path / folder).glob("self_assessment*.xlsx"))
        assert [f.name for f in files] == ["self_assessment.xlsx", effects.EARLIER_ROUND_FILE]
        frames += [read_assessment(f)[0] for f in files]
    table = pd.concat(frames, ignore_index=True)
    assert sorted(table["round"].unique()) == ["2022-1", "2023-1"]
    for force, low, high in (("Durham", rise - 0.2, rise + 0.05), ("Kent", -0.15, 0.15)):
        part = table[table["force"] == force]
        wide = part.pivot_table("self_rating", "question_id", "round", aggfunc="first")
        est = paired_change(wide["2022-1"].to_numpy(float), wide["2023-1"].to_numpy(float))
        assert low <= est["value"] <= high, force
    changes = round_change(table)
    assert (changes["from_round"] == "2022-1").all() and (changes["reason"] == "").all()
    by_force = changes.groupby("force")["value"].mean()
    assert by_force["Durham"] > by_force["Kent"] + 0.2


def test_earlier_round_stays_on_the_scale():
    answers = pd.DataFrame(
        {
            "Self rating": pd.array([1, 4, 4, None], dtype="Int64"),
            "Peer rating": pd.array([1, 1, 4, 2], dtype="Int64"),
        }
    )
    for seed in range(20):
        out = effects.earlier_round(answers, True, 1.0, (1, 4), np.random.default_rng(seed))
        for column in ("Self rating", "Peer rating"):
            assert out[column].dropna().between(1, 4).all()
        assert out["Self rating"].isna().tolist() == [False, False, False, True]
    assert answers["Self rating"].tolist()[:3] == [1, 4, 4]  # the input is not changed
