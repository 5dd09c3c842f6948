"""The shape every measure returns, and checks on the frames measures receive.

An estimate row carries ``numerator``, ``denominator``, ``value``, ``ci_low``,
``ci_high`` and a ``reason`` that is empty when the value is defined and says why
when it is NaN (zero denominator, empty group, single force...).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from soteria_research.errors import DataError, ParameterError

#: Columns of an estimate, in order.
ESTIMATE_COLUMNS = ["numerator", "denominator", "value", "ci_low", "ci_high", "reason"]

#: Reasons a value is NaN (used verbatim so they can be filtered on).
NO_CASES = "no cases in the period"
ZERO_DENOMINATOR = "zero denominator"
NOT_RECORDED = "not recorded for any case"
TOO_FEW_VALUES = "too few values for the interval"
SINGLE_FORCE = "single-force input"
NOT_DEFINED = "not defined on this basis"

BASES = ("cohort", "activity")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str = "cases") -> None:
    """Raise :class:`DataError` naming the columns a measure needs and the frame lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"The {table} table lacks column(s) {', '.join(missing)}; "
            f"a measure needs them. Rebuild it with `soteria clean` (see docs/architecture.md)."
        )


def check_basis(basis: str) -> str:
    """Return ``basis`` when it is ``cohort`` or ``activity``; raise otherwise."""
    if basis not in BASES:
        raise ParameterError(f"basis must be 'cohort' or 'activity', not {basis!r}.")
    return basis


def as_list(by: str | Iterable[str] | None) -> list[str]:
    """Grouping columns as a list (``None`` means no grouping)."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def flag(series: pd.Series) -> pd.Series:
    """A nullable boolean column as plain bool, missing counted as False."""
    return series.astype("boolean").fillna(False).astype(bool)
