"""The duplicate rule: which of several rows for one crime is kept.

Applied to rows that passed quarantine, in this order:

1. ``marked_in_source``: the force's own duplicate marker (the mapped ``duplicate_flag``
   column) says yes. The row is removed; ``duplicate_of_row`` is the kept row with the
   same crime reference, if there is one.
2. ``exact_duplicate``: every mapped source column is identical to an earlier row's. The
   first is kept.
3. ``same_crime_reference``: the same crime reference (in the same force) appears again
   with different values. The row kept has the latest outcome date, then the most filled
   mapped fields, then comes last in file and row order (the latest export of the record).

Every removed row is kept in the duplicates table with the rule and the source row of
the row kept in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RULES = ("marked_in_source", "exact_duplicate", "same_crime_reference")


@dataclass(frozen=True)
class Partition:
    """Row positions kept and removed, each removed row's rule (index into ``RULES``) and
    the position of the row kept for the same crime (``-1`` when there is none)."""

    kept: np.ndarray
    removed: np.ndarray
    rule: np.ndarray
    kept_position: np.ndarray


def repeated(keys: np.ndarray) -> np.ndarray:
    """Whether another element holds the same key, for each (``duplicated(keep=False)``),
    by one sort: the keys seen twice are few, so looking them up is cheap."""
    ordered = np.sort(keys)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(twice):
        return np.zeros(len(keys), dtype=bool)
    return pd.Series(keys).isin(np.unique(twice)).to_numpy()


def partition(
    rows: np.ndarray,
    crime_key: np.ndarray,
    source_codes: list[np.ndarray],
    outcome_date: np.ndarray,
    marked: np.ndarray,
    source_present: list[np.ndarray] | None = None,
) -> Partition:
    """Split the given rows into kept and duplicate rows by the rule above.

    Parameters
    ----------
    rows
        Positions of the rows to consider (those not quarantined), ascending.
    crime_key
        Integer id of the (force, crime reference) of every row.
    source_codes
        One array per mapped source column: each row's distinct-value index (``-1`` when
        missing), or any integer key equal for equal values, so equal rows have equal codes.
    source_present
        One mask per mapped source column of the rows holding a value (default: the codes
        that are not negative); needed where codes are keys rather than indices.
    outcome_date
        ``datetime64`` outcome date of every row (NaT when none).
    marked
        The force's own duplicate marker of every row.

    Returns
    -------
    Partition
        Positions refer to the full arrays, like ``rows``.
    """
    rule = np.full(len(crime_key), -1, dtype=np.int64)
    active = np.zeros(len(crime_key), dtype=bool)
    active[rows] = True
    flagged = rows[marked[rows]]
    rule[flagged] = 0
    active[flagged] = False

    if source_present is None:
        source_present = [c >= 0 for c in source_codes]
    live = rows[active[rows]]
    candidates = live[repeated(crime_key[live])]
    if len(candidates):
        columns = [c[candidates] for c in source_codes]
        columns += [p[candidates].astype(np.int64) for p in source_present]
        frame = pd.DataFrame(np.column_stack(columns))
        frame.insert(0, "_crime", crime_key[candidates])
        same = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
        exact = pd.Series(same).duplicated().to_numpy()
        rule[candidates[exact]] = 1
        active[candidates[exact]] = False

        left = candidates[~exact]
        left = left[repeated(crime_key[left])]
        if len(left):
            order = pd.DataFrame(
                {
                    "crime": crime_key[left],
                    "date": outcome_date[left].astype("int64"),  # NaT sorts lowest
                    "filled": sum(p[left].astype(np.int64) for p in source_present),
                    "position": left,
                }
            ).sort_values(["crime", "date", "filled", "position"])
            best = order.groupby("crime", sort=False)["position"].transform("last").to_numpy()
            lost = order["position"].to_numpy()[order["position"].to_numpy() != best]
            rule[lost] = 2
            active[lost] = False

    survivors = rows[active[rows]]
    removed = rows[~active[rows]]
    wanted = crime_key[removed]
    survivors_of = survivors[pd.Series(crime_key[survivors]).isin(wanted).to_numpy()]
    partner = pd.Series(survivors_of, index=crime_key[survivors_of])
    kept_at = partner.reindex(wanted).fillna(-1).to_numpy(dtype=np.int64)
    return Partition(survivors, removed, rule[removed], kept_at)
