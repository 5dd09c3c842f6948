"""Statistics tables of the case-file review: published through the release, shown with
their intervals as one column (``0.71 (0.55 to 0.86)``)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from soteria_research.disclosure import Protected, render_table_html
from soteria_research.disclosure.outputlog import make_entry

#: Agreement statistics shown, with their labels.
AGREEMENT_LABELS = {
    "cohen_kappa": "Cohen's kappa",
    "gwet_ac1": "Gwet's AC1",
    "krippendorff_alpha": "Krippendorff's alpha",
}


def _text(value: float, low: float, high: float, digits: int) -> str:
    """``0.71 (0.55 to 0.86)``; the estimate alone when an end is missing or the interval
    has no width at the shown precision (``1.00 (no interval: no variation)``).

    >>> _text(0.713, 0.551, 0.862, 2), _text(1.0, 1.0, 1.0, 2)
    ('0.71 (0.55 to 0.86)', '1.00 (no interval: no variation)')
    """
    if pd.isna(value):
        return ""
    if pd.isna(low) or pd.isna(high):
        return f"{value:.{digits}f}"
    if f"{low:.{digits}f}" == f"{high:.{digits}f}":
        return f"{value:.{digits}f} (no interval: no variation)"
    return f"{value:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})"


def statistic_view(
    ctx,
    protected: Protected,
    intervals: Mapping[str, tuple[str, str]],
    n_col: str | None,
    caption: str,
    *,
    digits: int = 2,
    labels: Mapping[str, str] | None = None,
):
    """A published statistics table shown as ``n`` (when ``n_col``) and one ``estimate (low
    to high)`` column per statistic; a withheld estimate shows as withheld."""
    table, mask = protected.table, protected.mask
    first = [n_col] if n_col else []
    view, marks = table[first].copy(), mask[first].copy()
    for column, (low, high) in intervals.items():
        shown = (labels or {}).get(column, column)
        view[shown] = [
            _text(v, a, b, digits) or pd.NA
            for v, a, b in zip(table[column], table[low], table[high], strict=True)
        ]
        marks[shown] = mask[column]
    shown = dataclasses.replace(protected, table=view, mask=marks.fillna(""))
    return render_table_html(shown, caption, count_columns=first, rules=ctx.rules)


def publish_statistics(
    ctx,
    frame: pd.DataFrame,
    name: str,
    counts: Sequence[str],
    values: Sequence[str],
    reasons: Mapping[object, str],
    keys: Callable[[object, str], str | None],
    depends: Sequence[str] = (),
) -> Protected:
    """Counts and the statistics resting on them (and on the counts ``depends``, published
    elsewhere), each statistic withheld with its counts or for its row's own reason
    (``reasons``: row -> why it may not be published, ``""`` when it may)."""
    pub = ctx.publisher
    table = pd.DataFrame(index=frame.index, columns=[*counts, *values], dtype=float)
    mask = pd.DataFrame("", index=frame.index, columns=table.columns)
    cells = []
    for row in frame.index:
        rests = list(depends)
        for column in counts:
            key = keys(row, column) or pub.key(name, row, column)
            rests.append(key)
            got = pub.number(name, float(frame.at[row, column]), count=True, key=key)
            table.at[row, column] = math.nan if got is None else got
            mask.at[row, column] = "" if got is not None else "withheld"
        for column in values:
            raw = frame.at[row, column]
            why = reasons.get(row, "")
            got = pub.number(name, raw, rests, primary=why, key=pub.key(name, row, column))
            table.at[row, column] = math.nan if got is None else got
            hidden = got is None and not pd.isna(raw)
            mask.at[row, column] = "withheld" if hidden or (why and got is None) else ""
            if mask.at[row, column]:
                cells.append({"row": str(row), "column": column, "suppression": "withheld",
                              "reason": why or "a count it rests on is withheld"})  # fmt: skip
    for column in counts:
        table[column] = table[column].round().astype("Int64")
    entry = make_entry(
        name, "statistic", "protected" if cells else "pass", ctx.rules,
        thresholds=("min_cell_count",),
        rules_applied=["withheld with the counts it rests on", "rule of the statistic"],
        summary=f"{len(cells)} value(s) withheld" if cells else "nothing withheld", cells=cells,
    )  # fmt: skip
    ctx.log.add(entry)
    return Protected(name, table, mask, entry)
