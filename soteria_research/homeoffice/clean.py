"""Cleaning the outcomes table: types, reference names and flags, quirks kept visible.

Forces, offence codes and outcome types go through :mod:`soteria_research.normalise`.
Nothing is silently fixed: negative counts (reclassification between quarters) are kept
and flagged, and blank counts stay missing (NA), never 0.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pandas as pd

from soteria_research import normalise, reference
from soteria_research.errors import DataError, ExtractError, UnknownValueError
from soteria_research.homeoffice.headers import HEADERS
from soteria_research.homeoffice.schema import COLUMNS, DTYPES, validate

log = logging.getLogger(__name__)

#: Offence group the workbench reads by default (the reference data cover its codes).
SEXUAL_OFFENCES = "Sexual offences"
_PUBLISHED = {column: header for header, column in HEADERS.items()}
_YEAR = re.compile(r"^(\d{4})\s*(?:/|-|to)\s*(\d{2}|\d{4})$")
_QUARTER = re.compile(r"^(?:q|quarter)?\s*([1-4])(?:\.0)?$", re.IGNORECASE)
_COUNT = re.compile(r"^-?\d+(?:\.0+)?$")


def _where(raw: pd.DataFrame, mask: pd.Series, limit: int = 3) -> str:
    rows = raw.loc[mask, ["source_row", "source_sheet"]].head(limit)
    sheet = rows["source_sheet"].iloc[0] if len(rows) else ""
    listed = ", ".join(str(r) for r in rows["source_row"])
    more = " ..." if int(mask.sum()) > limit else ""
    return f"row(s) {listed}{more}" + (f" of sheet {sheet!r}" if sheet else "")


def _normalised(
    raw: pd.DataFrame, column: str, func: Callable[[str], object], source: str
) -> pd.Series:
    """Apply a normaliser to each distinct value, naming the row of an unknown one."""
    mapping = {}
    for value in raw[column].unique():
        try:
            mapping[value] = func(value)
        except UnknownValueError as exc:
            where = _where(raw, raw[column] == value, limit=1)
            raise DataError(f"{source}: column {_PUBLISHED[column]!r}, {where}: {exc}") from exc
    return raw[column].map(mapping)


def financial_year(value: str) -> str:
    """Write a financial year as ``2017/18`` (from "2017-18", "2017/2018", "2017 to 2018")."""
    match = _YEAR.match(value.strip())
    if match:
        first, second = int(match.group(1)), int(match.group(2)[-2:])
        if (first + 1) % 100 == second:
            return f"{first}/{second:02d}"
    raise UnknownValueError("financial year", value, [], "Write it as 2017/18.")


def _quarter(value: str) -> int:
    match = _QUARTER.match(value.strip())
    if not match:
        raise UnknownValueError("financial quarter", value, [], "Quarters are 1 to 4.")
    return int(match.group(1))


def _counts(raw: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Whole-number counts; blanks stay NA; anything else is an error naming rows."""
    text = raw[column].str.strip().str.replace(",", "", regex=False)
    bad = text.ne("") & ~text.str.match(_COUNT)
    if bad.any():
        values = ", ".join(repr(v) for v in text[bad].unique()[:3])
        raise DataError(
            f"{source}: column {_PUBLISHED[column]!r} holds {int(bad.sum())} value(s) that "
            f"are not whole numbers ({values}) at {_where(raw, bad)}. Counts must be whole "
            "numbers or blank."
        )
    numbers = pd.to_numeric(text.mask(text.eq("")), errors="raise")
    return numbers.astype("Int64")


def _keep_group(raw: pd.DataFrame, offence_group: str | None, source: str) -> pd.DataFrame:
    if offence_group is None or "offence_group" not in raw:
        return raw
    groups = raw["offence_group"].str.strip()
    keep = groups.str.casefold().eq(offence_group.casefold())
    if not keep.any():
        present = ", ".join(repr(g) for g in sorted(groups.unique())[:6])
        raise ExtractError(
            f"{source}: this looks like the Home Office outcomes table for offence group(s) "
            f"{present}; it holds no {offence_group!r} rows. Use the outcomes file that "
            "covers sexual offences (or the all-offences file)."
        )
    if not keep.all():
        log.info("%s: skipped %d rows of other offence groups", source, int((~keep).sum()))
    return raw[keep]


def _fill_from_reference(table: pd.DataFrame) -> pd.DataFrame:
    """Fill optional columns absent from the file from the reference tables."""
    offences = reference.offences().set_index("code")
    outcomes = reference.outcomes().set_index("type")
    fills = {
        "offence_description": table["offence_code"].map(offences["description"]),
        "offence_group": table["offence_code"].map(offences["group"]),
        "offence_subgroup": table["offence_code"].map(offences["subgroup"]),
        "outcome_description": table["outcome_type"].map(outcomes["description"]),
        "outcome_group": table["outcome_type"].map(outcomes["group"]),
    }
    for column, values in fills.items():
        if column not in table:
            table[column] = values.astype("string")
    if "offence_code_expired" not in table:
        table["offence_code_expired"] = pd.Series(pd.NA, index=table.index, dtype="string")
    return table


def clean_outcomes(
    raw: pd.DataFrame, source: str = "<table>", offence_group: str | None = SEXUAL_OFFENCES
) -> pd.DataFrame:
    """Turn text rows of the outcomes table into the typed, validated loaded table.

    Parameters
    ----------
    raw : DataFrame
        Text columns named as in :data:`~soteria_research.homeoffice.headers.HEADERS`,
        with ``source_row`` and ``source_sheet`` (as :func:`read_raw` returns them).
    source : str
        File named in error messages.
    offence_group : str or None
        Keep rows of this Home Office offence group; None keeps every group (offence
        codes outside the reference data are then kept as given).

    Returns
    -------
    DataFrame
        The columns of :class:`~soteria_research.homeoffice.schema.OutcomesTable`.
    """
    text = raw.copy()
    strings = [c for c in text.columns if c != "source_row"]
    text[strings] = text[strings].apply(lambda column: column.str.strip())
    note_rows = text[["force", "offence_code", "outcome_type"]].eq("").all(axis=1)
    if note_rows.all():
        raise ExtractError(f"{source}: the file has a header but no data rows.")
    text = _keep_group(text[~note_rows], offence_group, source)
    table = pd.DataFrame(index=text.index)
    table["financial_year"] = _normalised(text, "financial_year", financial_year, source)
    table["financial_quarter"] = _normalised(text, "financial_quarter", _quarter, source)
    table["force"] = _normalised(text, "force", normalise.force_name, source)
    # Codes of the sexual offences group must be in the reference data; other groups'
    # codes (read with offence_group=None) are kept as published.
    sexual = (
        text["offence_group"].str.casefold().eq(SEXUAL_OFFENCES.casefold())
        if "offence_group" in text
        else pd.Series(True, index=text.index)
    )
    codes = _normalised(text[sexual], "offence_code", normalise.offence_code, source)
    table["offence_code"] = text["offence_code"].str.upper().where(~sexual, codes)
    table["outcome_type"] = _normalised(
        text, "outcome_type", lambda v: normalise.outcome(v).type, source
    )
    for column in ("offence_description", "offence_group", "offence_subgroup",
                   "offence_code_expired", "outcome_description", "outcome_group"):  # fmt: skip
        if column in text:
            table[column] = text[column].mask(text[column].eq(""))
    table["cohort"] = _counts(text, "cohort", source)
    table["activity"] = _counts(text, "activity", source)
    table["cohort_negative"] = table["cohort"].lt(0).fillna(False).astype("boolean")
    table["activity_negative"] = table["activity"].lt(0).fillna(False).astype("boolean")
    table["source_row"] = text["source_row"].astype("Int64")
    table = _fill_from_reference(table)
    table = table[list(COLUMNS)].astype(DTYPES).reset_index(drop=True)
    return validate(table, source)
