"""Frequency tables: primary and secondary suppression, or rounding, with totals.

Primary suppression hides every count below ``min_cell_count`` (and zeros when they are
disclosive); secondary suppression (:mod:`.lines`) then hides further cells until no hidden
cell can be recovered from the row totals, the column totals or national totals. With
``method: round`` every count and every total is instead rounded to ``rounding_base``
independently (totals from the unrounded counts), and nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure.lines import protect_cells
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.errors import DataError

TOTAL = "Total"
PRIMARY = "primary"
SECONDARY = "secondary"
SECONDARY_REASON = "would let a suppressed cell be recovered from the totals"
_THRESHOLDS = ("min_cell_count", "zeros_disclosive", "rounding_base")


@dataclass(frozen=True)
class Protected:
    """A table ready to publish.

    Attributes
    ----------
    name
        The output's name (as in the report and the output log).
    table
        Publishable counts (``Int64``): suppressed cells are ``pd.NA``; totals are the
        last row and column (labelled ``Total``) when margins were asked for.
    mask
        Same shape: ``"primary"`` (fails a rule itself), ``"secondary"`` (hidden so that a
        primary cell cannot be recovered) or ``""`` (published).
    log_entry
        The entry for the output log.
    method
        ``"suppress"`` or ``"round"``.
    """

    name: str
    table: pd.DataFrame
    mask: pd.DataFrame
    log_entry: dict[str, Any]
    method: str = "suppress"

    @property
    def suppressed(self) -> pd.DataFrame:
        """Boolean frame of the suppressed cells."""
        return self.mask.ne("")

    def _repr_html_(self) -> str:
        from soteria_research.disclosure.render import render_table_html

        return render_table_html(self).html


def counts_array(counts: pd.DataFrame, name: str) -> np.ndarray:
    """The counts as a float array, refusing missing, negative or fractional values."""
    for column in counts.columns:
        if not pd.api.types.is_numeric_dtype(counts[column]):
            raise DataError(
                f"table {name!r}, column {column!r}: counts must be numbers, "
                f"not {counts[column].dtype}."
            )
    values = counts.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    problems = {
        "is missing (use 0 where the count is truly zero)": np.isnan(values),
        "is negative": values < 0,
        "is not a whole number": np.isfinite(values) & (values != np.round(values)),
    }
    for what, bad in problems.items():
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise DataError(
                f"table {name!r}, row {counts.index[i]!r}, column {counts.columns[j]!r}: "
                f"the count {what}."
            )
    return values


def add_totals(interior: np.ndarray, totals: Sequence[bool]) -> np.ndarray:
    """Append a total position along each axis flagged in ``totals``."""
    values = interior
    for axis, wanted in enumerate(totals):
        if wanted:
            values = np.concatenate([values, values.sum(axis=axis, keepdims=True)], axis=axis)
    return values


def round_to_base(values: np.ndarray, base: int) -> np.ndarray:
    """Round to the nearest multiple of ``base`` (halves up), e.g. 7 -> 5, 8 -> 10."""
    return np.floor(np.asarray(values, float) / base + 0.5) * base


def primary_mask(values: np.ndarray, rules: Rules) -> np.ndarray:
    """Cells failing the minimum-count rule themselves."""
    small = (values > 0) & (values < rules.min_cell_count)
    return small | ((values == 0) & rules.zeros_disclosive)


def primary_reason(rules: Rules) -> str:
    """One reason for every primary cell: the log must not tell a zero from a small count."""
    zeros = " or zero" if rules.zeros_disclosive else ""
    return f"count below {rules.min_cell_count}{zeros}"


def total_labels(index: pd.Index, with_total: bool) -> pd.Index:
    """The labels with ``Total`` appended (a tuple for a MultiIndex) when wanted."""
    if not with_total:
        return index
    total: Any = TOTAL
    if isinstance(index, pd.MultiIndex):
        total = (TOTAL,) + ("",) * (index.nlevels - 1)
    return index.append(pd.Index([total], tupleize_cols=True)).set_names(index.names)


def to_frames(
    values: np.ndarray,
    primary: np.ndarray,
    suppressed: np.ndarray,
    index: pd.Index,
    columns: pd.Index,
    method: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The publishable table (``Int64``, hidden cells ``NA``) and its mask."""
    table = pd.DataFrame(values, index=index, columns=columns).astype("Int64")
    table = table.mask(pd.DataFrame(suppressed, index=index, columns=columns))
    marks = np.where(suppressed, np.where(primary, PRIMARY, SECONDARY), "")
    if method == "round":
        marks = np.full(values.shape, "", dtype=object)
    mask = pd.DataFrame(marks, index=index, columns=columns).astype("string")
    return table, mask


def cell_records(mask: pd.DataFrame, rules: Rules) -> list[dict[str, str]]:
    """The suppressed cells of a mask as log records (labels and reasons, no values)."""
    records = []
    for (row, column), mark in mask.stack().items():
        if mark:
            reason = primary_reason(rules) if mark == PRIMARY else SECONDARY_REASON
            records.append(
                {"row": str(row), "column": str(column), "suppression": mark, "reason": reason}
            )
    return records


def table_entry(
    name: str, kind: str, mask: pd.DataFrame, rules: Rules, applied: list[str], **extra: Any
) -> dict[str, Any]:
    """The log entry of a protected table."""
    n_primary = int(mask.eq(PRIMARY).sum().sum())
    n_secondary = int(mask.eq(SECONDARY).sum().sum())
    if not rules.enabled:
        status, summary = "unchecked", "disclosure control is switched off in the settings"
    elif rules.method == "round":
        status = "protected"
        summary = f"every count and total rounded to the nearest {rules.rounding_base}"
    elif n_primary + n_secondary:
        status = "protected"
        summary = (
            f"{n_primary + n_secondary} of {mask.size} cells suppressed "
            f"({n_primary} primary, {n_secondary} secondary)"
        )
    else:
        status, summary = "pass", f"all {mask.size} cells pass"
    return make_entry(
        name,
        kind,
        status,
        rules,
        thresholds=_THRESHOLDS,
        rules_applied=applied,
        summary=summary,
        cells=cell_records(mask, rules),
        suppressed={PRIMARY: n_primary, SECONDARY: n_secondary},
        **extra,
    )


def applied_rules(rules: Rules, margins: bool, national: bool) -> list[str]:
    """Plain-language list of the checks made on a frequency table."""
    if rules.method == "round":
        return [f"rounding of every count and total to base {rules.rounding_base}"]
    applied = [f"minimum count {rules.min_cell_count}"]
    applied.append("zeros disclosive" if rules.zeros_disclosive else "zeros publishable")
    if margins or national:
        applied.append("secondary suppression against recovery from the totals")
    if national:
        applied.append("national totals published elsewhere taken as known")
    return applied


def protect_table(
    counts: pd.DataFrame | pd.Series,
    rules: Rules | None = None,
    *,
    name: str,
    margins: bool = True,
    national_total: pd.Series | None = None,
) -> Protected:
    """Protect a frequency table (primary and secondary suppression, or rounding).

    Parameters
    ----------
    counts
        Counts without totals: one row per category of one variable, one column per
        category of another (a Series is one column).
    rules
        Thresholds; the settings file by default.
    name
        Name of the output, as the report and the output log show it.
    margins
        Publish row and column totals (a line of one cell gets no total).
    national_total
        Totals of the same units published elsewhere: indexed by the columns when the
        rows are the units (e.g. forces), or by the rows when the columns are. Each line
        against it is protected as if its total were published, whether or not margins
        are shown. To publish a table per force beside national totals, protect every
        force together with :func:`protect_by_unit`.

    Returns
    -------
    Protected

    Examples
    --------
    >>> counts = pd.DataFrame({"charged": [3, 40], "not charged": [50, 60]}, index=["a", "b"])
    >>> protect_table(counts, Rules(), name="example").table.loc["a"].tolist()
    [<NA>, <NA>, 53]
    """
    rules = resolve(rules)
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    if TOTAL in frame.index or TOTAL in frame.columns:
        raise DataError(
            f"table {name!r} already has a {TOTAL!r} row or column: pass the counts without "
            "totals (margins=True adds them after protection)."
        )
    interior = counts_array(frame, name)
    n_rows, n_cols = interior.shape
    row_total = margins and n_rows > 1
    col_total = margins and n_cols > 1
    national_axis = _national_axis(frame, national_total, name, interior)
    closed = (row_total or national_axis == 0, col_total or national_axis == 1)
    values = add_totals(interior, closed)
    shown = np.ones(values.shape, bool)
    known = np.zeros(values.shape, bool)
    if national_axis == 0:
        known[-1, :] = True
        shown[-1, :] = row_total
    elif national_axis == 1:
        known[:, -1] = True
        shown[:, -1] = col_total
    primary = primary_mask(values, rules) & shown
    if rules.method == "round" and rules.enabled:
        values = round_to_base(values, rules.rounding_base)
    if rules.method == "round" or not rules.enabled:
        suppressed = np.zeros(values.shape, bool)
    else:
        suppressed = protect_cells(values, closed, primary, known=known, shown=shown)
    rows = slice(0, -1) if national_axis == 0 and not row_total else slice(None)
    cols = slice(0, -1) if national_axis == 1 and not col_total else slice(None)
    table, mask = to_frames(
        values[rows, cols],
        primary[rows, cols],
        suppressed[rows, cols],
        total_labels(frame.index, row_total),
        total_labels(frame.columns, col_total),
        rules.method,
    )
    entry = table_entry(
        name,
        "frequency table",
        mask,
        rules,
        applied_rules(rules, margins, national_axis is not None),
        shape=[n_rows, n_cols],
        margins=bool(row_total or col_total),
    )
    return Protected(name, table, mask, entry, rules.method)


def _national_axis(
    frame: pd.DataFrame, national: pd.Series | None, name: str, interior: np.ndarray
) -> int | None:
    if national is None:
        return None
    labels = set(national.index)
    if labels == set(frame.columns):
        axis, sums, order = 0, interior.sum(axis=0), frame.columns
    elif labels == set(frame.index):
        axis, sums, order = 1, interior.sum(axis=1), frame.index
    else:
        raise DataError(
            f"table {name!r}: national_total must be indexed by the table's columns (when the "
            f"rows are units) or by its rows; got {sorted(map(str, labels))[:5]}."
        )
    if interior.shape[axis] < 2:
        raise DataError(
            f"table {name!r}: a table of one unit beside national totals gives that unit away "
            "(national minus the other units); protect every unit together with "
            "protect_by_unit."
        )
    given = pd.to_numeric(national.reindex(order), errors="coerce").to_numpy(dtype=float)
    short = np.isnan(given) | (given < sums)
    if short.any():
        label = order[int(np.argmax(short))]
        raise DataError(
            f"table {name!r}: the national total for {label!r} is missing or smaller than "
            "the table's own total; check that both cover the same period and measure."
        )
    return axis
