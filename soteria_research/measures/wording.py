"""Plain-English wording of a finding: one line per findings row, made from its columns.

Every figure a sentence quotes is a column of the same row (value, interval, numerator,
denominator, comparator value and the area it is pooled over, funnel position, SPC
signal), so the sentence of a row published by the release agrees with the row's columns
by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from soteria_research import formatting, reference
from soteria_research.errors import ParameterError
from soteria_research.measures.catalogue import CENSORING_AWARE, MEASURES
from soteria_research.measures.funnel import position_words

#: The finding of a row whose figures disclosure control withheld.
WITHHELD = "Withheld by disclosure control."


def _number(value: float, unit: str) -> str:
    """A figure at the precision every report shows it (:mod:`soteria_research.formatting`:
    half away from zero on the value as written), so a sentence quotes what a table shows."""
    if pd.isna(value):
        return "n/a"
    if unit == "proportion":
        return formatting.percent(value)
    if unit == "rating":
        return formatting.rating(value)
    return formatting.count(value)


def _fmt(value: float, unit: str, scale: tuple | None = None) -> str:
    if pd.isna(value):
        return "n/a"
    if unit == "days":
        return formatting.days(value)
    if unit == "rating" and scale and None not in scale and not any(pd.isna(x) for x in scale):
        return f"{formatting.rating(value)} on a {scale[0]:g}-{scale[1]:g} scale"
    return _number(value, unit)


def _counts(row: Mapping[str, Any], measure: str, unit: str) -> str:
    """What the estimate rests on, in words ("" when no count is published)."""
    num, den = row.get("numerator"), row.get("denominator")
    if pd.isna(den):
        return ""
    den = int(den)
    if measure in CENSORING_AWARE:
        crimes = f"{den:,} crime" + ("" if den == 1 else "s")
        seen = "" if pd.isna(num) else f", {int(num):,} charged within 365 days so far"
        return f"Aalen-Johansen estimate from {crimes}{seen}"
    if unit == "proportion" and pd.notna(num):
        return f"{int(num):,} of {den:,}"
    if unit in ("days", "rating"):
        return f"n={den:,}"
    return ""


def comparator_words(area: str) -> str:
    """The comparator of a finding, named by the area it is pooled over.

    >>> comparator_words("North East")
    'comparator (North East, pooled over every force)'
    """
    return f"comparator ({area}, pooled over every force)"


def _comparator(row: Mapping[str, Any], unit: str) -> str:
    area = row.get("comparator_area")
    if area is None or pd.isna(area) or not str(area).strip():
        raise ParameterError(
            f"findings row of {row['measure']} ({row['period']}) has a comparator_value but "
            "no comparator_area: name the area the comparator is pooled over."
        )
    return f"; {comparator_words(str(area))} {_fmt(row['comparator_value'], unit)}"


def describe(
    row: Mapping[str, Any],
    confidence: float = 0.95,
    scale: tuple | None = None,
    levels: Iterable[float] = (0.95, 0.998),
) -> str:
    """One-line plain-English finding for a findings row, from its columns only.

    ``scale`` is the rating scale of a maturity row; ``levels`` the funnel limits the
    row's ``funnel_position`` was read against. An interval of zero width (every answer
    the same) is not shown as an interval. A comparator value is named by its row's
    ``comparator_area`` (a row with a comparator value and no area raises
    :class:`~soteria_research.errors.ParameterError`).

    >>> describe({"measure": "charge_rate", "period": "2023/24", "value": 0.05,
    ...           "ci_low": 0.0216, "ci_high": 0.1118, "numerator": 5, "denominator": 100,
    ...           "reason": "", "pillar": "suspect_focus"})
    'Charge rate (naive), 2023/24: 5.0% (95% CI 2.2% to 11.2%; 5 of 100).'
    """
    measure = MEASURES[row["measure"]]
    label = measure.label
    if measure.unit == "rating":
        names = reference.pillars().set_index("slug")["name"]
        label += f" ({names.get(row['pillar'], row['pillar'])})"
    if pd.isna(row["value"]):
        return f"{label}, {row['period']}: not available ({row.get('reason') or 'no estimate'})."
    text = f"{label}, {row['period']}: {_fmt(row['value'], measure.unit, scale)}"
    extra = []
    low, high = row.get("ci_low"), row.get("ci_high")
    if pd.notna(low) and pd.notna(high):
        if _number(low, measure.unit) == _number(high, measure.unit):
            if measure.unit == "rating":
                extra.append("every answer the same, so no interval")
        else:
            extra.append(
                f"{confidence:.0%} CI {_number(low, measure.unit)} to {_number(high, measure.unit)}"
            )
    counted = _counts(row, row["measure"], measure.unit)
    if counted:
        extra.append(counted)
    text += f" ({'; '.join(extra)})" if extra else ""
    if pd.notna(row.get("comparator_value")):
        text += _comparator(row, measure.unit)
        position = position_words(row.get("funnel_position"), levels)
        if position:
            text += f", {position}"
    signal = row.get("spc_signal")
    if isinstance(signal, str) and signal != "none" and not signal.startswith("not "):
        text += f"; SPC signal: {signal.replace(':', ' ').replace('_', ' ')}"
    return text + "."
