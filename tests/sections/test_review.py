"""The case-file review in the reports: collected into the release, protected as a whole,
rendered from it; the estimates the report shows recover what the synthetic reviews
planted; a small review still says something (pooled responses) rather than withholding
everything; and the round trip sample -> workbook -> filled -> ingested -> report."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soteria_research import cli
from soteria_research.ingest import clean_force
from soteria_research.ingest.review_framework import load_review_framework, review_items
from soteria_research.ingest.review_workbook import HEADER_ROW
from soteria_research.measures.review import pool_responses
from soteria_research.release import Ledger, intervals, protect
from soteria_research.release.publisher import RENDER, Publisher
from soteria_research.sections import open_force, summary
from soteria_research.sections.collect import collect_force
from soteria_research.sections.national import open_national
from soteria_research.sections.national_review import review_comparison
from soteria_research.sections.review import case_file_review

DEEP, OTHER = "Durham", "Cleveland"


@pytest.fixture
def root(review_root: Path) -> Path:
    return review_root


@pytest.fixture(scope="module")
def source(review_source: Path) -> Path:
    return review_source


def _release(*forces: str):
    """Collect the forces and the national report, protect, and return render contexts."""
    ledger, found = Ledger(), []
    for force in forces:
        found.append(collect_force(open_force(force, collect=ledger)))
    findings = pd.concat(found, ignore_index=True)
    review_comparison(open_national(collect=ledger, findings=findings))
    protect(ledger)
    rendered = {}
    for force in forces:
        ctx = open_force(force, collect=Ledger())
        ctx.publisher = Publisher(force, ledger, RENDER, ctx.rules)
        rendered[force] = ctx
    national = open_national(collect=Ledger(), findings=findings)
    national.publisher = Publisher(national.publisher.unit, ledger, RENDER, national.rules)
    return ledger, rendered, national


@pytest.fixture(scope="module")
def released(source: Path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOTERIA_ROOT", str(source))
        ledger, rendered, national = _release(DEEP, OTHER)
        sections = {f: case_file_review(ctx) for f, ctx in rendered.items()}
        findings = summary.findings(rendered[DEEP])
        comparison = review_comparison(national)
        key = summary.key_findings(rendered[DEEP], findings)
    return ledger, sections, findings, comparison, key


class _TableParser(HTMLParser):
    """The cells of each ``<table>`` of a rendering (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    def number(text: str):
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return pd.NA if text in ("", "[c]", "–") else text  # withheld, or nothing to show

    body = [[r[0], *[number(c) for c in r[1:]]] for r in rows[1:]]
    return pd.DataFrame(body, columns=rows[0]).set_index(rows[0][0])


def _tables(section) -> list[pd.DataFrame]:
    parser = _TableParser()
    for item in section.items:
        if hasattr(item, "_repr_html_"):
            parser.feed(item._repr_html_())
    return [_frame(t) for t in parser.tables]


def test_a_force_without_a_review_gets_one_line(released) -> None:
    section = released[1][OTHER]
    assert section.items == []
    assert section.finding.startswith("No case-file review has been returned for Cleveland")


def test_the_section_shows_only_what_the_release_publishes(released) -> None:
    ledger, sections, *_ = released
    reviewed = {k: c for k, c in ledger.cells.items() if "review" in k and c.unit == DEEP}
    assert reviewed
    for key, cell in reviewed.items():
        if cell.kind == "count" and not cell.withheld:
            assert cell.value == 0 or cell.value >= 10, key
    found = intervals(ledger)
    assert ((found["high"] - found["low"]) >= 10).all()
    html = "".join(i._repr_html_() for i in sections[DEEP].items if hasattr(i, "_repr_html_"))
    for cell in reviewed.values():
        if cell.withheld and cell.kind == "count" and cell.value >= 100:
            assert f">{int(cell.value)}<" not in html
    assert sections[DEEP].finding.startswith("360 case files were sampled and 72 coded by two")


def test_rendering_again_gives_the_same_section(root: Path, released) -> None:
    ledger = released[0]
    ctx = open_force(DEEP, collect=Ledger())
    ctx.publisher = Publisher(DEEP, ledger, RENDER, ctx.rules)
    again = case_file_review(ctx)
    assert again.finding == released[1][DEEP].finding


def _planted(source: Path) -> dict:
    return json.loads((source / "data" / "raw" / "durham" / "review_planted.json").read_text())


def test_published_shares_cover_the_planted_coded_prevalence(source: Path, released) -> None:
    planted = _planted(source)["coded_prevalence"]
    covered = []
    for table in _tables(released[1][DEEP])[1:6]:
        for label, row in table.iterrows():
            item_id, response = label.split(" ", 1)[0], label.rsplit(": ", 1)[1]
            if item_id == "SF02" or response not in planted.get(item_id, {}):
                continue
            share = 100 * planted[item_id][response]
            covered.append(row["95% CI low"] <= share <= row["95% CI high"])
    assert len(covered) > 25
    assert sum(covered) / len(covered) >= 0.9


def test_the_planted_association_is_found_and_null_items_are_not(source: Path, released) -> None:
    table = _tables(released[1][DEEP])[-1]
    bounds = table["odds ratio"].str.extract(r"([\d.]+) \(([\d.]+) to ([\d.]+)\)").astype(float)
    bounds.index = [i.split(" ", 1)[0] for i in bounds.index]
    assert bounds.notna().all().all()  # every odds ratio published: the events allow it here
    flagged = bounds[(bounds[1] > 1) | (bounds[2] < 1)].index.tolist()
    assert flagged == ["SF02"]
    planted = _planted(source)["coded_odds_ratio"]
    assert bounds.at["SF02", 1] <= planted <= bounds.at["SF02", 2]
    assert "'suspect arrested or interviewed within seven days" in released[1][DEEP].finding
    assert "referral to an ISVA'" in released[1][DEEP].finding  # most often, acronym kept


def test_agreement_is_published_and_lowest_on_the_planted_hard_item(released) -> None:
    agreement = _tables(released[1][DEEP])[-2]
    ac1 = agreement["Gwet's AC1"].dropna().str.split(" ").str[0].astype(float)
    ac1.index = [i.split(" ", 1)[0] for i in ac1.index]
    assert ac1.idxmin() == "SF03" and len(ac1) == 12
    assert "reviewers agreed least on SF03" in released[1][DEEP].finding


def test_evidence_rows_follow_the_schema(released, tmp_path: Path) -> None:
    from soteria_research.release.findings import save_findings, validate_findings

    findings = released[2]
    rows = findings[findings["measure"].str.startswith("review_")]
    assert len(rows) == 9 + 12 + 9
    assert set(rows["basis"]) == {"review"} and (rows["period"] == "case-file review 2024").all()
    path = save_findings(findings, DEEP, "test", code_version="test", out_dir=tmp_path)
    validate_findings(pd.read_parquet(path))
    odds = rows.set_index("measure").loc["review_charge_odds_ratio_sf02"]
    assert not odds["suppressed"] and odds["value"] > 1
    shown = _tables(released[4])[0]  # the key findings leave them to the review section
    assert (
        len(shown) == len(findings) - len(rows) and not shown.index.str.startswith("review_").any()
    )


def test_the_national_comparison_reads_each_force_published_values(released) -> None:
    comparison = released[3]
    assert comparison.finding.startswith("1 deep-dive force returned a case-file review")
    shares = _tables(comparison)[0]
    assert list(shares.columns) == [DEEP] and shares.index.name == "item"
    force_table = _tables(released[1][DEEP])[1]
    sf01 = force_table.loc[next(i for i in force_table.index if i.startswith("SF01")), "%"]
    assert shares.iloc[0, 0].startswith(f"{sf01:.1f} (")


@pytest.mark.parametrize(
    ("counts", "response", "expected"),
    [
        ({"1": 2, "2": 15, "3": 20, "4": 3}, "ordinal", "1-2; 3-4"),
        ({"1": 12, "2": 15, "3": 20, "4": 10}, "ordinal", "1; 2; 3; 4"),
        ({"a": 30, "b": 5, "c": 4}, "category", "a or b or c"),
        ({"a": 30, "b": 8, "c": 4}, "category", "a; b or c"),
        ({"yes": 30, "no": 20, "not recorded": 9}, "yes_no", "yes; no or not recorded"),
        ({"yes": 30, "no": 20, "not recorded": 10}, "yes_no", "yes; no; not recorded"),
    ],
)
def test_rare_responses_are_pooled_until_each_stands_on_enough_cases(
    counts: dict, response: str, expected: str
) -> None:
    codes = [level for level, n in counts.items() for _ in range(n)]
    review = pd.DataFrame(
        {"crime_id": [f"c{i}" for i in range(len(codes))], "reviewer": "AB", "primary": True,
         "source_file": "r.xlsx", "sheet": "Review", "source_row": range(len(codes)),
         "item_id": "X1", "response": codes}
    )  # fmt: skip
    items = pd.DataFrame({"pillar": ["suspect_focus"], "item_id": ["X1"], "item": ["x"],
                          "response": [response], "choices": ["; ".join(counts)]})  # fmt: skip
    pooled, table = pool_responses(review, items, 10)
    assert table["choices"].iloc[0] == expected
    assert len(pooled) == len(review)  # nothing lost
    assert pooled["response"].isin(expected.split("; ")).all()


def _fill(path: Path, out: Path) -> None:
    """Code every sampled case, responses spread over the choices (reviewer AB, second CD)."""
    book = openpyxl.load_workbook(path)
    items = review_items(load_review_framework())
    for name, reviewer in (("Review", "AB"), ("Second coding", "CD")):
        sheet = book[name]
        where = {c.value: c.column for c in sheet[HEADER_ROW] if c.value}
        for number in range(HEADER_ROW + 1, sheet.max_row + 1):
            sheet.cell(number, where["Reviewer"], reviewer)
            sheet.cell(number, where["Review date"], "2024-05-01")
            for k, item in enumerate(items.itertuples(index=False)):
                choices = item.choices.split("; ") if item.choices else []
                value = 10 + number if item.response == "days" else choices[(number + k) % 2]
                sheet.cell(number, where[item.item_id], value)
    book["Review"].cell(HEADER_ROW + 1, where["SF05"], 99999)  # out of range: set aside
    book.save(out)


def test_round_trip_sample_workbook_filled_ingested_report(source: Path, tmp_path: Path,
                                                           monkeypatch) -> None:  # fmt: skip
    copy = tmp_path / "root"
    shutil.copytree(source, copy)
    monkeypatch.setenv("SOTERIA_ROOT", str(copy))
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(copy / "absent.key"))
    drawn = copy / "review_sample.xlsx"
    args = ["review-sample", "--force", OTHER, "--size", "40", "--seed", "5"]
    assert cli.main([*args, "--double-coding-share", "0.2", "--out", str(drawn)]) == 0
    raw = copy / "data" / "raw" / "cleveland"
    _fill(drawn, raw / "review_team.xlsx")
    clean_force(raw, copy / "data" / "processed")
    _, rendered, _ = _release(OTHER)
    section = case_file_review(rendered[OTHER])
    assert section.finding.startswith("40 case files were sampled")
    assert section.finding.endswith(
        "association of practice with charge is not estimated: too few events."
    )
    assert "reviewers agreed" not in section.finding
    tables = _tables(section)
    shares = pd.concat(tables[1:-3])
    # two responses used per item, about 20 cases each: published, not a wall of [c]
    assert shares["%"].notna().mean() > 0.8
    assert any(re.search(r"-\d$|\bor\b", label) for label in shares.index)  # pooled responses
    days = tables[-3]
    # 39 of the 40 sampled cases have SF05: the one case between them would show, so the
    # whole-release protection withholds the count (and its mean); DF02 has all 40
    assert pd.isna(days.iloc[0]["cases"]) and pd.isna(days.iloc[0]["mean days"])
    assert days.iloc[1]["cases"] == 40
    assert any("set aside" in i for i in section.items if isinstance(i, str))
    agreement = tables[-2]
    assert agreement["Gwet's AC1"].isna().all()  # 8 cases coded twice: under the minimum


def test_the_national_comparison_withholds_what_a_force_withholds() -> None:
    from types import SimpleNamespace

    from soteria_research.disclosure import Rules
    from soteria_research.release import NATIONAL
    from soteria_research.sections.summary import finding_key

    ledger, rows = Ledger(), []
    figures = {  # force -> (SF02 share, low, high, OR, low, high, OR withheld)
        "Durham": (0.30, 0.25, 0.35, 4.2, 2.1, 8.4, False),
        "South Wales": (0.55, 0.50, 0.60, 3.1, 1.5, 6.0, True),
    }
    for force, (p, pl, ph, odds, ol, oh, hidden) in figures.items():
        for measure, values in (
            ("review_yes_share_sf02", (p, pl, ph)),
            ("review_charge_odds_ratio_sf02", (odds, ol, oh)),
        ):
            rows.append({"force": force, "period": "case-file review 2024", "pillar":
                         "suspect_focus", "measure": measure, "reason": "",
                         "definition": "SF02 Suspect arrested within seven days: ..."})  # fmt: skip
            for column, value in zip(("value", "ci_low", "ci_high"), values, strict=True):
                key = finding_key(force, "Rape", rows[-1]["period"], measure, "suspect_focus",
                                  column)  # fmt: skip
                ledger.derived(force, "findings", measure, column, value, [], key=key)
                if hidden and measure.startswith("review_charge"):
                    ledger.cells[key].status = "derived"
    ctx = SimpleNamespace(
        findings=pd.DataFrame(rows), subgroup="Rape", rules=Rules(min_cell_count=10),
        publisher=Publisher(NATIONAL, ledger, RENDER, Rules(min_cell_count=10)),
    )  # fmt: skip
    section = review_comparison(ctx)
    shares, odds = _tables(section)  # no agreement rows: no agreement table
    assert shares.loc["SF02 Suspect arrested within seven days", "South Wales"] == (
        "55.0 (50.0 to 60.0)"
    )
    assert pd.isna(odds.loc["SF02 Suspect arrested within seven days", "South Wales"])
    assert "[c]" in section.items[-1]._repr_html_()
    assert section.finding == (
        "2 deep-dive forces returned a case-file review; the share of files coded yes differs "
        "most on SF02 Suspect arrested within seven days, from 30.0% (Durham) to 55.0% "
        "(South Wales); the odds of charge differ with the practice beyond chance for SF02 "
        "Suspect arrested within seven days in 1 of 2 forces."
    )
