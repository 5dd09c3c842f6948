"""Data quality of a force's surveys: what was kept, quarantined, flagged and partial."""

from __future__ import annotations

import pandas as pd

KEYS = ["force", "instrument", "wave"]
QUALITY_COLUMNS = (
    "force",
    "instrument",
    "wave",
    "responses",
    "quarantined",
    "answers_set_missing",
    "straightlined",
    "partial",
    "mean_completeness",
    "free_text_respondents",
)


def survey_quality(responses: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """One row per force, instrument and wave.

    Parameters
    ----------
    responses
        A processed survey table (``survey_<instrument>.parquet``), one or more forces.
    problems
        ``survey_problems.parquet`` of the same forces (other instruments are ignored).

    Returns
    -------
    DataFrame
        ``responses`` kept, ``quarantined`` responses, ``answers_set_missing``,
        ``straightlined`` (kept, flagged), ``partial`` (not every item answered),
        ``mean_completeness`` and ``free_text_respondents`` (answered a free-text
        question; the text itself is never kept). Counts are unprotected.
    """
    kept = responses.groupby(KEYS, sort=True).agg(
        responses=("respondent_id", "size"),
        straightlined=("straightlined", "sum"),
        partial=("completeness", lambda c: int((c < 1).sum())),
        mean_completeness=("completeness", "mean"),
        free_text_respondents=("free_text_answers", lambda c: int((c > 0).sum())),
    )
    instruments = set(responses["instrument"].unique())
    mine = problems[problems["instrument"].isin(instruments)]
    counted = (
        mine.assign(
            quarantined=mine["action"].eq("response quarantined"),
            answers_set_missing=mine["action"].eq("answer set to missing"),
        )
        .groupby(KEYS, sort=True)[["quarantined", "answers_set_missing"]]
        .sum()
    )
    table = kept.join(counted, how="outer").reset_index()
    counts = ["responses", "quarantined", "answers_set_missing", "straightlined", "partial"]
    counts.append("free_text_respondents")
    table[counts] = table[counts].fillna(0).astype("Int64")
    table["mean_completeness"] = table["mean_completeness"].astype("Float64")
    return table.reindex(columns=list(QUALITY_COLUMNS))
