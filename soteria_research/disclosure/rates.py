"""Rates and percentages from protected counts, suppressed with them.

A rate reveals its numerator whenever its denominator is known, and a numerator reveals
``denominator - numerator`` (for a charge rate: those not charged). So each row is treated
as a small table, numerator and complement adding up to the denominator: when either is
small the other is hidden too, the rate and its interval go with them, and with
``totals_published`` the rows are also protected against their column totals (rows that
add up to a published total, such as forces adding up to England and Wales).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteria_research.disclosure.lines import protect_cells
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import (
    PRIMARY,
    SECONDARY,
    Protected,
    add_totals,
    counts_array,
    primary_mask,
    round_to_base,
)
from soteria_research.errors import DataError

Interval = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def small_reason(rules: Rules) -> str:
    """Published reason for a value hidden because a count behind it is small."""
    zeros = " or zero" if rules.zeros_disclosive else ""
    return f"a count behind this value is below {rules.min_cell_count}{zeros}"


SECONDARY_ROW_REASON = "withheld so that a suppressed value elsewhere cannot be recovered"


def row_suppression(
    numerator: np.ndarray, denominator: np.ndarray, rules: Rules, totals_published: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which numerators and denominators to hide, which rows fail themselves, and any.

    Returns ``(hide_numerator, hide_denominator, primary_row, hide_row)``.
    """
    interior = np.column_stack([numerator, denominator - numerator])
    closed = (totals_published and len(numerator) > 1, True)
    values = add_totals(interior, closed)
    outside = np.zeros(values.shape, bool)
    if closed[0]:
        outside[-1, :] = True  # the totals, published elsewhere: known, not ours to hide
    primary = primary_mask(values, rules) & ~outside
    hidden = protect_cells(values, closed, primary, known=outside, shown=~outside)
    n = len(numerator)
    return hidden[:n, 0], hidden[:n, 2], primary[:n].any(axis=1), hidden[:n].any(axis=1)


def protect_rates(
    frame: pd.DataFrame,
    num_col: str,
    den_col: str,
    rules: Rules | None = None,
    *,
    rate_col: str = "rate",
    ci_cols: Sequence[str] = (),
    scale: float = 1.0,
    totals_published: bool = False,
    interval: Interval | None = None,
    name: str = "rates",
) -> Protected:
    """Rates computed from protected counts and suppressed with them.

    Parameters
    ----------
    frame
        One row per group, with numerator and denominator counts.
    num_col, den_col
        The count columns.
    rules
        Thresholds; the settings file by default.
    rate_col
        Column written with ``scale * numerator / denominator`` from the published counts.
    ci_cols
        Interval columns hidden with the rate (recomputed by ``interval`` when rounding).
    scale
        100 for a percentage.
    totals_published
        The rows add up to totals published elsewhere (protect them against differencing).
    interval
        ``f(numerator, denominator) -> (low, high)`` (already scaled); only used with
        ``method: round``, where intervals must come from the rounded counts.
    name
        Name of the output for the log.

    Returns
    -------
    Protected
        ``table`` is a copy of ``frame`` with the counts (``Int64``), rate and intervals
        hidden as ``NA`` where needed, plus ``suppressed`` and ``suppression_reason``;
        ``mask`` marks the hidden numerators and denominators.
    """
    rules = resolve(rules)
    missing = [c for c in (num_col, den_col, *ci_cols) if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: no column(s) {', '.join(missing)} in {list(frame.columns)}.")
    counts = counts_array(frame[[num_col, den_col]], name)
    num, den = counts[:, 0], counts[:, 1]
    over = num > den
    if over.any():
        raise DataError(
            f"{name}, row {frame.index[int(np.argmax(over))]!r}: {num_col} exceeds {den_col}."
        )
    out = frame.copy()
    hide_num = hide_den = primary = hide = np.zeros(len(num), bool)
    if rules.enabled and rules.method == "round":
        num, den = round_to_base(num, rules.rounding_base), round_to_base(den, rules.rounding_base)
    elif rules.enabled and len(num):
        hide_num, hide_den, primary, hide = row_suppression(num, den, rules, totals_published)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(den > 0, scale * num / np.where(den > 0, den, 1), np.nan)
    out[num_col] = pd.array(np.where(hide_num, np.nan, num), dtype="Float64").astype("Int64")
    out[den_col] = pd.array(np.where(hide_den, np.nan, den), dtype="Float64").astype("Int64")
    out[rate_col] = pd.array(np.where(hide, np.nan, rate), dtype="Float64")
    for col in ci_cols:
        values = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if rules.enabled and rules.method == "round":
            values = np.full(len(out), np.nan)
        out[col] = pd.array(np.where(hide, np.nan, values), dtype="Float64")
    if rules.enabled and rules.method == "round" and interval is not None and ci_cols:
        low, high = interval(num, den)
        out[ci_cols[0]] = pd.array(low, dtype="Float64")
        if len(ci_cols) > 1:
            out[ci_cols[1]] = pd.array(high, dtype="Float64")
    reason = np.where(primary, small_reason(rules), np.where(hide, SECONDARY_ROW_REASON, ""))
    out["suppressed"] = pd.array(hide, dtype="boolean")
    out["suppression_reason"] = pd.array(reason, dtype="string")
    marks = {
        col: np.where(h, np.where(primary, PRIMARY, SECONDARY), "")
        for col, h in ((num_col, hide_num), (den_col, hide_den), (rate_col, hide))
    }
    mask = pd.DataFrame(marks, index=frame.index).astype("string")
    entry = rates_entry(name, mask, rules, totals_published)
    return Protected(name, out, mask, entry, rules.method)


def rates_entry(name: str, mask: pd.DataFrame, rules: Rules, totals: bool) -> dict:
    """Log entry of a protected rate table (rows named by their index labels)."""
    cells = [
        {
            "row": str(row),
            "column": str(col),
            "suppression": mark,
            "reason": small_reason(rules) if mark == PRIMARY else SECONDARY_ROW_REASON,
        }
        for (row, col), mark in mask.stack().items()
        if mark
    ]
    hidden_rows = int(mask.ne("").any(axis=1).sum())
    applied = [
        f"minimum count {rules.min_cell_count} on numerator, denominator and their difference",
        "rates and intervals hidden with their counts",
    ]
    if totals:
        applied.append("secondary suppression against the published totals")
    if not rules.enabled:
        status, summary = "unchecked", "disclosure control is switched off in the settings"
    elif rules.method == "round":
        status = "protected"
        summary = f"counts rounded to the nearest {rules.rounding_base}; rates from rounded counts"
    else:
        status = "protected" if hidden_rows else "pass"
        summary = f"{hidden_rows} of {len(mask)} rates suppressed"
    return make_entry(
        name,
        "rate table",
        status,
        rules,
        thresholds=("min_cell_count", "zeros_disclosive", "rounding_base"),
        rules_applied=applied,
        summary=summary,
        cells=cells,
    )


@dataclass(frozen=True)
class Rate:
    """One protected rate: ``None`` where a value is hidden."""

    numerator: int | None
    denominator: int | None
    rate: float | None
    suppressed: bool
    reason: str


def protect_rate(
    numerator: int, denominator: int, rules: Rules | None = None, *, scale: float = 1.0
) -> Rate:
    """Protect a single rate (numerator, complement and denominator each checked).

    Examples
    --------
    >>> protect_rate(3, 200, Rules()).rate is None
    True
    >>> protect_rate(150, 200, Rules()).rate
    0.75
    """
    frame = pd.DataFrame({"numerator": [numerator], "denominator": [denominator]})
    row = protect_rates(frame, "numerator", "denominator", rules, scale=scale).table.iloc[0]

    def value(x):
        return None if pd.isna(x) else x

    num, den, rate = value(row["numerator"]), value(row["denominator"]), value(row["rate"])
    return Rate(
        None if num is None else int(num),
        None if den is None else int(den),
        None if rate is None else float(rate),
        bool(row["suppressed"]),
        str(row["suppression_reason"]),
    )
