"""Protected tables and figures for report sections, each logged as it is made."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from soteria_research.disclosure import (
    OutputLog,
    Rules,
    guard_figure,
    protect_rates,
    protect_table,
    render_table_html,
)


def count_table(
    counts: pd.DataFrame | pd.Series,
    name: str,
    caption: str,
    rules: Rules,
    log: OutputLog,
    margins: bool = True,
):
    """A frequency table, protected (primary and secondary suppression) and logged."""
    protected = protect_table(counts, rules, name=name, margins=margins)
    log.add(protected.log_entry)
    return protected, render_table_html(protected, caption, rules=rules)


def rate_table(
    frame: pd.DataFrame,
    name: str,
    caption: str,
    rules: Rules,
    log: OutputLog,
    num: str = "numerator",
    den: str = "denominator",
    ci_cols: Sequence[str] = ("ci_low", "ci_high"),
    show: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
):
    """Rates (percent) computed from protected counts, shown with their interval and n."""
    work = frame.copy()
    for column in ci_cols:
        work[column] = work[column].astype(float) * 100
    protected = protect_rates(
        work, num, den, rules, rate_col="rate", ci_cols=list(ci_cols), scale=100.0, name=name
    )
    log.add(protected.log_entry)
    keep = list(
        show
        or [c for c in protected.table.columns if c not in ("suppressed", "suppression_reason")]
    )
    labels = {"ci_low": "95% CI low", "ci_high": "95% CI high", **(labels or {})}
    table = protected.table[keep].rename(columns=labels)
    mask = protected.mask.reindex(columns=keep, fill_value="").rename(columns=labels)
    view = dataclasses.replace(protected, table=table, mask=mask)
    counts = [labels.get(c, c) for c in (num, den) if c in keep]
    return view, render_table_html(view, caption, count_columns=counts, rules=rules)


def guarded_figure(counts: pd.DataFrame | pd.Series, name: str, rules: Rules, log: OutputLog):
    """The disclosure decision for a chart (logged): draw from ``decision.table`` or not."""
    decision = guard_figure(counts, rules, name=name)
    log.add(decision.log_entry)
    return decision
