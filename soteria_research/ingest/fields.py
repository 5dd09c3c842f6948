"""Source columns as distinct values, and the converters that work on them.

A :class:`Column` splits a raw text column into its distinct trimmed texts and, per row,
the index of its text (``-1`` when missing: blank, or a spreadsheet error string such as
``#VALUE!``). Every converter works on the distinct texts; results go back to the rows
through :meth:`Column.spread` (NumPy arrays at once, text as a :class:`Lazy` that is
taken once for the rows kept), so a million rows cost what their distinct values cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from soteria_research import normalise, reference
from soteria_research.errors import UnknownValueError
from soteria_research.ingest import codes, dates
from soteria_research.ingest.mapping import fold

STRING = pd.StringDtype("pyarrow")
_FLOAT_WHOLE = re.compile(r"^(\d+)\.0+$")
_RECORDING_CODE = re.compile(r"(?:^|\W)(?:n100|c[1-5])(?:\W|$)")
_SPACE = r"[\t\n\f\r ]+"  # as in pseudonymise.normalise_ref


def fixed_width_strings(values: np.ndarray, index: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A ``string`` array of ``values[index]`` (NA where ``-1``) from fixed-width ASCII
    values (NumPy ``S`` dtype), built without a Python object per row."""
    width = values.dtype.itemsize
    valid = index >= 0
    if len(values):
        data = np.ascontiguousarray(values[np.where(valid, index, 0)])
    else:
        data = np.zeros(len(index), dtype=values.dtype)
    offsets = np.arange(0, width * (len(index) + 1), width, dtype=np.int64)
    mask = pa.array(valid, type=pa.bool_()).buffers()[1]
    array = pa.LargeStringArray.from_buffers(
        len(index), pa.py_buffer(offsets), pa.py_buffer(data), mask, int((~valid).sum())
    )
    return pd.arrays.ArrowStringArray(array.cast(pa.string()))


def in_threads(calls: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run independent calls side by side in threads (as many as pyarrow's own pool,
    ``pyarrow.cpu_count()``); results in the order of ``calls``.

    Worth it for calls whose work is in pyarrow or NumPy, which let go of the GIL while
    they run; the results are those of the calls run one after another.
    """
    threads = min(pa.cpu_count(), len(calls))
    if threads <= 1:
        return {name: call() for name, call in calls.items()}
    with ThreadPoolExecutor(threads) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


@dataclass(frozen=True)
class Lazy:
    """Per-row values held as distinct values plus a per-row index (``-1``: ``fill``)."""

    values: pd.api.extensions.ExtensionArray | np.ndarray  # NumPy: fixed-width ASCII
    index: np.ndarray
    fill: object = None

    def __len__(self) -> int:
        return len(self.index)

    def take(self, rows: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
        """The values of the given row positions (all rows when None)."""
        index = self.index if rows is None else self.index[rows]
        if isinstance(self.values, np.ndarray):
            return fixed_width_strings(self.values, index)
        if self.fill is None:
            return self.values.take(index, allow_fill=True)
        values = pd.array([*self.values.tolist(), self.fill], dtype=self.values.dtype)
        return values.take(np.where(index < 0, len(values) - 1, index))


@dataclass(frozen=True)
class Column:
    """A source column as distinct texts plus the per-row index into them."""

    codes: np.ndarray
    texts: pd.Series
    digests: np.ndarray | None = None  # from references(hasher=...): each row's pseudonym
    held: np.ndarray | None = None  # from references(hasher=...): rows holding a reference

    @classmethod
    def of(cls, values: pd.Series | None, n: int, missing: frozenset[str]) -> Column:
        """Split a raw column; ``missing`` holds lower-case texts that mean "no value"."""
        if values is None:
            return cls(np.full(n, -1, dtype=np.int64), pd.Series([], dtype=STRING))
        raw_codes, uniques = pd.factorize(values)
        stripped = pc.utf8_trim_whitespace(pa.array(uniques.array, type=pa.string()))
        gone = pc.is_in(pc.utf8_lower(stripped), value_set=pa.array(sorted(missing)))
        gone = gone.to_numpy(zero_copy_only=False).astype(bool)
        row_codes = raw_codes.astype(np.int64, copy=False)
        if gone.any():  # renumber the texts kept; rows of the missing ones become -1
            new_index = np.where(gone, -1, np.cumsum(~gone) - 1)
            row_codes = np.append(new_index, -1)[row_codes]
        kept = pd.Series(pd.arrays.ArrowStringArray(stripped.filter(pa.array(~gone))))
        return cls(row_codes, kept)

    @classmethod
    def references(
        cls, values: pd.Series | None, n: int, missing: frozenset[str], hasher=None
    ) -> Column:
        """Like :meth:`of`, for references: each text in the form it is hashed in (upper
        case, no spaces, tabs or line breaks), one factorisation of the whole column.

        With ``hasher`` (normalised references as a pyarrow array -> one ``uint64`` keyed
        hash each), every row is hashed at once and nothing is factorised: ``digests``
        holds each row's hash, ``codes`` the same hash as a signed integer (a key for
        grouping rows by reference, not an index: do not :meth:`spread` such a column),
        ``held`` the rows holding a reference, and ``texts`` is left empty. Two references
        are then one only if their pseudonyms are equal, which is what the cases table
        would show anyway.
        """
        if values is None:
            return cls.of(None, n, missing)
        refs = normalised_references(values, missing)
        if hasher is None:
            codes, uniques = pd.factorize(pd.Series(pd.arrays.ArrowStringArray(refs)))
            return cls(codes.astype(np.int64), pd.Series(uniques.array))
        present = refs.is_valid().to_numpy(zero_copy_only=False)
        hashes = np.asarray(hasher(refs), dtype=np.uint64)
        empty = pd.Series([], dtype=STRING)
        return cls(hashes.view(np.int64), empty, hashes, present)

    @property
    def present(self) -> np.ndarray:
        return self.held if self.held is not None else self.codes >= 0

    def spread(self, per_text, fill=None):
        """Per-row values from one value per distinct text (``fill`` where missing).

        NumPy arrays are spread at once; extension arrays come back as :class:`Lazy`.
        """
        if isinstance(per_text, np.ndarray):
            return np.append(per_text, np.asarray([fill], dtype=per_text.dtype))[self.codes]
        return Lazy(per_text, self.codes, fill)


def _plain(array: pa.ChunkedArray | pa.Array) -> bool:
    """Whether every text is ASCII without white space (one scan of the raw bytes), so
    that nothing needs trimming or removing and case folds as ASCII."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is not None and len(data):
            octets = np.frombuffer(data, dtype=np.uint8)
            if (octets == 32).any() or ((octets - 9) <= 4).any() or (octets >= 128).any():
                return False
    return True


def normalised_references(values: pd.Series, missing: frozenset[str]) -> pa.Array:
    """References in the form they are hashed in (NA where missing), as one pyarrow array.

    The form is that of :func:`~soteria_research.ingest.pseudonymise.normalise_ref`. White
    space is trimmed and removed, and case folded beyond ASCII, only when the column holds
    any white space or non-ASCII text.
    """
    array = pa.array(values.array, type=pa.large_string())  # pandas' own type: no copy
    missing_set = pa.array(sorted(missing), type=pa.large_string())
    if _plain(array):  # the usual case: ASCII references without spaces
        gone = pc.is_in(pc.ascii_lower(array), value_set=missing_set)
        upper = pc.ascii_upper(array)
    else:
        stripped = pc.utf8_trim_whitespace(array)
        gone = pc.is_in(pc.utf8_lower(stripped), value_set=missing_set)
        upper = pc.utf8_upper(pc.replace_substring_regex(stripped, _SPACE, ""))
    refs = pc.if_else(gone, pa.scalar(None, pa.large_string()), upper)
    return refs.combine_chunks() if isinstance(refs, pa.ChunkedArray) else refs


def _known(found: list) -> np.ndarray:
    return np.array([v is not None for v in found], dtype=bool)


def category(column: Column, kind: str, mapped: dict) -> tuple[Lazy, np.ndarray]:
    """Canonical sex / ethnicity / relationship (``unknown`` when missing or unrecognised),
    and the per-row mask of unrecognised (present but not understood) texts."""
    found = codes.lookup(column.texts.tolist(), kind, mapped)
    values = pd.array([v if v is not None else "unknown" for v in found], dtype=STRING)
    return column.spread(values, "unknown"), column.spread(~_known(found), False)


def yes_no(column: Column, mapped: dict) -> tuple[Lazy, np.ndarray]:
    """Canonical yes/no as nullable boolean (NA when unrecognised), and the unrecognised mask."""
    found = codes.lookup(column.texts.tolist(), "yes_no", mapped)
    values = pd.array(found, dtype="boolean")
    return column.spread(values), column.spread(~_known(found), False)


def date(column: Column, formats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parsed dates, and per-row masks of unparseable and implausible texts."""
    parsed, implausible = dates.parse_texts(column.texts, formats)
    unparsed = np.isnat(parsed) & ~implausible
    return (
        column.spread(parsed, np.datetime64("NaT")),
        column.spread(unparsed, False),
        column.spread(implausible, False),
    )


def age(column: Column, edges: list[int]) -> tuple[Lazy, Lazy, np.ndarray]:
    """Whole-number age 0-120 (Int64), its band label, and the per-row unreadable mask.

    Band labels come from the edges: ``[0, 13, 16, 18, 25, 35, 50, 120]`` gives ``0-12``,
    ``13-15`` ... ``50+``; ``unknown`` where there is no usable age.
    """
    numbers = pd.to_numeric(column.texts, errors="coerce")
    numbers = numbers.to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers <= 120) & (np.floor(numbers) == numbers)
    ages = pd.array(np.where(ok, numbers, np.nan), dtype="Float64").astype("Int64")
    labels = [f"{lo}-{hi - 1}" for lo, hi in pairwise(edges[:-1])]
    labels.append(f"{edges[-2]}+")
    band = np.searchsorted(np.asarray(edges[1:-1]), np.where(ok, numbers, 0), side="right")
    band = np.where(ok & (numbers >= edges[0]), np.minimum(band, len(labels) - 1), -1)
    bands = pd.array(labels, dtype=STRING).take(band, allow_fill=True, fill_value="unknown")
    return column.spread(ages), column.spread(bands, "unknown"), column.spread(~ok, False)


def offence(column: Column, mapped: dict) -> tuple[Lazy, Lazy, np.ndarray]:
    """Home Office offence code and subgroup (NA where unknown), and the unknown mask."""
    found: list[str | None] = []
    for text in column.texts.tolist():
        code = mapped.get(fold(text))
        if code is None:
            try:
                code = normalise.offence_code(text)
            except UnknownValueError:
                code = None
        found.append(code)
    table = reference.offences().set_index("code")["subgroup"]
    subgroups = pd.array([table.get(v) if v else None for v in found], dtype=STRING)
    return (
        column.spread(pd.array(found, dtype=STRING)),
        column.spread(subgroups),
        column.spread(~_known(found), False),
    )


def outcome(column: Column, mapped: dict) -> dict[str, np.ndarray]:
    """Outcome type (``-1`` where unknown), alternate flag, and masks of unknown texts.

    The mapping's ``codes.outcome`` is tried first, then the standard outcome normaliser.
    Returns ``type``, ``alternate``, ``unknown`` and ``recording_code`` (N100 / C1-C5:
    crime-recording decisions, not outcomes) per row.
    """
    kinds, alternates, recording = [], [], []
    for text in column.texts.tolist():
        found = mapped.get(fold(text))
        if found is None:
            try:
                found = normalise.outcome(_FLOAT_WHOLE.sub(r"\1", text))
            except UnknownValueError:
                found = None
        kinds.append(found.type if found is not None else -1)
        alternates.append(bool(found.alternate) if found is not None else False)
        recording.append(found is None and bool(_RECORDING_CODE.search(fold(text))))
    kind = np.asarray(kinds, dtype=np.int64)
    is_recording = np.asarray(recording, dtype=bool)
    return {
        "type": column.spread(kind, -1),
        "alternate": column.spread(np.asarray(alternates, dtype=bool), False),
        "unknown": column.spread((kind < 0) & ~is_recording, False),
        "recording_code": column.spread(is_recording, False),
    }


def outcome_groups(outcome_type: np.ndarray) -> Lazy:
    """Home Office outcome group of each outcome type (NA where the type is ``-1``)."""
    table = reference.outcomes()
    lookup = np.full(int(table["type"].max()) + 1, None, dtype=object)
    lookup[table["type"].to_numpy()] = table["group"].to_numpy()
    return Lazy(pd.array(list(lookup), dtype=STRING), outcome_type)
