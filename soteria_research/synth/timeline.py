"""The timeline of a case: when each event happens, and what is known at extraction.

Every event is drawn as days after recording, scaled to the time the case takes to reach
its eventual outcome, so that order holds by construction: arrest and referral to the
CPS come before a charge, a victim's withdrawal before outcome 16, and every event after
recording. :func:`censor` hides what happens after the extraction date. Delays and
shares are plausible working values; the charge delay is calibrated to the published
median of about 400 days from recording to charge.
"""

from __future__ import annotations

import numpy as np

# Eventual outcome -> (median days from recording, lognormal sigma).
_DELAY = {
    1: (410, 0.7),
    2: (200, 0.7),
    3: (200, 0.7),
    4: (150, 0.8),
    5: (300, 0.8),
    6: (150, 0.8),
    7: (150, 0.8),
    8: (150, 0.8),
    9: (350, 0.6),
    10: (250, 0.8),
    11: (200, 0.8),
    12: (200, 0.8),
    13: (250, 0.8),
    14: (60, 1.0),
    15: (330, 0.8),
    16: (150, 1.0),
    17: (400, 0.5),
    18: (90, 0.9),
    20: (20, 1.0),
    21: (250, 0.8),
    22: (150, 0.7),
}
#: Share of charges made in custody within three days of recording.
_CUSTODY_CHARGE = 0.05
# Eventual outcome -> (P suspect named, P arrest/interview, P CPS referral, P withdrawal,
# P ISVA referral); types not listed take _PROCESS_DEFAULT.
_PROCESS = {
    1: (1, 0.92, 1, 0, 0.90),
    9: (1, 0.8, 1, 0, 0.85),
    14: (0, 0, 0, 0.4, 0.60),
    15: (1, 0.6, 0.35, 0, 0.80),
    16: (1, 0.3, 0.04, 1, 0.66),
    18: (0, 0, 0, 0, 0.62),
    20: (0.5, 0.1, 0, 0, 0.50),
}
_PROCESS_DEFAULT = (1, 0.5, 0.2, 0.05, 0.70)
_ISVA_OTHER_FACTOR = 0.9
_DEVICE = {"Rape": 0.45, "Other sexual offences": 0.37}
_DEVICE_RETURNED = 0.85


def _lookup(table: dict, default: tuple, column: int, kinds: np.ndarray) -> np.ndarray:
    values = np.array([table.get(k, default)[column] for k in range(23)], dtype=float)
    return values[kinds]


def event_days(
    kinds: np.ndarray, rape: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Days from recording to each event of each crime; NaN where it never happens.

    Parameters
    ----------
    kinds : numpy.ndarray of int
        Eventual outcome type of each crime.
    rape : numpy.ndarray of bool
        Whether each crime is a rape (other sexual offences otherwise).
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``outcome`` (days to the outcome, at least 1), ``suspect`` and ``isva`` (bool),
        and days to ``arrest``, ``cps`` (referral), ``withdrawal``, device ``seized`` and
        ``returned``; every event but the device return comes before the outcome.
    """
    n = len(kinds)
    med, sigma = _lookup(_DELAY, (200, 0.8), 0, kinds), _lookup(_DELAY, (200, 0.8), 1, kinds)
    delay = np.round(med * np.exp(sigma * rng.standard_normal(n)))
    custody = (kinds == 1) & (rng.random(n) < _CUSTODY_CHARGE)
    delay[custody] = rng.integers(1, 4, custody.sum())
    delay = np.clip(delay, 1, 5000)
    p = [_lookup(_PROCESS, _PROCESS_DEFAULT, i, kinds) for i in range(5)]
    suspect = rng.random(n) < p[0]
    before_outcome = delay - 1

    def event(prob: np.ndarray, a: float, b: float, needs_suspect: bool = True) -> np.ndarray:
        happens = (rng.random(n) < prob) & (suspect | (not needs_suspect))
        days = np.floor(before_outcome * rng.beta(a, b, n))
        return np.where(happens, days, np.nan)

    cps = event(p[2], 8, 1.5)
    arrest = event(p[1], 1.2, 8)
    arrest = np.where(np.isnan(arrest) | np.isnan(cps), arrest, np.minimum(arrest, cps))
    withdrawal = event(p[3], 2, 2.5, needs_suspect=False)
    isva = rng.random(n) < p[4] * np.where(rape, 1.0, _ISVA_OTHER_FACTOR)
    seized = rng.random(n) < np.where(rape, _DEVICE["Rape"], _DEVICE["Other sexual offences"])
    seize_days = np.minimum(np.floor(np.exp(rng.normal(np.log(5), 1.0, n))), before_outcome)
    returned = seized & (rng.random(n) < _DEVICE_RETURNED)
    return_days = seize_days + np.maximum(3, np.round(np.exp(rng.normal(np.log(60), 0.8, n))))
    return {
        "outcome": delay,
        "suspect": suspect,
        "arrest": arrest,
        "cps": cps,
        "withdrawal": withdrawal,
        "isva": isva,
        "seized": np.where(seized, seize_days, np.nan),
        "returned": np.where(returned, return_days, np.nan),
    }


def reported_and_committed(
    recorded: np.ndarray, child: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Report and offence dates before recording; non-recent offences more so for children."""
    n = len(recorded)
    report_lag = rng.choice([0, 1, 2, 3, 7, 14], size=n, p=[0.7, 0.2, 0.04, 0.03, 0.02, 0.01])
    non_recent = rng.random(n) < np.where(child, 0.35, 0.12)
    quick = rng.random(n) < 0.65
    lag = np.where(quick, np.floor(rng.exponential(2, n)), rng.integers(3, 366, n))
    lag = np.where(non_recent, rng.integers(365, 365 * 20, n), lag)
    reported = recorded - report_lag.astype("timedelta64[D]")
    return reported, reported - lag.astype("timedelta64[D]")


def censor(recorded: np.ndarray, days: np.ndarray, extraction: np.datetime64) -> np.ndarray:
    """Dates of events known by the extraction date; NaT for later or absent events."""
    dates = recorded + np.where(np.isnan(days), 0, days).astype("timedelta64[D]")
    return np.where(np.isnan(days) | (dates > extraction), np.datetime64("NaT"), dates)
