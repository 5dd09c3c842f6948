"""Record-level synthetic cases of one force: what its records system holds.

:func:`force_cases` draws every crime of one force from its plan (volumes, charge
multiplier) and returns the canonical fields the ingest stage should recover, plus the
eventual (uncensored) outcome of each crime. Everything is vectorised with one random
generator per force, derived from the seed and the force id.

The offence code fixes the victim's sex and age band (19E: a girl under 13); the
eventual outcome fixes whether a suspect is named and the case's timeline
(:mod:`~soteria_research.synth.timeline`); anything after the extraction date is unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.synth import calibration, people, timeline, vocab
from soteria_research.synth.options import Options

_FEMALE_CODES = {"19C", "19D", "19E", "20A", "20B"}
_MALE_CODES = {"19F", "19G", "19H", "17A", "17B"}
# Age band of the victim by offence code: (low, high) uniform, or (floor, median excess).
_AGE_UNIFORM = {
    "19E": (4, 12),
    "19H": (4, 12),
    "17B": (4, 12),
    "20B": (4, 12),
    "21": (4, 12),
    "19D": (13, 15),
    "19G": (13, 15),
    "22B": (13, 15),
    "88A": (10, 15),
    "71": (10, 17),
}
_AGE_SKEWED = {"19C": (16, 10), "19F": (16, 10), "17A": (13, 12), "20A": (13, 12)}
_AGE_OTHER = (10, 18)
_AGE_UNKNOWN = 0.02
_SEX_UNKNOWN = 0.004


def _draw_crimes(plan: pd.DataFrame, options: Options, rng: np.random.Generator) -> pd.DataFrame:
    parts = []
    for row in plan.itertuples(index=False):
        for subgroup, expected in (
            ("Rape", row.expected_rapes),
            ("Other sexual offences", row.expected_other),
        ):
            n = int(rng.poisson(expected))
            start = np.datetime64(f"{row.year}-04-01")
            length = int((np.datetime64(f"{row.year + 1}-04-01") - start).astype(int))
            mix = calibration.code_mix(subgroup)
            share = calibration.charge_share(options, subgroup, row.year, row.charge_multiplier)
            probs = calibration.outcome_probabilities(subgroup, share)
            parts.append(
                pd.DataFrame(
                    {
                        "year": row.year,
                        "offence_subgroup": subgroup,
                        "recorded_date": start
                        + rng.integers(0, length, n).astype("timedelta64[D]"),
                        "offence_code": rng.choice(mix.index.to_numpy(), size=n, p=mix.to_numpy()),
                        "final_outcome_type": rng.choice(
                            probs.index.to_numpy(), size=n, p=probs.to_numpy()
                        ),
                    }
                )
            )
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
    sex = np.where(
        np.isin(codes, list(_FEMALE_CODES)),
        "female",
        np.where(
            np.isin(codes, list(_MALE_CODES)),
            "male",
            np.where(rng.random(n) < 0.85, "female", "male"),
        ),
    ).astype(object)
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
    for mask, column in (
        (has_suspect & ~child, "adult"),
        (has_suspect & child, "child"),
        (~has_suspect, "no_suspect"),
    ):
        probs = np.array([getattr(r, column) for r in vocab.RELATIONSHIPS], dtype=float)
        out[mask] = rng.choice(keys, size=int(mask.sum()), p=probs / probs.sum())
    return out


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
    times = timeline.event_days(
        df["final_outcome_type"].to_numpy(), df["offence_subgroup"].to_numpy() == "Rape", rng
    )
    reported, committed = timeline.reported_and_committed(recorded, victims["child"], rng)
    final_date = recorded + times["outcome"].astype("timedelta64[D]")
    known = final_date <= extraction
    kinds = df["final_outcome_type"].to_numpy()
    alternate = (kinds == 1) & (rng.random(len(df)) < 0.1)
    seq = df.groupby("year").cumcount().to_numpy() + 1
    out = pd.DataFrame(
        {
            "force": first["force"],
            "crime_ref": [
                crime_ref_format.format(code=code, yy=y % 100, year=y, seq=s)
                for y, s in zip(df["year"].tolist(), seq.tolist(), strict=True)
            ],
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
            "suspect_ref": people.suspect_refs(
                times["suspect"],
                rng,
                int(first["force_index"]),
                int(first["region_index"]),
                pool_size,
            ),
            "relationship_key": _relationships(times["suspect"], victims["child"], rng),
            "arrest_date": timeline.censor(recorded, times["arrest"], extraction),
            "cps_referral_date": timeline.censor(recorded, times["cps"], extraction),
            "outcome_type": np.where(known, kinds, 0),
            "outcome_alternate": alternate & known,
            "outcome_date": np.where(known, final_date, np.datetime64("NaT")),
            "victim_withdrawal_date": timeline.censor(recorded, times["withdrawal"], extraction),
            "isva_referred": times["isva"],
            "device_seized_date": timeline.censor(recorded, times["seized"], extraction),
            "device_returned_date": timeline.censor(recorded, times["returned"], extraction),
            "final_outcome_type": kinds,
            "final_outcome_date": final_date,
            "station": rng.integers(0, len(vocab.STATIONS), len(df)),
        }
    )
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
    text = [
        "force",
        "crime_ref",
        "offence_code",
        "offence_subgroup",
        "financial_year",
        "victim_ref",
        "victim_sex",
        "ethnicity_detail",
        "suspect_ref",
        "relationship_key",
        "victim_ethnicity",
        "relationship",
    ]
    out[text] = out[text].astype("string")
    return out
