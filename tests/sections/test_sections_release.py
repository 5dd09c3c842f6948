"""Sections publish through the release: collect, protect as a whole, then render."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.disclosure import OutputLog, Rules
from soteria_research.release import Ledger, intervals, protect
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.sections.context import ForceContext
from soteria_research.sections.force import data_quality, volumes

RULES = Rules(min_cell_count=10, zeros_disclosive=False)


def quality(quarantine: dict[str, int], clean: int = 7721, duplicates: int = 29) -> pd.DataFrame:
    total = sum(quarantine.values())
    rows = [
        ("rows", "input rows", clean + total + duplicates),
        ("rows", "clean", clean),
        ("rows", "quarantined", total),
        ("rows", "duplicates", duplicates),
        *[("quarantine", reason, n) for reason, n in quarantine.items()],
        ("duplicates", "exact_duplicate", duplicates),
        ("completeness", "victim_age", clean - 40),
    ]
    frame = pd.DataFrame(rows, columns=["section", "item", "count"])
    frame["total"] = clean
    frame["force"] = "Durham"
    return frame


def context(ledger: Ledger, mode: str, table: pd.DataFrame) -> ForceContext:
    return ForceContext(
        force="Durham",
        slug="durham",
        subgroup="Rape",
        comparator="national",
        cases=pd.DataFrame(),
        assessment=pd.DataFrame(),
        quality=table,
        period=None,
        provenance={},
        rules=RULES,
        measures={"confidence_level": 0.95},
        run_id="test",
        log=OutputLog("test"),
        publisher=Publisher("Durham", ledger, mode, RULES),
    )


def render(table: pd.DataFrame):
    ledger = Ledger()
    data_quality(context(ledger, COLLECT, table))
    protect(ledger, RULES)
    return ledger, data_quality(context(ledger, RENDER, table))


def test_a_small_quarantine_reason_cannot_be_worked_out_from_the_breakdown():
    # the example: recorded_date missing = 40 - 12 - 24 = 4
    table = quality({"offence: unknown": 12, "outcome: unknown": 24, "recorded_date: missing": 4})
    ledger, section = render(table)
    found = intervals(ledger)
    assert ((found["high"] - found["low"]) >= 10).all()
    html = section.items[0]._repr_html_()
    assert "recorded_date: missing" in html and ">4<" not in html


def test_the_sentence_quotes_only_published_figures():
    table = quality({"offence: unknown": 3})
    ledger, section = render(table)
    for key, cell in ledger.cells.items():
        if cell.withheld and cell.kind == "count" and cell.value >= 100:
            assert f"{int(cell.value):,}" not in section.finding, key


def test_render_refuses_a_cell_the_release_did_not_collect():
    table = quality({"offence: unknown": 12})
    ledger = Ledger()
    data_quality(context(ledger, COLLECT, table))
    protect(ledger, RULES)
    changed = quality({"offence: unknown": 12, "outcome: unknown": 15})
    with pytest.raises(Exception, match=r"not in the release|out of date"):
        data_quality(context(ledger, RENDER, changed))


def test_nothing_small_is_withheld_without_reason():
    table = quality({"offence: unknown": 12, "outcome: unknown": 24})
    ledger, section = render(table)
    assert not any(c.withheld for c in ledger.cells.values() if c.kind == "count" and c.priority)
    assert "99." in section.finding  # 7,721 of 7,786 usable


def test_spc_sentence_says_when_and_keeps_old_signals_out_of_the_headline():
    from types import SimpleNamespace

    from soteria_research import measures
    from soteria_research.sections.force import signal_sentence

    months = pd.date_range("2021-04-01", periods=36, freq="MS")
    values = [30.0 + (1 if i % 2 else -1) for i in range(36)]
    values[5] = 60.0  # one month far outside the limits, in Sep 2021 only
    chart = measures.xmr(values, index=months, run_length=7, trend_length=7)
    period = SimpleNamespace(start=pd.Timestamp("2023-04-01"), end=pd.Timestamp("2024-03-31"))
    ctx = SimpleNamespace(period=period, period_label="2023/24")
    text = signal_sentence(chart, ctx)
    assert text.startswith("with no special-cause signal in 2023/24; earlier:")
    assert "Sep 2021" in text


def test_a_force_with_no_data_says_so_in_one_line():
    ctx = context(Ledger(), COLLECT, pd.DataFrame())
    finding = volumes(ctx).finding
    assert finding == (
        "Not shown for Durham: no case records have been cleaned for it yet "
        "(run `soteria clean` or `make reports`)."
    )
    assert "no data" not in finding


def test_data_quality_rows_are_in_words():
    table = quality({"offence: unknown": 12, "recorded_date: missing": 30})
    _, section = render(table)
    rows, fields = (item._repr_html_() for item in section.items)
    assert "Exact duplicate of an earlier row" in rows and "exact_duplicate" not in rows
    # the row counts and reasons keep the wording the disclosure audit reads them by
    assert "input rows" in rows and "recorded_date: missing" in rows
    assert "Victim&#x27;s age" in fields and "victim_age" not in fields
