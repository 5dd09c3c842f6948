"""Magnitude tables: dominance (N-K and p%) and the minimum number of contributors.

A magnitude cell is a sum over contributors (days waited, offences per suspect...). As in
ACRO, a cell fails when

* it has fewer than ``min_cell_count`` contributors (threshold rule);
* its ``nk_n`` largest contributors make up more than ``nk_k`` of the total (N-K rule:
  exactly ``nk_k`` passes);
* the total less its two largest contributions is less than ``p_percent`` of the largest
  (p% rule: the second largest contributor could estimate the largest to within p%;
  exactly ``p_percent`` passes).

Comparisons are exact (fractions), so a boundary such as "top two = 90%" is decided by
the rule, not by floating-point rounding. Contributors must be aggregated first (one value
per suspect, per victim...): a person who appears twice counts once.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure.lines import protect_cells
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import (
    PRIMARY,
    SECONDARY,
    SECONDARY_REASON,
    TOTAL,
    Protected,
    add_totals,
)
from soteria_research.errors import DataError

THRESHOLD, NK, P_RATIO = "threshold", "nk-rule", "p-ratio"


def dominance_failures(contributions: Any, rules: Rules | None = None) -> list[str]:
    """The magnitude rules one cell fails (empty when it may be published).

    Parameters
    ----------
    contributions
        The cell's contributions, one per contributor (non-negative).
    rules
        Thresholds; the settings file by default.

    Examples
    --------
    >>> dominance_failures([50, 40] + [1] * 10, Rules())
    []
    >>> dominance_failures([50, 41] + [1] * 9, Rules())
    ['nk-rule']
    >>> dominance_failures([80, 15] + [0.5] * 10, Rules())
    ['nk-rule', 'p-ratio']
    """
    rules = resolve(rules)
    values = sorted((Fraction(v) for v in np.asarray(contributions, float)), reverse=True)
    if any(v < 0 for v in values):
        raise DataError("magnitude contributions must not be negative.")
    if not values:
        return [THRESHOLD] if rules.zeros_disclosive else []
    failed = []
    if len(values) < rules.min_cell_count:
        failed.append(THRESHOLD)
    total = sum(values, Fraction(0))
    if total <= 0:
        return failed + ([P_RATIO] if rules.zeros_disclosive else [])
    if sum(values[: rules.nk_n], Fraction(0)) / total > rules.nk_k_exact:
        failed.append(NK)
    if len(values) < 2 or (total - values[0] - values[1]) / values[0] < rules.p_percent_exact:
        failed.append(P_RATIO)
    return failed


def _reason(failed: list[str], rules: Rules) -> str:
    text = {
        THRESHOLD: f"fewer than {rules.min_cell_count} contributors",
        NK: f"{rules.nk_n} largest contributors exceed {rules.nk_k:.0%} of the total",
        P_RATIO: f"p% rule (p = {rules.p_percent:.0%})",
    }
    return "; ".join(text[f] for f in failed)


def protect_magnitude(
    values: pd.Series,
    contributions: pd.Series,
    rules: Rules | None = None,
    *,
    name: str = "magnitude table",
    margins: bool = False,
) -> Protected:
    """Protect a one-way magnitude table (a total per cell) by the dominance rules.

    Parameters
    ----------
    values
        The published total of each cell, indexed by cell.
    contributions
        One entry per contributor, indexed by the cell it contributes to (the same labels
        as ``values``); the sums must equal ``values``.
    rules
        Thresholds; the settings file by default.
    name
        Name of the output for the log.
    margins
        Publish the grand total as a last row (then a single failing cell is protected
        by secondary suppression).

    Returns
    -------
    Protected
        ``table`` has one column, ``value`` (failing cells ``NA``); ``mask`` gives
        ``primary``/``secondary``; the log names the rules each cell failed.
    """
    rules = resolve(rules)
    labels = list(values.index)
    unknown = set(contributions.index) - set(labels)
    if unknown:
        raise DataError(f"{name}: contributions for cells not in the table: {sorted(unknown)[:5]}")
    grouped = {
        label: contributions.loc[[label]] if label in contributions.index else None
        for label in labels
    }
    sums = np.array([0.0 if g is None else float(g.sum()) for g in grouped.values()])
    given = pd.to_numeric(values, errors="coerce").to_numpy(float, na_value=np.nan)
    off = ~np.isclose(sums, given, rtol=1e-9, atol=1e-9)
    if off.any():
        label = labels[int(np.argmax(off))]
        raise DataError(f"{name}, cell {label!r}: the contributions do not add up to the value.")
    groups = [np.array([]) if g is None else g.to_numpy(float) for g in grouped.values()]
    if margins and len(labels) > 1:
        groups.append(np.concatenate(groups))
    failures = [dominance_failures(g, rules) if rules.enabled else [] for g in groups]
    primary = np.array([bool(f) for f in failures])
    closed = (margins and len(labels) > 1,)
    table_values = add_totals(given, closed)
    hidden = protect_cells(table_values, closed, primary) if rules.enabled else primary
    index = pd.Index(labels + ([TOTAL] if closed[0] else []))
    table = pd.DataFrame({"value": np.where(hidden, np.nan, table_values)}, index=index)
    table = table.astype("Float64")
    marks = np.where(hidden, np.where(primary, PRIMARY, SECONDARY), "")
    mask = pd.DataFrame({"value": marks}, index=index).astype("string")
    cells = [
        {
            "row": str(label),
            "column": "value",
            "suppression": str(mark),
            "reason": _reason(failures[i], rules) if mark == PRIMARY else SECONDARY_REASON,
        }
        for i, (label, mark) in enumerate(zip(index, marks, strict=True))
        if mark
    ]
    status = "unchecked" if not rules.enabled else ("protected" if hidden.any() else "pass")
    entry = make_entry(
        name,
        "magnitude table",
        status,
        rules,
        thresholds=("min_cell_count", "nk_n", "nk_k", "p_percent", "zeros_disclosive"),
        rules_applied=[
            f"at least {rules.min_cell_count} contributors",
            f"N-K dominance (N = {rules.nk_n}, K = {rules.nk_k:.0%})",
            f"p% rule (p = {rules.p_percent:.0%})",
        ],
        summary=f"{int(hidden.sum())} of {len(index)} cells suppressed",
        cells=cells,
    )
    return Protected(name, table, mask, entry, "suppress")
