"""Plain-English wording of a finding: one line per findings row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from soteria_research import reference
from soteria_research.measures.catalogue import MEASURES


def _number(value: float, unit: str) -> str:
    if unit == "proportion":
        return f"{value * 100:.1f}%"
    if unit == "rating":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _fmt(value: float, unit: str, scale: tuple | None = None) -> str:
    if pd.isna(value):
        return "n/a"
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "rating" and scale and None not in scale and not any(pd.isna(x) for x in scale):
        return f"{value:.1f} on a {scale[0]:g}-{scale[1]:g} scale"
    return _number(value, unit)


_POSITION_TEXT = {
    "within": "within the 95% limits",
    "above95": "above the 95% limit",
    "below95": "below the 95% limit",
    "above998": "above the 99.8% limit",
    "below998": "below the 99.8% limit",
}


def describe(row: Mapping[str, Any], confidence: float = 0.95, scale: tuple | None = None) -> str:
    """One-line plain-English finding for a findings row.

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
        return f"{label}, {row['period']}: not available ({row['reason'] or 'no estimate'})."
    text = f"{label}, {row['period']}: {_fmt(row['value'], measure.unit, scale)}"
    extra = []
    if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        extra.append(
            f"{confidence:.0%} CI {_number(row['ci_low'], measure.unit)} to "
            f"{_number(row['ci_high'], measure.unit)}"
        )
    if measure.unit == "proportion" and pd.notna(row["denominator"]):
        extra.append(f"{int(row['numerator']):,} of {int(row['denominator']):,}")
    elif measure.unit in ("days", "rating") and pd.notna(row["denominator"]):
        extra.append(f"n={int(row['denominator']):,}")
    text += f" ({'; '.join(extra)})" if extra else ""
    if pd.notna(row.get("comparator_value")):
        text += f"; comparator {_fmt(row['comparator_value'], measure.unit)}"
        position = row.get("funnel_position")
        if isinstance(position, str) and position in _POSITION_TEXT:
            text += f", {_POSITION_TEXT[position]}"
    signal = row.get("spc_signal")
    if isinstance(signal, str) and signal != "none" and not signal.startswith("not "):
        text += f"; SPC signal: {signal.replace(':', ' ').replace('_', ' ')}"
    return text + "."
