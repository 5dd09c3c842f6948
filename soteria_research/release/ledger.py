"""The release ledger: every number a release publishes, and how the numbers relate.

One row per published quantity (a *cell*), keyed by unit (a force, or ``England and
Wales``), the output it belongs to and its row and column there. Cells that are the same
quantity shown in two places share one key (a *shared key*, e.g. the charges of a force's
2023/24 cohort, shown in the outcomes table and in the key findings), so they are one value
with one disclosure decision. The ledger also holds the **linear relations** a reader can
see between cells: totals and margins, a breakdown and its parts, a rate's numerator and
its complement, a subset and the records it leaves out, national = sum of the forces.

Two kinds of cell:

``count``
    A whole, non-negative count. Counts take part in relations and are what disclosure
    control suppresses (:mod:`soteria_research.release.protect`).
``derived``
    Anything computed from counts (a rate, an interval, a median, a model estimate): it
    names the counts it rests on (``depends``) and is withheld whenever one of them is,
    or when its own rule fails (``primary`` set when it is added).

The ledger is built once for a whole release and protected as a whole; renderers only
read it (:meth:`Ledger.lookup`).

>>> ledger = Ledger()
>>> a = ledger.count("Durham", "outcomes", "charged", "cohort", 3)
>>> b = ledger.count("Durham", "outcomes", "other", "cohort", 40)
>>> t = ledger.count("Durham", "outcomes", "Total", "cohort", 43)
>>> ledger.total(t, [a, b])
>>> len(ledger.relations)
1
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from soteria_research.errors import DataError

NATIONAL = "England and Wales"
EQ, LE = "=", "<="
KEY_SEP = " | "


def make_key(unit: str, output: str, row: object, column: object) -> str:
    """The key of an output-specific cell."""
    return KEY_SEP.join(str(part) for part in (unit, output, row, column))


def shared_key(unit: str, *parts: object) -> str:
    """The key of a quantity shown in more than one place (unit first)."""
    return KEY_SEP.join(str(part) for part in (unit, "=", *parts))


@dataclass
class Cell:
    """One published quantity."""

    key: str
    unit: str
    kind: str  # "count" | "derived"
    value: float
    label: str = ""
    depends: tuple[str, ...] = ()
    primary: str = ""  # reason the cell fails a rule itself ("" when it passes)
    priority: int = 1  # cost of hiding it: 0 for cells no output shows (a complement, the
    # records between a count and its subset), 2 for headlines
    status: str = ""  # "" published | "primary" | "secondary" | "derived"
    reason: str = ""
    places: list[str] = field(default_factory=list)

    @property
    def withheld(self) -> bool:
        return bool(self.status)


@dataclass(frozen=True)
class Relation:
    """``sum(coef * cell) (= or <=) rhs`` over count cells."""

    terms: tuple[tuple[str, float], ...]
    sense: str = EQ
    rhs: float = 0.0
    why: str = ""


class CellTable(dict):
    """Cells by key; a key merged into another (:meth:`Ledger.same`) finds the one cell.

    A table loaded from a stored release (:meth:`Ledger.from_frames`) makes each cell when it
    is first asked for: a report reads a few thousand of a release's tens of thousands of
    cells, so it does not pay for the rest. Iterating over the keys makes no cell; asking
    for the values or items makes them all.
    """

    def __init__(self) -> None:
        super().__init__()
        self.aliases: dict[str, str] = {}
        self._pending: dict[str, int] = {}  # key -> row of ``_columns`` not made into a cell yet
        self._columns: tuple[list, ...] = ()

    def resolve(self, key: str) -> str:
        while key in self.aliases:
            key = self.aliases[key]
        return key

    def _make(self, key: str) -> Cell | None:
        row = self._pending.pop(key, None)
        if row is None:
            return None
        _, unit, kind, value, depends, primary, priority, status, reason, places = (
            column[row] for column in self._columns
        )
        cell = Cell(
            key,
            unit,
            kind,
            float(value),
            depends=tuple(depends),
            primary=primary,
            priority=int(priority),
            status=status,
            reason=reason,
            places=list(places),
        )
        dict.__setitem__(self, key, cell)
        return cell

    def _make_all(self) -> None:
        for key in list(self._pending):
            self._make(key)
        self._columns = ()

    def __missing__(self, key: str) -> Cell:
        cell = self._make(key)
        if cell is None:
            raise KeyError(key)
        return cell

    def __getitem__(self, key: str) -> Cell:
        return super().__getitem__(self.resolve(key))

    def get(self, key: str, default=None):
        key = self.resolve(key)
        cell = super().get(key)
        if cell is None and self._pending:
            cell = self._make(key)
        return default if cell is None else cell

    def __contains__(self, key: object) -> bool:
        key = self.resolve(key) if isinstance(key, str) else key
        return super().__contains__(key) or key in self._pending

    def __setitem__(self, key: str, cell: Cell) -> None:
        # unpickling sets the items before the attributes: no ``_pending`` yet then
        pending = self.__dict__.get("_pending")
        if pending:
            pending.pop(key, None)
        super().__setitem__(key, cell)

    def __iter__(self):
        return iter([*super().keys(), *self._pending])

    def __len__(self) -> int:
        return super().__len__() + len(self._pending)

    def keys(self):
        self._make_all()
        return super().keys()

    def values(self):
        self._make_all()
        return super().values()

    def items(self):
        self._make_all()
        return super().items()


class Ledger:
    """Cells and relations of one release."""

    def __init__(self) -> None:
        self.cells: CellTable = CellTable()
        self._relations: list[Relation] | None = []
        self._stored_relations: pd.DataFrame | None = None
        self._merged = False

    @property
    def relations(self) -> list[Relation]:
        """The relations; a stored release's are read from its frame when first asked for
        (rendering a report needs none of them)."""
        if self._relations is None:
            frame, self._stored_relations = self._stored_relations, None
            columns = [frame[c].tolist() for c in ("keys", "coefs", "sense", "rhs", "why")]
            self._relations = [
                Relation(
                    tuple((str(k), float(c)) for k, c in zip(keys, coefs, strict=True)),
                    sense,
                    float(rhs),
                    why,
                )
                for keys, coefs, sense, rhs, why in zip(*columns, strict=True)
            ]
        return self._relations

    @relations.setter
    def relations(self, relations: list[Relation]) -> None:
        self._relations, self._stored_relations = relations, None

    # -- building ---------------------------------------------------------------------------
    def _add(self, cell: Cell, place: str) -> str:
        cell.key = self.cells.resolve(cell.key)
        known = self.cells.get(cell.key)
        if known is None:
            cell.places.append(place)
            self.cells[cell.key] = cell
            return cell.key
        same = (math.isnan(known.value) and math.isnan(cell.value)) or math.isclose(
            known.value, cell.value, rel_tol=1e-9, abs_tol=1e-9
        )
        if known.kind != cell.kind or not same:
            raise DataError(
                f"Release ledger: {cell.key!r} is published twice with different values "
                f"({place} and {known.places[0]}); one label must have one basis."
            )
        known.priority = max(known.priority, cell.priority)
        known.primary = known.primary or cell.primary
        known.depends = tuple(dict.fromkeys((*known.depends, *cell.depends)))
        if place not in known.places:
            known.places.append(place)
        return known.key

    def count(
        self,
        unit: str,
        output: str,
        row: object,
        column: object,
        value: float,
        *,
        key: str | None = None,
        priority: int = 1,
        label: str = "",
    ) -> str:
        """Add (or find) a count cell; returns its key."""
        if value is None or pd.isna(value):
            raise DataError(
                f"Release ledger: count {make_key(unit, output, row, column)!r} is missing."
            )
        value = float(value)
        if value < 0 or value != round(value):
            raise DataError(
                f"Release ledger: count {make_key(unit, output, row, column)!r} is not a whole, "
                "non-negative number."
            )
        cell = Cell(
            key or make_key(unit, output, row, column),
            unit,
            "count",
            value,
            label,
            priority=priority,
        )
        return self._add(cell, f"{output} [{row} / {column}]")

    def derived(
        self,
        unit: str,
        output: str,
        row: object,
        column: object,
        value: float,
        depends: Iterable[str] = (),
        *,
        primary: str = "",
        key: str | None = None,
        priority: int = 1,
    ) -> str:
        """Add (or find) a value computed from counts; withheld with any of ``depends``."""
        missing = [d for d in depends if d not in self.cells]
        if missing:
            raise DataError(f"Release ledger: {output!r} depends on unknown cells {missing[:3]}.")
        value = float("nan") if value is None or pd.isna(value) else float(value)
        cell = Cell(
            key or make_key(unit, output, row, column),
            unit,
            "derived",
            value,
            depends=tuple(depends),
            primary=primary,
            priority=priority,
        )
        return self._add(cell, f"{output} [{row} / {column}]")

    def relate(
        self, terms: Mapping[str, float], sense: str = EQ, rhs: float = 0.0, why: str = ""
    ) -> None:
        """Add a linear relation over count cells."""
        for key in terms:
            cell = self.cells.get(key)
            if cell is None or cell.kind != "count":
                raise DataError(
                    f"Release ledger: relation ({why}) names {key!r}, not a count cell."
                )
        merged: dict[str, float] = {}
        for key, coef in terms.items():
            key = self.cells.resolve(key)
            merged[key] = merged.get(key, 0.0) + float(coef)
        terms_t = tuple((k, c) for k, c in merged.items() if c != 0)
        if terms_t:
            self.relations.append(Relation(terms_t, sense, float(rhs), why))

    def total(self, total: str, parts: Sequence[str], why: str = "total") -> None:
        """``total = sum(parts)``."""
        terms: dict[str, float] = {}
        for part in parts:
            terms[part] = terms.get(part, 0.0) + 1.0
        terms[total] = terms.get(total, 0.0) - 1.0
        self.relate(terms, EQ, 0.0, why)

    def at_most(self, part: str, whole: str, why: str = "subset") -> None:
        """``part <= whole`` (a subset, e.g. charges timed from recording of all charges)."""
        if part != whole:
            self.relate({part: 1.0, whole: -1.0}, LE, 0.0, why)

    def same(self, a: str, b: str, why: str = "same quantity") -> None:
        """``a`` and ``b`` are one quantity shown under two keys: they become one cell (the
        key ``b`` then finds the cell of ``a``), so they share one disclosure decision."""
        a, b = self.cells.resolve(a), self.cells.resolve(b)
        if a == b:
            return
        first, second = self.lookup(a), self.lookup(b)
        if first.kind != second.kind or not math.isclose(first.value, second.value, abs_tol=1e-9):
            raise DataError(
                f"Release ledger: {a!r} and {b!r} are said to be one quantity ({why}) but "
                "differ; one label must have one basis."
            )
        first.priority = max(first.priority, second.priority)
        first.primary = first.primary or second.primary
        first.places.extend(p for p in second.places if p not in first.places)
        dict.__delitem__(self.cells, b)
        self.cells.aliases[b] = a
        self._merged = True

    def canonical(self) -> None:
        """Rewrite every relation over merged keys (done before protecting or attacking)."""
        if not self._merged:
            return
        rewritten = []
        for rel in self.relations:
            merged: dict[str, float] = {}
            for key, coef in rel.terms:
                key = self.cells.resolve(key)
                merged[key] = merged.get(key, 0.0) + coef
            terms = tuple((k, c) for k, c in merged.items() if c != 0)
            if terms:
                rewritten.append(Relation(terms, rel.sense, rel.rhs, rel.why))
        self.relations = rewritten
        for cell in self.cells.values():
            cell.depends = tuple(dict.fromkeys(self.cells.resolve(d) for d in cell.depends))
        self._merged = False

    # -- reading ----------------------------------------------------------------------------
    def lookup(self, key: str) -> Cell:
        """The cell under ``key``; a renderer asking for a cell not in the release is an error."""
        try:
            return self.cells[key]
        except KeyError:
            raise DataError(
                f"Release ledger: {key!r} is not in the release. Every number shown must be "
                "computed into the release first (run `soteria reports`)."
            ) from None

    def published(self, key: str) -> float | None:
        """The value under ``key`` when published, else None."""
        cell = self.lookup(key)
        return None if cell.withheld or math.isnan(cell.value) else cell.value

    def frame(self) -> pd.DataFrame:
        """The cells as a table (values of withheld cells included: internal use only)."""
        rows = [
            {
                "key": c.key,
                "unit": c.unit,
                "kind": c.kind,
                "value": c.value,
                "status": c.status,
                "reason": c.reason,
                "primary": c.primary,
                "priority": c.priority,
                "depends": list(c.depends),
                "places": list(c.places),
            }
            for c in self.cells.values()
        ]
        return pd.DataFrame(rows)

    def relations_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "keys": [k for k, _ in r.terms],
                    "coefs": [c for _, c in r.terms],
                    "sense": r.sense,
                    "rhs": r.rhs,
                    "why": r.why,
                }
                for r in self.relations
            ]
        )

    @classmethod
    def from_frames(cls, cells: pd.DataFrame, relations: pd.DataFrame) -> Ledger:
        """A ledger from its stored tables (:meth:`frame`, :meth:`relations_frame`). Cells
        are made as they are asked for and relations when first read (:class:`CellTable`)."""
        ledger = cls()
        names = ("key", "unit", "kind", "value", "depends", "primary", "priority", "status")
        # whole columns as Python lists: no per-row access to the frame
        table = ledger.cells
        table._columns = tuple(cells[c].tolist() for c in (*names, "reason", "places"))
        table._pending = {str(key): row for row, key in enumerate(table._columns[0])}
        ledger._relations, ledger._stored_relations = None, relations
        return ledger

    def merge(self, other: Ledger) -> None:
        """Add another ledger's cells and relations (one force's part of the release)."""
        self.cells.aliases.update(other.cells.aliases)
        self._merged = self._merged or bool(other.cells.aliases)
        for cell in other.cells.values():
            for place in cell.places:
                self._add(
                    Cell(
                        cell.key,
                        cell.unit,
                        cell.kind,
                        cell.value,
                        cell.label,
                        cell.depends,
                        cell.primary,
                        cell.priority,
                    ),
                    place,
                )
        self.relations.extend(other.relations)
