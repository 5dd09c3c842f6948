"""The release ledger, the reader's linear programmes and whole-release protection."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.disclosure import Rules
from soteria_research.errors import DataError
from soteria_research.release import Ledger, intervals, protect
from soteria_research.release.attack import exposed
from soteria_research.release.protect import apply_primary, restore

RULES = Rules(min_cell_count=10, zeros_disclosive=False)


def table(values, ledger=None, unit="F", output="t"):
    """A table with row, column and grand totals in ``ledger``; returns (ledger, keys)."""
    ledger = ledger or Ledger()
    values = np.asarray(values)
    rows, cols = values.shape
    keys = [
        [ledger.count(unit, output, r, c, values[r, c]) for c in range(cols)] for r in range(rows)
    ]
    # margins cost more to hide than inner cells, as the publisher ranks them
    row_totals = [
        ledger.count(unit, output, r, "Total", values[r].sum(), priority=2) for r in range(rows)
    ]
    col_totals = [
        ledger.count(unit, output, "Total", c, values[:, c].sum(), priority=2) for c in range(cols)
    ]
    grand = ledger.count(unit, output, "Total", "Total", values.sum(), priority=2)
    for r in range(rows):
        ledger.total(row_totals[r], keys[r])
    for c in range(cols):
        ledger.total(col_totals[c], [keys[r][c] for r in range(rows)])
    ledger.total(grand, row_totals)
    return ledger, keys


def test_a_hidden_cell_beside_its_total_is_recovered_exactly():
    ledger, keys = table([[3, 40], [30, 20]])
    ledger.cells[keys[0][0]].status = "primary"
    found = intervals(ledger)
    assert found.loc[keys[0][0], ["low", "high"]].tolist() == [3.0, 3.0]


def test_a_rectangle_of_hidden_cells_is_safe():
    ledger, keys = table([[3, 40, 50], [30, 20, 60], [25, 35, 45]])
    summary = protect(ledger, RULES)
    assert summary == {"primary": 1, "secondary": 3, "restored": 0, "derived": 0}
    hidden = {k for k, c in ledger.cells.items() if c.withheld}
    assert hidden == {keys[0][0], keys[0][1], keys[2][0], keys[2][1]}
    assert exposed(ledger, 10).empty


def test_parts_that_sum_to_a_whole_across_outputs():
    # input = clean + quarantined + duplicates; quarantined = sum of its reasons
    ledger = Ledger()
    count = lambda row, v: ledger.count("F", "quality", row, "rows", v)  # noqa: E731
    total, clean, quarantined, dup = (
        count("input", 40),
        count("clean", 4),
        count("q", 12),
        count("dup", 24),
    )
    reasons = [count("reason a", 4), count("reason b", 8)]
    ledger.total(total, [clean, quarantined, dup])
    ledger.total(quarantined, reasons)
    protect(ledger, RULES)
    found = intervals(ledger)
    assert (found["high"] - found["low"]).min() >= 10
    assert ledger.cells[clean].withheld


def test_national_total_minus_the_forces_is_protected():
    ledger = Ledger()
    forces = [
        ledger.count(f"F{i}", "repeat", "suspects", "n", v) for i, v in enumerate([1, 30, 45, 60])
    ]
    national = ledger.count("England and Wales", "repeat", "suspects", "n", 136)
    ledger.total(national, forces)
    protect(ledger, RULES)
    assert ledger.cells[forces[0]].withheld and ledger.cells[forces[1]].withheld
    assert not ledger.cells[
        national
    ].withheld  # the cheapest complement is a force, not the headline


def test_a_shared_key_is_one_cell_and_a_second_basis_is_refused():
    ledger = Ledger()
    a = ledger.count("F", "outcomes", "Charged", "cohort", 17, key="F | = | charged")
    b = ledger.count("F", "findings", "charge_rate", "numerator", 17, key="F | = | charged")
    assert a == b and len(ledger.cells) == 1
    with pytest.raises(DataError, match="one basis"):
        ledger.count("F", "findings", "charge_rate", "numerator", 16, key="F | = | charged")


def test_derived_values_follow_their_counts():
    ledger = Ledger()
    n = ledger.count("F", "rate", "charged", "n", 3)
    d = ledger.count("F", "rate", "crimes", "n", 814)
    comp = ledger.count("F", "rate", "not charged", "n", 811)
    ledger.total(d, [n, comp])
    rate = ledger.derived("F", "rate", "charged", "%", 0.37, [n, d])
    protect(ledger, RULES)
    assert ledger.cells[rate].status == "derived"
    assert ledger.published(rate) is None


def test_a_near_duplicate_subset_is_protected():
    # 25 charges assigned, 24 timed from recording: the one without a date is a small count
    ledger = Ledger()
    assigned = ledger.count("F", "outcomes", "charged", "n", 25)
    timed = ledger.count("F", "timeliness", "charged", "n", 24)
    undated = ledger.count("F", "timeliness", "charged without a date", "n", 1)
    ledger.total(assigned, [timed, undated])
    protect(ledger, RULES)
    assert ledger.cells[undated].withheld
    assert exposed(ledger, 10).empty


def _brute_force_interval(ledger: Ledger, key: str, cap: int = 60) -> tuple[int, int]:
    """Every whole-number assignment of the hidden cells that fits every relation."""
    hidden = [k for k, c in ledger.cells.items() if c.kind == "count" and c.withheld]
    fits = []
    for values in itertools.product(range(cap + 1), repeat=len(hidden)):
        assign = {k: c.value for k, c in ledger.cells.items()} | dict(
            zip(hidden, values, strict=True)
        )
        if all(
            abs(sum(coef * assign[k] for k, coef in r.terms) - r.rhs) < 1e-9
            for r in ledger.relations
        ):
            fits.append(assign[key])
    return min(fits), max(fits)


def test_the_linear_programme_agrees_with_brute_force():
    ledger, keys = table([[3, 12], [14, 5]])
    for row in keys:
        for key in row:
            ledger.cells[key].status = "primary"
    found = intervals(ledger)
    for key in (keys[0][0], keys[1][1]):
        assert tuple(found.loc[key, ["low", "high"]]) == _brute_force_interval(ledger, key, cap=20)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda r: st.integers(2, 4).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(0, 40), min_size=c, max_size=c), min_size=r, max_size=r
            )
        )
    )
)
def test_protected_tables_leave_every_withheld_cell_wide(values):
    ledger, _ = table(values)
    protect(ledger, RULES)
    found = intervals(ledger)
    assert ((found["high"] - found["low"]) >= 10).all()
    # the reader's interval always holds the truth
    assert ((found["low"] <= found["value"]) & (found["value"] <= found["high"])).all()
    for key, cell in ledger.cells.items():
        if not cell.withheld:
            assert not RULES.count_fails(cell.value), key


def test_a_release_that_cannot_be_protected_stops_naming_the_cells():
    from soteria_research.errors import DisclosureError

    # a relation that pins a small count on its own (e.g. a figure published elsewhere as
    # a constant): nothing the release could withhold protects it
    ledger = Ledger()
    small = ledger.count("F", "t", "a", "n", 3)
    ledger.relate({small: 1.0}, "=", 3.0, "printed elsewhere")
    with pytest.raises(DisclosureError, match=re.escape("F | t | a | n")):
        protect(ledger, RULES)


def test_when_every_relation_through_a_cell_is_withheld_protection_reaches_further():
    # the case hypothesis found: a grand total pins a row total two steps away
    ledger, _ = table([[0, 0, 1, 0], [0, 0, 9, 1]])
    protect(ledger, Rules(min_cell_count=10, zeros_disclosive=True))
    found = intervals(ledger)
    assert ((found["high"] - found["low"]) >= 10).all()


def test_a_complement_no_output_shows_may_be_narrow_but_the_count_it_hides_may_not():
    # charged (3) of recorded (40): the complement (37) is hidden only as a tool; a reader
    # who narrows it learns nothing the recorded count and the [c] do not already say,
    # but the charged count itself must stay wide
    ledger = Ledger()
    charged = ledger.count("F", "rate", "r", "numerator", 3)
    recorded = ledger.count("F", "rate", "r", "denominator", 40)
    rest = ledger.count("F", "rate", "r", "complement", 37, priority=0)
    ledger.total(recorded, [charged, rest])
    other = ledger.count("F", "other", "r", "n", 500)
    ledger.total(other, [charged, ledger.count("F", "other", "r", "rest", 497)])
    protect(ledger, RULES)
    assert ledger.cells[charged].withheld and ledger.cells[rest].withheld
    found = intervals(ledger)
    assert rest not in found.index  # not guarded: no promise is made about it
    low, high = found.loc[charged, ["low", "high"]]
    assert high - low >= 10
    assert exposed(ledger, 10).empty


def test_the_crimes_recorded_are_hidden_only_when_nothing_else_protects():
    # charged 2 of 1730 recorded this year; the years' charges sum to a pooled total.
    # The cheap way to protect it hides another year's charges and complements, never
    # the crimes recorded (a headline count).
    ledger = Ledger()
    years = {"y1": (12, 1751), "y2": (18, 1734), "y3": (2, 1730)}
    charged, recorded = {}, {}
    for year, (c, n) in years.items():
        charged[year] = ledger.count("F", "by year", year, "charged", c)
        recorded[year] = ledger.count("F", "by year", year, "recorded", n, priority=3)
        rest = ledger.count("F", "by year", year, "complement", n - c, priority=0)
        ledger.total(recorded[year], [charged[year], rest])
    pooled_c = ledger.count("F", "by year", "all", "charged", 32, priority=2)
    pooled_n = ledger.count("F", "by year", "all", "recorded", 5215, priority=2)
    ledger.total(pooled_c, list(charged.values()))
    ledger.total(pooled_n, list(recorded.values()))
    protect(ledger, RULES)
    assert ledger.cells[charged["y3"]].withheld
    assert not any(ledger.cells[k].withheld for k in recorded.values())
    assert not ledger.cells[pooled_c].withheld and not ledger.cells[pooled_n].withheld
    assert exposed(ledger, 10).empty


def _secondary(ledger, *keys):
    for key in keys:
        ledger.cells[key].status, ledger.cells[key].reason = "secondary", "test"


def test_counts_withheld_only_to_protect_one_another_are_published_again():
    # a force's crimes recorded this year, its years pooled and the national total over
    # the forces: each withheld because the others are, none protecting anything else
    ledger = Ledger()
    recorded = {
        y: ledger.count("F", "by year", y, "recorded", n, priority=3)
        for y, n in {"y1": 24, "y2": 33, "y3": 34}.items()
    }
    pooled = ledger.count("F", "by year", "all", "recorded", 91, priority=2)
    ledger.total(pooled, list(recorded.values()))
    charged = ledger.count("F", "by year", "y3", "charged", 3)
    rest = ledger.count("F", "by year", "y3", "complement", 31, priority=0)
    ledger.total(recorded["y3"], [charged, rest])
    other = ledger.count("G", "by year", "y3", "recorded", 500, priority=3)
    national = ledger.count("N", "comparator", "y3", "recorded", 534)
    ledger.total(national, [recorded["y3"], other])
    ledger.canonical()
    apply_primary(ledger, RULES)
    _secondary(ledger, recorded["y3"], pooled, national, rest)
    assert restore(ledger, 10) == 3
    assert not any(ledger.cells[k].withheld for k in (recorded["y3"], pooled, national))
    assert ledger.cells[charged].withheld and ledger.cells[rest].withheld
    assert exposed(ledger, 10).empty


def test_a_count_that_protects_a_small_one_stays_withheld():
    ledger = Ledger()
    small = ledger.count("F", "t", "a", "n", 3)
    big = ledger.count("F", "t", "b", "n", 40, priority=3)
    total = ledger.count("F", "t", "Total", "n", 43, priority=3)
    ledger.total(total, [small, big])
    ledger.canonical()
    apply_primary(ledger, RULES)
    _secondary(ledger, big)
    assert restore(ledger, 10) == 0
    assert ledger.cells[big].withheld
    assert exposed(ledger, 10).empty


def test_a_pin_from_further_away_is_broken_by_a_cheap_count_before_a_headline():
    # every relation through the exposed count is withheld already; one step further a
    # headline (crimes recorded) would do, two steps further an ordinary count would: the
    # ordinary count is hidden, since hiding the headline withholds every share on it
    from soteria_research.release.protect import _further, _relations_by_cell

    ledger = Ledger()
    x, y, z, v, u = (ledger.count("F", "t", r, "n", 5) for r in "xyzvu")
    headline = ledger.count("G", "t", "recorded", "n", 700, priority=3)
    cheap = ledger.count("G", "t", "ordinary", "n", 40)
    whole = ledger.count("F", "t", "whole", "n", 710, priority=3)
    ledger.total(z, [x, y])
    ledger.total(whole, [z, headline])
    ledger.total(u, [y, v])
    both = ledger.count("F", "t", "sum", "n", 45, priority=2)
    ledger.total(both, [v, cheap])
    _secondary(ledger, x, y, z, v, u, whole)
    ledger.canonical()
    assert _further(ledger, [x], _relations_by_cell(ledger)) == cheap
    _secondary(ledger, cheap, both)  # nothing cheaper left: the headline it is
    assert _further(ledger, [x], _relations_by_cell(ledger)) == headline


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60), min_size=3, max_size=3), min_size=2, max_size=4),
    st.randoms(use_true_random=False),
)
def test_remembered_bounds_agree_with_a_fresh_attack(values, rng):
    # the cache of each component's bounds must never answer for a changed component
    ledger, keys = table(values)
    cells = [k for row in keys for k in row]
    cache: dict = {}
    for _ in range(6):
        for key in rng.sample(cells, k=max(1, len(cells) // 3)):
            cell = ledger.cells[key]
            cell.status = "" if cell.withheld else "primary"
        assert intervals(ledger, cache=cache).sort_index().equals(intervals(ledger).sort_index())


def test_a_stored_release_reads_back_cell_for_cell_making_cells_only_when_asked(tmp_path):
    from soteria_research.release.store import load_release, save_release

    ledger, keys = table([[12, 3], [40, 25]])
    ledger.same(keys[0][0], ledger.count("F", "other", "r", "c", 12))
    protect(ledger, RULES)
    save_release(ledger, {"inputs": {}}, tmp_path)
    loaded = load_release(tmp_path)
    assert loaded.cells._pending and not dict.__len__(loaded.cells)  # nothing made yet
    assert len(loaded.cells) == len(ledger.cells)
    assert sorted(loaded.cells) == sorted(ledger.cells)  # iterating keys makes no cell
    assert not dict.__len__(loaded.cells)
    first = keys[0][1]
    assert first in loaded.cells and loaded.cells[first].status == ledger.cells[first].status
    assert dict.__len__(loaded.cells) == 1
    merged = next(iter(ledger.cells.aliases))  # the key ``same`` merged into another
    assert loaded.cells.get(merged) is loaded.cells[ledger.cells.resolve(merged)]
    assert loaded.cells.get("no such key") is None and "no such key" not in loaded.cells
    assert loaded.relations == ledger.relations
    # a ledger crosses processes pickled (the release stage's pool): whole, both ways
    import pickle

    for cells in (ledger.cells, load_release(tmp_path).cells):
        back = pickle.loads(pickle.dumps(cells))
        assert sorted(back) == sorted(ledger.cells) and back.aliases == ledger.cells.aliases
        assert {k: c.status for k, c in back.items()} == {
            k: c.status for k, c in ledger.cells.items()
        }
    made = {k: (c.value, c.status, c.reason, c.depends, c.places) for k, c in loaded.cells.items()}
    kept = {k: (c.value, c.status, c.reason, c.depends, c.places) for k, c in ledger.cells.items()}
    assert made == kept and not loaded.cells._pending
