"""HTML for protected tables, marked so that ``soteria audit`` can check them.

The marking convention (described in ``docs/disclosure.md``):

* the table: ``<table class="sdc-table" data-sdc="protected" data-sdc-method="suppress">``
  (``round`` when counts were rounded, with ``data-sdc-base="5"``);
* a column of counts: its header cell carries ``data-sdc="count"``; a total column
  ``data-sdc="count total"``; other columns (rates, labels) carry no ``count`` token;
* the total row: its row header carries ``data-sdc="total"``;
* a suppressed value: ``<td data-sdc="suppressed">[c]</td>``;
* a cell with nothing to show (not applicable, not estimable, a total of measures that do
  not add up): ``<td data-sdc="na">–</td>``, explained under the table only when the table
  has one.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteria_research.disclosure.rules import (
    NOT_APPLICABLE_MARKER,
    SUPPRESSED_MARKER,
    Rules,
    resolve,
)
from soteria_research.disclosure.suppression import TOTAL, Protected


@dataclass(frozen=True)
class HtmlTable:
    """Rendered HTML that notebooks display as is."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def _is_total(label: object) -> bool:
    parts = label if isinstance(label, tuple) else (label,)
    return any(str(p) == TOTAL for p in parts)


def _label(label: object) -> str:
    if isinstance(label, tuple):
        return " ".join(str(p) for p in label if str(p) != "")
    return str(label)


def _format(value: object, is_count: bool, digits: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        whole = isinstance(value, (int, np.integer))  # a whole number never shows decimals
        if is_count or whole or (float(value).is_integer() and abs(value) >= 1000):
            return f"{round(float(value)):,}"
        return f"{float(value):,.{digits}f}"
    return str(value)


def render_table_html(
    protected: Protected | pd.DataFrame,
    caption: str = "",
    *,
    count_columns: Sequence[object] | None = None,
    rules: Rules | None = None,
    digits: int = 1,
) -> HtmlTable:
    """Render a protected table as marked HTML: suppressed values shown as ``[c]``; in a
    :class:`Protected` table, cells with nothing to show (``NA`` its mask does not mark
    withheld) as ``–`` with a footnote. A plain frame's missing value is left blank (or
    ``[c]`` in a count column): it cannot say whether it was withheld.

    Parameters
    ----------
    protected
        A :class:`Protected` (from ``protect_table``, ``protect_rates``...) or a frame
        whose hidden values are ``NA``.
    caption
        Caption shown above the table.
    count_columns
        Columns holding counts. By default: every column of a frequency table, otherwise
        the integer columns.
    rules
        Thresholds quoted in the note under the table; the settings file by default.
    digits
        Decimal places of non-count numbers.

    Returns
    -------
    HtmlTable
        Has ``_repr_html_``, so a notebook cell shows it.
    """
    rules = resolve(rules)
    if isinstance(protected, Protected):
        frame, mask, method = protected.table, protected.mask, protected.method
        kind = protected.log_entry.get("kind", "")
    else:
        frame, mask, method, kind = protected, None, rules.method, ""
    if count_columns is None:
        count_columns = (
            list(frame.columns)
            if kind == "frequency table"
            else [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])]
        )
    counts = set(count_columns)
    flagged = frame["suppressed"] if "suppressed" in frame.columns else None
    attrs = f'class="sdc-table" data-sdc="protected" data-sdc-method="{method}"'
    if method == "round":
        attrs += f' data-sdc-base="{rules.rounding_base}"'
    out = [f"<table {attrs}>"]
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    corner = html.escape(_label(frame.index.name or ""))
    heads = [f'<th scope="col">{corner}</th>']
    for column in frame.columns:
        tokens = (["count"] if column in counts else []) + (["total"] if _is_total(column) else [])
        mark = f' data-sdc="{" ".join(tokens)}"' if tokens else ""
        heads.append(f'<th scope="col"{mark}>{html.escape(_label(column))}</th>')
    out.append(f"<thead><tr>{''.join(heads)}</tr></thead><tbody>")
    empty = withheld = False
    for i, label in enumerate(frame.index):
        mark = ' data-sdc="total"' if _is_total(label) else ""
        cells = [f'<th scope="row"{mark}>{html.escape(_label(label))}</th>']
        row_hidden = flagged is not None and bool(pd.notna(flagged.iloc[i]) and flagged.iloc[i])
        for j, column in enumerate(frame.columns):
            value = frame.iloc[i, j]
            marked = mask is not None and column in mask.columns and bool(mask.iloc[i][column])
            if pd.api.types.is_scalar(value) and pd.isna(value):
                # with a mask, only the cells it marks were withheld; without one, a missing
                # count can only be a withheld one
                if marked or row_hidden or (column in counts and mask is None):
                    cells.append(f'<td data-sdc="suppressed">{SUPPRESSED_MARKER}</td>')
                    withheld = True
                elif mask is not None:  # the mask says what was withheld: this was not
                    cells.append(f'<td data-sdc="na">{NOT_APPLICABLE_MARKER}</td>')
                    empty = True
                else:  # a plain frame cannot say why a value is missing
                    cells.append("<td></td>")
            else:
                text = html.escape(_format(value, column in counts, digits))
                cells.append(f"<td>{text}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    if withheld or method == "round":  # the note explains marks the table shows
        out.append(f'<p class="sdc-note">{html.escape(note(rules, method))}</p>')
    if empty:
        out.append(f'<p class="sdc-note">{html.escape(NOT_APPLICABLE_NOTE)}</p>')
    return HtmlTable(f'<div class="sdc">{"".join(out)}</div>')


#: The note under a table that has a cell with nothing to show.
NOT_APPLICABLE_NOTE = (
    f"{NOT_APPLICABLE_MARKER}: not applicable (nothing to show here; not withheld)."
)


def note(rules: Rules, method: str) -> str:
    """The note printed under a protected table."""
    if method == "round":
        return f"Counts and totals are rounded independently to the nearest {rules.rounding_base}."
    return (
        f"{SUPPRESSED_MARKER}: withheld because it is below {rules.min_cell_count}, or because "
        "it would let a withheld value be worked out from the totals."
    )
