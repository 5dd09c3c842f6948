"""Dates: parsing every declared format, and flagging impossible sequences.

Parsing works on the distinct texts of a column: each declared format is tried, in order,
on what is still unparsed (``excel_serial`` reads spreadsheet day numbers, days since
1899-12-30), then ISO 8601 (``2024-01-31``, which is how dates stored as real dates in
Excel are read). Times are dropped: canonical dates have day precision. Dates outside
1901-2099 are treated as placeholders (``01/01/1900``) and not accepted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.ingest.mapping import EXCEL_SERIAL

UNIT = "datetime64[us]"
EARLIEST = np.datetime64("1901-01-01", "us")
LATEST = np.datetime64("2099-12-31", "us")
_EXCEL_ORIGIN = np.datetime64("1899-12-30", "D")
_SERIAL_RANGE = (367.0, 73050.0)  # 1901-01-01 .. 2099-12-31

#: Impossible or suspicious sequences, in the order they are listed in ``date_flags``.
DATE_FLAGS = (
    "reported_before_committed",
    "recorded_before_reported",
    "outcome_before_recording",
    "charge_before_report",
    "withdrawal_before_report",
    "device_returned_before_seized",
    "pending_with_outcome_date",
    "recorded_in_future",
    "outcome_in_future",
)


def _excel_serial(texts: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = (numbers >= _SERIAL_RANGE[0]) & (numbers <= _SERIAL_RANGE[1])
    days = np.where(ok, np.floor(np.nan_to_num(numbers)), 0).astype("int64")
    out = (_EXCEL_ORIGIN + days.astype("timedelta64[D]")).astype(UNIT)
    out[~ok] = np.datetime64("NaT")
    return out


def _with_format(texts: pd.Series, fmt: str) -> np.ndarray:
    parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.floor("D").to_numpy(dtype=UNIT, na_value=np.datetime64("NaT"))


def parse_texts(texts: pd.Series, formats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Parse date texts with each format in turn.

    Parameters
    ----------
    texts
        Non-missing date texts (typically a column's distinct values).
    formats
        strftime formats or ``excel_serial``, tried in order on what is still unparsed;
        ISO 8601 is tried last.

    Returns
    -------
    dates, implausible
        ``datetime64[us]`` at day precision (NaT where nothing matched or the date is
        outside 1901-2099), and a mask of texts that parsed to a date outside that range.
    """
    texts = pd.Series(texts, dtype="string").reset_index(drop=True)
    out = np.full(len(texts), np.datetime64("NaT"), dtype=UNIT)
    todo = np.ones(len(texts), dtype=bool)
    for fmt in (*formats, "ISO8601"):
        if not todo.any():
            break
        index = np.flatnonzero(todo)
        subset = texts.iloc[index]
        parsed = _excel_serial(subset) if fmt == EXCEL_SERIAL else _with_format(subset, fmt)
        hit = ~np.isnat(parsed)
        out[index[hit]] = parsed[hit]
        todo[index[hit]] = False
    implausible = ~np.isnat(out) & ((out < EARLIEST) | (out > LATEST))
    out[implausible] = np.datetime64("NaT")
    return out, implausible


def financial_year(dates: np.ndarray) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """``2023/24`` style financial year (April to March) of each date.

    Returns the distinct labels and, per date, the index of its label (``-1`` for NaT).
    """
    stamps = pd.DatetimeIndex(dates)
    start = np.where(stamps.month >= 4, stamps.year, stamps.year - 1)
    valid = ~np.isnat(dates)
    years = np.unique(start[valid]).astype(int) if valid.any() else np.array([], dtype=int)
    labels = pd.array([f"{y}/{(y + 1) % 100:02d}" for y in years], dtype="string")
    codes = np.where(valid, np.searchsorted(years, np.where(valid, start, 0)), -1)
    return labels, codes.astype(np.int64)


def date_flags(
    dates: dict[str, np.ndarray],
    outcome_type: np.ndarray,
    extraction_date: np.datetime64,
) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """``;``-separated sequence anomalies of each row (empty string when none).

    Returns the distinct labels and, per row, the index of its label.

    Parameters
    ----------
    dates
        Canonical date field -> ``datetime64`` array (absent fields are simply not checked).
    outcome_type
        Outcome type per row (``-1`` where unknown).
    extraction_date
        The day the extract was taken.
    """
    n = len(outcome_type)
    nat = np.full(n, np.datetime64("NaT"), dtype=UNIT)

    def get(name: str) -> np.ndarray:
        return dates.get(name, nat)

    def before(a: str, b: str) -> np.ndarray:
        return get(a) < get(b)  # NaT compares False

    extraction = np.datetime64(extraction_date, "us")
    tests = {
        "reported_before_committed": before("reported_date", "committed_date"),
        "recorded_before_reported": before("recorded_date", "reported_date"),
        "outcome_before_recording": before("outcome_date", "recorded_date"),
        "charge_before_report": (outcome_type == 1) & before("outcome_date", "reported_date"),
        "withdrawal_before_report": before("victim_withdrawal_date", "reported_date"),
        "device_returned_before_seized": before("device_returned_date", "device_seized_date"),
        "pending_with_outcome_date": (outcome_type == 0) & ~np.isnat(get("outcome_date")),
        "recorded_in_future": get("recorded_date") > extraction,
        "outcome_in_future": get("outcome_date") > extraction,
    }
    bits = np.zeros(n, dtype=np.int64)
    for position, name in enumerate(DATE_FLAGS):
        bits |= tests[name].astype(np.int64) << position
    distinct, codes = np.unique(bits, return_inverse=True)
    labels = [
        ";".join(name for p, name in enumerate(DATE_FLAGS) if int(b) >> p & 1) for b in distinct
    ]
    return pd.array(labels, dtype="string"), codes.ravel().astype(np.int64)
