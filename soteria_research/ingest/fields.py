"""Source columns as distinct values, and the converters that work on them.

A :class:`Column` splits a raw text column into its distinct trimmed texts and, per row,
the index of its text (``-1`` when missing: blank, or a spreadsheet error string such as
``#VALUE!``). Every converter works on the distinct texts and is spread back to the rows
with :meth:`Column.spread`, so a million rows cost what their few thousand distinct
values cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteria_research import normalise, reference
from soteria_research.errors import UnknownValueError
from soteria_research.ingest import codes, dates
from soteria_research.ingest.mapping import fold

STRING = pd.StringDtype("pyarrow")
_FLOAT_WHOLE = re.compile(r"^(\d+)\.0+$")
_RECORDING_CODE = re.compile(r"^(n100|c[1-5])$")


@dataclass(frozen=True)
class Column:
    """A source column as distinct texts plus the per-row index into them."""

    codes: np.ndarray
    texts: pd.Series

    @classmethod
    def of(cls, values: pd.Series | None, n: int, missing: frozenset[str]) -> Column:
        """Split a raw column; ``missing`` holds case-folded texts that mean "no value"."""
        if values is None:
            return cls(np.full(n, -1, dtype=np.int64), pd.Series([], dtype=STRING))
        raw_codes, uniques = pd.factorize(values)
        stripped = pd.Series(uniques, dtype=STRING).str.strip()
        gone = stripped.str.casefold().isin(missing).to_numpy(dtype=bool, na_value=True)
        new_index = np.where(gone, -1, np.cumsum(~gone) - 1)
        row_codes = np.append(new_index, -1)[raw_codes]
        return cls(row_codes.astype(np.int64), stripped[~gone].reset_index(drop=True))

    @property
    def present(self) -> np.ndarray:
        return self.codes >= 0

    def spread(self, per_text, fill=None):
        """Per-row values from one value per distinct text (``fill`` where missing)."""
        if isinstance(per_text, np.ndarray):
            return np.append(per_text, np.asarray([fill], dtype=per_text.dtype))[self.codes]
        return per_text.take(self.codes, allow_fill=True, fill_value=fill)


def text_list(column: Column) -> list[str]:
    return column.texts.tolist()


def category(column: Column, kind: str, mapped: dict) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Canonical sex / ethnicity / relationship: ``unknown`` when missing or unrecognised.

    Returns the values and the per-row mask of unrecognised (present but unknown) texts.
    """
    found = codes.lookup(text_list(column), kind, mapped)
    known = np.array([v is not None for v in found], dtype=bool)
    values = pd.array([v if v is not None else "unknown" for v in found], dtype=STRING)
    return column.spread(values, "unknown"), column.spread(~known, False)


def yes_no(column: Column, mapped: dict) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Canonical yes/no as nullable boolean; NA (and counted) when unrecognised."""
    found = codes.lookup(text_list(column), "yes_no", mapped)
    known = np.array([v is not None for v in found], dtype=bool)
    values = pd.array(found, dtype="boolean")
    return column.spread(values), column.spread(~known, False)


def date(column: Column, formats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parsed dates, and per-row masks of unparseable and implausible (pre-1901) texts."""
    parsed, implausible = dates.parse_texts(column.texts, formats)
    unparsed = np.isnat(parsed) & ~implausible
    return (
        column.spread(parsed, np.datetime64("NaT")),
        column.spread(unparsed, False),
        column.spread(implausible, False),
    )


def age(column: Column) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Whole-number age 0-120 as Int64; NA (and counted) otherwise."""
    numbers = pd.to_numeric(column.texts, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers <= 120) & (np.floor(numbers) == numbers)
    values = pd.array(np.where(ok, numbers, np.nan), dtype="Float64").astype("Int64")
    return column.spread(values), column.spread(~ok, False)


def age_bands(ages: pd.api.extensions.ExtensionArray, edges: list[int]) -> pd.api.extensions.ExtensionArray:
    """Band labels (``0-12`` ... ``50+``) from band edges; ``unknown`` where age is NA."""
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-2], edges[1:-1], strict=True)]
    labels.append(f"{edges[-2]}+")
    values = np.asarray(ages.to_numpy(dtype="float64", na_value=np.nan))
    index = np.searchsorted(np.asarray(edges[1:-1]), values, side="right")
    index = np.where(np.isnan(values) | (values < edges[0]), -1, np.minimum(index, len(labels) - 1))
    return pd.array(labels, dtype=STRING).take(index, allow_fill=True, fill_value="unknown")


def offence(column: Column, mapped: dict) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Home Office offence code per row (NA where unknown), and the per-row unknown mask."""
    out: list[str | None] = []
    for text in text_list(column):
        found = mapped.get(fold(text))
        if found is None:
            try:
                found = normalise.offence_code(text)
            except UnknownValueError:
                found = None
        out.append(found)
    known = np.array([v is not None for v in out], dtype=bool)
    return column.spread(pd.array(out, dtype=STRING)), column.spread(~known, False)


def offence_subgroup(offence_codes: pd.api.extensions.ExtensionArray):
    table = reference.offences().set_index("code")["subgroup"]
    return pd.Series(offence_codes).map(table).astype(STRING).array


def outcome(column: Column, mapped: dict) -> dict[str, np.ndarray]:
    """Outcome type (``-1`` where unknown), alternate flag, and masks of unknown texts.

    Returns a dict with ``type``, ``alternate``, ``unknown`` and ``recording_code``
    (N100 / C1-C5: crime-recording decisions, not outcomes).
    """
    kinds, alternates, recording = [], [], []
    for text in text_list(column):
        found = mapped.get(fold(text))
        if found is None:
            try:
                found = normalise.outcome(_FLOAT_WHOLE.sub(r"\1", text))
            except UnknownValueError:
                found = None
        kinds.append(found.type if found is not None else -1)
        alternates.append(bool(found.alternate) if found is not None else False)
        recording.append(found is None and bool(_RECORDING_CODE.match(fold(text))))
    kind = np.asarray(kinds, dtype=np.int64)
    return {
        "type": column.spread(kind, -1),
        "alternate": column.spread(np.asarray(alternates, dtype=bool), False),
        "unknown": column.spread((kind < 0) & ~np.asarray(recording, dtype=bool), False),
        "recording_code": column.spread(np.asarray(recording, dtype=bool), False),
    }


def outcome_groups(outcome_type: np.ndarray) -> pd.api.extensions.ExtensionArray:
    table = reference.outcomes()
    lookup = np.full(int(table["type"].max()) + 2, None, dtype=object)
    lookup[table["type"].to_numpy()] = table["group"].to_numpy()
    labels = pd.array(list(lookup), dtype=STRING)
    index = np.where(outcome_type >= 0, outcome_type, -1)
    return labels.take(index, allow_fill=True)
