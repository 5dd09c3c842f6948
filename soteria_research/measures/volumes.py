"""Volumes and monthly series: recorded crimes, outcomes assigned, and monthly shares.

Every series is complete (months with no crimes between the first and last month with
data appear with a zero count) and stops at the last whole month before the extraction
date, so a part-month never looks like a fall.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import as_list, require_columns
from soteria_research.measures.intervals import proportion_estimates

FREQUENCIES = {"month": "M", "quarter": "Q-MAR", "financial_year": "Y-MAR"}


def _bucket(dates: pd.Series, freq: str) -> pd.Series:
    if freq not in FREQUENCIES:
        raise ParameterError(f"freq must be one of {', '.join(FREQUENCIES)}, not {freq!r}.")
    return dates.dt.to_period(FREQUENCIES[freq]).dt.start_time


def last_whole_month(cases: pd.DataFrame) -> pd.Timestamp | None:
    """Start of the last calendar month that ended on or before the extraction date."""
    if "extraction_date" not in cases.columns or cases["extraction_date"].isna().all():
        return None
    extraction = pd.Timestamp(cases["extraction_date"].min())
    month = extraction.to_period("M")
    whole = month if extraction == month.end_time.normalize() else month - 1
    return whole.start_time


def _complete(counts: pd.DataFrame, keys: list[str], freq: str, stop) -> pd.DataFrame:
    """Fill the gaps between the first and last period with data (zero counts), ending at
    ``stop`` when that is earlier (never extended past the data: an extract may hold only
    some financial years)."""
    if counts.empty:
        return counts
    first = counts["period_start"].min()
    last = counts["period_start"].max() if stop is None else min(stop, counts["period_start"].max())
    starts = pd.period_range(first, last, freq=FREQUENCIES[freq]).start_time
    grid = pd.DataFrame({"period_start": starts})
    if keys:
        grid = counts[keys].drop_duplicates().merge(grid, how="cross")
    out = grid.merge(counts, on=[*keys, "period_start"], how="left")
    return out.fillna({c: 0 for c in counts.columns if c not in [*keys, "period_start"]})


def recorded_volumes(
    cases: pd.DataFrame, freq: str = "month", by: str | list[str] | None = None
) -> pd.DataFrame:
    """Crimes recorded per month, quarter or financial year.

    Definition: count of crimes by recording date (the cohort's size). No denominator.

    Returns
    -------
    DataFrame
        ``[by...], period_start, measure ("recorded_crimes"), basis ("recorded"), n``.
    """
    keys = as_list(by)
    require_columns(cases, ["recorded_date", *keys])
    bucket = _bucket(cases["recorded_date"], freq).rename("period_start")
    counts = cases[keys].assign(period_start=bucket).groupby([*keys, "period_start"]).size()
    counts = counts.rename("n").reset_index()
    stop = last_whole_month(cases)
    out = _complete(counts, keys, freq, stop if freq == "month" else None)
    if freq == "month" and stop is not None:
        out = out[out["period_start"] <= stop]
    out["n"] = out["n"].astype("Int64")
    out.insert(len(keys) + 1, "measure", "recorded_crimes")
    out.insert(len(keys) + 2, "basis", "recorded")
    return out.sort_values([*keys, "period_start"]).reset_index(drop=True)


def monthly_outcome_share(
    cases: pd.DataFrame,
    outcome_types: tuple[int, ...] = (1,),
    measure: str = "charge_share",
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Monthly share of outcomes assigned that are of the given types (activity basis).

    Definition: for each month, numerator = outcomes of ``outcome_types`` assigned in the
    month; denominator = all outcomes assigned in the month. Activity basis, so recent
    months are not biased by pending cases (the cohort rate by recording month would be).

    Returns
    -------
    DataFrame
        ``period_start, measure, basis, numerator, denominator, value, ci_low, ci_high,
        reason`` per whole month.
    """
    require_columns(cases, ["outcome_type", "outcome_date"])
    done = cases[cases["outcome_type"].ne(0).fillna(False) & cases["outcome_date"].notna()]
    month = _bucket(done["outcome_date"], "month").rename("period_start")
    hits = done["outcome_type"].isin(outcome_types).fillna(False).astype(int)
    counts = pd.DataFrame({"period_start": month, "_n": hits, "_d": 1})
    counts = counts.groupby("period_start")[["_n", "_d"]].sum().reset_index()
    stop = last_whole_month(cases)
    counts = _complete(counts, [], "month", stop)
    if stop is not None and not counts.empty:
        counts = counts[counts["period_start"] <= stop]
    counts = counts.reset_index(drop=True)
    est = proportion_estimates(counts["_n"], counts["_d"], confidence, method)
    out = counts[["period_start"]].assign(measure=measure, basis="activity")
    return pd.concat([out, est], axis=1)
