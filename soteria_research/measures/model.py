"""Who is charged: logistic regression of charge on case characteristics.

Rows: crimes recorded in the period with an outcome assigned (pending crimes have no
known outcome yet and are left out). Response: charged (type 1, alternate offences
included). With ``horizon_days`` the rows are instead every crime recorded in the period
and followed that long by the extraction date (pending ones included, so the sample is
not selected on having an outcome), and the response is a charge within the horizon of
recording; ``financial_year`` (year terms) and, pooled over forces, ``force`` may be
added as predictors. Predictors (categorical, reference level = the most frequent unless given):
victim age band, victim-suspect relationship, delay in reporting (committed to reported)
and offence subgroup. Odds ratios are ``exp(coefficient)`` with Wald intervals.

The model refuses (``refused=True`` and a reason, or :class:`InsufficientDataError`
when asked to raise) when the smaller of events and non-events per estimated parameter
is under ``min_events_per_parameter`` (setting, default 10; Peduzzi et al. 1996).
Levels with no charges or no non-charges cannot be estimated (separation): their rows
are left out and listed in ``notes``.

A predictor named in ``deviation`` (the ``force`` of a pooled model) is coded against the
average of its levels (sum-to-zero, ``C(force, Sum)`` in a statsmodels formula) rather than
against one reference level: each level's odds ratio compares it with the unweighted
average of all levels (``reference`` = ``"average"``), and every level gets a row, the
last one's coefficient being minus the sum of the others (its standard error from their
covariance). The other terms are the same as under treatment coding.
:func:`pooled_estimates` picks out, for one force, what such a pooled model says about it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import DataError
from soteria_research.measures.frames import require_columns
from soteria_research.measures.periods import Period, cohort, resolve_period

DEFAULT_PREDICTORS = ("victim_age_band", "relationship", "reporting_delay", "offence_subgroup")
TABLE_COLUMNS = [
    "term",
    "variable",
    "level",
    "reference",
    "n_level",
    "events_level",
    "coef",
    "se",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
]


class InsufficientDataError(DataError):
    """Too few events for a model to be fitted reliably."""


@dataclass(frozen=True)
class ModelResult:
    """A fitted (or refused) charge model.

    ``table`` holds one row per estimated term (the intercept first), ``n`` the rows
    used, ``events`` the smaller of charged and not charged, ``parameters`` the
    non-intercept parameters, ``refused`` and ``reason`` why no model was fitted.
    """

    table: pd.DataFrame
    n: int
    events: int
    parameters: int
    events_per_parameter: float
    refused: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def age_band(ages: pd.Series, edges: Sequence[int]) -> pd.Series:
    """Age bands from edges: ``[0, 13, 16, ...]`` gives ``0-12``, ``13-15``, ..., ``50+``."""
    edges = list(edges)
    labels = [f"{lo}-{hi - 1}" for lo, hi in pairwise(edges[:-1])]
    labels.append(f"{edges[-2]}+")
    banded = pd.cut(ages.astype("Float64"), edges, right=False, labels=labels)
    return banded.astype("string").fillna("unknown")


def reporting_delay(cases: pd.DataFrame) -> pd.Series:
    """Delay from offence to report: ``within 7 days``, ``8-365 days``, ``over 1 year``."""
    days = (cases["reported_date"] - cases["committed_date"]).dt.days
    band = pd.Series("unknown", index=cases.index, dtype="string")
    band[days.ge(0) & days.le(7)] = "within 7 days"
    band[days.gt(7) & days.le(365)] = "8-365 days"
    band[days.gt(365)] = "over 1 year"
    return band


def model_frame(
    cases: pd.DataFrame,
    period: str | Period = "all",
    predictors: Sequence[str] = DEFAULT_PREDICTORS,
    age_bands: Sequence[int] | None = None,
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """The rows and columns the model uses: ``charged`` (0/1) and each predictor (text).

    With ``horizon_days``: crimes followed at least that many days from recording to the
    extraction date, ``charged`` = charged within that many days of recording.
    """
    require_columns(cases, ["outcome_type", "financial_year"])
    rows = cohort(cases, resolve_period(cases, period))
    if horizon_days is None:
        rows = rows[rows["outcome_type"].ne(0).fillna(False).astype(bool)]
        charged = rows["outcome_type"].eq(1)
    else:
        require_columns(rows, ["recorded_date", "outcome_date", "extraction_date"])
        recorded = pd.to_datetime(rows["recorded_date"])
        horizon = pd.Timedelta(days=int(horizon_days))
        followed = (recorded + horizon).le(pd.to_datetime(rows["extraction_date"]))
        rows, recorded = (
            rows[followed.fillna(False).astype(bool)],
            recorded[followed.fillna(False).astype(bool)],
        )
        days = pd.to_datetime(rows["outcome_date"]) - recorded
        charged = rows["outcome_type"].eq(1) & days.le(horizon)
    charged = charged.fillna(False).astype(bool)
    out = pd.DataFrame({"charged": charged.astype(int)}, index=rows.index)
    for name in predictors:
        if name == "reporting_delay":
            require_columns(rows, ["committed_date", "reported_date"])
            out[name] = reporting_delay(rows)
        elif name == "victim_age_band" and age_bands is not None:
            require_columns(rows, ["victim_age"])
            out[name] = age_band(rows["victim_age"], age_bands)
        else:
            require_columns(rows, [name])
            out[name] = rows[name].astype("string").fillna("unknown")
    return out.reset_index(drop=True)


#: The ``reference`` of a level coded against the average of its variable's levels.
AVERAGE = "average"


def _design(
    frame: pd.DataFrame,
    predictors: Sequence[str],
    references: Mapping[str, str],
    deviation: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[dict[str, object]], list[str]]:
    columns, terms, notes = {"(intercept)": np.ones(len(frame))}, [], []
    terms.append({"term": "(intercept)", "variable": "(intercept)", "level": "", "reference": ""})
    for name in predictors:
        counts = frame[name].value_counts()
        if len(counts) < 2:
            notes.append(f"{name} left out: one level only")
            continue
        if name in deviation:
            levels = sorted(counts.index)
            last = frame[name].eq(levels[-1]).astype(float).to_numpy()
            for level in levels[:-1]:
                term = f"{name}[{level}]"
                columns[term] = frame[name].eq(level).astype(float).to_numpy() - last
                terms.append({"term": term, "variable": name, "level": level, "reference": AVERAGE})
            continue
        ref = references.get(name, counts.index[0])
        for level in sorted(counts.index):
            if level == ref:
                continue
            term = f"{name}[{level}]"
            columns[term] = frame[name].eq(level).astype(float).to_numpy()
            terms.append({"term": term, "variable": name, "level": level, "reference": ref})
    return pd.DataFrame(columns), terms, notes


def _drop_separated(frame: pd.DataFrame, predictors: Sequence[str]) -> tuple[pd.DataFrame, list]:
    notes = []
    for name in predictors:
        events = frame.groupby(name)["charged"].agg(["sum", "size"])
        bad = events[(events["sum"] == 0) | (events["sum"] == events["size"])].index.tolist()
        if bad and len(bad) < len(events):
            notes.append(f"{name} levels {sorted(bad)} left out: no variation in charge")
            frame = frame[~frame[name].isin(bad)]
    return frame, notes


def _refusal(frame, events, parameters, reason, notes, raise_on_refusal) -> ModelResult:
    if raise_on_refusal:
        raise InsufficientDataError(f"Charge model not fitted: {reason}")
    epp = events / parameters if parameters else float("nan")
    empty = pd.DataFrame(columns=TABLE_COLUMNS)
    return ModelResult(empty, len(frame), events, parameters, epp, True, reason, notes)


def charge_model(
    cases: pd.DataFrame,
    period: str | Period = "all",
    predictors: Sequence[str] = DEFAULT_PREDICTORS,
    min_events_per_parameter: float = 10,
    confidence: float = 0.95,
    references: Mapping[str, str] | None = None,
    age_bands: Sequence[int] | None = None,
    raise_on_refusal: bool = False,
    horizon_days: int | None = None,
    deviation: Sequence[str] = (),
) -> ModelResult:
    """Fit the logistic regression of charge; odds ratios with Wald intervals.

    Parameters
    ----------
    cases
        Canonical cases (one force or several).
    period
        Recording period of the cohort (default ``"all"``: every year, for more events).
    predictors
        Categorical predictors (see module notes); ``reporting_delay`` is derived.
    min_events_per_parameter
        Refuse below this many events (the smaller of charged / not charged) per
        non-intercept parameter (settings ``measures.min_events_per_parameter``).
    references
        Reference level per predictor (default: its most frequent level).
    age_bands
        Band edges to re-band ``victim_age`` (settings ``measures.age_bands``); None
        uses ``victim_age_band`` as recorded.
    horizon_days
        Model charge within this many days of recording among crimes followed that long
        (pending included) instead of charge among crimes with an outcome.
    deviation
        Predictors coded against the average of their levels (see module notes), e.g.
        ``("force",)`` in a model pooled over forces.

    Returns
    -------
    ModelResult
        ``table``: ``term, variable, level, reference, n_level, events_level, coef, se,
        odds_ratio, ci_low, ci_high, p_value``.
    """
    frame, design, terms, notes, refusal = _prepare(
        cases,
        period,
        predictors,
        min_events_per_parameter,
        references,
        age_bands,
        horizon_days,
        deviation,
    )
    y = frame["charged"].to_numpy(dtype=float)
    events = int(min(y.sum(), len(y) - y.sum()))
    parameters = design.shape[1] - 1
    if refusal:
        return _refusal(frame, events, parameters, refusal, notes, raise_on_refusal)
    from statsmodels.discrete.discrete_model import Logit  # slow import: only when fitting

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = Logit(y, design).fit(disp=0, maxiter=100)
    if not fit.mle_retvals.get("converged", False):
        return _refusal(
            frame, events, parameters, "the fit did not converge", notes, raise_on_refusal
        )
    z = stats.norm.isf((1 - confidence) / 2)
    table = pd.DataFrame(terms)
    table["coef"] = fit.params.to_numpy()
    table["se"] = fit.bse.to_numpy()
    table["odds_ratio"] = np.exp(table["coef"])
    table["ci_low"] = np.exp(table["coef"] - z * table["se"])
    table["ci_high"] = np.exp(table["coef"] + z * table["se"])
    table["p_value"] = fit.pvalues.to_numpy()
    table = pd.concat([table, *_last_levels(frame, terms, fit, z)], ignore_index=True)
    order = {v: i for i, v in enumerate(dict.fromkeys(t["variable"] for t in terms))}
    table = table.sort_values("variable", key=lambda v: v.map(order), kind="stable")
    table = table.reset_index(drop=True)
    n_level, ev_level = [], []
    for t in table.to_dict("records"):
        mask = (
            np.ones(len(y), dtype=bool)
            if t["variable"] == "(intercept)"
            else frame[t["variable"]].eq(t["level"]).to_numpy()
        )
        n_level.append(int(mask.sum()))
        ev_level.append(int(y[mask].sum()))
    table["n_level"], table["events_level"] = n_level, ev_level
    return ModelResult(
        table[TABLE_COLUMNS], len(y), events, parameters, events / parameters, False, "", notes
    )


def _prepare(
    cases: pd.DataFrame,
    period: str | Period,
    predictors: Sequence[str],
    min_events_per_parameter: float,
    references: Mapping[str, str] | None,
    age_bands: Sequence[int] | None,
    horizon_days: int | None,
    deviation: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]], list[str], str]:
    """The model's rows, design, terms and notes, and why no model may be fitted ("" when
    one may): no rows, no predictor varying, or too few events per parameter."""
    frame = model_frame(cases, period, predictors, age_bands, horizon_days)
    return _support(
        frame, predictors, min_events_per_parameter, references, horizon_days, deviation
    )


def _support(
    frame: pd.DataFrame,
    predictors: Sequence[str],
    min_events_per_parameter: float,
    references: Mapping[str, str] | None,
    horizon_days: int | None,
    deviation: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]], list[str], str]:
    """:func:`_prepare` from the rows of :func:`model_frame`."""
    frame, notes = _drop_separated(frame, predictors)
    design, terms, more = _design(frame, predictors, references or {}, deviation)
    y = frame["charged"].to_numpy(dtype=float)
    events = int(min(y.sum(), len(y) - y.sum()))
    parameters = design.shape[1] - 1
    reason = ""
    if frame.empty:
        reason = (
            "no crimes with an outcome in the period"
            if horizon_days is None
            else f"no crimes followed {horizon_days} days in the period"
        )
    elif parameters == 0:
        reason = "no predictor varies"
    elif events < min_events_per_parameter * parameters:
        reason = (
            f"{events} events for {parameters} parameters "
            f"({events / parameters:.1f} per parameter, fewer than {min_events_per_parameter:g})"
        )
    return frame, design, terms, notes + more, reason


def refusal_reason(cases: pd.DataFrame, **kwargs) -> str:
    """Why :func:`charge_model` would refuse ``cases`` before fitting ("" when it would
    fit): no rows, no predictor varying, or too few events per parameter. Keyword arguments
    are those of :func:`charge_model` (``confidence`` and ``raise_on_refusal`` ignored)."""
    kwargs.pop("confidence", None)
    kwargs.pop("raise_on_refusal", None)
    options = {
        "period": "all",
        "predictors": DEFAULT_PREDICTORS,
        "min_events_per_parameter": 10,
        "references": None,
        "age_bands": None,
        "horizon_days": None,
        "deviation": (),
    } | kwargs
    return _prepare(cases, **options)[4]


def refusal_reasons(cases: pd.DataFrame, by: str = "force", **kwargs) -> pd.Series:
    """:func:`refusal_reason` for each ``by`` group of ``cases`` (a force's own model), the
    model's rows built once: group -> reason ("" when its own model would be fitted)."""
    kwargs.pop("confidence", None)
    kwargs.pop("raise_on_refusal", None)
    predictors = list(kwargs.pop("predictors", DEFAULT_PREDICTORS))
    period = kwargs.pop("period", "all")
    age_bands, horizon = kwargs.pop("age_bands", None), kwargs.pop("horizon_days", None)
    minimum = kwargs.pop("min_events_per_parameter", 10)
    references = kwargs.pop("references", None)
    require_columns(cases, [by])
    frame = model_frame(cases, period, [*predictors, by], age_bands, horizon)
    reasons = {}
    for group in sorted(cases[by].dropna().unique()):
        rows = frame[frame[by] == group].drop(columns=by).reset_index(drop=True)
        reasons[group] = _support(rows, predictors, minimum, references, horizon)[4]
    return pd.Series(reasons, dtype="string", name="reason")


def _last_levels(frame: pd.DataFrame, terms: list[dict], fit, z: float) -> list[pd.DataFrame]:
    """The row of each deviation-coded variable's last level: minus the sum of the other
    levels' coefficients, its standard error from their covariance."""
    out = []
    cov = np.asarray(fit.cov_params())
    params = np.asarray(fit.params)
    for variable in dict.fromkeys(t["variable"] for t in terms if t["reference"] == AVERAGE):
        index = [i for i, t in enumerate(terms) if t["variable"] == variable]
        weights = np.zeros(len(params))
        weights[index] = -1.0
        coef = float(weights @ params)
        se = float(np.sqrt(weights @ cov @ weights))
        level = sorted(frame[variable].unique())[-1]
        out.append(
            pd.DataFrame(
                [
                    {
                        "term": f"{variable}[{level}]",
                        "variable": variable,
                        "level": level,
                        "reference": AVERAGE,
                        "coef": coef,
                        "se": se,
                        "odds_ratio": np.exp(coef),
                        "ci_low": np.exp(coef - z * se),
                        "ci_high": np.exp(coef + z * se),
                        "p_value": 2 * stats.norm.sf(abs(coef / se)),
                    }
                ]
            )
        )
    return out


def pooled_estimates(
    result: ModelResult, level: str, variable: str = "force", own: Sequence[str] = ()
) -> pd.DataFrame:
    """What a pooled model says about one of its ``variable``'s levels (a force): that
    level's row (its effect against the average of the levels) first, then the rows of the
    characteristics shared by every level (``own`` variables, e.g. ``financial_year``, and
    the intercept left out). Empty when the model was refused or the level is not in it
    (left out for separation, or no crimes followed long enough).
    """
    table = result.table
    if result.refused or table.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    mine = table[(table["variable"] == variable) & (table["level"] == level)]
    if mine.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    shared = table[~table["variable"].isin(["(intercept)", variable, *own])]
    return pd.concat([mine, shared], ignore_index=True)[TABLE_COLUMNS]


def charge_odds_ratios(cases: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """:func:`charge_model` as a DataFrame: the odds-ratio table (intercept left out)
    with ``n``, ``events`` and ``reason``; a refused model gives one NaN row with the
    reason. Keyword arguments are those of :func:`charge_model`.
    """
    result = charge_model(cases, **kwargs)
    if result.refused:
        table = pd.DataFrame([{c: np.nan for c in TABLE_COLUMNS}])
    else:
        table = result.table[result.table["variable"] != "(intercept)"].reset_index(drop=True)
    table = table.assign(measure="charge_odds_ratio", n=result.n, events=result.events)
    table["reason"] = result.reason
    return table
