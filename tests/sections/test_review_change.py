"""The change between case-file review rounds in the force report: collected into a tiny
release, protected, rendered from it; the numbers shown are those of
``measures.review_rounds``; a withheld count withholds the shares and change resting on it;
one round or no review gives one line; the finding is worded for 0, 1 or many pillars."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from soteria_research import formatting
from soteria_research.ingest import load_cases
from soteria_research.ingest.review import latest_round, load_review
from soteria_research.measures.review_rounds import review_round_change
from soteria_research.release import Ledger, protect
from soteria_research.release.publisher import RENDER, Publisher
from soteria_research.sections import open_force
from soteria_research.sections.display import pillar_name
from soteria_research.sections.review import CACHE, ReviewData, case_file_review
from soteria_research.sections.review_change import (
    TITLE,
    case_file_review_change,
    change_sentence,
)
from soteria_research.synth import review as synth_review

DEEP, OTHER = "Durham", "Cleveland"


@pytest.fixture
def root(review_root: Path) -> Path:
    return review_root


def _render(force: str, data: ReviewData | None = None):
    """Collect the review sections of one force, protect, and render the change section."""
    ledger = Ledger()
    ctx = open_force(force, collect=ledger)
    if data is not None:
        ctx.cache[CACHE] = data
    case_file_review(ctx)
    case_file_review_change(ctx)
    protect(ledger)
    shown = open_force(force, collect=Ledger())
    shown.publisher = Publisher(force, ledger, RENDER, shown.rules)
    if data is not None:
        shown.cache[CACHE] = data
    return case_file_review_change(shown), ledger


class _Cells(HTMLParser):
    """The rows of the first table of a rendering (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag, attrs) -> None:
        self._tables += tag == "table"
        if self._tables == 1 and tag == "tr":
            self.rows.append([])
        elif self._tables == 1 and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table(section) -> pd.DataFrame:
    parser = _Cells()
    parser.feed(section.items[0]._repr_html_())
    header, *body = [r for r in parser.rows if r]
    return pd.DataFrame(body, columns=header).set_index(header[0])


def _rounds(force: str) -> tuple:
    tables = load_review(force)
    review, sample = tables["review"], tables["review_sample"]
    return tuple((review[review["round"] == n], sample[sample["round"] == n]) for n in (1, 2))


def _points(value: float) -> str:
    shown = formatting.rounded(value * 100, 1)
    return f"+{shown}" if shown > 0 else str(shown)


def test_the_table_shows_the_measures_change_through_the_release(root: Path) -> None:
    section, ledger = _render(DEEP)
    assert section.title == TITLE
    expected = review_round_change(*_rounds(DEEP)).set_index("pillar")
    shown = _table(section)
    assert list(shown.index) == [pillar_name(p) for p in expected.index]
    for pillar, row in expected.iterrows():
        got = shown.loc[pillar_name(pillar)]
        assert int(got["cases coded, round 1"].replace(",", "")) == row["cases_from"]
        assert int(got["cases coded, round 2"].replace(",", "")) == row["cases_to"]
        assert got["round 1, % yes"] == formatting.percent(row["share_from"])
        assert got["round 2, % yes"] == formatting.percent(row["share_to"])
        change = f"{_points(row['change'])} ({_points(row['ci_low'])} to {_points(row['ci_high'])})"
        assert got["change, percentage points (95% interval)"] == change
    # the counts are count cells of the release; the shares and change rest on both
    cells = [c for k, c in ledger.cells.items() if "change between rounds" in k]
    counts = [c for c in cells if c.kind == "count" and "cases coded" in c.key]
    assert len(counts) == 2 * len(expected)
    derived = [c for c in cells if c.kind == "derived"]
    assert derived and all(len(set(c.depends) & {k.key for k in counts}) == 2 for c in derived)
    # the caption says which crimes each round sampled: rounds are ordered by those years
    cases = load_cases(DEEP)
    years = [
        sorted(cases.loc[cases["crime_id"].isin(s["crime_id"]), "financial_year"].unique())
        for _, s in _rounds(DEEP)
    ]
    words = [y[0] if len(y) == 1 else f"{y[0]} to {y[-1]}" for y in years]
    html = section.items[0]._repr_html_()
    assert f"round 1 (crimes recorded in {words[0]}) and round 2 (crimes recorded in " \
        f"{words[1]})" in html  # fmt: skip
    assert (years[0][0], years[0][-1]) < (years[1][0], years[1][-1]), words


def test_the_planted_change_is_found_and_the_finding_says_so(root: Path) -> None:
    section, _ = _render(DEEP)
    planted = json.loads(
        (root / "data" / "raw" / "durham" / synth_review.EARLIER_PLANTED_FILE).read_text()
    )
    change = review_round_change(*_rounds(DEEP)).set_index("pillar")
    moved = change.loc[planted["changed_pillar"]]
    assert moved["ci_low"] > 0
    assert (
        moved["ci_low"] <= planted["pillar_change"][planted["changed_pillar"]] <= moved["ci_high"]
    )
    name = pillar_name(planted["changed_pillar"]).lower()
    assert f"on {name} it rose from {formatting.percent(moved['share_from'])}" in section.finding
    assert section.finding.count("\n") == 0


def test_a_withheld_count_withholds_the_shares_and_change_resting_on_it(root: Path) -> None:
    tables = load_review(DEEP)
    first = tables["review"]["round"] == 1
    few = tables["review"].loc[first, "crime_id"].drop_duplicates().head(4)
    keep = ~first | tables["review"]["crime_id"].isin(few)
    tables["review"] = tables["review"][keep].reset_index(drop=True)
    data = ReviewData.from_tables(tables, load_cases(DEEP))
    section, _ = _render(DEEP, data)
    shown = _table(section)
    assert (shown["cases coded, round 1"] == "[c]").all()
    assert (shown["round 1, % yes"] == "[c]").all() and (shown["round 2, % yes"] == "[c]").all()
    assert (shown["change, percentage points (95% interval)"] == "[c]").all()
    assert section.finding.startswith("The change between review rounds 1 and 2 is not published")


def test_one_round_or_no_review_is_one_line(root: Path) -> None:
    one = ReviewData.from_tables(latest_round(load_review(DEEP)), load_cases(DEEP))
    section, _ = _render(DEEP, one)
    assert section.items == [] and "one case-file review round" in section.finding
    none, _ = _render(OTHER)
    assert none.items == [] and "no coded case-file review" in none.finding


def _published(changes: dict[str, tuple]) -> pd.DataFrame:
    rows = {p: dict(zip(["share_from", "share_to", "change", "ci_low", "ci_high"], v, strict=True))
            for p, v in changes.items()}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"suspect_focus": (0.2, 0.25, 0.05, -0.01, 0.11)},
            "Between review rounds 1 and 2 no pillar's share of case files coded yes changed "
            "beyond chance (every 95% interval spans zero).",
        ),
        (
            {"suspect_focus": (0.2, 0.33, 0.13, 0.06, 0.2),
             "victim_engagement": (0.7, 0.69, -0.01, -0.08, 0.06)},
            "Between review rounds 1 and 2 the share of case files coded yes changed beyond "
            "chance on 1 pillar: on suspect focus it rose from 20.0% to 33.0% "
            "(+13.0 (+6.0 to +20.0) points); the others did not change beyond chance.",
        ),
        (
            {"suspect_focus": (0.2, 0.33, 0.13, 0.06, 0.2),
             "victim_engagement": (0.7, 0.6, -0.1, -0.15, -0.05),
             "repeat_suspects": (float("nan"),) * 5},
            "Between review rounds 1 and 2 the share of case files coded yes changed beyond "
            "chance on 2 pillars: on suspect focus it rose from 20.0% to 33.0% "
            "(+13.0 (+6.0 to +20.0) points); on victim engagement it fell from 70.0% "
            "to 60.0% (-10.0 (-15.0 to -5.0) points) (1 pillar withheld: too few "
            "cases coded).",
        ),
    ],
)  # fmt: skip
def test_the_finding_is_worded_for_none_one_and_many_pillars(changes, expected) -> None:
    assert change_sentence(_published(changes), 1, 2) == expected
