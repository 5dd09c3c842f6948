"""Self-assessment: maturity per pillar and theme, self vs peer agreement, and gaps.

Ratings are ordinal (``scale_min`` to ``scale_max``, e.g. 1-4). Maturity is summarised
by the mean rating (with a t-interval over questions) and, to compare frameworks with
different scales, by the scaled mean ``(mean - min) / (max - min)`` in [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.ingest.rounds import order_rounds
from soteria_research.ingest.workbook import parse_problem_lines
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.frames import as_list, require_columns
from soteria_research.measures.intervals import mean_ci

RATERS = {"self": "self_rating", "peer": "peer_rating"}


def round_order(assessment: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Each force's rounds in their real order: ``force, round, order`` (1 = earliest),
    ``latest`` (bool).

    Labels are ordered as numbers (``9`` before ``10``), dates, one pattern with numbers
    (``2023-2`` before ``2023-10``) or by the explicit ``order`` (earliest first); never as
    text. See :func:`soteria_research.ingest.rounds.order_rounds`.

    Raises
    ------
    ParameterError
        A force's labels cannot be ordered and no explicit order is given.
    """
    require_columns(assessment, ["force", "round"], table="assessment")
    rows = []
    for force, part in assessment.groupby("force", sort=True):
        ordered = order_rounds(part["round"].astype(str), order)
        for position, label in enumerate(ordered, start=1):
            rows.append((force, label, position, position == len(ordered)))
    out = pd.DataFrame(rows, columns=["force", "round", "order", "latest"])
    return out.astype({"force": "string", "round": "string", "order": "Int64", "latest": bool})


def latest_round(assessment: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of each force's latest assessment round (rounds in real order, see
    :func:`round_order`)."""
    table = round_order(assessment, order)
    latest = table.loc[table["latest"], ["force", "round"]]
    keys = pd.MultiIndex.from_frame(assessment[["force", "round"]].astype(str))
    wanted = pd.MultiIndex.from_frame(latest.astype(str))
    return assessment[keys.isin(wanted)]


def workbook_problems(quality: pd.DataFrame, force: str | None = None) -> pd.DataFrame:
    """The problems of the self-assessment workbooks, one row per cell, for the report.

    Parameters
    ----------
    quality
        Processed quality table(s) (section ``assessment`` holds one line per problem).
    force
        Keep this force only (default every force in ``quality``).

    Returns
    -------
    DataFrame
        ``force, file, sheet, cell, problem``: the workbook (relative to the data folder),
        the sheet and cell (``F7``, or a range ``D5:D34``) and what is wrong with what to
        do. The lines carry no text the force wrote and no counts of people; empty when
        there is no problem.
    """
    columns = ["force", "file", "sheet", "cell", "problem"]
    if quality.empty or "section" not in quality:
        return pd.DataFrame(columns=columns).astype("string")
    part = quality[quality["section"] == "assessment"]
    if force is not None:
        part = part[part["force"] == force]
    frames = [
        parse_problem_lines(group["item"].astype(str)).assign(force=name)
        for name, group in part.groupby("force", sort=True)
    ]
    if not frames:
        return pd.DataFrame(columns=columns).astype("string")
    return pd.concat(frames, ignore_index=True)[columns].astype("string")


def maturity(
    assessment: pd.DataFrame,
    level: str = "pillar",
    rounds: str = "latest",
    confidence: float = 0.95,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean self and peer maturity per force, round and pillar (or theme).

    Definition: mean rating over the questions of the pillar (theme) that the rater
    answered; n = questions answered; t-interval over questions, clipped to the scale.
    Unanswered questions (empty, off the scale, not a rating, or a deleted row) are left
    out; a pillar with none answered is NaN with a reason.

    Parameters
    ----------
    rounds
        ``"latest"`` (each force's latest round) or ``"all"``.
    order
        Explicit round order, earliest first (default: see :func:`round_order`).

    Returns
    -------
    DataFrame
        Long: ``force, round, pillar, [theme_id, theme], rater, measure, basis,
        denominator (n answered), questions, value, ci_low, ci_high, value_scaled,
        scale_min, scale_max, reason, round_order`` (1 = the force's earliest round),
        rows in force and real round order. Key evidence rows on ``force, round``.
    """
    if level not in ("pillar", "theme"):
        raise ParameterError(f"level must be 'pillar' or 'theme', not {level!r}.")
    require_columns(
        assessment,
        [
            "force",
            "round",
            "pillar",
            "theme_id",
            "theme",
            *RATERS.values(),
            "scale_min",
            "scale_max",
        ],
        table="assessment",
    )
    frame = latest_round(assessment, order) if rounds == "latest" else assessment
    keys = ["force", "round", "pillar"] + (["theme_id", "theme"] if level == "theme" else [])
    rows = []
    for group, part in frame.groupby(keys, sort=True):
        lo, hi = float(part["scale_min"].min()), float(part["scale_max"].max())
        for rater, column in RATERS.items():
            est = mean_ci(part[column].astype("Float64"), confidence)
            scaled = (est["value"] - lo) / (hi - lo) if hi > lo else np.nan
            reason = "no question rated" if est["n"] == 0 else est["reason"]
            rows.append(
                {
                    **dict(zip(keys, group, strict=True)),
                    "rater": rater,
                    "measure": f"{rater}_maturity",
                    "basis": "assessment",
                    "denominator": est["n"],
                    "questions": len(part),
                    "value": est["value"],
                    "ci_low": max(est["ci_low"], lo),
                    "ci_high": min(est["ci_high"], hi),
                    "value_scaled": scaled,
                    "scale_min": lo,
                    "scale_max": hi,
                    "reason": reason,
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    positions = round_order(frame, order).rename(columns={"order": "round_order"})
    out = out.merge(
        positions[["force", "round", "round_order"]].astype({"force": object, "round": object}),
        on=["force", "round"],
        how="left",
    )
    out = out.sort_values(["force", "round_order", *keys[2:]], kind="stable")
    types = {"denominator": "Int64", "questions": "Int64", "reason": "string"}
    return out.astype(types).reset_index(drop=True)


def weighted_kappa(
    table: np.ndarray | Iterable[Iterable[float]],
    weights: str | None = "linear",
    confidence: float = 0.95,
) -> dict[str, float | int | str]:
    """Cohen's kappa of a square agreement table, unweighted or weighted.

    Agreement weights ``1 - |i-j|/(k-1)`` (linear, Cicchetti-Allison) or
    ``1 - (i-j)^2/(k-1)^2`` (quadratic, Fleiss-Cohen). Standard error: Fleiss, Cohen and
    Everitt (1969), as in SAS PROC FREQ's ASE.

    Returns
    -------
    dict
        ``n, kappa, se, ci_low, ci_high, observed, expected, reason``.
    """
    counts = np.asarray(table, dtype=float)
    k = counts.shape[0]
    n = counts.sum()
    out = {
        "n": int(n),
        "kappa": np.nan,
        "se": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "observed": np.nan,
        "expected": np.nan,
        "reason": "",
    }
    if n == 0:
        out["reason"] = "no question rated by both"
        return out
    i, j = np.indices((k, k))
    if weights is None:
        w = (i == j).astype(float)
    elif weights == "linear":
        w = 1 - np.abs(i - j) / max(k - 1, 1)
    elif weights == "quadratic":
        w = 1 - (i - j) ** 2 / max(k - 1, 1) ** 2
    else:
        raise ParameterError(f"weights must be 'linear', 'quadratic' or None, not {weights!r}.")
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(rows, cols)).sum())
    out.update(observed=po, expected=pe)
    if np.isclose(pe, 1):
        out["reason"] = "no variation in the ratings"
        return out
    kappa = (po - pe) / (1 - pe)
    w_row, w_col = w @ cols, rows @ w
    inner = (p * (w - (w_row[:, None] + w_col[None, :]) * (1 - kappa)) ** 2).sum()
    var = (inner - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    se = float(np.sqrt(max(var, 0.0)))
    z = stats.norm.isf((1 - confidence) / 2)
    out.update(kappa=float(kappa), se=se, ci_low=kappa - z * se, ci_high=kappa + z * se)
    return out


def agreement_table(assessment: pd.DataFrame) -> np.ndarray:
    """Square table of self (rows) by peer (columns) ratings over the full scale."""
    both = assessment.dropna(subset=list(RATERS.values()))
    lo = int(assessment["scale_min"].min()) if len(assessment) else 1
    hi = int(assessment["scale_max"].max()) if len(assessment) else 1
    k = hi - lo + 1
    table = np.zeros((k, k), dtype=int)
    idx_self = both["self_rating"].astype(int).to_numpy() - lo
    idx_peer = both["peer_rating"].astype(int).to_numpy() - lo
    np.add.at(table, (idx_self, idx_peer), 1)
    return table


def rating_agreement(
    assessment: pd.DataFrame,
    weights: str | None = "quadratic",
    by: str | list[str] | None = "force",
    rounds: str = "latest",
    confidence: float = 0.95,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Agreement of self and peer ratings: weighted kappa per group.

    Definition: Cohen's weighted kappa over the questions rated by both (see
    :func:`weighted_kappa`); n = questions rated by both. ``observed`` is the weighted
    observed agreement. NaN with a reason when no question has both ratings or the
    ratings do not vary.

    Returns
    -------
    DataFrame
        ``[by...], measure, weights, denominator, value, ci_low, ci_high, se, observed,
        reason``.
    """
    require_columns(
        assessment,
        ["force", "round", *RATERS.values(), "scale_min", "scale_max"],
        table="assessment",
    )
    frame = latest_round(assessment, order) if rounds == "latest" else assessment
    keys = as_list(by)
    groups = frame.groupby(keys, sort=True) if keys else [((), frame)]
    rows = []
    for group, part in groups:
        res = weighted_kappa(agreement_table(part), weights, confidence)
        label = tuple(group) if keys else ()
        rows.append(
            {
                **dict(zip(keys, label, strict=True)),
                "measure": "self_peer_kappa",
                "weights": weights or "none",
                "denominator": res["n"],
                "value": res["kappa"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "se": res["se"],
                "observed": res["observed"],
                "reason": res["reason"],
            }
        )
    return pd.DataFrame(rows).astype({"denominator": "Int64", "reason": "string"})


def paired_gap(
    assessment: pd.DataFrame,
    rounds: str = "latest",
    confidence: float = 0.95,
    order: Sequence[str] | None = None,
) -> dict[str, float | int | str]:
    """Mean self-minus-peer rating over the questions rated by both (paired), with a
    t-interval over those questions.

    Questions answered by one rater only are left out: mixing them in compares different
    questions (the means of :func:`maturity` are over each rater's own answers).

    Returns
    -------
    dict
        ``n`` (questions rated by both), ``value``, ``ci_low``, ``ci_high``, ``reason``.
    """
    require_columns(assessment, ["force", "round", "self_rating", "peer_rating"])
    rows = latest_round(assessment, order) if rounds == "latest" else assessment
    both = rows.dropna(subset=["self_rating", "peer_rating"])
    diff = both["self_rating"].astype(float) - both["peer_rating"].astype(float)
    return mean_ci(diff, confidence)


def _direction(row: pd.Series) -> str:
    position, measure = row.get("funnel_position"), MEASURES.get(row["measure"])
    if measure is None or measure.higher_is_better is None or pd.isna(position):
        return ""
    if position == "within":
        return "within"
    high = str(position).startswith("above")
    return "better" if high == measure.higher_is_better else "worse"


_GAP_COLUMNS = [
    "force",
    "pillar",
    "self_maturity",
    "peer_maturity",
    "self_scaled",
    "measures_better",
    "measures_worse",
    "measures_within",
    "gap",
]


def maturity_gaps(
    maturity_table: pd.DataFrame,
    case_findings: pd.DataFrame,
    high: float = 2 / 3,
    low: float = 1 / 3,
) -> pd.DataFrame:
    """Gaps between stated (self) maturity and the case measures of the same pillar.

    A pillar's case evidence counts its measures whose funnel position is significantly
    better or worse than the comparator (beyond the 95% limits, read with the measure's
    direction). The gap is ``stated above evidence`` when the scaled self maturity is at
    least ``high`` while some measure is worse and none better; ``stated below evidence``
    when it is at most ``low`` while some measure is better and none worse;
    ``consistent`` otherwise; ``no case evidence`` when no measure of the pillar has a
    funnel position (e.g. learning and wellbeing, which case data do not measure).

    Parameters
    ----------
    maturity_table
        Output of :func:`maturity` at pillar level.
    case_findings
        Rows with ``pillar, measure, funnel_position`` (e.g. the findings of a force).

    Returns
    -------
    DataFrame
        ``force, pillar, self_maturity, peer_maturity, self_scaled, measures_better,
        measures_worse, measures_within, gap``.
    """
    wide = maturity_table.pivot_table(
        index=["force", "pillar"],
        columns="rater",
        values=["value", "value_scaled"],
        aggfunc="first",
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index()
    evidence = case_findings.assign(direction=case_findings.apply(_direction, axis=1))
    counts = (
        evidence[evidence["direction"] != ""]
        .groupby(["pillar", "direction"])
        .size()
        .unstack(fill_value=0)
    )
    rows = []
    for _, row in wide.iterrows():
        got = counts.loc[row["pillar"]] if row["pillar"] in counts.index else pd.Series(dtype=int)
        better, worse = int(got.get("better", 0)), int(got.get("worse", 0))
        within = int(got.get("within", 0))
        scaled = row.get("value_scaled_self", np.nan)
        if better + worse + within == 0:
            gap = "no case evidence"
        elif pd.notna(scaled) and scaled >= high and worse and not better:
            gap = "stated above evidence"
        elif pd.notna(scaled) and scaled <= low and better and not worse:
            gap = "stated below evidence"
        else:
            gap = "consistent"
        rows.append(
            {
                "force": row["force"],
                "pillar": row["pillar"],
                "self_maturity": row.get("value_self", np.nan),
                "peer_maturity": row.get("value_peer", np.nan),
                "self_scaled": scaled,
                "measures_better": better,
                "measures_worse": worse,
                "measures_within": within,
                "gap": gap,
            }
        )
    counts = dict.fromkeys(("measures_better", "measures_worse", "measures_within"), "Int64")
    return pd.DataFrame(rows, columns=_GAP_COLUMNS).astype({**counts, "gap": "string"})
