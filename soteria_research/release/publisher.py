"""How report sections put numbers into the release and take them back out.

A report is built in two passes over the same section code:

``collect``
    Every table, rate, statistic and number a section would show is added to the
    release ledger with the relations a reader can see (margins, a rate's complement,
    nested stages, parts of a whole); the values are returned unchanged so the section
    runs to the end. The whole release (every force and the national picture) is then
    protected at once (:func:`soteria_research.release.protect`).
``render``
    The same calls look every cell up in the protected ledger and return the published
    values (``NA`` where withheld) with a mask saying why, so tables, sentences and
    figures show only what the release publishes. A cell that was not collected is an
    error: nothing reaches a report that the release did not check.

>>> from soteria_research.release.ledger import Ledger
>>> import pandas as pd
>>> ledger = Ledger()
>>> counts = pd.DataFrame({"n": [3, 40]}, index=["a", "b"])
>>> _ = Publisher("F", ledger, "collect").counts(counts, "t")
>>> from soteria_research.release.protect import protect
>>> _ = protect(ledger)
>>> Publisher("F", ledger, "render").counts(counts, "t").mask["n"].tolist()
['primary', 'secondary', 'secondary']
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import Protected
from soteria_research.errors import DataError
from soteria_research.release.ledger import Ledger, make_key

TOTAL = "Total"
COLLECT, RENDER = "collect", "render"
#: The reason of a statistic with no value (shown as not applicable, not as withheld).
NOT_ESTIMABLE = "not estimable"
KeyFor = Callable[[object, object], str | None]


class Publisher:
    """One unit's (a force's, or the national report's) door into the release."""

    def __init__(self, unit: str, ledger: Ledger, mode: str = COLLECT, rules: Rules | None = None):
        if mode not in (COLLECT, RENDER):
            raise ValueError(f"mode must be {COLLECT!r} or {RENDER!r}, not {mode!r}")
        self.unit = unit
        self.ledger = ledger
        self.mode = mode
        self.rules = resolve(rules)

    @property
    def collecting(self) -> bool:
        return self.mode == COLLECT

    # -- cells ------------------------------------------------------------------------------
    def _count(
        self,
        output: str,
        row: object,
        column: object,
        value: float,
        key: str | None,
        priority: int = 1,
    ) -> str:
        key = key or make_key(self.unit, output, row, column)
        if self.collecting:
            return self.ledger.count(
                self.unit, output, row, column, value, key=key, priority=priority
            )
        self.ledger.lookup(key)
        return key

    def _derived(
        self,
        output: str,
        row: object,
        column: object,
        value: float,
        depends: Sequence[str],
        primary: str = "",
        key: str | None = None,
    ) -> str:
        key = key or make_key(self.unit, output, row, column)
        if self.collecting:
            return self.ledger.derived(
                self.unit, output, row, column, value, depends, primary=primary, key=key
            )
        self.ledger.lookup(key)
        return key

    def _value(self, key: str, raw: float) -> tuple[float, str, str]:
        """(value to show, mask mark, reason) for a cell."""
        if self.collecting:
            return raw, "", ""
        cell = self.ledger.lookup(key)
        fresh = float("nan") if raw is None or pd.isna(raw) else float(raw)
        same = (math.isnan(fresh) and math.isnan(cell.value)) or math.isclose(
            fresh, cell.value, rel_tol=1e-9, abs_tol=1e-9
        )
        if not same:
            raise DataError(
                f"The release is out of date for {key!r} (the data or code changed since it "
                "was built): run `soteria reports` (or `make reports`) to rebuild it."
            )
        if cell.withheld:
            return math.nan, cell.status, cell.reason
        return cell.value, "", ""

    def _entry(
        self, name: str, kind: str, mask: pd.DataFrame, reasons: Mapping[tuple, str]
    ) -> dict[str, Any]:
        cells = [
            {
                "row": str(r),
                "column": str(c),
                "suppression": mark,
                "reason": reasons.get((r, c), ""),
            }
            for (r, c), mark in mask.stack().items()
            if mark
        ]
        status = "unchecked" if not self.rules.enabled else ("protected" if cells else "pass")
        return make_entry(
            name,
            kind,
            status,
            self.rules,
            thresholds=("min_cell_count", "zeros_disclosive"),
            rules_applied=[
                "minimum cell count",
                "whole-release secondary suppression (linear programming check)",
            ],
            summary=f"{len(cells)} cell(s) withheld" if cells else "nothing withheld",
            cells=cells,
        )

    # -- outputs ----------------------------------------------------------------------------
    def counts(
        self,
        counts: pd.DataFrame | pd.Series,
        name: str,
        *,
        margins: bool | str = True,
        keys: KeyFor | None = None,
        parts: Mapping[object, Sequence[object]] | None = None,
        priority: int | Callable[[object, object], int] = 1,
    ) -> Protected:
        """A frequency table. ``margins`` adds row and column totals (``Total``) as cells
        related to their parts (``"columns"``: only a total row under each column, for
        columns that are different measures and must not be added); ``parts`` says which rows add up to which (e.g. input rows
        = clean + quarantined + duplicates); ``keys`` gives shared keys to cells that are
        the same quantity elsewhere."""
        frame = counts.to_frame() if isinstance(counts, pd.Series) else counts.copy()
        raw = frame.apply(pd.to_numeric, errors="coerce").astype(float)
        if margins is True:
            raw[TOTAL] = raw.sum(axis=1)
        if margins:
            raw.loc[TOTAL] = raw.sum(axis=0)
        cell = {}
        for r in raw.index:
            for c in raw.columns:
                key = keys(r, c) if keys else None
                rank = priority(r, c) if callable(priority) else priority
                if TOTAL in (r, c):
                    rank = max(rank, 2)  # a margin costs more to hide than a cell inside
                cell[(r, c)] = self._count(name, r, c, raw.at[r, c], key, rank)
        if self.collecting:
            self._relate_table(raw, cell, margins, parts)
        return self._published(name, raw, cell, "frequency table")

    def _relate_table(self, raw: pd.DataFrame, cell: dict, margins, parts) -> None:
        inner_rows = [r for r in raw.index if not (margins and r == TOTAL)]
        inner_cols = [c for c in raw.columns if not (margins is True and c == TOTAL)]
        if margins is True:
            for r in raw.index:
                self.ledger.total(cell[(r, TOTAL)], [cell[(r, c)] for c in inner_cols], "row total")
        if margins:
            for c in raw.columns:
                self.ledger.total(
                    cell[(TOTAL, c)], [cell[(r, c)] for r in inner_rows], "column total"
                )
        for whole, members in (parts or {}).items():
            for c in raw.columns:
                self.ledger.total(
                    cell[(whole, c)], [cell[(m, c)] for m in members], f"{whole} = sum of its parts"
                )

    def _published(
        self, name: str, raw: pd.DataFrame, cell: Mapping[tuple, str], kind: str
    ) -> Protected:
        values = pd.DataFrame(index=raw.index, columns=raw.columns, dtype=float)
        mask = pd.DataFrame("", index=raw.index, columns=raw.columns)
        reasons = {}
        for (r, c), key in cell.items():
            v, mark, why = self._value(key, raw.at[r, c])
            values.at[r, c], mask.at[r, c] = v, mark
            if mark:
                reasons[(r, c)] = why
        if kind == "frequency table":
            values = values.round().astype("Int64")
        return Protected(name, values, mask, self._entry(name, kind, mask, reasons))

    def rates(
        self,
        frame: pd.DataFrame,
        name: str,
        num: str = "numerator",
        den: str = "denominator",
        *,
        estimate: str | None = None,
        ci_cols: Sequence[str] = ("ci_low", "ci_high"),
        scale: float = 100.0,
        nested: str | None = None,
        num_keys: KeyFor | None = None,
        den_keys: KeyFor | None = None,
        priority: int = 1,
    ) -> Protected:
        """Rates with their counts. Each row's numerator and denominator are count cells
        with the complement (denominator - numerator) as a hidden cell between them; the
        rate (``scale * numerator / denominator``, or the ``estimate`` column when the
        estimate is not the simple ratio) and its interval are derived cells withheld with
        the counts. ``nested`` says the numerators nest: ``"decreasing"`` (each row is a
        subset of the row above, as stages) or ``"increasing"`` (each row holds the row
        above, as events by growing horizons); the records between them are hidden cells."""
        raw = frame.copy()
        keys: dict[tuple, str] = {}
        rate_col = "rate"
        for r in raw.index:
            n_val, d_val = float(raw.at[r, num]), float(raw.at[r, den])
            nk = self._count(name, r, num, n_val, num_keys(r, num) if num_keys else None, priority)
            dk = self._count(name, r, den, d_val, den_keys(r, den) if den_keys else None, priority)
            if nk == dk:  # the whole of its own denominator: no complement to protect
                ck = nk
            else:
                ck = self._count(name, r, "complement", d_val - n_val, None, priority=0)
                if self.collecting:
                    self.ledger.total(dk, [nk, ck], "numerator + complement = denominator")
            keys[(r, num)], keys[(r, den)] = nk, dk
            value = (
                raw.at[r, estimate] if estimate else (scale * n_val / d_val if d_val else math.nan)
            )
            keys[(r, rate_col)] = self._derived(name, r, rate_col, value, [nk, dk, ck])
            for col in ci_cols:
                if col in raw.columns:
                    keys[(r, col)] = self._derived(name, r, col, raw.at[r, col], [nk, dk, ck])
        if nested and self.collecting:
            rows = list(raw.index) if nested == "decreasing" else list(raw.index)[::-1]
            for upper, lower in itertools.pairwise(rows):
                gap = self._count(
                    name,
                    f"{upper} not {lower}",
                    num,
                    float(raw.at[upper, num]) - float(raw.at[lower, num]),
                    None,
                    priority=0,
                )
                self.ledger.total(keys[(upper, num)], [keys[(lower, num)], gap], "stages nest")
        cols = [num, den, rate_col, *[c for c in ci_cols if c in raw.columns]]
        values = pd.DataFrame(index=raw.index, columns=cols, dtype=float)
        mask = pd.DataFrame("", index=raw.index, columns=cols)
        reasons = {}
        for r in raw.index:
            for c in cols:
                source = (
                    raw.at[r, estimate]
                    if (c == rate_col and estimate)
                    else (
                        (
                            scale * float(raw.at[r, num]) / float(raw.at[r, den])
                            if float(raw.at[r, den])
                            else math.nan
                        )
                        if c == rate_col
                        else raw.at[r, c]
                    )
                )
                v, mark, why = self._value(keys[(r, c)], source)
                values.at[r, c], mask.at[r, c] = v, mark
                if mark:
                    reasons[(r, c)] = why
        for c in (num, den):
            values[c] = values[c].round().astype("Int64")
        return Protected(name, values, mask, self._entry(name, "rate table", mask, reasons))

    def statistics(
        self,
        frame: pd.DataFrame,
        name: str,
        value_cols: Sequence[str],
        n_col: str,
        *,
        min_cases: int | None = None,
        beyond: Mapping[str, str] | None = None,
        n_keys: KeyFor | None = None,
    ) -> Protected:
        """Statistics (medians, means) with the number of cases behind them.

        The case count is a count cell; each statistic is withheld below ``min_cases``
        (``min_cases_for_median`` by default) and with its count. ``beyond`` maps an
        interval column to a column holding how many records lie beyond that end: an
        interval end is an individual record's value, so it is published only where at
        least the minimum cell count of records lie beyond it.
        """
        minimum = self.rules.min_cases_for_median if min_cases is None else min_cases
        keys: dict[tuple, str] = {}
        cols = [n_col, *value_cols]
        for r in frame.index:
            n = float(frame.at[r, n_col]) if pd.notna(frame.at[r, n_col]) else 0.0
            nk = self._count(name, r, n_col, n, n_keys(r, n_col) if n_keys else None)
            keys[(r, n_col)] = nk
            for col in value_cols:
                primary = f"fewer than {minimum} cases" if n < minimum else ""
                if not primary and beyond and col in beyond:
                    past = frame.at[r, beyond[col]]
                    if pd.isna(past) or float(past) < self.rules.min_cell_count:
                        primary = f"fewer than {self.rules.min_cell_count} records beyond this interval end"
                if pd.isna(frame.at[r, col]) and not primary:
                    primary = NOT_ESTIMABLE
                keys[(r, col)] = self._derived(
                    name, r, col, frame.at[r, col], [nk], primary=primary
                )
        values = pd.DataFrame(index=frame.index, columns=cols, dtype=float)
        mask = pd.DataFrame("", index=frame.index, columns=cols)
        reasons = {}
        for (r, c), key in keys.items():
            v, mark, why = self._value(key, frame.at[r, c])
            if why == NOT_ESTIMABLE:  # nothing withheld: there is no value to show
                mark = ""
            values.at[r, c], mask.at[r, c] = v, mark
            if mark:
                reasons[(r, c)] = why
        values[n_col] = values[n_col].round().astype("Int64")
        return Protected(name, values, mask, self._entry(name, "statistic", mask, reasons))

    def number(
        self,
        name: str,
        value: float,
        depends: Sequence[str] = (),
        *,
        primary: str = "",
        count: bool = False,
        key: str | None = None,
        priority: int = 1,
    ) -> float | None:
        """One number for a sentence: its value when published, else None. A count's
        ``priority`` says how late secondary suppression may hide it (see
        :func:`prioritise`)."""
        if count:
            k = self._count(name, "value", "n", value, key, priority=priority)
        else:
            k = self._derived(name, "value", "x", value, depends, primary=primary, key=key)
        v, mark, _ = self._value(k, value)
        return None if mark or (isinstance(v, float) and math.isnan(v)) else v

    def prioritise(self, keys: Sequence[str], priority: int) -> None:
        """Raise the priority of cells added earlier: secondary suppression hides cells of
        higher priority later (e.g. a headline, or the pooled figure a report falls back
        on when one year's must be withheld)."""
        if not self.collecting:
            return
        for key in keys:
            cell = self.ledger.lookup(key)
            cell.priority = max(cell.priority, priority)

    def value_of(self, key: str) -> float | None:
        """A cell added earlier (e.g. by another section), as this pass may show it: the raw
        value while collecting, the published value (or None) when rendering."""
        cell = self.ledger.lookup(key)
        if not self.collecting and cell.withheld:
            return None
        return None if math.isnan(cell.value) else cell.value

    def gap(self, name: str, whole: str, part: str) -> str:
        """Record that ``part`` is a subset of ``whole`` (both count keys): the records between
        them (e.g. crimes without a usable date) become a hidden cell, so a small difference
        between two published counts is protected like any small count."""
        if self.collecting:
            w, p = self.ledger.lookup(whole).value, self.ledger.lookup(part).value
            between = self._count(name, "difference", "n", w - p, None, priority=0)
            self.ledger.total(
                whole, [part, between], f"{name}: subset and the records it leaves out"
            )
            return between
        return self.ledger.lookup(make_key(self.unit, name, "difference", "n")).key

    def key(self, output: str, row: object, column: object) -> str:
        """The key of a cell added by an earlier call (for ``depends``)."""
        return make_key(self.unit, output, row, column)


__all__ = ["COLLECT", "RENDER", "Publisher"]
