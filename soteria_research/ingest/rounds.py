"""Assessment rounds in their real order.

Round labels are text in the assessment table (``9``, ``2023-1``, ``2023-03-31``) and
must never be compared as text (``"9" > "10"``). Labels are ordered as numbers when all
are numbers, as dates when all are dates (ISO ``2023-03-31``, ``31/03/2023`` or
``March 2023``), by their numbers when all follow one pattern (``2023-1`` < ``2023-10``,
``Round 9`` < ``Round 10``), or by an explicit order. Anything else cannot be ordered
and is refused: the caller says which files hold the labels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from soteria_research.errors import ParameterError

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%B %Y", "%b %Y", "%d %B %Y")
_DIGITS = re.compile(r"(\d+)")


def _as_numbers(labels: list[str]) -> list | None:
    if all(_NUMBER.match(label) for label in labels):
        return [float(label) for label in labels]
    return None


def _date(label: str) -> dt.datetime | None:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(label, pattern)
        except ValueError:
            continue
    return None


def _as_dates(labels: list[str]) -> list | None:
    dates = [_date(label) for label in labels]
    return None if any(d is None for d in dates) else dates


def _as_pattern(labels: list[str]) -> list | None:
    parts = [_DIGITS.split(label.casefold()) for label in labels]
    shapes = {tuple(p[0::2]) for p in parts}
    if len(shapes) != 1 or len(parts[0]) < 2:
        return None
    return [tuple(int(n) for n in p[1::2]) for p in parts]


def round_keys(labels: Sequence[str]) -> list:
    """A sort key for each label (numbers, dates or number tuples, all of one kind).

    Raises
    ------
    ParameterError
        The labels are not all numbers, not all dates, nor all one pattern with numbers.
    """
    labels = [str(label).strip() for label in labels]
    if len(set(labels)) <= 1:
        return [0] * len(labels)
    for parse in (_as_numbers, _as_dates, _as_pattern):
        keys = parse(labels)
        if keys is not None:
            return keys
    raise ParameterError(
        f"Assessment rounds {', '.join(repr(label) for label in sorted(set(labels)))} cannot "
        "be put in order. Label every round of a force the same way: numbers (1, 2), dates "
        "(2023-03-31) or one pattern with numbers (2023-1, 2023-2)."
    )


def order_rounds(labels: Iterable[str], order: Sequence[str] | None = None) -> list[str]:
    """The distinct round labels, earliest first.

    Parameters
    ----------
    labels
        Round labels (repeats allowed).
    order
        An explicit order, earliest first; every label must be in it.

    Examples
    --------
    >>> order_rounds(["10", "9", "9"])
    ['9', '10']
    >>> order_rounds(["2023-10", "2023-2"])
    ['2023-2', '2023-10']
    """
    unique = list(dict.fromkeys(str(label).strip() for label in labels))
    if order is not None:
        order = [str(label).strip() for label in order]
        missing = [label for label in unique if label not in order]
        if missing:
            raise ParameterError(
                f"Assessment round(s) {', '.join(map(repr, missing))} are not in the order "
                f"given ({', '.join(order)}). Add them to it."
            )
        return [label for label in order if label in unique]
    keys = round_keys(unique)
    return [label for _key, label in sorted(zip(keys, unique, strict=True), key=lambda p: p[0])]


def latest_label(labels: Iterable[str], order: Sequence[str] | None = None) -> str:
    """The latest of the labels (see :func:`order_rounds`)."""
    ordered = order_rounds(labels, order)
    if not ordered:
        raise ParameterError("No assessment round to choose from.")
    return ordered[-1]
