"""Tables per unit (force) protected together with the national table.

A table for each force published beside the national table (the sum over forces) lets a
reader subtract every other force from the national figure. Protecting them as one
three-way table (unit x row x column, with totals along each way) makes every line across
the units, as well as within each table, hold no hidden cell or at least two, and no
hidden cell solvable from all the published totals together.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from soteria_research.disclosure.lines import protect_cells
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import (
    Protected,
    add_totals,
    applied_rules,
    counts_array,
    primary_mask,
    round_to_base,
    table_entry,
    to_frames,
    total_labels,
)


def protect_by_unit(
    tables: Mapping[str, pd.DataFrame],
    rules: Rules | None = None,
    *,
    name: str,
    margins: bool = True,
    national: str | None = "National",
) -> dict[str, Protected]:
    """Protect the same table for every unit (force) together with the national table.

    A table per force published beside the national table lets a reader subtract the
    other forces from the national figure; protecting them together makes every line
    across the forces hold 0 or at least 2 hidden cells, and no hidden cell solvable.

    Parameters
    ----------
    tables
        One counts table per unit, all with the same rows and columns (missing categories
        are taken as zero).
    rules, margins
        As for :func:`protect_table`.
    national
        Label of the national table (the sum over units), also protected and returned;
        ``None`` when no national table is published.

    Returns
    -------
    dict
        Unit -> :class:`Protected`, plus the national table under its label.
    """
    rules = resolve(rules)
    units = list(tables)
    frames = [t.to_frame() if isinstance(t, pd.Series) else t for t in tables.values()]
    index = frames[0].index
    columns = frames[0].columns
    for frame in frames[1:]:
        index = index.union(frame.index, sort=False)
        columns = columns.union(frame.columns, sort=False)
    frames = [f.reindex(index=index, columns=columns, fill_value=0) for f in frames]
    interior = np.stack(
        [counts_array(f, f"{name} ({u})") for u, f in zip(units, frames, strict=True)]
    )
    closed = (
        national is not None and len(units) > 1,
        margins and len(index) > 1,
        margins and len(columns) > 1,
    )
    values = add_totals(interior, closed)
    primary = primary_mask(values, rules)
    if rules.method == "round" and rules.enabled:
        values = round_to_base(values, rules.rounding_base)
    if rules.method == "round" or not rules.enabled:
        suppressed = np.zeros(values.shape, bool)
    else:
        suppressed = protect_cells(values, closed, primary)
    labels = units + ([national] if closed[0] else [])
    out = {}
    for k, unit in enumerate(labels):
        table, mask = to_frames(
            values[k],
            primary[k],
            suppressed[k],
            total_labels(index, closed[1]),
            total_labels(columns, closed[2]),
            rules.method,
        )
        applied = applied_rules(rules, margins, False)
        if closed[0]:
            applied.append(f"protected together with {len(units) - 1} other units and the total")
        entry = table_entry(f"{name} ({unit})", "frequency table", mask, rules, applied)
        out[unit] = Protected(f"{name} ({unit})", table, mask, entry, rules.method)
    return out
