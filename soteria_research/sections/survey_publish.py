"""Publishing survey results through the release: shared keys, derived values, views.

Survey tables mix counts of respondents (count cells, protected like any count) with
means, reliabilities and differences computed from them (derived cells, withheld with the
counts they rest on and below the minimum count). :func:`publish_values` adds such derived
values through :meth:`~soteria_research.release.publisher.Publisher.number`, so in the
render pass each value comes back from the protected release (``NA`` where withheld).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from soteria_research.disclosure import Protected, render_table_html
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.release import shared_key

NOT_ESTIMABLE = "not estimable"


def survey_key(unit: str, instrument: str, wave: str, *what: object) -> str:
    """The shared ledger key of a survey count (e.g. respondents in a wave with a score on
    a scale): one quantity, one key, in every table, finding and the national comparison."""
    return shared_key(unit, "survey", instrument, wave, *what)


def too_few(minimum: int) -> str:
    """The primary reason of a value resting on fewer respondents than the minimum."""
    return f"fewer than {minimum} respondents"


def publish_values(
    ctx: Any,
    name: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    depends: Mapping[object, Sequence[str]],
    primary: Mapping[object, str] | None = None,
) -> Protected:
    """Derived values (means, intervals, reliabilities) through the release.

    Parameters
    ----------
    ctx
        A report context with ``publisher``, ``rules`` and ``log``.
    name
        The output's name (its cells are keyed by it, row and column).
    frame
        The raw values, one row per published row.
    columns
        The value columns to publish.
    depends
        Row -> keys of the count cells the row's values rest on.
    primary
        Row -> reason the row fails a rule itself (e.g. too few respondents).

    Returns
    -------
    Protected
        The values as the release publishes them (NaN where withheld) and the mask.
    """
    pub = ctx.publisher
    primary = primary or {}
    values = pd.DataFrame(index=frame.index, columns=list(columns), dtype=float)
    mask = pd.DataFrame("", index=frame.index, columns=list(columns))
    cells = []
    for row in frame.index:
        for column in columns:
            raw = frame.at[row, column]
            reason = primary.get(row, "") or (NOT_ESTIMABLE if pd.isna(raw) else "")
            key = pub.key(name, row, column)
            shown = pub.number(name, raw, list(depends[row]), primary=reason, key=key)
            values.at[row, column] = float("nan") if shown is None else shown
            if pub.collecting:
                continue
            cell = pub.ledger.lookup(key)
            if cell.withheld and cell.reason == NOT_ESTIMABLE:
                continue  # nothing to estimate (e.g. omega of two items): left blank
            if cell.withheld:
                mask.at[row, column] = cell.status
                cells.append(
                    {
                        "row": str(row),
                        "column": str(column),
                        "suppression": cell.status,
                        "reason": cell.reason,
                    }
                )
    status = "unchecked" if not ctx.rules.enabled else ("protected" if cells else "pass")
    entry = make_entry(
        name,
        "statistic",
        status,
        ctx.rules,
        thresholds=("min_cell_count",),
        rules_applied=[
            "withheld below the minimum count of respondents",
            "withheld with any count it rests on (whole-release suppression)",
        ],
        summary=f"{len(cells)} value(s) withheld" if cells else "nothing withheld",
        cells=cells,
    )
    ctx.log.add(entry)
    return Protected(name, values, mask, entry)


def interval_text(low: float, high: float, digits: int = 2) -> str:
    """``low to high``, or empty when either end is withheld."""
    if pd.isna(low) or pd.isna(high):
        return ""
    return f"{low:.{digits}f} to {high:.{digits}f}"


def view(
    ctx: Any,
    parts: Sequence[Protected],
    columns: Mapping[str, tuple[str, str] | tuple[str, str, str]],
    caption: str,
    count_columns: Sequence[str] = (),
    digits: int = 2,
):
    """One rendered table from published parts.

    ``columns`` maps each shown column to ``(part name, column)`` (a value as published)
    or ``(part name, low column, high column)`` (an interval as ``low to high``). The
    mask of the shown cells is kept, so withheld values show as ``[c]``.
    """
    by_name = {p.name: p for p in parts}
    index = parts[0].table.index
    table = pd.DataFrame(index=index)
    mask = pd.DataFrame("", index=index, columns=list(columns))
    for shown, source in columns.items():
        part = by_name[source[0]]
        if len(source) == 2:
            table[shown] = part.table[source[1]].reindex(index)
            mask[shown] = part.mask[source[1]].reindex(index).fillna("")
        else:
            low, high = part.table[source[1]].reindex(index), part.table[source[2]].reindex(index)
            table[shown] = [interval_text(a, b, digits) for a, b in zip(low, high, strict=True)]
            marks = part.mask[source[1]].reindex(index).fillna("")
            mask[shown] = marks.where(marks != "", part.mask[source[2]].reindex(index).fillna(""))
    protected = dataclasses.replace(parts[0], table=table, mask=mask)
    return table, render_table_html(
        protected, caption, count_columns=list(count_columns), rules=ctx.rules, digits=digits
    )
