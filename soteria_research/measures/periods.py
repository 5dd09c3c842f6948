"""Reporting periods and the two bases every outcome measure is computed on.

A period is a financial year (``"2023/24"``, April to March), ``"latest"`` (the latest
**complete** financial year of recording: one that ended by the extraction date),
``"latest-partial"`` (the latest year in the data, complete or not, labelled ``partial``
when it is not) or ``"all"`` (every year in the data). A named year that the extract
does not cover to its end is labelled partial too. When no year is complete, ``"latest"``
falls back to the latest year, labelled partial. :func:`national_year` is the year complete
for most forces, for national comparisons.

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
    partial: bool = False


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


def year_end(label: str) -> pd.Timestamp:
    """Last day (31 March) of a financial year such as ``"2023/24"``."""
    return year_start(label) + pd.DateOffset(years=1) - pd.Timedelta(days=1)


def _extracted(cases: pd.DataFrame) -> pd.Timestamp:
    """The day the extract was taken (the latest, across rows); NaT when not held."""
    if "extraction_date" not in cases or not len(cases):
        return pd.NaT
    return pd.Timestamp(pd.to_datetime(cases["extraction_date"]).max())


def _years_held(cases: pd.DataFrame) -> list[str]:
    """The distinct financial years of the cases, oldest first."""
    return sorted({str(year) for year in cases["financial_year"].dropna().unique()})


def complete_years(cases: pd.DataFrame) -> list[str]:
    """Financial years in the data that ended by the extraction date, oldest first.

    Without an ``extraction_date`` column every year counts as complete.
    """
    require_columns(cases, ["financial_year"])
    present = _years_held(cases)
    extracted = _extracted(cases)
    if pd.isna(extracted):
        return present
    return [y for y in present if year_end(y) <= extracted.normalize()]


def national_year(cases: pd.DataFrame) -> str | None:
    """The latest financial year complete for most forces (for the national report).

    For each force (``force`` column), the years its extract covers to the end (by its own
    extraction date) are complete. The result is the latest year complete for more than
    half the forces holding data; failing that, the year complete for the most forces (the
    latest on a tie); None when no force has a complete year.

    >>> import pandas as pd
    >>> cases = pd.DataFrame({"force": ["A", "A", "B", "C"],
    ...     "financial_year": ["2023/24", "2024/25", "2023/24", "2023/24"],
    ...     "extraction_date": pd.to_datetime(["2024-09-30"] * 2 + ["2024-06-30"] * 2)})
    >>> national_year(cases)
    '2023/24'
    """
    require_columns(cases, ["force", "financial_year"])
    counts: dict[str, int] = {}
    forces = 0
    for _force, rows in cases.groupby("force", observed=True, sort=True):
        forces += 1
        for year in complete_years(rows):
            counts[year] = counts.get(year, 0) + 1
    if not counts:
        return None
    most = [y for y in sorted(counts) if counts[y] * 2 > forces]
    if most:
        return most[-1]
    return max(sorted(counts), key=lambda y: counts[y] + int(y[:4]) / 1e5)


def _partial_label(year: str, extracted: pd.Timestamp) -> str:
    if pd.isna(extracted):
        return f"{year} (partial)"
    return f"{year} (partial: to {extracted:%d %b %Y})"


def resolve_period(cases: pd.DataFrame, period: str | Period = "latest") -> Period:
    """Resolve ``"2023/24"``, ``"latest"``, ``"latest-partial"`` or ``"all"`` against the
    cases' financial years (see the module docstring).

    A well-formed year absent from the data is kept (its cohort is empty and measures on
    it are NaN with a reason); a malformed one raises :class:`ParameterError`.

    >>> import pandas as pd
    >>> cases = pd.DataFrame({"financial_year": ["2022/23", "2023/24", "2024/25"],
    ...     "extraction_date": pd.Timestamp("2024-09-30")})
    >>> resolve_period(cases, "latest").label
    '2023/24'
    >>> resolve_period(cases, "latest-partial").label
    '2024/25 (partial: to 30 Sep 2024)'
    """
    if isinstance(period, Period):
        return period
    require_columns(cases, ["financial_year"])
    present = _years_held(cases)
    text = str(period).strip().lower()
    if text == "latest":
        complete = complete_years(cases)
        years = tuple(complete[-1:] or present[-1:])
    elif text == "latest-partial":
        years = tuple(present[-1:])
    elif text == "all":
        years = tuple(present)
    else:
        year_start(str(period).strip())
        years = (str(period).strip(),)
    if not years:
        return Period(label=str(period), years=(), start=pd.NaT, end=pd.NaT)
    start = year_start(years[0])
    end = year_end(years[-1])
    label = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    extracted = _extracted(cases)
    partial = not pd.isna(extracted) and end > extracted.normalize() and years[-1] in present
    if partial and len(years) == 1:
        label = _partial_label(years[0], extracted)
    elif partial:
        label = f"{label} (last year partial: to {extracted:%d %b %Y})"
    return Period(label=label, years=years, start=start, end=end, partial=partial)


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
