"""A known programme effect planted in the synthetic records: the evaluation's truth.

With the default settings the share of crimes with an arrest or interview soon after
recording rises by a set amount from two quarters after a deep-dive force joined
Operation Soteria, and nothing else changes: the control measure (victims referred to
an ISVA) and every other force keep their calibrated values. The evaluation
(:mod:`soteria_research.measures.evaluation`) should find the one and not the other.

The effect is applied to a force's generated records (:func:`plant`), after the rest of
the generator and with its own random stream, so switching it off (``size: 0`` in the
``synthetic.programme_effect`` settings) leaves every other value as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteria_research import settings
from soteria_research.errors import ConfigError
from soteria_research.reference.phases import PHASES, programme_phases
from soteria_research.synth import people
from soteria_research.synth.options import Options

logger = logging.getLogger(__name__)

#: Planted arrests happen this many days after recording at most, well inside any
#: evaluation follow-up, so the measured rise equals the planted size.
MAX_ARREST_DAYS = 28


@dataclass(frozen=True)
class ProgrammeEffect:
    """The planted effects: ``size`` added to the arrest share from ``lag_quarters`` after
    a force of ``phase`` joined (0 switches it off), and ``round_rise``, the mean rise in
    a programme member's assessment ratings since an earlier round (0: no earlier round)."""

    phase: str = "deep_dive"
    size: float = 0.0
    lag_quarters: int = 2
    round_rise: float = 0.0


def configured_effect(conf: dict | None = None) -> ProgrammeEffect:
    """The effect in ``synthetic.programme_effect`` of the settings (off when absent)."""
    conf = settings.section("synthetic") if conf is None else conf
    given = conf.get("programme_effect") or {}
    try:
        effect = ProgrammeEffect(
            str(given.get("phase", "deep_dive")),
            float(given.get("size", 0.0)),
            int(given.get("lag_quarters", 2)),
            float(given.get("round_rise", 0.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"settings.yaml synthetic.programme_effect: {exc}.") from exc
    if (
        effect.phase not in PHASES
        or not 0 <= effect.size < 1
        or effect.lag_quarters < 0
        or not 0 <= effect.round_rise <= 1
    ):
        raise ConfigError(
            "settings.yaml synthetic.programme_effect: phase must be one of "
            f"{', '.join(PHASES)}, size in [0, 1), lag_quarters 0 or more and round_rise "
            f"in [0, 1]; got {given}."
        )
    return effect


def effect_start(force: str, effect: ProgrammeEffect) -> pd.Timestamp | None:
    """First recording date the effect applies to for ``force`` (None: not planted)."""
    if effect.size == 0:
        return None
    rows = programme_phases()
    rows = rows[(rows["force"] == force) & (rows["phase"] == effect.phase)]
    if rows.empty:
        return None
    quarter = rows["start_date"].iloc[0].to_period("Q") + effect.lag_quarters
    return quarter.start_time


def _days(dates: pd.Series, recorded: np.ndarray) -> np.ndarray:
    """Days from recording to each date; NaN where the date is missing."""
    values = dates.to_numpy().astype("datetime64[D]")
    gap = (values - recorded).astype("timedelta64[D]")
    return np.where(np.isnat(values), np.nan, gap.astype("int64").astype(float))


def plant(
    frame: pd.DataFrame,
    options: Options,
    police_id: str,
    effect: ProgrammeEffect | None = None,
) -> pd.DataFrame:
    """Add early arrests to a force's records recorded after its effect starts.

    Among crimes with a named suspect and no arrest, a share is given an arrest within
    :data:`MAX_ARREST_DAYS` of recording (before the outcome and any CPS referral), so
    that the arrest share of each offence subgroup rises by ``effect.size`` in
    expectation. Returns a new frame; ``frame`` is unchanged. ``effect`` defaults to
    :func:`configured_effect`.
    """
    effect = configured_effect() if effect is None else effect
    start = effect_start(str(frame["force"].iloc[0]), effect) if len(frame) else None
    if start is None:
        return frame
    out = frame.copy()
    rng = people.stream(options.seed, police_id, "programme-effect")
    recorded = out["recorded_date"].to_numpy().astype("datetime64[D]")
    after = recorded >= np.datetime64(start.date())
    eligible = after & out["suspect_ref"].notna().to_numpy() & out["arrest_date"].isna().to_numpy()
    chance = np.zeros(len(out))
    for subgroup in out["offence_subgroup"].unique():
        rows = after & (out["offence_subgroup"] == subgroup).to_numpy()
        share = eligible[rows].mean() if rows.any() else 0.0
        if share < effect.size:
            logger.warning("Planted effect capped: too few crimes without an arrest to add.")
        chance[rows] = min(1.0, effect.size / share) if share > 0 else 0.0
    pick = eligible & (rng.random(len(out)) < chance)
    days = rng.integers(0, MAX_ARREST_DAYS + 1, len(out)).astype(float)
    days = np.fmin(days, np.fmax(_days(out["final_outcome_date"], recorded) - 1, 0))
    days = np.fmin(days, _days(out["cps_referral_date"], recorded))
    arrest = recorded + days.astype("timedelta64[D]")
    known = pick & (arrest <= np.datetime64(options.extraction_date, "D"))
    out.loc[known, "arrest_date"] = arrest[known]
    out["arrested"] = out["arrest_date"].notna().astype("boolean")
    logger.debug("Planted %d early arrest(s).", int(known.sum()))
    return out


#: File name of the synthetic earlier assessment round (read with ``self_assessment*.xlsx``).
EARLIER_ROUND_FILE = "self_assessment_earlier.xlsx"


def earlier_round(
    answers: pd.DataFrame,
    member: bool,
    rise: float,
    scale: tuple[int, int],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The force's answers one round earlier: lower by ``rise`` points on average for a
    programme member, the same on average for any other force.

    Each rated question of a member was one point lower with probability ``rise`` (so
    the expected paired change is ``rise``, a little less where the ends of the ``scale``
    (min, max) stop it); any force's question moved one point either way with
    probability 0.1.
    Returns a new frame with the workbook's column names.
    """
    out = answers.copy()
    n = len(out)
    drop = (rng.random(n) < rise) if member else np.zeros(n, dtype=bool)
    wobble = np.where(rng.random(n) < 0.1, rng.choice([-1, 1], n), 0)
    for column in ("Self rating", "Peer rating"):
        values = out[column].astype("Float64")
        moved = values - drop.astype(float) + wobble
        out[column] = moved.clip(scale[0], scale[1]).round().astype("Int64")
    return out
