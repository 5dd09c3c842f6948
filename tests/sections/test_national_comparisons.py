"""National comparisons: forces ranked on the censoring-aware measure beside the naive one,
positions counted in the order of the configured limits, over-dispersion in words."""

from __future__ import annotations

import pandas as pd

from soteria_research.disclosure import OutputLog, Rules
from soteria_research.sections.national import NationalContext, position_counts, ranking
from soteria_research.sections.summary import dispersion_words


def context(findings: pd.DataFrame) -> NationalContext:
    return NationalContext(
        findings=findings,
        cases=pd.DataFrame(),
        assessment=pd.DataFrame(),
        period="2023/24",
        subgroup="Rape",
        rules=Rules(min_cell_count=10),
        measures={},
        run_id="test",
        log=OutputLog("test"),
    )


def test_forces_rank_differently_on_the_censoring_aware_measure():
    rows = [
        ("A", "charge_rate", 0.02),
        ("B", "charge_rate", 0.05),
        ("C", "charge_rate", 0.04),
        ("A", "charge_cif_365", 0.06),  # younger cases: low naive, high censoring-aware
        ("B", "charge_cif_365", 0.05),
        ("C", "charge_cif_365", float("nan")),  # withheld: not ranked
    ]
    findings = pd.DataFrame(rows, columns=["force", "measure", "value"]).assign(period="2023/24")
    table = ranking(context(findings), "charge_rate", "charge_cif_365").table
    aware = "rank: Charged within a year (censoring-aware)"
    naive = "rank: Charge rate (naive)"
    assert table.index.tolist() == ["A", "B", "C"]
    assert table[aware].tolist()[:2] == [1, 2] and pd.isna(table[aware].iloc[2])
    assert table.loc["A", naive] == 3 and table.loc["B", naive] == 1
    assert table.loc["A", "Charged within a year (censoring-aware) (%)"] == 6.0


def test_a_withheld_value_is_marked_withheld_and_a_missing_one_not_applicable():
    from soteria_research.disclosure import render_table_html
    from soteria_research.disclosure.htmltables import parse_html

    rows = [
        ("A", "charge_rate", 0.02, False),
        ("B", "charge_rate", 0.05, False),
        ("C", "charge_rate", float("nan"), True),  # withheld by disclosure control
        ("A", "charge_cif_365", 0.06, False),
        ("B", "charge_cif_365", float("nan"), False),  # no estimate: nothing withheld
        ("C", "charge_cif_365", 0.04, False),
    ]
    findings = pd.DataFrame(rows, columns=["force", "measure", "value", "suppressed"])
    shown = ranking(context(findings.assign(period="2023/24")), "charge_rate", "charge_cif_365")
    (table,), _ = parse_html(str(render_table_html(shown, "ranking", count_columns=[])))
    cells = {r[0].text: [c.text for c in r[1:]] for r in table.body}
    assert cells["C"] == ["4.0", "2", "[c]", "[c]"]
    assert cells["B"] == ["–", "–", "5.0", "1"]


def test_position_counts_follow_the_configured_limits():
    rows = pd.DataFrame({"funnel_position": ["above90", "within", pd.NA, "within", "below99"]})
    table = position_counts(rows, [0.9, 0.99])
    assert table.index.tolist() == [
        "within the 90% limits",
        "above the 90% limit",
        "below the 99% limit",
        "not placed",
    ]
    assert table["forces"].tolist() == [2, 1, 1, 1]


def test_dispersion_words():
    assert "phi 1.50" in dispersion_words(1.5, 0.002, True)
    assert "limits widened by tau" in dispersion_words(1.5, 0.002, True)
    assert "not widened" in dispersion_words(1.5, 0.002, False)
    assert "no widening needed" in dispersion_words(0.8, 0.0, True)
    assert "not estimated" in dispersion_words(None, None, True)
