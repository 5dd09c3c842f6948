"""Guarding charts: a chart is drawn from protected counts, or not drawn at all.

A bar or line chart shows its counts as plainly as a table does. :func:`guard_figure`
protects the counts behind a chart like a table; the chart is then drawn from the
protected counts (suppressed values left out, and a caption saying so), or, when too few
cases stand behind it or every value would be hidden, not drawn, with a short message to
show in its place.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import TOTAL, counts_array, protect_table


@dataclass(frozen=True)
class Decision:
    """Whether and from what to draw a chart.

    Attributes
    ----------
    name
        The chart's name.
    draw
        Draw the chart (from ``table``) or not.
    table
        The protected counts to draw from (hidden values ``NA``: leave them out), without
        totals; ``None`` when the chart is not drawn.
    message
        Text to show instead of the chart when it is not drawn.
    caption
        Text to show under the chart when it is drawn (empty when nothing was hidden).
    log_entry
        The entry for the output log.
    """

    name: str
    draw: bool
    table: pd.DataFrame | None
    message: str
    caption: str
    log_entry: dict[str, Any]

    def _repr_html_(self) -> str:
        text = self.caption if self.draw else self.message
        return f'<p class="sdc-note">{html.escape(text)}</p>' if text else ""


def guard_figure(
    counts: pd.DataFrame | pd.Series,
    rules: Rules | None = None,
    *,
    name: str = "figure",
    margins: bool = False,
) -> Decision:
    """Decide whether a chart may be drawn and from which counts.

    Parameters
    ----------
    counts
        The counts the chart shows (a Series for one bar per category; a frame for
        grouped or stacked bars, lines over time...).
    rules
        Thresholds; the settings file by default.
    name
        The chart's name (for the message and the log).
    margins
        Whether the report also publishes the totals of these counts.

    Returns
    -------
    Decision

    Examples
    --------
    >>> decision = guard_figure(pd.Series({"a": 4, "b": 3}), Rules(), name="Outcomes")
    >>> decision.draw, decision.message
    (False, 'Outcomes: not shown, because fewer than 10 cases stand behind it.')
    """
    rules = resolve(rules)
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    total = float(counts_array(frame, name).sum())
    protected = protect_table(frame, rules, name=name, margins=margins)
    table = protected.table.drop(index=TOTAL, columns=TOTAL, errors="ignore")
    if isinstance(counts, pd.Series):
        table = table.iloc[:, 0].rename(counts.name)
    hidden = int(np.asarray(table.isna()).sum())
    size = int(np.asarray(table.shape).prod())
    status, message, caption = "pass", "", ""
    if rules.enabled and (total < rules.min_cell_count or hidden == size):
        status = "withheld"
        why = (
            f"fewer than {rules.min_cell_count} cases stand behind it"
            if total < rules.min_cell_count
            else "every value in it would have to be withheld"
        )
        message = f"{name}: not shown, because {why}."
    elif rules.enabled and rules.method == "round":
        status = "protected"
        caption = f"Drawn from counts rounded to the nearest {rules.rounding_base}."
    elif rules.enabled and hidden:
        status = "protected"
        caption = (
            f"Drawn from the protected counts: {hidden} of {size} values are withheld "
            f"(below {rules.min_cell_count}, or they would reveal one) and are not drawn."
        )
    elif not rules.enabled:
        status = "unchecked"
    draw = status != "withheld"
    entry = make_entry(
        name,
        "figure",
        status,
        rules,
        thresholds=("min_cell_count", "zeros_disclosive", "rounding_base"),
        rules_applied=[f"counts protected as a table (minimum {rules.min_cell_count})"],
        summary=message or caption or "every value passes",
        cells=protected.log_entry.get("cells", []) if draw else [],
        drawn=draw,
    )
    return Decision(name, draw, table if draw else None, message, caption, entry)
