"""One rule for how precisely figures are shown: percentages, days, ratings, p-values.

Every page, table and workbook shows a figure of a given kind the same way:

==============  ==========================  ===================
kind            shown as                    Excel number format
==============  ==========================  ===================
proportion      ``4.2%`` (one decimal)      ``0.0%``
days            ``381 days`` (whole days)   ``#,##0``
rating          ``2.5`` (one decimal)       ``0.0``
count           ``8,300``                   ``#,##0``
odds ratio      ``1.35`` (two decimals)     ``0.00``
p-value         ``p = 0.034``, ``p < 0.001``  ``0.000``
==============  ==========================  ===================

Rounding is half away from zero on the value as written (``0.0415`` -> ``4.2%``), not on
its binary approximation, so a figure checked by hand rounds the same way. A proportion
that is not zero but rounds to 0.0% reads ``< 0.1%`` (and ``> 99.9%`` near one), so a
small non-zero share never shows as nothing. This module imports nothing from the package.

Examples
--------
>>> percent(0.0415), days(394.5), p_value(0.0004), p_value(0.0341)
('4.2%', '395 days', 'p < 0.001', 'p = 0.034')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

PERCENT_DECIMALS = 1
RATING_DECIMALS = 1
RATIO_DECIMALS = 2
P_DECIMALS = 3
#: Below this a p-value reads ``p < 0.001``.
P_FLOOR = 10**-P_DECIMALS
#: What a missing figure shows unless the caller says otherwise.
MISSING = "–"

#: Excel number format of each unit (as the evidence base's ``unit`` column names them).
EXCEL_FORMATS = {
    "proportion": "0." + "0" * PERCENT_DECIMALS + "%",
    "days": "#,##0",
    "rating": "0." + "0" * RATING_DECIMALS,
    "count": "#,##0",
    "ratio": "0." + "0" * RATIO_DECIMALS,
    "p_value": "0." + "0" * P_DECIMALS,
}
#: Short suffix naming the unit in a column header (``Charge rate, %``).
HEADER_SUFFIX = {"proportion": "%", "days": "days", "rating": "rating", "count": "n"}


def is_missing(value: object) -> bool:
    """Whether ``value`` is None, NaN or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half away from zero at ``decimals``, as written in decimal."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def percent(proportion: float | None, missing: str = MISSING) -> str:
    """A proportion (0-1) as a percentage with one decimal: ``0.0415`` -> ``4.2%``."""
    if is_missing(proportion):
        return missing
    exact = Decimal(repr(float(proportion))) * 100  # 0.145 -> 14.5, not 14.4999...
    shown = exact.quantize(Decimal(1).scaleb(-PERCENT_DECIMALS), ROUND_HALF_UP)
    smallest = Decimal(1).scaleb(-PERCENT_DECIMALS)
    if proportion > 0 and shown < smallest:
        return f"< {smallest}%"
    if proportion < 1 and shown > 100 - smallest:
        return f"> {100 - smallest}%"
    return f"{shown}%"


def days(value: float | None, missing: str = MISSING) -> str:
    """Whole days: ``394.5`` -> ``395 days``, ``1`` -> ``1 day``."""
    if is_missing(value):
        return missing
    n = int(rounded(value, 0))
    return f"{n:,} day" if abs(n) == 1 else f"{n:,} days"


def count(value: float | None, missing: str = MISSING) -> str:
    """A count with thousands separators: ``8300`` -> ``8,300``."""
    return missing if is_missing(value) else f"{int(rounded(value, 0)):,}"


def plural(n: float, noun: str, many: str | None = None) -> str:
    """A count with its noun, right for 0, 1 and many: ``plural(1, "force")`` -> ``1 force``,
    ``plural(3, "force")`` -> ``3 forces``, ``plural(2, "is", "are")`` -> ``are`` (a verb:
    the word alone when ``noun`` is a verb given with ``many``).

    >>> plural(0, "action"), plural(1, "action"), plural(1200, "scale")
    ('0 actions', '1 action', '1,200 scales')
    >>> plural(1, "is", "are"), plural(2, "is", "are")
    ('is', 'are')
    """
    one = int(n) == 1
    if many is not None and noun in ("is", "was", "has"):
        return noun if one else many
    word = noun if one else (many or f"{noun}s")
    return f"{int(n):,} {word}"


def rating(value: float | None, missing: str = MISSING) -> str:
    """A mean rating with one decimal: ``2.45`` -> ``2.5``."""
    return missing if is_missing(value) else str(rounded(value, RATING_DECIMALS))


def ratio(value: float | None, missing: str = MISSING) -> str:
    """An odds ratio (or other ratio) with two decimals: ``1.345`` -> ``1.35``."""
    return missing if is_missing(value) else str(rounded(value, RATIO_DECIMALS))


def p_value(p: float | None, missing: str = MISSING) -> str:
    """``p < 0.001`` below 0.001, else three decimals (``p = 0.034``); never ``p = 0``."""
    if is_missing(p):
        return missing
    if p < P_FLOOR:
        return f"p < {Decimal(1).scaleb(-P_DECIMALS)}"
    shown = rounded(p, P_DECIMALS)
    if shown >= 1:
        return f"p > {1 - Decimal(1).scaleb(-P_DECIMALS)}"
    return f"p = {shown}"


_BY_UNIT = {"proportion": percent, "days": days, "count": count, "rating": rating}


def value(figure: float | None, unit: str | None, missing: str = MISSING) -> str:
    """A figure by its unit (``proportion``, ``days``, ``count``, ``rating``).

    An unknown or missing unit shows the figure with up to three significant decimals.
    """
    if is_missing(figure):
        return missing
    show = _BY_UNIT.get(str(unit)) if unit else None
    return show(figure, missing) if show else f"{float(figure):.3g}"


def interval(low: float | None, high: float | None, unit: str | None, missing: str = "") -> str:
    """A confidence interval by its unit: ``3.1% to 5.2%`` (``missing`` when either is)."""
    if is_missing(low) or is_missing(high):
        return missing
    if unit == "days":  # "12 to 30 days", not "12 days to 30 days"
        return f"{count(low)} to {days(high)}"
    return f"{value(low, unit)} to {value(high, unit)}"


def header(label: str, unit: str | None) -> str:
    """A column header naming its unit: ``Charge rate, %``; the label alone if none."""
    suffix = HEADER_SUFFIX.get(str(unit)) if unit else None
    return f"{label}, {suffix}" if suffix else label
