"""Tables and figures for report sections, published through the release and logged.

Every function takes the section's context (``ctx.publisher``, ``ctx.rules``,
``ctx.log``): in the release's collect pass the numbers go into the ledger, in the render
pass they come back protected as a whole (:mod:`soteria_research.release.publisher`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from soteria_research.disclosure import Decision, render_table_html
from soteria_research.disclosure.outputlog import make_entry

KEY_ROW = "key"


def count_table(
    ctx: Any,
    counts: pd.DataFrame | pd.Series,
    name: str,
    caption: str,
    *,
    margins: bool = True,
    parts: Mapping[object, Sequence[object]] | None = None,
    keys=None,
    priority: int = 1,
    row_labels: Callable[[object], str] | None = None,
):
    """A frequency table published through the release, and its HTML.

    ``row_labels`` turns a row's code into the words the HTML shows (the ledger keeps the
    codes).
    """
    protected = ctx.publisher.counts(
        counts, name, margins=margins, parts=parts, keys=keys, priority=priority
    )
    ctx.log.add(protected.log_entry)
    return protected, render_table_html(
        _relabelled(protected, row_labels), caption, rules=ctx.rules
    )


def _relabelled(protected: Any, row_labels: Callable[[object], str] | None) -> Any:
    """``protected`` with its rows shown in words (the table and its mask alike)."""
    if row_labels is None:
        return protected
    table = protected.table.rename(index=row_labels)
    mask = protected.mask.rename(index=row_labels) if protected.mask is not None else None
    return dataclasses.replace(protected, table=table, mask=mask)


def rate_table(
    ctx: Any,
    frame: pd.DataFrame,
    name: str,
    caption: str,
    num: str = "numerator",
    den: str = "denominator",
    ci_cols: Sequence[str] = ("ci_low", "ci_high"),
    show: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    *,
    estimate: str | None = None,
    nested: bool = False,
    num_keys=None,
    den_keys=None,
    priority: int = 1,
    row_labels: Callable[[object], str] | None = None,
):
    """Rates (percent) with their interval and counts, published through the release
    (``row_labels`` as in :func:`count_table`)."""
    work = frame.copy()
    for column in ci_cols:
        if column in work.columns:
            work[column] = work[column].astype(float) * 100
    if estimate:
        work[estimate] = work[estimate].astype(float) * 100
    protected = ctx.publisher.rates(
        work,
        name,
        num,
        den,
        estimate=estimate,
        ci_cols=[c for c in ci_cols if c in work.columns],
        nested=nested,
        num_keys=num_keys,
        den_keys=den_keys,
        priority=priority,
    )
    ctx.log.add(protected.log_entry)
    keep = list(show or protected.table.columns)
    labels = {"ci_low": "95% CI low", "ci_high": "95% CI high", **(labels or {})}
    table = protected.table[keep].rename(columns=labels)
    mask = protected.mask.reindex(columns=keep, fill_value="").rename(columns=labels)
    view = dataclasses.replace(protected, table=table, mask=mask)
    counts = [labels.get(c, c) for c in (num, den) if c in keep]
    shown = _relabelled(view, row_labels)
    return view, render_table_html(shown, caption, count_columns=counts, rules=ctx.rules)


def guarded_figure(ctx: Any, counts: pd.Series, name: str) -> Decision:
    """Whether a chart of ``counts`` may be drawn: only from published values, and only when
    every value is published (a chart with gaps would show where a value was withheld)."""
    rules = ctx.rules
    protected = ctx.publisher.counts(counts.rename("n").to_frame(), name, margins=False)
    table = protected.table.iloc[:, 0].rename(counts.name)
    hidden = int(table.isna().sum())
    total = float(pd.to_numeric(counts, errors="coerce").sum())
    draw = not rules.enabled or (hidden == 0 and total >= rules.min_cell_count)
    message = (
        ""
        if draw
        else f"{name}: not shown, because "
        + (
            f"fewer than {rules.min_cell_count} cases stand behind it."
            if total < rules.min_cell_count
            else f"{hidden} of {len(table)} values are withheld by disclosure control."
        )
    )
    entry = make_entry(
        name,
        "figure",
        "pass" if draw else "withheld",
        rules,
        thresholds=("min_cell_count",),
        rules_applied=["drawn only when every value is published by the release"],
        summary=message or "every value published",
        cells=protected.log_entry.get("cells", []),
        drawn=draw,
    )
    ctx.log.add(entry)
    return Decision(name, draw, table if draw else None, message, "", entry)
