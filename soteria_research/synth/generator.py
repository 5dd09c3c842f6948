"""Record-level synthetic cases of one force: what its records system holds.

:func:`force_cases` draws every crime of one force from its plan (volumes, charge
multiplier) and returns the canonical fields the ingest stage should recover, plus the
eventual (uncensored) outcome of each crime. Everything is vectorised with one random
generator per force, derived from the seed and the force id.

Consistency holds by construction: the offence code fixes the victim's sex and age band
(19E: a girl under 13); outcomes 14 and 18 have no suspect; outcome 16 has a suspect and
a withdrawal date; a charge follows a referral to the CPS; every event follows
recording and precedes the outcome; and anything after the extraction date is unknown
(the outcome is pending, later dates are blank).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.synth import calibration, people, vocab
from soteria_research.synth.options import Options

# Eventual outcome -> (median days from recording, lognormal sigma).
_DELAY = {1: (410, 0.7), 2: (200, 0.7), 3: (200, 0.7), 4: (150, 0.8), 5: (300, 0.8),
          6: (150, 0.8), 7: (150, 0.8), 8: (150, 0.8), 9: (350, 0.6), 10: (250, 0.8),
          11: (200, 0.8), 12: (200, 0.8), 13: (250, 0.8), 14: (60, 1.0), 15: (330, 0.8),
          16: (150, 1.0), 17: (400, 0.5), 18: (90, 0.9), 20: (20, 1.0), 21: (250, 0.8),
          22: (150, 0.7)}  # fmt: skip
#: Share of charges made in custody within three days of recording.
_CUSTODY_CHARGE = 0.05
# Eventual outcome -> (P suspect named, P arrest/interview, P CPS referral, P withdrawal,
# P ISVA referral); types not listed take _PROCESS_DEFAULT.
_PROCESS = {1: (1, 0.92, 1, 0, 0.90), 9: (1, 0.8, 1, 0, 0.85), 14: (0, 0, 0, 0.4, 0.60),
            15: (1, 0.6, 0.35, 0, 0.80), 16: (1, 0.3, 0.04, 1, 0.66), 18: (0, 0, 0, 0, 0.62),
            20: (0.5, 0.1, 0, 0, 0.50)}  # fmt: skip
_PROCESS_DEFAULT = (1, 0.5, 0.2, 0.05, 0.70)
_ISVA_OTHER_FACTOR = 0.9
_DEVICE = {"Rape": 0.45, "Other sexual offences": 0.37}
_DEVICE_RETURNED = 0.85
_FEMALE_CODES = {"19C", "19D", "19E", "20A", "20B"}
_MALE_CODES = {"19F", "19G", "19H", "17A", "17B"}
# Age band of the victim by offence code: (low, high) uniform, or (floor, median excess).
_AGE_UNIFORM = {"19E": (4, 12), "19H": (4, 12), "17B": (4, 12), "20B": (4, 12), "21": (4, 12),
                "19D": (13, 15), "19G": (13, 15), "22B": (13, 15), "88A": (10, 15),
                "71": (10, 17)}  # fmt: skip
_AGE_SKEWED = {"19C": (16, 10), "19F": (16, 10), "17A": (13, 12), "20A": (13, 12)}
_AGE_OTHER = (10, 18)
_AGE_UNKNOWN = 0.02
_SEX_UNKNOWN = 0.004


def _lookup(table: dict, default: tuple, column: int, kinds: np.ndarray) -> np.ndarray:
    values = np.array([table.get(k, default)[column] for k in range(23)], dtype=float)
    return values[kinds]


def _draw_crimes(plan: pd.DataFrame, options: Options, rng: np.random.Generator) -> pd.DataFrame:
    parts = []
    for row in plan.itertuples(index=False):
        for subgroup, expected in (("Rape", row.expected_rapes),
                                   ("Other sexual offences", row.expected_other)):  # fmt: skip
            n = int(rng.poisson(expected))
            start = np.datetime64(f"{row.year}-04-01")
            length = int((np.datetime64(f"{row.year + 1}-04-01") - start).astype(int))
            mix = calibration.code_mix(subgroup)
            share = calibration.charge_share(options, subgroup, row.year, row.charge_multiplier)
            probs = calibration.outcome_probabilities(subgroup, share)
            parts.append(pd.DataFrame({
                "year": row.year,
                "offence_subgroup": subgroup,
                "recorded_date": start + rng.integers(0, length, n).astype("timedelta64[D]"),
                "offence_code": rng.choice(mix.index.to_numpy(), size=n, p=mix.to_numpy()),
                "final_outcome_type": rng.choice(probs.index.to_numpy(), size=n,
                                                 p=probs.to_numpy()),
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def _withdrawal_tilt(kinds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per-force spread of victim withdrawal: move some 16s to 15 or the reverse."""
    tilt = float(rng.normal(0, 0.15))
    flip = rng.random(len(kinds)) < abs(tilt) * 0.5
    if tilt > 0:
        return np.where(flip & (kinds == 15), 16, kinds)
    return np.where(flip & (kinds == 16), 15, kinds)


def _victims(codes: np.ndarray, rng: np.random.Generator, force: str) -> dict[str, np.ndarray]:
    n = len(codes)
    sex = np.where(np.isin(codes, list(_FEMALE_CODES)), "female",
                   np.where(np.isin(codes, list(_MALE_CODES)), "male",
                            np.where(rng.random(n) < 0.85, "female", "male"))).astype(object)  # fmt: skip
    sex[rng.random(n) < _SEX_UNKNOWN] = "unknown"
    floor, excess = np.full(n, _AGE_OTHER[0]), np.full(n, _AGE_OTHER[1])
    for code, (lo, med) in _AGE_SKEWED.items():
        floor[codes == code], excess[codes == code] = lo, med
    age = floor + np.round(excess * np.exp(rng.normal(0, 0.75, n)))
    child = np.zeros(n, dtype=bool)
    for code, (lo, hi) in _AGE_UNIFORM.items():
        hit = codes == code
        age[hit] = rng.integers(lo, hi + 1, hit.sum())
        child |= hit
    age = np.minimum(age, 95).astype(float)
    age[rng.random(n) < _AGE_UNKNOWN] = np.nan
    mix = vocab.METROPOLITAN_MIX.get(force, 0.0)
    probs = np.array([(1 - mix) * e.share + mix * e.share_london for e in vocab.ETHNICITIES])
    keys = np.array([e.key for e in vocab.ETHNICITIES], dtype=object)
    ethnicity = rng.choice(keys, size=n, p=probs / probs.sum())
    return {"victim_sex": sex, "victim_age": age, "ethnicity_detail": ethnicity, "child": child}


def _relationships(has_suspect: np.ndarray, child: np.ndarray, rng: np.random.Generator):
    keys = np.array([r.key for r in vocab.RELATIONSHIPS], dtype=object)
    out = np.empty(len(child), dtype=object)
    for mask, column in ((has_suspect & ~child, "adult"), (has_suspect & child, "child"),
                         (~has_suspect, "no_suspect")):  # fmt: skip
        probs = np.array([getattr(r, column) for r in vocab.RELATIONSHIPS], dtype=float)
        out[mask] = rng.choice(keys, size=int(mask.sum()), p=probs / probs.sum())
    return out


def _timeline(df: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Days after recording of each event; NaN where the event never happens."""
    n = len(df)
    kinds = df["final_outcome_type"].to_numpy()
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
    rape = df["offence_subgroup"].to_numpy() == "Rape"
    isva = rng.random(n) < p[4] * np.where(rape, 1.0, _ISVA_OTHER_FACTOR)
    seized = rng.random(n) < np.where(rape, _DEVICE["Rape"], _DEVICE["Other sexual offences"])
    seize_days = np.minimum(np.floor(np.exp(rng.normal(np.log(5), 1.0, n))), before_outcome)
    returned = seized & (rng.random(n) < _DEVICE_RETURNED)
    return_days = seize_days + np.maximum(3, np.round(np.exp(rng.normal(np.log(60), 0.8, n))))
    return {
        "outcome": delay, "suspect": suspect, "arrest": arrest, "cps": cps,
        "withdrawal": withdrawal, "isva": isva, "seized": np.where(seized, seize_days, np.nan),
        "returned": np.where(returned, return_days, np.nan),
    }  # fmt: skip


def _reported_committed(recorded: np.ndarray, child: np.ndarray, rng: np.random.Generator):
    n = len(recorded)
    report_lag = rng.choice([0, 1, 2, 3, 7, 14], size=n, p=[0.7, 0.2, 0.04, 0.03, 0.02, 0.01])
    non_recent = rng.random(n) < np.where(child, 0.35, 0.12)
    quick = rng.random(n) < 0.65
    lag = np.where(quick, np.floor(rng.exponential(2, n)), rng.integers(3, 366, n))
    lag = np.where(non_recent, rng.integers(365, 365 * 20, n), lag)
    reported = recorded - report_lag.astype("timedelta64[D]")
    return reported, reported - lag.astype("timedelta64[D]")


def _censor(recorded: np.ndarray, days: np.ndarray, extraction: np.datetime64) -> np.ndarray:
    """Dates of events known by the extraction date; NaT for later or absent events."""
    dates = recorded + np.where(np.isnan(days), 0, days).astype("timedelta64[D]")
    return np.where(np.isnan(days) | (dates > extraction), np.datetime64("NaT"), dates)


def force_cases(
    plan: pd.DataFrame, options: Options, pool_size: int, crime_ref_format: str, code: str
) -> pd.DataFrame:
    """All recorded rapes and other sexual offences of one force, as its system holds them.

    Parameters
    ----------
    plan : pandas.DataFrame
        The force's rows of :func:`~soteria_research.synth.calibration.force_plan`.
    options : Options
    pool_size : int
        Size of the force's regional pool of cross-force suspects.
    crime_ref_format : str
        Format of the crime reference, with fields ``code``, ``yy``, ``year`` and ``seq``.
    code : str
        Short force code used in references.

    Returns
    -------
    pandas.DataFrame
        One row per crime in recording order: the canonical fields as known at the
        extraction date, plus ``final_outcome_type`` and ``final_outcome_date`` (the
        eventual outcome), ``ethnicity_detail`` and ``relationship_key`` (source-level
        values the layouts write) and ``station`` (an index).
    """
    first = plan.iloc[0]
    rng = people.stream(options.seed, str(first["police_uk_id"]), "cases")
    extraction = np.datetime64(options.extraction_date)
    df = _draw_crimes(plan, options, rng)
    df = df[df["recorded_date"].to_numpy() <= extraction].reset_index(drop=True)
    df["final_outcome_type"] = _withdrawal_tilt(df["final_outcome_type"].to_numpy(), rng)
    order = np.lexsort((rng.random(len(df)), df["recorded_date"].to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    codes = df["offence_code"].to_numpy()
    victims = _victims(codes, rng, str(first["force"]))
    refs, source = people.victim_refs(codes, rng, code)
    recorded = df["recorded_date"].to_numpy().astype("datetime64[D]")
    times = _timeline(df, rng)
    reported, committed = _reported_committed(recorded, victims["child"], rng)
    final_date = recorded + times["outcome"].astype("timedelta64[D]")
    known = final_date <= extraction
    kinds = df["final_outcome_type"].to_numpy()
    alternate = (kinds == 1) & (rng.random(len(df)) < 0.1)
    seq = df.groupby("year").cumcount().to_numpy() + 1
    out = pd.DataFrame({
        "force": first["force"],
        "crime_ref": [crime_ref_format.format(code=code, yy=y % 100, year=y, seq=s)
                      for y, s in zip(df["year"].tolist(), seq.tolist(), strict=True)],
        "offence_code": codes,
        "offence_subgroup": df["offence_subgroup"].to_numpy(),
        "committed_date": committed,
        "reported_date": reported,
        "recorded_date": recorded,
        "financial_year": [f"{y}/{(y + 1) % 100:02d}" for y in df["year"].tolist()],
        "victim_ref": refs,
        "victim_sex": victims["victim_sex"][source],
        "victim_age": pd.array(victims["victim_age"][source], dtype="Int64"),
        "ethnicity_detail": victims["ethnicity_detail"][source],
        "suspect_ref": people.suspect_refs(times["suspect"], rng, int(first["force_index"]),
                                           int(first["region_index"]), pool_size),
        "relationship_key": _relationships(times["suspect"], victims["child"], rng),
        "arrest_date": _censor(recorded, times["arrest"], extraction),
        "cps_referral_date": _censor(recorded, times["cps"], extraction),
        "outcome_type": np.where(known, kinds, 0),
        "outcome_alternate": alternate & known,
        "outcome_date": np.where(known, final_date, np.datetime64("NaT")),
        "victim_withdrawal_date": _censor(recorded, times["withdrawal"], extraction),
        "isva_referred": times["isva"],
        "device_seized_date": _censor(recorded, times["seized"], extraction),
        "device_returned_date": _censor(recorded, times["returned"], extraction),
        "final_outcome_type": kinds,
        "final_outcome_date": final_date,
        "station": rng.integers(0, len(vocab.STATIONS), len(df)),
    })  # fmt: skip
    out["arrested"] = out["arrest_date"].notna()
    out["referred_to_cps"] = out["cps_referral_date"].notna()
    return _finish(out)


_GROUPS = {e.key: e.group for e in vocab.ETHNICITIES}
_CATEGORIES = {r.key: r.category for r in vocab.RELATIONSHIPS}


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    """Canonical categories beside the source-level keys, and tidy dtypes."""
    out["victim_ethnicity"] = out["ethnicity_detail"].map(_GROUPS)
    out["relationship"] = out["relationship_key"].map(_CATEGORIES)
    for column in ("outcome_type", "final_outcome_type"):
        out[column] = out[column].astype("Int64")
    for column in ("arrested", "referred_to_cps", "isva_referred", "outcome_alternate"):
        out[column] = out[column].astype("boolean")
    text = ["force", "crime_ref", "offence_code", "offence_subgroup", "financial_year",
            "victim_ref", "victim_sex", "ethnicity_detail", "suspect_ref", "relationship_key",
            "victim_ethnicity", "relationship"]  # fmt: skip
    out[text] = out[text].astype("string")
    return out
