"""Single records inside statistics: the ends of a median's distribution-free interval.

A distribution-free interval for a median is a pair of order statistics ``(x_(k),
x_(n-k+1))`` (see :func:`soteria_research.measures.intervals.median_ci`): each end is one
record's value, and ``k - 1`` records lie beyond it. Where fewer than the minimum cell count
lie beyond an end (for 95% intervals, below about n = 35), a reader learns an individual
record's value and that only a handful of records are more extreme ("1 to ..." with n = 11:
one charge a day after recording). This finds every printed median interval, in a table
(a ``median`` column beside a ``95% CI`` column ``a to b`` and a count column) or a sentence
(``median ... (95% CI a to b; n=N)``), whose ends are too close to the extremes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import stats

from soteria_research.disclosure.attack_read import NUMBER, Reading
from soteria_research.disclosure.attack_relations import parse_count

_INTERVAL = re.compile(rf"^\s*({NUMBER}) to ({NUMBER})\s*$")
_SENTENCE = re.compile(
    rf"[Mm]edian[^()]*\((?P<level>\d+)% CI (?P<low>{NUMBER}) to (?P<high>{NUMBER}); "
    rf"n ?= ?(?P<n>{NUMBER})\)"
)


@dataclass(frozen=True)
class RecordExposure:
    """A printed interval whose ends are individual records' values."""

    where: str
    n: int
    beyond: int

    @property
    def message(self) -> str:
        return (
            f"median interval of n = {self.n}: each end is one record's value with only "
            f"{self.beyond} record(s) beyond it"
        )


def records_beyond(n: int, confidence: float = 0.95) -> int | None:
    """Records beyond each end of the order-statistic interval of a median of ``n``."""
    if n <= 0:
        return None
    tail = stats.binom.cdf(np.arange(n), n, 0.5)
    ks = np.nonzero(tail <= (1 - confidence) / 2)[0] + 1
    return int(ks.max()) - 1 if len(ks) else None


def median_exposures(reading: Reading, min_count: int) -> list[RecordExposure]:
    """Printed median intervals with fewer than ``min_count`` records beyond an end."""
    found = []
    for table in reading.tables:
        medians = [c for c in table.columns if "median" in c.lower()]
        intervals = [c for c in table.columns if re.search(r"\bCI\b", c)]
        if not medians or not intervals:
            continue
        level = re.search(r"(\d+)% CI", intervals[0])
        confidence = int(level.group(1)) / 100 if level else 0.95
        for row in table.rows:
            if not _INTERVAL.match(table.cells.get((row, intervals[0]), "")):
                continue
            counts = [parse_count(table.cells.get((row, c), "")) for c in table.count_columns]
            n = next((int(v) for v in counts if v is not None), None)
            beyond = None if n is None else records_beyond(n, confidence)
            if beyond is not None and beyond < min_count:
                where = f"{table.where}, row {row!r}, column {intervals[0]!r}"
                found.append(RecordExposure(where, n, beyond))
    for sentence in reading.sentences:
        for match in _SENTENCE.finditer(sentence.text):
            n = int(match.group("n").replace(",", ""))
            beyond = records_beyond(n, int(match.group("level")) / 100)
            if beyond is not None and beyond < min_count:
                found.append(RecordExposure(f"{sentence.where}: {match.group(0)!r}", n, beyond))
    return found
