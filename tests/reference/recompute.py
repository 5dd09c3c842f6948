"""Every published figure recomputed from the canonical cases, independently of the package.

Only pandas, numpy, scipy and statsmodels: nothing here imports ``soteria_research``'s
measures or sections. Definitions are taken from the published documentation (the
measures' definitions in the reports and the evidence base's data dictionary,
``docs/comparisons.md``) and from the textbooks they cite:

* proportions: Wilson score interval (statsmodels ``proportion_confint``);
* charged within 365 days: Aalen-Johansen cumulative incidence with other outcomes
  competing and pending crimes censored at the extraction date (statsmodels
  ``CumIncidenceRight``), log(-log) interval, exact binomial where the estimate is 0 or 1;
* medians: the order-statistic interval ``(x_(k), x_(n-k+1))``, largest ``k`` with
  ``P(B <= k-1) <= alpha/2``, B ~ Binomial(n, 1/2) (Conover; Altman et al.);
* means of ratings: t-interval over questions, clipped to the rating scale;
* self against peer: paired mean difference (t-interval) and quadratic-weighted kappa
  (statsmodels ``cohens_kappa``, asymptotic standard error);
* funnels: Spiegelhalter (2005) interpolated binomial limits, winsorised ``phi`` and the
  additive random-effects ``tau2`` (Spiegelhalter 2005, Qual Saf Health Care 14:347).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import CumIncidenceRight
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

CONF = 0.95
LEVELS = (0.95, 0.998)

SHARE_TYPES = {
    "charge_rate": (1,),
    "outcome_16_share": (16,),
    "victim_does_not_support_share": (14, 16),
    "no_suspect_share": (14, 18),
    "pending_share": (0,),
}
#: Key fields of the completeness measure: field -> where it is expected.
KEY_FIELDS = {
    "committed_date": None,
    "reported_date": None,
    "victim_age": None,
    "victim_sex": None,
    "victim_ethnicity": None,
    "relationship": None,
    "isva_referred": None,
    "arrested": "suspect",
    "arrest_date": "arrested",
    "outcome_date": "outcome",
}
#: Outcome type -> competing cause of the cumulative incidence (others: 5).
CAUSE = {1: 1, 14: 2, 16: 2, 15: 3, 18: 4}


# -- periods -------------------------------------------------------------------------------
def latest_year(cases: pd.DataFrame) -> str:
    """The latest financial year that ended (31 March) by the extraction date."""
    extracted = pd.Timestamp(cases["extraction_date"].max())
    years = sorted(set(cases["financial_year"].dropna().astype(str)))
    done = [y for y in years if pd.Timestamp(int(y[:4]) + 1, 3, 31) <= extracted]
    return done[-1]


def year_bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(int(label[:4]), 4, 1)
    return start, pd.Timestamp(int(label[:4]) + 1, 3, 31)


def cohort(cases: pd.DataFrame, year: str) -> pd.DataFrame:
    return cases[cases["financial_year"].astype(str).eq(year).fillna(False)]


def ended_in(cases: pd.DataFrame, column: str, year: str) -> pd.DataFrame:
    start, end = year_bounds(year)
    inside = cases[column].ge(start) & cases[column].le(end)
    return cases[inside.fillna(False).astype(bool)]


# -- estimators ----------------------------------------------------------------------------
def proportion(k: float, n: float) -> dict[str, float]:
    if not n:
        return {"numerator": k, "denominator": n, "value": np.nan, "ci_low": np.nan,
                "ci_high": np.nan}  # fmt: skip
    low, high = proportion_confint(k, n, 1 - CONF, method="wilson")
    return {"numerator": k, "denominator": n, "complement": n - k, "value": k / n,
            "ci_low": low, "ci_high": high}  # fmt: skip


def median_with_interval(values: pd.Series) -> dict[str, float]:
    x = np.sort(values.dropna().to_numpy(dtype=float))
    n = len(x)
    out = {"denominator": n, "value": np.median(x) if n else np.nan, "ci_low": np.nan,
           "ci_high": np.nan}  # fmt: skip
    k = 0
    while k < n and stats.binom.cdf(k, n, 0.5) <= (1 - CONF) / 2:
        k += 1  # P(B <= k-1) <= alpha/2 holds for this k
    if k:
        out.update(ci_low=x[k - 1], ci_high=x[n - k])
    return out


def mean_with_interval(values: pd.Series, low: float, high: float) -> dict[str, float]:
    x = values.dropna().to_numpy(dtype=float)
    out = {"value": x.mean() if len(x) else np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if len(x) >= 2:
        half = stats.t.ppf(1 - (1 - CONF) / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        out.update(ci_low=max(x.mean() - half, low), ci_high=min(x.mean() + half, high))
    return out


def charge_within(rows: pd.DataFrame, horizon: int = 365) -> dict[str, float]:
    """Aalen-Johansen cumulative incidence of charge at ``horizon`` days since recording."""
    types = rows["outcome_type"].astype("Float64")
    pending = types.eq(0).fillna(True).to_numpy(dtype=bool)
    end = rows["outcome_date"].where(~pending, rows["extraction_date"])
    days = (end - rows["recorded_date"]).dt.days.astype(float).to_numpy()
    cause = np.array(
        [0 if p else CAUSE.get(int(t), 5) for p, t in zip(pending, types.fillna(0), strict=True)]
    )
    usable = ~np.isnan(days)
    days, cause = np.clip(days[usable], 0, None), cause[usable]
    n = len(days)
    charged = int(((cause == 1) & (days <= horizon)).sum())
    out = {"numerator": charged, "denominator": n, "complement": n - charged, "funnel_n": np.nan}
    if not n or horizon > days.max():  # no estimate beyond the longest follow-up
        return {**out, "value": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if charged == 0:
        low, high = proportion_confint(0, n, 1 - CONF, method="beta")
        return {**out, "value": 0.0, "se": 0.0, "ci_low": low, "ci_high": high}
    fit = CumIncidenceRight(days, cause)
    times, curve, se = fit.times, fit.cinc[0], fit.cinc_se[0]
    before = times <= horizon
    value, err = float(curve[before][-1]), float(se[before][-1])
    z = stats.norm.ppf(1 - (1 - CONF) / 2)
    w = z * err / (value * np.log(value))
    return {
        **out,
        "value": value,
        "se": err,
        "ci_low": value ** np.exp(-w),
        "ci_high": value ** np.exp(w),
        "funnel_n": value * (1 - value) / err**2,
    }


# -- the case measures of one force (or of several pooled) ---------------------------------
def case_measures(cases: pd.DataFrame, links: pd.DataFrame, year: str) -> dict[str, dict]:
    """Measure -> figures, for the crimes of ``cases`` (one force, or several pooled)."""
    rows = cohort(cases, year)
    n = len(rows)
    out: dict[str, dict] = {"recorded_crimes": {"numerator": n, "value": float(n)}}
    types = rows["outcome_type"].astype("Float64")
    for name, wanted in SHARE_TYPES.items():
        out[name] = proportion(int(types.isin(wanted).fillna(False).sum()), n)
    out["charge_cif_365"] = charge_within(rows)
    done = ended_in(cases, "outcome_date", year)
    done = done[done["outcome_type"].ne(0).fillna(False)]
    out["charge_share_activity"] = proportion(int(done["outcome_type"].eq(1).sum()), len(done))
    suspect = rows[rows["suspect_id"].notna()]
    flagged = suspect[suspect["arrested"].notna()]
    out["arrest_share"] = proportion(int(flagged["arrested"].astype(bool).sum()), len(flagged))
    charged = done[done["outcome_type"].eq(1) & done["recorded_date"].notna()]
    days = (charged["outcome_date"] - charged["recorded_date"]).dt.days
    out["median_days_to_charge"] = median_with_interval(days[days >= 0])
    out["repeat_suspect_share"] = repeat_share(suspect, links)
    out["victim_withdrawal_share"] = proportion(
        int(rows["victim_withdrawal_date"].notna().sum()), n
    )
    isva = rows[rows["isva_referred"].notna()]
    out["isva_share"] = proportion(int(isva["isva_referred"].astype(bool).sum()), len(isva))
    returned = ended_in(cases, "device_returned_date", year)
    returned = returned[returned["device_seized_date"].notna()]
    turnaround = (returned["device_returned_date"] - returned["device_seized_date"]).dt.days
    out["median_device_turnaround_days"] = median_with_interval(turnaround[turnaround >= 0])
    out["data_completeness"] = completeness(rows)
    return out


def repeat_share(suspect: pd.DataFrame, links: pd.DataFrame) -> dict:
    """Crimes whose suspect is on another crime of the same force (in ``links``)."""
    table = pd.concat([links, suspect]).drop_duplicates("crime_id")
    table = table[table["suspect_id"].notna()]
    per = table.groupby(["force", "suspect_id"]).size()
    keys = pd.MultiIndex.from_arrays([suspect["force"], suspect["suspect_id"]])
    repeat = per.reindex(keys).to_numpy() > 1
    return proportion(int(repeat.sum()), len(suspect))


def completeness(rows: pd.DataFrame) -> dict:
    present = expected = 0
    for field, condition in KEY_FIELDS.items():
        if condition is None:
            where = pd.Series(True, index=rows.index)
        elif condition == "suspect":
            where = rows["suspect_id"].notna()
        elif condition == "arrested":
            where = rows["arrested"].fillna(False).astype(bool)
        else:
            where = rows["outcome_type"].ne(0).fillna(False).astype(bool)
        values = rows.loc[where, field]
        ok = values.notna()
        if pd.api.types.is_string_dtype(values.dtype):
            ok &= values.astype("string").str.lower().ne("unknown").fillna(False)
        present += int(ok.sum())
        expected += int(where.sum())
    return proportion(present, expected)


# -- pooled comparator and funnels ---------------------------------------------------------
RATIO_POOLED = (
    "charge_rate",
    "charge_share_activity",
    "no_suspect_share",
    "pending_share",
    "outcome_16_share",
    "victim_does_not_support_share",
    "arrest_share",
    "repeat_suspect_share",
    "victim_withdrawal_share",
    "isva_share",
    "data_completeness",
)


def pooled(
    forces: dict[str, pd.DataFrame], links: dict[str, pd.DataFrame], year: str
) -> dict[str, dict]:
    """Every force pooled: ratios of summed counts, the estimator on the pooled crimes for
    the censoring-aware measure and the medians; ``phi`` and ``tau2`` of the forces around
    it for every proportion."""
    own = {f: case_measures(c, links[f], year) for f, c in forces.items()}
    every = pd.concat(forces.values(), ignore_index=True)
    every_links = pd.concat(links.values(), ignore_index=True)
    whole = case_measures(every, every_links, year)
    out = {}
    for measure, figures in whole.items():
        if measure in RATIO_POOLED:
            num = sum(own[f][measure]["numerator"] for f in own)
            den = sum(own[f][measure]["denominator"] for f in own)
            row = {"numerator": num, "denominator": den, "value": num / den}
        else:
            row = dict(figures)
        if measure in RATIO_POOLED or measure == "charge_cif_365":
            size = {f: own[f][measure].get("funnel_n", own[f][measure]["denominator"]) for f in own}
            if measure == "charge_cif_365":
                row["numerator"] = sum(own[f][measure]["numerator"] for f in own)
                row["denominator"] = sum(own[f][measure]["denominator"] for f in own)
            usable = {f: s for f, s in size.items() if pd.notna(s) and s > 0}
            value = np.array([own[f][measure]["value"] for f in usable])
            row.update(overdispersion(value, np.array(list(usable.values())), row["value"]))
        out[measure] = row
    return out


def overdispersion(value: np.ndarray, n: np.ndarray, target: float) -> dict[str, float]:
    """Spiegelhalter's winsorised phi and the additive random-effects tau2."""
    if not 0 < target < 1 or len(n) < 2:
        return {"phi": np.nan, "tau2": np.nan}
    s = np.sqrt(target * (1 - target) / n)
    z = pd.Series((value - target) / s)
    zw = z.clip(z.quantile(0.1), z.quantile(0.9))
    phi = float((zw**2).mean())
    w = 1 / s**2
    units = len(n)
    tau2 = 0.0
    if units * phi > units - 1:
        tau2 = (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum())
    return {"phi": phi, "tau2": float(tau2)}


def _binomial_limit(q: float, n: float, p: float) -> float:
    r = stats.binom.ppf(q, n, p)
    above, below = stats.binom.cdf(r, n, p), stats.binom.cdf(r - 1, n, p)
    return (r - (above - q) / (above - below)) / n


def position(value: float, n: float, target: float, tau2: float) -> str:
    """Where a force sits on the funnel of ``target`` (Spiegelhalter 2005)."""
    place = "within"
    for level in sorted(LEVELS):
        tail = (1 - level) / 2
        if tau2 > 0:
            half = stats.norm.ppf(1 - tail) * np.sqrt(target * (1 - target) / n + tau2)
            low, high = target - half, target + half
        else:
            low, high = _binomial_limit(tail, n, target), _binomial_limit(1 - tail, n, target)
        name = f"{level * 100:g}".replace(".", "")
        if value > min(high, 1):
            place = f"above{name}"
        elif value < max(low, 0):
            place = f"below{name}"
    return place


# -- self-assessment -----------------------------------------------------------------------
def _round_key(label: str) -> tuple:
    return tuple(int(part) for part in re.findall(r"\d+", str(label)))


def latest_round(assessment: pd.DataFrame) -> pd.DataFrame:
    last = max(assessment["round"].astype(str).unique(), key=_round_key)
    return assessment[assessment["round"].astype(str) == last]


def maturity(assessment: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(measure, pillar) -> mean rating of the latest round with its clipped t-interval."""
    rows = latest_round(assessment)
    out = {}
    for pillar, part in rows.groupby("pillar"):
        low, high = float(part["scale_min"].min()), float(part["scale_max"].max())
        for rater in ("self", "peer"):
            ratings = part[f"{rater}_rating"].astype("Float64").astype(float)
            out[(f"{rater}_maturity", str(pillar))] = mean_with_interval(ratings, low, high)
    return out


def self_peer(assessment: pd.DataFrame) -> dict[str, float]:
    """Paired self-minus-peer gap and quadratic-weighted kappa of the latest round."""
    rows = latest_round(assessment)
    both = rows.dropna(subset=["self_rating", "peer_rating"])
    diff = both["self_rating"].astype(float) - both["peer_rating"].astype(float)
    gap = mean_with_interval(diff, -np.inf, np.inf)
    low, high = int(rows["scale_min"].min()), int(rows["scale_max"].max())
    levels = range(low, high + 1)
    table = pd.crosstab(
        pd.Categorical(both["self_rating"].astype(int), levels),
        pd.Categorical(both["peer_rating"].astype(int), levels),
        dropna=False,
    ).to_numpy()
    kappa = cohens_kappa(table, wt="quadratic")
    z = stats.norm.ppf(1 - (1 - CONF) / 2)
    return {
        "gap": gap["value"],
        "gap_low": gap["ci_low"],
        "gap_high": gap["ci_high"],
        "kappa": kappa["kappa"],
        "kappa_low": kappa["kappa"] - z * kappa["std_kappa"],
        "kappa_high": kappa["kappa"] + z * kappa["std_kappa"],
        "questions": float(len(both)),
    }


# -- the force report's tables -------------------------------------------------------------
def cohort_counts(cases: pd.DataFrame, year: str) -> dict[str, float]:
    """The outcomes table's cohort column: crimes recorded in ``year`` by outcome group,
    with the charges seen within 90, 180 and 365 days of recording."""
    rows = cohort(cases, year)
    out = {"recorded": float(len(rows))}
    out.update(rows["outcome_group"].astype(str).value_counts().astype(float).to_dict())
    charged = rows[rows["outcome_type"].eq(1).fillna(False)]
    days = (charged["outcome_date"] - charged["recorded_date"]).dt.days.clip(lower=0)
    for horizon in (90, 180, 365):
        out[f"charged within {horizon} days"] = float((days <= horizon).sum())
    return out


def activity_counts(cases: pd.DataFrame, year: str) -> dict[str, float]:
    """The outcomes table's activity column: outcomes assigned in ``year`` by group."""
    done = ended_in(cases, "outcome_date", year)
    done = done[done["outcome_type"].ne(0).fillna(False)]
    out = done["outcome_group"].astype(str).value_counts().astype(float).to_dict()
    out["Total"] = float(len(done))
    return out


def attrition(cases: pd.DataFrame, year: str) -> dict[str, dict]:
    """Crimes reaching each stage: a stage is reached when it or any later one shows."""
    rows = cohort(cases, year)
    shown = np.column_stack(
        [
            np.ones(len(rows), dtype=bool),
            rows["suspect_id"].notna().to_numpy(),
            rows["arrested"].fillna(False).astype(bool).to_numpy(),
            rows["referred_to_cps"].fillna(False).astype(bool).to_numpy(),
            rows["outcome_type"].eq(1).fillna(False).to_numpy(dtype=bool),
        ]
    )
    furthest = np.where(shown, np.arange(5), 0).max(axis=1)
    labels = [
        "Recorded",
        "Suspect identified",
        "Arrested or interviewed",
        "Referred to the CPS",
        "Charged or summonsed",
    ]
    out = {}
    for i, label in enumerate(labels):
        reached = int((furthest >= i).sum())
        out[label] = proportion(reached, len(rows))
        if i:
            out[f"{labels[i - 1]} not {label}"] = {"numerator": int((furthest == i - 1).sum())}
    return out


def days_between(cases: pd.DataFrame, year: str) -> dict[str, dict]:
    """Medians of the timeliness table (outcomes or withdrawals dated in ``year``)."""
    out = {}
    for name, end, types in (
        ("recording to charge", "outcome_date", (1,)),
        ("recording to any outcome", "outcome_date", None),
        ("recording to victim withdrawal", "victim_withdrawal_date", None),
    ):
        rows = ended_in(cases, end, year)
        rows = rows[rows["recorded_date"].notna()]
        if types is not None:
            rows = rows[rows["outcome_type"].isin(types).fillna(False)]
        elif end == "outcome_date":
            rows = rows[rows["outcome_type"].ne(0).fillna(False)]
        days = (rows[end] - rows["recorded_date"]).dt.days
        out[name] = median_with_interval(days[days >= 0])
    years = sorted(set(cases["financial_year"].dropna().astype(str)))
    if len(years) > 1:  # the fallback row: charges dated in any year of the extract
        start, end = year_bounds(years[0])[0], year_bounds(years[-1])[1]
        inside = cases["outcome_date"].ge(start) & cases["outcome_date"].le(end)
        rows = cases[inside.fillna(False).astype(bool) & cases["outcome_type"].eq(1).fillna(False)]
        rows = rows[rows["recorded_date"].notna()]
        days = (rows["outcome_date"] - rows["recorded_date"]).dt.days
        label = f"recording to charge, charged in any of {years[0]} to {years[-1]}"
        out[label] = median_with_interval(days[days >= 0])
    return out


def device_turnaround(cases: pd.DataFrame, year: str) -> dict[str, dict]:
    """Devices seized on crimes recorded in ``year``, returned so far, and the days held."""
    rows = cohort(cases, year)
    seized = rows["device_seized_date"].notna()
    returned = seized & rows["device_returned_date"].notna()
    days = rows.loc[returned, "device_returned_date"] - rows.loc[returned, "device_seized_date"]
    days = days.dt.days
    return {
        "devices seized (of crimes recorded)": {
            "numerator": int(seized.sum()),
            "value": seized.sum() / len(rows),
        },
        "devices returned (of seized)": {
            "numerator": int(returned.sum()),
            "value": returned.sum() / seized.sum(),
        },
        "device seizure to return": median_with_interval(days[days >= 0]),
    }


def repeat_gaps(cases: pd.DataFrame, links: pd.DataFrame, year: str) -> dict:
    """Days since the suspect's previous allegation, for crimes recorded in ``year``."""
    table = pd.concat([links, cases]).drop_duplicates("crime_id")
    table = table[table["suspect_id"].notna()].sort_values(["suspect_id", "recorded_date"])
    gap = table.groupby("suspect_id")["recorded_date"].diff().dt.days
    measured = table["crime_id"].isin(cases["crime_id"]) & table["financial_year"].eq(year)
    return median_with_interval(gap[measured.fillna(False).astype(bool)].dropna())


def monthly(cases: pd.DataFrame) -> pd.Series:
    """Crimes recorded per calendar month."""
    return cases["recorded_date"].dt.to_period("M").dt.start_time.value_counts()


def quarterly(cases: pd.DataFrame, follow_up: int = 90) -> dict[tuple[str, str], float]:
    """Per calendar quarter of recording: crimes recorded, and crimes arrested (arrest
    dated) or charged within ``follow_up`` days, or referred to an ISVA."""
    quarter = cases["recorded_date"].dt.to_period("Q").astype(str)
    arrest = (cases["arrest_date"] - cases["recorded_date"]).dt.days
    charge = (cases["outcome_date"] - cases["recorded_date"]).dt.days
    hits = {
        "arrest_share": cases["arrested"].fillna(False).astype(bool) & arrest.le(follow_up),
        "charge_share": cases["outcome_type"].eq(1).fillna(False) & charge.le(follow_up),
        "isva_share": cases["isva_referred"].fillna(False).astype(bool),
    }
    out = {}
    for q, index in cases.groupby(quarter).groups.items():
        out[(q, "recorded")] = float(len(index))
        for name, hit in hits.items():
            out[(q, name)] = float(hit.loc[index].fillna(False).astype(bool).sum())
    return out


def field_completeness(cases: pd.DataFrame) -> dict[str, dict]:
    """The data-quality table: each column's values present (and not ``unknown``) over
    every clean row of the force."""
    out = {}
    for column in cases.columns:
        values = cases[column]
        present = values.notna()
        if pd.api.types.is_string_dtype(values.dtype):
            present &= values.astype("string").str.lower().ne("unknown").fillna(False)
        out[column] = proportion(int(present.sum()), len(cases))
    return out


# -- how a figure reads ---------------------------------------------------------------------
def shown(value: float, unit: str) -> str:
    """A figure as a reader checks it by hand: rounded half up on the value as written;
    percentages to one decimal (``< 0.1%`` for a small share), whole days, ratings to one
    decimal."""
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(repr(float(value)))
    if unit == "proportion":
        text = (exact * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if value > 0 and text < Decimal("0.1"):
            return "< 0.1%"
        if value < 1 and text > Decimal("99.9"):
            return "> 99.9%"
        return f"{text}%"
    if unit == "days":
        n = int(exact.quantize(Decimal(1), ROUND_HALF_UP))
        return f"{n:,} day" + ("" if n == 1 else "s")
    return str(exact.quantize(Decimal("0.1"), ROUND_HALF_UP))


def repeat_national(forces: dict[str, pd.DataFrame], links: dict[str, pd.DataFrame], year: str):
    """Crimes of every force with a suspect: linked to another crime of the same force, and
    to a crime of another force (suspect ids link across forces)."""
    cases = pd.concat(forces.values(), ignore_index=True)
    table = pd.concat([*links.values(), cases]).drop_duplicates("crime_id")
    table = table[table["suspect_id"].notna()]
    per_force = table.groupby(["suspect_id", "force"]).size()
    per_suspect = table.groupby("suspect_id").size()
    rows = cohort(cases, year)
    rows = rows[rows["suspect_id"].notna()]
    own = per_force.reindex(pd.MultiIndex.from_arrays([rows["suspect_id"], rows["force"]]))
    every = per_suspect.reindex(rows["suspect_id"]).to_numpy()
    return {
        "suspect linked to another crime of the same force": proportion(
            int((own.to_numpy() > 1).sum()), len(rows)
        ),
        "suspect linked to a crime of another force": proportion(
            int((every > own.to_numpy()).sum()), len(rows)
        ),
    }


# -- the charge model ----------------------------------------------------------------------
def charge_model_size(
    cases: pd.DataFrame, horizon: int, age_edges: list[int], by_force: bool
) -> tuple[int, int]:
    """(events, parameters) of the logistic model of charge within ``horizon`` days among
    crimes followed that long: events the smaller of charged and not charged; parameters
    one per non-reference level of victim age band, relationship, delay in reporting,
    offence subgroup, year of recording (and force), after leaving out the levels in which
    every crime or none was charged (they cannot be estimated)."""
    recorded = cases["recorded_date"]
    followed = (recorded + pd.Timedelta(days=horizon)).le(cases["extraction_date"]).fillna(False)
    rows = cases[followed.astype(bool)]
    days = (rows["outcome_date"] - rows["recorded_date"]).dt.days
    charged = (rows["outcome_type"].eq(1) & days.le(horizon)).fillna(False).astype(int)
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(age_edges[:-1])]
    labels.append(f"{age_edges[-2]}+")
    delay = (rows["reported_date"] - rows["committed_date"]).dt.days
    frame = pd.DataFrame(
        {
            "charged": charged,
            "age": pd.cut(rows["victim_age"].astype(float), age_edges, right=False, labels=labels)
            .astype("string")
            .fillna("unknown"),
            "relationship": rows["relationship"].astype("string").fillna("unknown"),
            "delay": np.select(
                [delay.between(0, 7), delay.gt(7) & delay.le(365), delay.gt(365)],
                ["within 7 days", "8-365 days", "over 1 year"],
                "unknown",
            ),
            "subgroup": rows["offence_subgroup"].astype("string"),
            "year": rows["financial_year"].astype("string"),
        }
    )
    if by_force:
        frame["force"] = rows["force"].astype("string")
    predictors = [c for c in frame.columns if c != "charged"]
    for name in predictors:
        rate = frame.groupby(name)["charged"].agg(["sum", "size"])
        bad = rate[(rate["sum"] == 0) | (rate["sum"] == rate["size"])].index
        if 0 < len(bad) < len(rate):
            frame = frame[~frame[name].isin(bad)]
    parameters = sum(frame[name].nunique() - 1 for name in predictors)
    events = int(min(frame["charged"].sum(), len(frame) - frame["charged"].sum()))
    return events, parameters


# -- the case-file review ------------------------------------------------------------------
def review_yes_shares(review: pd.DataFrame, sample: pd.DataFrame) -> dict[str, dict]:
    """Item id -> design-weighted share of sampled case files coded yes (Hajek ratio with
    weights ``1 / inclusion probability``), its stratified linearisation standard error
    with the finite-population correction (Lohr, *Sampling*, 2nd ed., 9.1), and a Wilson
    interval on the effective sample size; counts are the files coded yes / coded."""
    order = review.assign(second=~review["primary"].fillna(False).astype(bool))
    order = order.sort_values(["second", "source_file", "source_row"], kind="stable")
    first = order.drop_duplicates("crime_id")[["crime_id", "reviewer", "source_file", "sheet"]]
    codes = review.merge(first, on=["crime_id", "reviewer", "source_file", "sheet"])
    design = sample[["crime_id", "stratum", "inclusion_probability"]].copy()
    design["w"] = 1 / design["inclusion_probability"].astype(float)
    out = {}
    for item, part in codes.groupby("item_id"):
        coded = design.merge(part[["crime_id", "response"]], on="crime_id", how="left")
        d = coded["response"].notna().astype(float)
        y = coded["response"].eq("yes").fillna(False).astype(float)
        total = (coded["w"] * d).sum()
        p = float((coded["w"] * d * y).sum() / total)
        z = coded["w"] * d * (y - p) / total
        strata = coded.assign(z=z, f=coded["inclusion_probability"].astype(float))
        by = strata.groupby("stratum")
        n_h = by.size()
        s2 = by["z"].var(ddof=1).fillna(0.0)
        variance = float(((1 - by["f"].mean()) * n_h * s2).sum())
        n = int(d.sum())
        effective = p * (1 - p) / variance if variance > 0 and 0 < p < 1 else n
        effective = min(effective, max(n, 1))
        low, high = proportion_confint(p * effective, effective, 1 - CONF, method="wilson")
        out[str(item).lower()] = {
            "numerator": int((y * d).sum()),
            "denominator": n,
            "value": p,
            "ci_low": low,
            "ci_high": high,
        }
    return out
