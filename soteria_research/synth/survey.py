"""Synthetic survey waves: officers and victim-survivors, with planted truths.

Each force gets two waves of each instrument in ``config/surveys/`` (written to
``<force folder>/surveys/`` with the ``surveys.yaml`` that reads them). Answers come from a
one-factor model per scale: a respondent's latent level ``f`` (standard normal, shifted by
the planted change in the second wave), and each item ``round(centre + loading * f +
noise)`` kept within the scale (reverse-scored items mirrored). The pathfinder and
deep-dive forces improve between waves; the others do not change.

The planted truths (population scale means in each wave, their change and Cronbach's
alpha) are computed from a large sample of the same model and written to
``truth.json``; :func:`population` draws such samples for tests. Officers who answer both
waves keep their respondent id, so the officer waves link (paired change); victim-survivor
waves are independent samples. A few planted defects (out-of-range and unreadable answers,
a duplicate submission, a straight-liner, a response with no item answered, drop-off and
free text) exercise the ingest checks and are listed in ``truth.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.ingest.instrument import Instrument
from soteria_research.synth import people

FOLDER = "surveys"
CHANGE_PHASES = ("pathfinder", "deep_dive")
#: Planted change of the latent level (standard deviations) in the forces that improve.
CHANGE = {"officer": {"learning": 0.6, "support": 0.4}, "victim": {"informed": 0.6, "voice": 0.4}}
RETURNING = 0.7  # share of wave-1 officers who answer wave 2
STABILITY = 0.6  # correlation of an officer's latent level between waves
POPULATION = 40_000
FREE_TEXT = (
    "More time for case work would help.",
    "Training on digital evidence was useful.",
    "Updates came too rarely.",
    "Thank you for listening.",
)
SIZES = {"officer": (50, 110, 160, 230), "victim": (60, 130, 170, 240)}
GROUP_SHARES = {
    "role": (0.55, 0.2, 0.15, 0.1),
    "team": (0.5, 0.25, 0.15, 0.1),
    "length_of_service": (0.15, 0.3, 0.25, 0.3),
    "case_stage": (0.5, 0.35, 0.15),
}


@dataclass(frozen=True)
class Model:
    """One force's model for one instrument: per scale a centre, loadings and noise."""

    instrument: Instrument
    centre: dict[str, float]
    loading: dict[str, float]
    noise: dict[str, float]
    change: dict[str, float]


def model(instrument: Instrument, seed: int, police_id: str) -> Model:
    """The force's planted parameters (deterministic in seed, force and instrument)."""
    rng = people.stream(seed, police_id, f"survey-model-{instrument.id}")
    phase = reference.forces().set_index("police_uk_id")["soteria_phase"].get(police_id, "")
    improves = phase in CHANGE_PHASES
    centre = {s.id: float(rng.uniform(2.7, 3.4)) for s in instrument.scales}
    loading = {i: float(rng.uniform(0.6, 1.0)) for i in instrument.item_ids}
    noise = {i: float(rng.uniform(0.5, 0.8)) for i in instrument.item_ids}
    planted = CHANGE.get(instrument.id, {}) if improves else {}
    change = {s.id: float(planted.get(s.id, 0.0)) for s in instrument.scales}
    return Model(instrument, centre, loading, noise, change)


def answers(m: Model, latent: dict[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Item answers (whole numbers on the scale) for latent levels per scale."""
    ins = m.instrument
    low, high = ins.scale_min, ins.scale_max
    columns = {}
    for scale in ins.scales:
        f = latent[scale.id]
        for item in scale.items:
            y = m.centre[scale.id] + m.loading[item] * f + rng.normal(0, m.noise[item], len(f))
            if item in scale.reverse:
                y = low + high - y
            columns[item] = np.clip(np.rint(y), low, high).astype(int)
    return pd.DataFrame(columns)[[i for i in ins.item_ids if i in columns]]


def scale_scores(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Mean of each scale's items, reverse-scored items mirrored (complete answers)."""
    out = {}
    for scale in instrument.scales:
        out[scale.id] = _scored(frame, instrument, scale).mean(axis=1)
    return pd.DataFrame(out)


def _scored(frame: pd.DataFrame, instrument: Instrument, scale) -> np.ndarray:
    block = frame[list(scale.items)].to_numpy(float).copy()
    for j, item in enumerate(scale.items):
        if item in scale.reverse:
            block[:, j] = instrument.scale_min + instrument.scale_max - block[:, j]
    return block


def population(m: Model, wave: int, n: int = POPULATION, seed: int = 0) -> pd.DataFrame:
    """A large sample of the model's population in wave 1 or 2 (for the planted truths)."""
    # The same draws in both waves (common random numbers): a scale that does not change
    # has a planted change of exactly zero.
    rng = np.random.default_rng([seed, sum(m.instrument.id.encode())])
    shift = (lambda s: m.change[s]) if wave == 2 else (lambda s: 0.0)
    latent = {s.id: rng.standard_normal(n) + shift(s.id) for s in m.instrument.scales}
    return answers(m, latent, rng)


def _alpha(block: np.ndarray) -> float:
    k = block.shape[1]
    total = block.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - block.var(axis=0, ddof=1).sum() / total))


def truths(m: Model) -> dict:
    """Population scale means per wave, their change and alpha (wave 1)."""
    ins = m.instrument
    first, second = population(m, 1), population(m, 2)
    out = {}
    for scale in ins.scales:
        before = _scored(first, ins, scale)
        mean1, mean2 = before.mean(), _scored(second, ins, scale).mean()
        out[scale.id] = {
            "mean_wave1": round(float(mean1), 4),
            "mean_wave2": round(float(mean2), 4),
            "change": round(float(mean2 - mean1), 4),
            "latent_change_sd": m.change[scale.id],
            "alpha": round(_alpha(before), 4),
        }
    return out
