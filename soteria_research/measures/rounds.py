"""Change between self-assessment rounds: paired, with intervals.

A force rates the same key questions in each round, so change is measured on pairs: the
same question (for one force) or the same force (for the national picture) in both
rounds. Each change carries its number of pairs, a paired t-interval of the mean change
(``scipy.stats.ttest_rel``) and a Wilcoxon signed-rank p-value (``scipy.stats.wilcoxon``),
which does not lean on the ratings being interval-scaled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from soteria_research.errors import ParameterError
from soteria_research.ingest.rounds import order_rounds
from soteria_research.measures.frames import require_columns

RATERS = {"self": "self_rating", "peer": "peer_rating"}
ONE_ROUND = "only one assessment round"
TOO_FEW_PAIRS = "fewer than two questions rated in both rounds"
COLUMNS = [
    "pillar",
    "rater",
    "from_round",
    "to_round",
    "denominator",
    "mean_from",
    "mean_to",
    "value",
    "ci_low",
    "ci_high",
    "t_p_value",
    "wilcoxon_p_value",
    "improved",
    "worsened",
    "reason",
]


def paired_change(before: np.ndarray, after: np.ndarray, confidence: float = 0.95) -> dict:
    """Mean paired change ``after - before`` with its t-interval and two p-values.

    Returns
    -------
    dict
        denominator (pairs), mean_from, mean_to, value (mean change), ci_low, ci_high,
        t_p_value, wilcoxon_p_value (NaN when every change is zero), improved, worsened
        (pairs that went up or down), reason (empty when defined).
    """
    before, after = np.asarray(before, float), np.asarray(after, float)
    ok = np.isfinite(before) & np.isfinite(after)
    before, after = before[ok], after[ok]
    diff = after - before
    out = {
        "denominator": len(diff),
        "mean_from": before.mean() if len(diff) else np.nan,
        "mean_to": after.mean() if len(diff) else np.nan,
        "value": diff.mean() if len(diff) else np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "t_p_value": np.nan,
        "wilcoxon_p_value": np.nan,
        "improved": int((diff > 0).sum()),
        "worsened": int((diff < 0).sum()),
        "reason": "",
    }
    if len(diff) < 2:
        out["reason"] = TOO_FEW_PAIRS
        return out
    if np.all(diff == diff[0]):
        out.update(ci_low=diff[0], ci_high=diff[0])
    else:
        test = stats.ttest_rel(after, before)
        interval = test.confidence_interval(confidence)
        out.update(ci_low=interval.low, ci_high=interval.high, t_p_value=test.pvalue)
    if np.any(diff != 0):
        out["wilcoxon_p_value"] = stats.wilcoxon(after, before).pvalue
    return out


def _round_pair(rounds: list[str], from_round: str | None, to_round: str | None):
    to_round = to_round or (rounds[-1] if rounds else None)
    place = rounds.index(to_round) if to_round in rounds else 0
    earlier = rounds[:place]  # rounds are in their real order, never compared as text
    from_round = from_round or (earlier[-1] if earlier else None)
    return from_round, to_round


def round_change(
    assessment: pd.DataFrame,
    rater: str = "self",
    from_round: str | None = None,
    to_round: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each force's change in pillar maturity between two rounds, paired by question.

    Parameters
    ----------
    assessment : pandas.DataFrame
        The assessment table: force, round, pillar, question_id and the rating column.
    rater : str
        ``"self"`` or ``"peer"``.
    from_round, to_round : str, optional
        Rounds to compare; default each force's latest round and the one before it.
    confidence : float

    Returns
    -------
    pandas.DataFrame
        force, then :data:`COLUMNS`: one row per force and pillar. ``value`` is the
        mean change in rating (positive: more mature), ``denominator`` the questions
        rated in both rounds. A force with one round has rows with ``reason``.
    """
    column = _rating_column(rater)
    require_columns(assessment, ["force", "round", "pillar", "question_id", column], "assessment")
    rows = []
    for force, part in assessment.groupby("force", sort=True):
        rounds = order_rounds(part["round"].astype(str))
        first, last = _round_pair(rounds, from_round, to_round)
        for pillar, questions in part.groupby("pillar", sort=True):
            base = {"force": force, "pillar": pillar, "rater": rater}
            if first is None or first not in rounds or last not in rounds:
                missing = ONE_ROUND if len(rounds) < 2 else f"no round {first} and {last}"
                rows.append({**base, "from_round": first, "to_round": last, "reason": missing})
                continue
            wide = questions.pivot_table(column, "question_id", "round", aggfunc="first")
            before = wide.get(first, pd.Series(dtype=float)).astype(float)
            after = wide.get(last, pd.Series(dtype=float)).astype(float)
            before, after = before.align(after)
            est = paired_change(before.to_numpy(), after.to_numpy(), confidence)
            rows.append({**base, "from_round": first, "to_round": last, **est})
    return _tidy(pd.DataFrame(rows), ["force"])


def national_round_change(
    assessment: pd.DataFrame,
    from_round: str,
    to_round: str,
    rater: str = "self",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change in pillar maturity across forces between two rounds, paired by force.

    Each force's pillar maturity (mean rating over its questions) in ``from_round`` is
    paired with the same force's in ``to_round``; forces missing either are left out.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per pillar; ``denominator`` counts forces.
    """
    column = _rating_column(rater)
    require_columns(assessment, ["force", "round", "pillar", column], "assessment")
    means = (
        assessment.assign(_r=assessment[column].astype("Float64"))
        .groupby(["pillar", "force", "round"])["_r"]
        .mean()
        .unstack("round")
    )
    rows = []
    for pillar in sorted(set(assessment["pillar"].astype(str))):
        part = means.loc[pillar] if pillar in means.index.get_level_values(0) else None
        before = part.get(from_round) if part is not None else None
        after = part.get(to_round) if part is not None else None
        if before is None or after is None:
            est = paired_change(np.array([]), np.array([]))
            est["reason"] = f"no force rated in both {from_round} and {to_round}"
        else:
            est = paired_change(before.to_numpy(float), after.to_numpy(float), confidence)
        rows.append(
            {
                "pillar": pillar,
                "rater": rater,
                "from_round": from_round,
                "to_round": to_round,
                **est,
            }
        )
    return _tidy(pd.DataFrame(rows), [])


def _rating_column(rater: str) -> str:
    if rater not in RATERS:
        raise ParameterError(f"rater must be one of {', '.join(RATERS)}, not {rater!r}.")
    return RATERS[rater]


def _tidy(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.reindex(columns=keys + COLUMNS)
    for column in ("denominator", "improved", "worsened"):
        out[column] = pd.array(out[column], dtype="Float64").round().astype("Int64")
    text = [*keys, "pillar", "rater", "from_round", "to_round", "reason"]
    out[text] = out[text].fillna("").astype("string")
    return out.reset_index(drop=True)
