"""Disclosure control of a whole release, then the check that it holds.

1. **Primary**: every count that fails the minimum-count rule (and zeros, when they are
   disclosive) is withheld; so is every derived value whose own rule fails (a median on
   too few cases, an interval end resting on too few records).
2. **Secondary**: a determined reader with every relation in the ledger
   (:mod:`soteria_research.release.attack`) must not be able to pin a withheld count to an
   interval narrower than the protection width. While one can, the cheapest published
   count in a relation that pins it (lowest priority, then smallest) is withheld too: the
   greedy form of the classic cell-suppression problem, checked by the solver each time.
3. **Derived**: values resting on a withheld count are withheld with it.
4. **Check**: the whole release is attacked once more; a cell still exposed stops the
   release (:class:`~soteria_research.errors.DisclosureError` naming the cells).
"""

from __future__ import annotations

import logging

from soteria_research.disclosure.attack import protection_width
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.errors import DisclosureError
from soteria_research.release.attack import exposed, pinned, relations_by_cell
from soteria_research.release.ledger import Ledger

log = logging.getLogger(__name__)

PRIMARY, SECONDARY, DERIVED = "primary", "secondary", "derived"
#: Priority of the counts a report cannot do without (the crimes recorded): hidden only
#: when no other cell can protect a withheld one.
HEADLINE = 3
#: Priority of a pooled figure a report falls back on when one year's must be withheld.
FALLBACK = 2
SECONDARY_REASON = "withheld so that another withheld figure cannot be worked out"
DERIVED_REASON = "rests on a withheld count"


def apply_primary(ledger: Ledger, rules: Rules) -> int:
    """Withhold every cell that fails a rule itself; returns how many."""
    n = 0
    for cell in ledger.cells.values():
        if cell.kind == "count" and rules.count_fails(cell.value):
            cell.status, cell.reason = PRIMARY, rules.count_reason(cell.value)
        elif cell.kind == "derived" and cell.primary:
            cell.status, cell.reason = PRIMARY, cell.primary
        else:
            continue
        n += 1
    return n


def _complement(ledger: Ledger, key: str, by_cell: dict[str, list[int]]) -> str | None:
    """The published count whose hiding best protects ``key``.

    Take the relation through ``key`` with the fewest withheld cells (the one that pins
    it); in it, the published count that costs least to hide: lowest priority (cells no
    output shows first, headlines last), then shown in the fewest relations (hiding it
    forces the least elsewhere), then one that already shares another relation with a
    withheld cell (so the hidden cells close a cycle, as in the hypercube method), then
    the smallest.
    """
    best: tuple | None = None
    for index in by_cell.get(key, ()):
        keys = [k for k, _ in ledger.relations[index].terms]
        hidden = sum(ledger.cells[k].withheld for k in keys)
        for other in keys:
            cell = ledger.cells[other]
            if cell.withheld:
                continue
            through = by_cell.get(other, ())
            links = sum(
                any(ledger.cells[k].withheld for k, _ in ledger.relations[j].terms if k != other)
                for j in through
                if j != index
            )
            rank = (
                cell.priority >= HEADLINE,
                hidden,
                cell.priority,
                len(through),
                -links,
                cell.value == 0,
                cell.value,
                other,
            )
            if best is None or rank < best:
                best = rank
    return None if best is None else best[-1]


def _tightness(ledger: Ledger, key: str, by_cell: dict[str, list[int]]) -> tuple[int, str]:
    """Fewest withheld cells in a relation through ``key`` (1: it is pinned alone)."""
    counts = [
        sum(ledger.cells[k].withheld for k, _ in ledger.relations[i].terms)
        for i in by_cell.get(key, ())
    ]
    return (min(counts, default=0), key)


def _further(ledger: Ledger, group: list[str], by_cell, depth: int = 6) -> str | None:
    """When every relation through the exposed cells is already withheld, the pin comes
    from further away: the cheapest published count in a relation reached through
    withheld cells. A headline is taken only when no other count within ``depth`` steps
    will do (the nearest first among equals): hiding a force's crimes recorded withholds
    every share that rests on them."""
    seen, frontier = set(group), list(group)
    best: tuple | None = None
    for level in range(depth):
        nxt = []
        for key in frontier:
            for index in by_cell.get(key, ()):
                for other, _ in ledger.relations[index].terms:
                    cell = ledger.cells[other]
                    if not cell.withheld:
                        rank = (
                            cell.priority >= HEADLINE,
                            level,
                            cell.priority,
                            cell.value == 0,
                            cell.value,
                            other,
                        )
                        best = rank if best is None or rank < best else best
                    elif other not in seen:
                        seen.add(other)
                        nxt.append(other)
        if best is not None and not best[0]:
            break
        if not nxt:
            break
        frontier = nxt
    return None if best is None else best[-1]


def _hide_one_per_group(ledger: Ledger, groups: list[list[str]], by_cell) -> int:
    """Withhold one complement for each group of exposed cells; returns how many."""
    added = 0
    for group in groups:
        chosen = None
        for key in sorted(group, key=lambda k: _tightness(ledger, k, by_cell)):
            chosen = _complement(ledger, key, by_cell)
            if chosen is not None:
                break
        chosen = chosen or _further(ledger, group, by_cell)
        if chosen is not None and not ledger.cells[chosen].withheld:
            ledger.cells[chosen].status = SECONDARY
            ledger.cells[chosen].reason = SECONDARY_REASON
            added += 1
    return added


def apply_secondary(ledger: Ledger, width: float, cache: dict | None = None) -> int:
    """Withhold complementary counts until no withheld count is exposed; returns how many.

    Cells pinned exactly by one relation are found by substitution alone and fixed first
    (one complement per component each round); the linear programmes then look for
    intervals narrower than ``width``, and the rounds go on until none is left. ``cache``
    (see :func:`~soteria_research.release.attack.intervals`) spares the components a round
    did not change.
    """
    cache = {} if cache is None else cache
    by_cell = _relations_by_cell(ledger)
    added = 0
    while True:
        groups = pinned(ledger, cache)
        if not groups:
            found = exposed(ledger, width, cache=cache)
            if found.empty:
                break
            groups = [[k] for k in found.index]
        more = _hide_one_per_group(ledger, groups, by_cell)
        if not more:
            break  # nothing left to hide: check() names the cells
        added += more
    return added


def _relations_by_cell(ledger: Ledger) -> dict[str, list[int]]:
    return relations_by_cell(ledger.relations)


def restore(
    ledger: Ledger,
    width: float,
    min_priority: int = FALLBACK,
    rounds: int = 6,
    cache: dict | None = None,
) -> int:
    """Publish again secondary counts that only protect one another; returns how many.

    Secondary suppression can leave a cycle of withheld counts each hidden because the
    others are (a force's crimes recorded, the years pooled, the national total over the
    forces). For each secondary count of at least ``min_priority``, highest first: publish
    it; if that exposes other withheld counts and every one of them is secondary, publish
    those too, and so on; keep the group published when no withheld count its relations
    reach is exposed any more, else withhold it again. Each step is checked by the same
    linear programmes as the release check, and :func:`protect` attacks the whole release
    again afterwards.
    """
    by_cell = _relations_by_cell(ledger)
    candidates = sorted(
        (
            k
            for k, c in ledger.cells.items()
            if c.kind == "count" and c.status == SECONDARY and c.priority >= min_priority
        ),
        key=lambda k: (-ledger.cells[k].priority, k),
    )
    restored = 0
    for key in candidates:
        if ledger.cells[key].status != SECONDARY:
            continue
        saved: dict[str, tuple[str, str]] = {}
        group = [key]
        kept = False
        for _ in range(rounds):
            for k in group:
                if k not in saved:
                    cell = ledger.cells[k]
                    saved[k] = (cell.status, cell.reason)
                    cell.status, cell.reason = "", ""
            near = {
                other
                for k in saved
                for i in by_cell.get(k, ())
                for other, _ in ledger.relations[i].terms
                if ledger.cells[other].withheld
            }
            # the counts the group's relations reach; the whole release is attacked again
            # after the pass, and anything exposed further away is protected then
            found = exposed(ledger, width, only=near, just=True, cache=cache) if near else None
            if found is None or found.empty:
                kept = True
                break
            if any(ledger.cells[k].status != SECONDARY for k in found.index):
                break
            group = list(found.index)
        if kept:
            restored += len(saved)
            continue
        for k, (status, reason) in saved.items():
            ledger.cells[k].status, ledger.cells[k].reason = status, reason
    return restored


def apply_derived(ledger: Ledger) -> int:
    """Withhold derived values resting on a withheld cell; returns how many."""
    n = 0
    for cell in ledger.cells.values():
        if cell.kind != "derived" or cell.withheld:
            continue
        if any(ledger.cells[d].withheld for d in cell.depends):
            cell.status, cell.reason = DERIVED, DERIVED_REASON
            n += 1
    return n


def check(ledger: Ledger, width: float) -> None:
    """Attack the whole release; raise naming every exposed cell."""
    found = exposed(ledger, width)
    if len(found):
        lines = [
            f"  {key}: a reader can narrow it to {row.low:.0f}-{row.high:.0f} ({row.relations})"
            for key, row in found.head(20).iterrows()
        ]
        raise DisclosureError(
            f"The release would let a reader work out {len(found)} withheld count(s):\n"
            + "\n".join(lines)
        )


def protect(ledger: Ledger, rules: Rules | None = None) -> dict[str, int]:
    """Protect ``ledger`` in place as a whole and check it; returns counts per step."""
    rules = resolve(rules)
    ledger.canonical()
    for cell in ledger.cells.values():
        cell.status, cell.reason = "", ""
    if not rules.enabled:
        return {"primary": 0, "secondary": 0, "restored": 0, "derived": 0}
    width = protection_width(rules)
    summary = {"primary": apply_primary(ledger, rules)}
    cache: dict = {}  # each component's bounds, while its withheld cells stay the same
    summary["secondary"] = apply_secondary(ledger, width, cache)
    summary["restored"] = restore(ledger, width, cache=cache)
    if summary["restored"]:  # belt and braces: protect again whatever the whole attack finds
        summary["secondary"] += apply_secondary(ledger, width, cache)
    summary["derived"] = apply_derived(ledger)
    check(ledger, width)
    log.info("release protected: %s", summary)
    return summary
