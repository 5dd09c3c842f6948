"""Calibration: the per-force plan the generator draws from, and what it achieves.

:func:`force_plan` turns the real 2017/18 figures into expected volumes and charge-rate
multipliers for every force and year; :func:`outcome_probabilities` gives the eventual
outcome mix of a crime; :func:`achieved` sets each target beside the value a generated
data set reaches (``docs/calibration.md`` shows its output for the default data set).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.synth import targets
from soteria_research.synth.options import Options

#: Approximate share of crimes with an identified suspect (sizes the regional pools).
APPROX_SUSPECT_SHARE = 0.7
_RAPE_CODES = ("19C", "19D", "19E", "19F", "19G", "19H")


def force_plan(options: Options) -> pd.DataFrame:
    """Expected volumes and charge multipliers of every force in the national picture.

    Returns one row per force and financial year, for all 43 forces (and BTP when
    included), whatever subset is written, so that each force's draws never depend on
    which others are generated. Columns: force, police_uk_id, region, force_index,
    region_index, year, expected_rapes, expected_other, charge_multiplier.
    """
    forces = reference.forces(include_btp=options.include_btp)
    real = reference.calibration_2017_18().set_index("force")
    territorial = reference.force_names(include_btp=False)
    national_2017 = real.loc[territorial, "rapes_recorded"].sum()
    rate = targets.CHARGE_RATE_2017_18
    prior = targets.CHARGE_RATE_PRIOR_RAPES
    regions = sorted(reference.forces(include_btp=True)["region"].unique())
    rows = []
    for index, force in enumerate(reference.force_names(include_btp=True)):
        if force not in set(forces["name"]):
            continue
        info = forces.set_index("name").loc[force]
        recorded = real.loc[force, "rapes_recorded"]
        shrunk = (real.loc[force, "rapes_charged"] + prior * rate) / (recorded + prior)
        share = recorded / national_2017
        other_ratio = targets.OTHER_SEXUAL_2017_18[force] / recorded
        for year in options.year_list:
            rapes = options.national_rapes(year) * share * options.scale
            rows.append(
                {
                    "force": force,
                    "police_uk_id": info["police_uk_id"],
                    "region": info["region"],
                    "force_index": index,
                    "region_index": regions.index(info["region"]),
                    "year": year,
                    "expected_rapes": rapes,
                    "expected_other": rapes * other_ratio,
                    "charge_multiplier": shrunk / rate,
                }
            )
    return pd.DataFrame(rows)


def regional_pool_sizes(plan: pd.DataFrame) -> dict[str, int]:
    """Number of suspects in each region's pool of suspects active in several forces."""
    crimes = plan.groupby("region")[["expected_rapes", "expected_other"]].sum().sum(axis=1)
    draws = crimes * APPROX_SUSPECT_SHARE * targets.REGIONAL_SUSPECT_SHARE
    sizes = np.maximum(1, np.round(draws / targets.CRIMES_PER_REPEAT_SUSPECT)).astype(int)
    return dict(zip(crimes.index, sizes.tolist(), strict=True))


@lru_cache(maxsize=2)
def _base_mix(subgroup: str) -> pd.Series:
    """2017/18 shares of the assigned outcomes other than charge."""
    counts = targets.RAPE_OUTCOMES_2017_18 if subgroup == "Rape" else targets.OTHER_OUTCOMES_2017_18
    mix = pd.Series(counts, dtype=float).drop([reference.PENDING, reference.CHARGED])
    return mix / mix.sum()


def outcome_probabilities(subgroup: str, charge_share: float) -> pd.Series:
    """Eventual outcome mix of a crime: charge share given, the rest as in 2017/18.

    Parameters
    ----------
    subgroup : {"Rape", "Other sexual offences"}
    charge_share : float
        Share eventually charged (the year's national rate times the force's multiplier).

    Returns
    -------
    pandas.Series
        Probability by outcome type (index), summing to 1; no pending type.
    """
    charge = float(np.clip(charge_share, 0.0, 0.5))
    probs = _base_mix(subgroup) * (1 - charge)
    probs.loc[reference.CHARGED] = charge
    return probs.sort_index()


def charge_share(options: Options, subgroup: str, year: int, multiplier: float) -> float:
    """Eventual charge share of a subgroup in a year for a force with ``multiplier``."""
    share = options.charge_rate(year) * multiplier
    if subgroup != "Rape":
        other = targets.OTHER_OUTCOMES_2017_18
        share *= other[reference.CHARGED] / sum(other.values()) / targets.CHARGE_RATE_2017_18
    return share


def code_mix(subgroup: str) -> pd.Series:
    """Offence-code shares of a subgroup (2017/18), summing to 1."""
    return _code_mix(subgroup).copy()


@lru_cache(maxsize=2)
def _code_mix(subgroup: str) -> pd.Series:
    if subgroup == "Rape":
        table = reference.offences().set_index("code")["rape_share_2017_18"].dropna()
        mix = table.loc[list(_RAPE_CODES)].astype(float)
    else:
        mix = pd.Series(targets.OTHER_CODES_2017_18, dtype=float)
    return mix / mix.sum()


def _row(measure: str, target: float, achieved: float, source: str) -> dict:
    return {"measure": measure, "target": target, "achieved": achieved, "source": source}


def _fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def _volumes(cases: pd.DataFrame, plan: pd.DataFrame, options: Options) -> list[dict]:
    rape = cases[cases["offence_subgroup"] == "Rape"]
    complete = [y for y in options.year_list if dt.date(y + 1, 3, 31) <= options.extraction_date]
    source = "national volume x force share of 2017/18 (x scale)"
    rows = []
    for y in complete:
        expected = plan.loc[plan["year"] == y, "expected_rapes"].sum()
        rows.append(_row(f"Rapes recorded {_fy(y)}", expected,
                         float((rape["financial_year"] == _fy(y)).sum()), source))  # fmt: skip
    expected = plan[plan["year"].isin(complete)].groupby("force")["expected_rapes"].sum()
    got = rape[rape["financial_year"].isin([_fy(y) for y in complete])].groupby("force").size()
    ratio = got.reindex(expected.index, fill_value=0) / expected
    rows.append(_row("Per-force rapes / target, lowest force", 1.0, ratio.min(), source))
    rows.append(_row("Per-force rapes / target, highest force", 1.0, ratio.max(), source))
    other = plan["expected_other"].sum() / plan["expected_rapes"].sum()
    rows.append(_row("Other sexual offences per rape", other, (len(cases) - len(rape)) / len(rape),
                     "Home Office open data 2017/18"))  # fmt: skip
    return rows


def _mixes(rape: pd.DataFrame, plan: pd.DataFrame, options: Options) -> list[dict]:
    rows = []
    counts = rape["offence_code"].value_counts(normalize=True)
    for code, share in code_mix("Rape").items():
        rows.append(_row(f"Rape code {code} share", share, counts.get(code, 0.0),
                         "Home Office open data 2017/18"))  # fmt: skip
    final = rape["final_outcome_type"].value_counts(normalize=True)
    rate = plan["year"].map(options.charge_rate) * plan["charge_multiplier"]
    mix = outcome_probabilities("Rape", np.average(rate, weights=plan["expected_rapes"]))
    for kind in (1, 14, 15, 16, 18, 20):
        rows.append(_row(f"Rape eventual outcome {kind} share", mix[kind], final.get(kind, 0.0),
                         "2017/18 cohort, assigned outcomes; charge from settings"))  # fmt: skip
    for y in options.year_list:
        cohort = rape[rape["financial_year"] == _fy(y)]
        for kind, name in ((0, "pending"), (1, "charged")):
            rows.append(_row(f"Rape cohort {_fy(y)} at extraction: {name} share", np.nan,
                             float((cohort["outcome_type"] == kind).mean()),
                             "right-censoring at the extraction date"))  # fmt: skip
    return rows


def _spread(rape: pd.DataFrame) -> list[dict]:
    real = reference.calibration_2017_18().set_index("force")["charge_rate_pct"] / 100
    real = real.loc[reference.force_names(include_btp=False)]
    per_force = rape.groupby("force")["final_outcome_type"].apply(lambda s: (s == 1).mean())
    national = (rape["final_outcome_type"] == 1).mean()
    return [
        _row(f"Per-force rape charge rate / national, {int(q * 100)}th centile",
             real.quantile(q) / targets.CHARGE_RATE_2017_18, per_force.quantile(q) / national,
             "Home Office open data 2017/18, per force")
        for q in (0.25, 0.5, 0.75)
    ]  # fmt: skip


def _process(cases: pd.DataFrame) -> list[dict]:
    rape = cases[cases["offence_subgroup"] == "Rape"]
    charged = rape[rape["final_outcome_type"] == 1]
    days = (charged["final_outcome_date"] - charged["recorded_date"]).dt.days
    back = (cases["device_returned_date"] - cases["device_seized_date"]).dt.days.dropna()
    working = "working value (no published figure)"
    return [
        _row("Median days recording to charge (rape)", 400.0, float(days.median()),
             "Home Office: 381-467 days, 2018/19-2022/23"),
        _row("Repeat-suspect share of crimes with a suspect", targets.REPEAT_SUSPECT_SHARE,
             repeat_suspect_share(cases), working),
        _row("ISVA referral share", targets.ISVA_REFERRAL_SHARE,
             float(cases["isva_referred"].mean()), working),
        _row("Device seized share", targets.DEVICE_SEIZED_SHARE,
             float(cases["device_seized_date"].notna().mean()), working),
        _row("Median days device seized to returned", targets.DEVICE_RETURN_MEDIAN_DAYS,
             float(back.median()), working),
    ]  # fmt: skip


def achieved(cases: pd.DataFrame, options: Options) -> pd.DataFrame:
    """Each calibration target beside the value ``cases`` reaches.

    Parameters
    ----------
    cases : pandas.DataFrame
        Records from :func:`soteria_research.synth.cases` (eventual outcomes included).
    options : Options
        The parameters they were generated with.

    Returns
    -------
    pandas.DataFrame
        Columns measure, target (NaN where the row only describes the data), achieved,
        source.
    """
    plan = force_plan(options)
    plan = plan[plan["force"].isin(cases["force"].unique())]
    rape = cases[cases["offence_subgroup"] == "Rape"]
    rows = _volumes(cases, plan, options) + _mixes(rape, plan, options) + _spread(rape)
    return pd.DataFrame(rows + _process(cases))


def markdown(table: pd.DataFrame) -> str:
    """The :func:`achieved` table as Markdown (shares to 3 places, counts as integers)."""

    def cell(value: float, measure: str) -> str:
        if pd.isna(value):
            return "-"
        if "share" in measure or " / " in measure or "per rape" in measure:
            return f"{value:.3f}"
        return f"{value:,.0f}"

    lines = ["| measure | target | achieved | source |", "|---|---:|---:|---|"]
    for row in table.itertuples(index=False):
        lines.append(f"| {row.measure} | {cell(row.target, row.measure)} | "
                     f"{cell(row.achieved, row.measure)} | {row.source} |")  # fmt: skip
    return "\n".join(lines)


def repeat_suspect_share(cases: pd.DataFrame) -> float:
    """Share of crimes with an identified suspect whose suspect is named in another crime."""
    refs = cases["suspect_ref"].dropna()
    return float(refs.duplicated(keep=False).mean()) if len(refs) else float("nan")
