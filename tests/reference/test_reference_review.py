"""The deep-dive force's case-file review recomputed independently: the sample, the share of
each (pooled) response, the days items, agreement between reviewers (kappa, AC1,
Krippendorff's alpha with intervals), the odds ratios of charge and the review findings.

Every published (not withheld) cell under the review's tables is recomputed by
:mod:`.recompute_review`; a published row or column it does not know fails.
"""

from __future__ import annotations

import pandas as pd
import pytest

from . import recompute_review as ref
from .conftest import FORCE, SUBGROUP
from .test_reference_release import SEP, agree, keys
from .test_reference_surveys import check_rows

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

#: Bootstrap bounds: the same resamples, computed another way; far within two decimals.
BOOTSTRAP_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def review(release) -> dict:
    folder = release.root / "data" / "processed" / FORCE.lower()
    review = pd.read_parquet(folder / "review.parquet")
    sample = pd.read_parquet(folder / "review_sample.parquet")
    last = sample["round"].max()  # the review section shows the latest review round
    tables = {
        "review": review[review["round"] == last].reset_index(drop=True),
        "sample": sample[sample["round"] == last].reset_index(drop=True),
        "cases": release.cases[FORCE],
        "items": ref.framework(),
    }
    tables["first"] = ref.first_codings(tables["review"])
    tables["design"] = ref.design(tables["sample"])
    return tables


def label(items: dict, item: str) -> str:
    return f"{item} {items[item]['text']}"


def period(release) -> str:
    found = {k.split(SEP)[3] for k in keys(release.ledger) if "review_yes_share_" in k}
    assert len(found) == 1, found
    return found.pop()


def test_the_sample_table_and_its_gaps(release, review):
    counts = ref.sample_counts(review["review"], review["sample"], review["cases"])
    expected = {row: {"cases": n} for row, n in counts.items()}
    checked, _ = check_rows(release.ledger, f"{FORCE}{SEP}case-file review sample{SEP}", expected)
    assert checked == 5
    gaps = {
        ("case files sampled", "coded by a reviewer"),
        ("coded by a reviewer", "coded by two reviewers"),
        ("case files sampled", "with an outcome assigned"),
        ("with an outcome assigned", "charged"),
    }
    for whole, part in gaps:
        key = SEP.join((FORCE, f"case-file review sample: {whole}, not {part}", "difference", "n"))
        assert release.ledger.lookup(key).value == counts[whole] - counts[part], key


def test_every_response_share_is_recomputed(release, review):
    items, checked = review["items"], 0
    coded_prefix = SEP.join((FORCE, "=", SUBGROUP, period(release), "review coded", ""))
    for key in keys(release.ledger):
        if key.startswith(coded_prefix):
            item = key[len(coded_prefix) :]
            mine = ref.share(review["first"], review["design"], item, "x", "category")
            assert release.ledger.lookup(key).value == mine["denominator"], key
            checked += 1
    pillars = {spec["pillar"] for spec in items.values()}
    for pillar in pillars:
        prefix = f"{FORCE}{SEP}case-file review: {pillar}{SEP}"
        expected = {}
        for key in keys(release.ledger):
            if key.startswith(prefix):
                row = key[len(prefix) :].rsplit(SEP, 1)[0]
                head, response = row.rsplit(": ", 1)
                item = head.split(" ", 1)[0]
                assert head == label(items, item), key
                expected[row] = ref.share(
                    review["first"], review["design"], item, response, items[item]["response"]
                )
        done, _ = check_rows(release.ledger, prefix, expected)
        assert done, pillar
        checked += done
    sampled = len(review["sample"])
    for item, spec in items.items():
        if spec["response"] == "days":
            continue
        key = SEP.join((FORCE, f"case-file review: {item}, not coded", "difference", "n"))
        coded = ref.share(review["first"], review["design"], item, "x", "category")["denominator"]
        assert release.ledger.lookup(key).value == sampled - coded, key
    assert checked >= 150, checked


def test_the_days_items(release, review):
    items = review["items"]
    expected = {
        label(items, i): ref.days(review["first"], review["design"], i)
        for i, spec in items.items()
        if spec["response"] == "days"
    }
    checked, _ = check_rows(release.ledger, f"{FORCE}{SEP}case-file review: days{SEP}", expected)
    assert checked == 4 * len(expected)
    for row, figures in expected.items():
        key = SEP.join((FORCE, f"case-file review: days: {row}, not coded", "difference", "n"))
        assert release.ledger.lookup(key).value == len(review["sample"]) - figures["cases"]


def test_agreement_between_reviewers(release, review):
    items = review["items"]
    mine = ref.agreement(review["review"], items)
    expected = {label(items, i): figures for i, figures in mine.items()}

    def close(published, recomputed):
        return agree(published, recomputed) or abs(published - recomputed) < BOOTSTRAP_TOLERANCE

    prefix = f"{FORCE}{SEP}case-file review: agreement{SEP}"
    for key in keys(release.ledger):
        if key.startswith(prefix):
            row, column = key[len(prefix) :].rsplit(SEP, 1)
            expected[row].setdefault(column, float("nan"))  # kappa and AC1 of days: withheld
    checked, withheld = check_rows(release.ledger, prefix, expected, close)
    days = sum(spec["response"] == "days" for spec in items.values())
    # the cases coded twice of a yes/no, ordinal or category item are its finding's count
    assert checked == 9 * (len(items) - days) + 4 * days, (checked, withheld)
    assert withheld == 6 * days, withheld  # kappa and AC1 are not estimated for days
    double = release.ledger.lookup(SEP.join((FORCE, "case-file review sample",
                                             "coded by two reviewers", "cases"))).value  # fmt: skip
    for row, figures in expected.items():
        key = SEP.join((FORCE, f"case-file review: agreement: {row}, not coded twice",
                        "difference", "n"))  # fmt: skip
        assert release.ledger.lookup(key).value == double - figures["cases coded twice"], key
    prefix = SEP.join((FORCE, "=", SUBGROUP, period(release), "finding", "review_ac1_"))
    done = 0
    for key in keys(release.ledger):
        if key.startswith(prefix):
            measure, _, column = key[len(prefix) :].split(SEP)
            figures = mine[measure.upper()]
            source = {"value": "gwet_ac1 estimate", "ci_low": "gwet_ac1 ci_low",
                      "ci_high": "gwet_ac1 ci_high", "denominator": "cases coded twice"}  # fmt: skip
            cell = release.ledger.lookup(key)
            if not cell.withheld:
                assert agree(cell.value, figures[source[column]]), key
                done += 1
    assert done >= 40, done


def test_odds_ratios_of_charge(release, review):
    items = review["items"]
    minimum = int(ref.settings()["disclosure"]["min_cell_count"])
    events = int(ref.settings()["measures"]["min_events_per_parameter"])
    mine = {
        i: ref.odds_ratio(review["first"], review["design"], review["cases"], i)
        for i, spec in items.items()
        if spec["response"] == "yes_no"
    }
    expected = {label(items, i): f for i, f in mine.items()}
    prefix = f"{FORCE}{SEP}case-file review: charge{SEP}"
    checked, withheld = check_rows(release.ledger, prefix, expected)
    assert checked >= 3 * 5, (checked, withheld)
    for item, figures in mine.items():
        cells = figures["cells"]
        charged = cells[(0.0, 1.0)] + cells[(1.0, 1.0)]
        total = sum(cells.values())
        may = min(cells.values()) >= minimum and min(charged, total - charged) >= events
        key = SEP.join((FORCE, "case-file review: charge", label(items, item), "odds_ratio"))
        assert release.ledger.lookup(key).withheld == (not may), (key, cells)
    outcome = ref.sample_counts(review["review"], review["sample"], review["cases"])
    prefix = SEP.join((FORCE, "=", SUBGROUP, period(release), "finding",
                       "review_charge_odds_ratio_"))  # fmt: skip
    done = 0
    for key in keys(release.ledger):
        if key.startswith(prefix):
            measure, _, column = key[len(prefix) :].split(SEP)
            figures = dict(mine[measure.upper()])
            figures["value"] = figures["odds_ratio"]
            figures["denominator"] = outcome["with an outcome assigned"]
            cell = release.ledger.lookup(key)
            if not cell.withheld:
                assert agree(cell.value, figures[column]), (key, cell.value, figures[column])
                done += 1
    assert done >= 20, done
