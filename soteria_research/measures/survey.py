"""Survey measures: scale scores, reliability, item distributions, groups and waves.

Pure functions of a processed survey table (``survey_<instrument>.parquet``) and its
:class:`~soteria_research.ingest.instrument.Instrument`. Every published table carries
its counts; a figure resting on fewer than ``disclosure.min_cell_count`` respondents is
left NaN with its reason, and breakdowns by grouping variables are given only where
:func:`~.survey_disclosure.publishable_breakdowns` allows them. No function returns a
respondent's answers except :func:`scale_scores`, which is for further computation only.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research import settings
from soteria_research.ingest.instrument import Instrument, survey_settings
from soteria_research.measures.reliability import cronbach_alpha, mcdonald_omega
from soteria_research.measures.survey_disclosure import k_anonymity, publishable_breakdowns

KEYS = ("force", "instrument", "wave")
TOO_FEW = "fewer respondents than the minimum count"
TOO_FEW_COMPLETE = "reliability: fewer complete responses than the minimum count"


def _thresholds(min_count: int | None) -> tuple[int, dict]:
    surveys = survey_settings()
    if min_count is None:
        min_count = int(settings.section("disclosure")["min_cell_count"])
    return int(min_count), surveys


def _confidence(confidence: float | None) -> float:
    if confidence is not None:
        return float(confidence)
    return float(settings.section("measures").get("confidence_level", 0.95))


def scored_items(responses: pd.DataFrame, instrument: Instrument, scale_id: str) -> pd.DataFrame:
    """A scale's item answers as floats, reverse-scored items mirrored."""
    scale = instrument.scale(scale_id)
    block = responses[list(scale.items)].astype("Float64").astype(float)
    for item in scale.reverse:
        block[item] = instrument.scale_min + instrument.scale_max - block[item]
    return block


def scale_scores(
    responses: pd.DataFrame, instrument: Instrument, min_share: float | None = None
) -> pd.DataFrame:
    """Each respondent's score on each scale: the mean of the answered (reverse-scored)
    items, NaN when fewer than ``surveys.min_scale_items_share`` of them were answered.

    Respondent-level: for further computation, never for publication.
    """
    if min_share is None:
        min_share = float(survey_settings()["min_scale_items_share"])
    keep = [*KEYS, "respondent_id", *instrument.grouping_ids]
    out = responses[keep].copy()
    for scale in instrument.scales:
        block = scored_items(responses, instrument, scale.id)
        enough = block.notna().sum(axis=1) >= min_share * len(scale.items)
        out[scale.id] = block.mean(axis=1).where(enough)
    return out


def _mean_ci(values: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    n = len(values)
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half


def scale_summary(
    responses: pd.DataFrame,
    instrument: Instrument,
    confidence: float | None = None,
    min_count: int | None = None,
    replicates: int | None = None,
) -> pd.DataFrame:
    """Scale means and reliability per force and wave.

    Returns
    -------
    DataFrame
        One row per force, instrument, wave and scale: ``scale``, ``scale_name``,
        ``items``, ``n`` (respondents with a score), ``mean``, ``sd``, ``ci_low``,
        ``ci_high`` (t interval), ``n_complete`` (respondents who answered every item,
        the base of reliability), ``alpha``, ``alpha_low``, ``alpha_high`` (Feldt),
        ``omega``, ``omega_low``, ``omega_high`` (bootstrap; NaN for two-item scales) and
        ``reason`` (why figures are NaN, empty otherwise).
    """
    minimum, surveys = _thresholds(min_count)
    level = _confidence(confidence)
    reps = int(surveys.get("bootstrap_replicates", 1000) if replicates is None else replicates)
    seed = int(surveys.get("bootstrap_seed", 0))
    scores = scale_scores(responses, instrument)
    rows = []
    for key, part in responses.groupby(list(KEYS), sort=True):
        part_scores = scores.loc[part.index]
        for scale in instrument.scales:
            values = part_scores[scale.id].dropna().to_numpy(float)
            complete = scored_items(part, instrument, scale.id).dropna().to_numpy(float)
            row = dict(zip(KEYS, key, strict=True))
            row |= {"scale": scale.id, "scale_name": scale.name, "items": len(scale.items)}
            row |= {"n": len(values), "n_complete": len(complete), "reason": ""}
            if len(values) < minimum:
                row["reason"] = TOO_FEW
                rows.append(row)
                continue
            row |= dict(
                zip(("mean", "sd", "ci_low", "ci_high"), _mean_ci(values, level), strict=True)
            )
            if len(complete) < minimum:
                row["reason"] = TOO_FEW_COMPLETE
                rows.append(row)
                continue
            row |= dict(
                zip(
                    ("alpha", "alpha_low", "alpha_high"),
                    cronbach_alpha(complete, level),
                    strict=True,
                )
            )
            omega = mcdonald_omega(complete, level, reps, seed)
            row |= dict(zip(("omega", "omega_low", "omega_high"), omega, strict=True))
            rows.append(row)
    columns = [*KEYS, "scale", "scale_name", "items", "n", "mean", "sd", "ci_low", "ci_high"]
    columns += ["n_complete", "alpha", "alpha_low", "alpha_high", "omega", "omega_low"]
    columns += ["omega_high", "reason"]
    return pd.DataFrame(rows).reindex(columns=columns)


def item_distributions(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """How each item was answered, per force and wave.

    Returns
    -------
    DataFrame
        One row per force, instrument, wave, item and answer on the scale: ``item``,
        ``scale``, ``answer``, ``label``, ``count``, ``n`` (respondents who answered the
        item), ``share`` and ``not_answered``. Counts are unprotected: apply disclosure.
    """
    scale_of = {item: s.id for s in instrument.scales for item in s.items}
    answers = range(instrument.scale_min, instrument.scale_max + 1)
    rows = []
    for key, part in responses.groupby(list(KEYS), sort=True):
        for item in instrument.item_ids:
            column = part[item]
            counts = column.value_counts()
            n = int(column.notna().sum())
            for answer in answers:
                count = int(counts.get(answer, 0))
                rows.append(
                    (
                        *key,
                        item,
                        scale_of.get(item, ""),
                        answer,
                        instrument.labels.get(answer, ""),
                        count,
                        n,
                        count / n if n else np.nan,
                        len(column) - n,
                    )
                )
    columns = [*KEYS, "item", "scale", "answer", "label", "count", "n", "share", "not_answered"]
    return pd.DataFrame(rows, columns=columns)


def group_differences(
    responses: pd.DataFrame,
    instrument: Instrument,
    confidence: float | None = None,
    min_count: int | None = None,
    k: int | None = None,
) -> pd.DataFrame:
    """Scale means by each grouping variable, where every group may be published.

    A grouping variable is broken down for a force, wave and scale only when each of its
    groups (missing answers forming "not stated") holds at least ``max(min_count, k)``
    respondents with a score and :func:`~.survey_disclosure.publishable_breakdowns` allows
    it; otherwise it is left out entirely.

    Returns
    -------
    DataFrame
        ``force``, ``instrument``, ``wave``, ``scale``, ``grouping``, ``group``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``, ``n_rest``, ``difference`` (group minus the
        other respondents), ``diff_low``, ``diff_high`` and ``p_value`` (Welch).
    """
    minimum, _ = _thresholds(min_count)
    k = max(k_anonymity(k), minimum)
    level = _confidence(confidence)
    scores = scale_scores(responses, instrument)
    rows = []
    for key, part in scores.groupby(list(KEYS), sort=True):
        for scale in instrument.scales:
            scored = part.loc[part[scale.id].notna()]
            allowed = publishable_breakdowns(scored, instrument.grouping_ids, k, max_order=1)
            values = scored[scale.id].to_numpy(float)
            for variable in allowed.loc[allowed["publishable"], "variables"]:
                groups = scored[variable[0]].astype("string").fillna("not stated").to_numpy(object)
                if len(set(groups)) < 2:  # one group is everyone: nothing to compare
                    continue
                for group in sorted(set(groups)):
                    inside, rest = values[groups == group], values[groups != group]
                    mean, _sd, low, high = _mean_ci(inside, level)
                    test = stats.ttest_ind(inside, rest, equal_var=False)
                    ci = test.confidence_interval(level)
                    rows.append(
                        (
                            *key,
                            scale.id,
                            variable[0],
                            group,
                            len(inside),
                            mean,
                            low,
                            high,
                            len(rest),
                            mean - rest.mean(),
                            ci.low,
                            ci.high,
                            test.pvalue,
                        )
                    )
    columns = [*KEYS, "scale", "grouping", "group", "n", "mean", "ci_low", "ci_high", "n_rest"]
    columns += ["difference", "diff_low", "diff_high", "p_value"]
    return pd.DataFrame(rows, columns=columns)


def wave_change(
    responses: pd.DataFrame,
    instrument: Instrument,
    confidence: float | None = None,
    min_count: int | None = None,
) -> pd.DataFrame:
    """Change in each scale's mean between consecutive waves, per force.

    Two rows per scale and pair of waves: ``method`` ``paired`` (respondents linked by
    their pseudonymous id in both waves; a t interval of the mean difference) and
    ``independent`` (everyone with a score; Welch's interval). A row whose counts are
    below the minimum is NaN with its reason.

    Returns
    -------
    DataFrame
        ``force``, ``instrument``, ``scale``, ``wave_from``, ``wave_to``, ``method``,
        ``n_from``, ``n_to`` (respondents in each wave; the pairs for ``paired``),
        ``mean_from``, ``mean_to``, ``change``, ``ci_low``, ``ci_high``, ``p_value``,
        ``reason``.
    """
    minimum, _ = _thresholds(min_count)
    level = _confidence(confidence)
    scores = scale_scores(responses, instrument)
    rows = []
    for (force, name), part in scores.groupby(["force", "instrument"], sort=True):
        waves = sorted(part["wave"].unique())
        for first, second in pairwise(waves):
            a, b = part[part["wave"] == first], part[part["wave"] == second]
            for scale in instrument.scales:
                x = a.set_index("respondent_id")[scale.id].dropna()
                y = b.set_index("respondent_id")[scale.id].dropna()
                linked = x.index.intersection(y.index)
                for method in ("paired", "independent"):
                    xs, ys = (x[linked], y[linked]) if method == "paired" else (x, y)
                    row = {"force": force, "instrument": name, "scale": scale.id}
                    row |= {"wave_from": first, "wave_to": second, "method": method}
                    row |= {"n_from": len(xs), "n_to": len(ys), "reason": ""}
                    if min(len(xs), len(ys)) < max(minimum, 2):
                        row["reason"] = TOO_FEW
                        rows.append(row)
                        continue
                    if method == "paired":
                        test = stats.ttest_rel(ys.to_numpy(float), xs.to_numpy(float))
                    else:
                        test = stats.ttest_ind(
                            ys.to_numpy(float), xs.to_numpy(float), equal_var=False
                        )
                    ci = test.confidence_interval(level)
                    row |= {"mean_from": xs.mean(), "mean_to": ys.mean()}
                    row |= {"change": ys.mean() - xs.mean(), "ci_low": ci.low, "ci_high": ci.high}
                    row["p_value"] = test.pvalue
                    rows.append(row)
    columns = ["force", "instrument", "scale", "wave_from", "wave_to", "method", "n_from"]
    columns += ["n_to", "mean_from", "mean_to", "change", "ci_low", "ci_high", "p_value", "reason"]
    return pd.DataFrame(rows).reindex(columns=columns)
