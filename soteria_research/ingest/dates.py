"""Dates: parsing every declared format, and flagging impossible sequences.

Parsing works on the distinct texts of a column: each declared format is tried, in order,
on what is still unparsed (``excel_serial`` reads spreadsheet day numbers, days since
1899-12-30), then ISO 8601 (``2024-01-31``, which is how dates stored as real dates in
Excel are read). Times are dropped: canonical dates have day precision. Dates outside
1901-2099 are treated as placeholders (``01/01/1900``) and not accepted.

Two-digit years (``%y``) are read with the pivot ``ingest.two_digit_year_pivot`` of
``config/settings.yaml``: with a pivot of 30, ``00``-``30`` are 2000-2030 and ``31``-``99``
are 1931-1999 (so a birth or offence year ``65`` is 1965, not 2065).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research import settings
from soteria_research.errors import ConfigError
from soteria_research.ingest.mapping import EXCEL_SERIAL

UNIT = "datetime64[us]"
EARLIEST = np.datetime64("1901-01-01", "us")
LATEST = np.datetime64("2099-12-31", "us")
_EXCEL_ORIGIN = np.datetime64("1899-12-30", "D")
_SERIAL_RANGE = (367.0, 73050.0)  # 1901-01-01 .. 2099-12-31
DEFAULT_PIVOT = 30
#: Formats tried, in order, to suggest one for a column the declared formats cannot read.
CANDIDATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %H:%M",
    EXCEL_SERIAL,
)

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


def two_digit_pivot() -> int:
    """``ingest.two_digit_year_pivot`` from the settings (two-digit years up to it are 20xx)."""
    try:
        value = settings.load().get("ingest", {}).get("two_digit_year_pivot", DEFAULT_PIVOT)
    except ConfigError:
        return DEFAULT_PIVOT
    if not isinstance(value, int) or not 0 <= value <= 99:
        raise ConfigError(
            f"ingest.two_digit_year_pivot in {settings.paths.settings_file()} must be a whole "
            f"number 0-99, not {value!r}."
        )
    return value


def _with_format(texts: pd.Series, fmt: str, pivot: int) -> np.ndarray:
    parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    days = parsed.dt.floor("D").to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    if "%y" in fmt.replace("%%", ""):  # pandas pivots at 68/69; use the documented pivot
        months = days.astype("datetime64[M]")
        year = months.astype(np.int64) // 12 + 1970
        two = year % 100
        wanted = two + np.where(two <= pivot, 2000, 1900)
        moved = (months + (wanted - year) * 12).astype("datetime64[D]") + (days - months)
        days = np.where(np.isnat(days), days, moved)
    return days.astype(UNIT)


def suggest_format(texts: pd.Series) -> str | None:
    """The candidate format that reads the most of the texts (more than half), or None."""
    texts = pd.Series(texts, dtype="string").dropna().reset_index(drop=True)
    if not len(texts):
        return None
    best, hits = None, len(texts) // 2
    for fmt in CANDIDATE_FORMATS:
        parsed, _ = parse_texts(texts, (fmt,), iso=False)
        found = int((~np.isnat(parsed)).sum())
        if found > hits:
            best, hits = fmt, found
    return best


def parse_texts(
    texts: pd.Series,
    formats: tuple[str, ...],
    pivot: int | None = None,
    *,
    iso: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse date texts with each format in turn.

    Parameters
    ----------
    texts
        Non-missing date texts (typically a column's distinct values).
    formats
        strftime formats or ``excel_serial``, tried in order on what is still unparsed;
        ISO 8601 is tried last (unless ``iso`` is false).
    pivot
        Two-digit years (``%y``) up to it are 20xx, above it 19xx (default: the setting).

    Returns
    -------
    dates, implausible
        ``datetime64[us]`` at day precision (NaT where nothing matched or the date is
        outside 1901-2099), and a mask of texts that parsed to a date outside that range.
    """
    texts = pd.Series(texts, dtype="string").reset_index(drop=True)
    out = np.full(len(texts), np.datetime64("NaT"), dtype=UNIT)
    todo = np.ones(len(texts), dtype=bool)
    pivot = two_digit_pivot() if pivot is None else pivot
    for fmt in (*formats, *(("ISO8601",) if iso else ())):
        if not todo.any():
            break
        index = np.flatnonzero(todo)
        subset = texts.iloc[index]
        read = (
            _excel_serial if fmt == EXCEL_SERIAL else (lambda t, f=fmt: _with_format(t, f, pivot))
        )
        parsed = read(subset)
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
    held = np.bincount(bits, minlength=1 << len(DATE_FLAGS)) > 0  # sorted, as np.unique
    distinct = np.flatnonzero(held)
    codes = (np.cumsum(held) - 1)[bits]
    labels = [
        ";".join(name for p, name in enumerate(DATE_FLAGS) if int(b) >> p & 1) for b in distinct
    ]
    return pd.array(labels, dtype="string"), codes.ravel().astype(np.int64)
