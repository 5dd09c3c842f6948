"""Reporting periods and the two bases every outcome measure is computed on.

A period is a financial year (``"2023/24"``, April to March), ``"latest"`` (the latest
financial year of recording in the data) or ``"all"`` (every year in the data).

* **cohort**: crimes *recorded* in the period, with their outcomes so far
  (the Home Office "outcomes for offences recorded in quarter" and the bulletins'
  charge rate);
* **activity**: outcomes *assigned* in the period, whatever the recording date
  ("outcomes recorded in quarter").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import check_basis, require_columns

_FY = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A resolved reporting period.

    Attributes
    ----------
    label
        What reports print: ``"2023/24"`` or ``"2021/22 to 2023/24"``.
    years
        The financial years covered, oldest first (empty when the data hold none).
    start, end
        First and last day of the period (NaT when the data hold no years).
    """

    label: str
    years: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp


def year_start(label: str) -> pd.Timestamp:
    """First day (1 April) of a financial year such as ``"2023/24"``."""
    match = _FY.match(label)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ParameterError(
            f"Period {label!r} is not a financial year like '2023/24', 'latest' or 'all'."
        )
    return pd.Timestamp(int(match.group(1)), 4, 1)


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year label (``"2023/24"``) of each date; NA where the date is missing."""
    year = dates.dt.year.astype("Int64") - dates.dt.month.astype("Int64").lt(4).astype("Int64")
    text = year.astype("string") + "/" + ((year + 1) % 100).astype("string").str.zfill(2)
    return text.astype("string")


def resolve_period(cases: pd.DataFrame, period: str | Period = "latest") -> Period:
    """Resolve ``"2023/24"``, ``"latest"`` or ``"all"`` against the cases' financial years.

    A well-formed year absent from the data is kept (its cohort is empty and measures on
    it are NaN with a reason); a malformed one raises :class:`ParameterError`.

    >>> import pandas as pd
    >>> cases = pd.DataFrame({"financial_year": ["2022/23", "2023/24"]})
    >>> resolve_period(cases, "latest").label
    '2023/24'
    """
    if isinstance(period, Period):
        return period
    require_columns(cases, ["financial_year"])
    present = sorted(set(cases["financial_year"].dropna().astype(str)))
    text = str(period).strip().lower()
    if text == "latest":
        years = tuple(present[-1:])
    elif text == "all":
        years = tuple(present)
    else:
        year_start(str(period).strip())
        years = (str(period).strip(),)
    if not years:
        return Period(label=str(period), years=(), start=pd.NaT, end=pd.NaT)
    start = year_start(years[0])
    end = year_start(years[-1]) + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    label = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    return Period(label=label, years=years, start=start, end=end)


def cohort(cases: pd.DataFrame, period: str | Period = "latest") -> pd.DataFrame:
    """Crimes recorded in the period (all outcomes so far, pending included)."""
    resolved = resolve_period(cases, period)
    keep = cases["financial_year"].isin(resolved.years).fillna(False).astype(bool)
    return cases.loc[keep]


def activity(cases: pd.DataFrame, period: str | Period = "latest") -> pd.DataFrame:
    """Crimes whose outcome was assigned in the period, whatever the recording date.

    Pending crimes (outcome type 0) have no outcome date and are never included.
    """
    resolved = resolve_period(cases, period)
    require_columns(cases, ["outcome_date", "outcome_type"])
    if not resolved.years:
        return cases.iloc[0:0]
    dates = cases["outcome_date"]
    keep = dates.ge(resolved.start) & dates.le(resolved.end) & cases["outcome_type"].ne(0)
    return cases.loc[keep.fillna(False).astype(bool)]


def select(cases: pd.DataFrame, period: str | Period, basis: str) -> pd.DataFrame:
    """The rows a measure on ``basis`` (``cohort`` or ``activity``) counts."""
    return cohort(cases, period) if check_basis(basis) == "cohort" else activity(cases, period)
