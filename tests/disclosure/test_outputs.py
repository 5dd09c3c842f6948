"""The output log and guarded figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from soteria_research.disclosure import (
    OutputLog,
    Rules,
    check_regression,
    guard_figure,
    protect_table,
)
from soteria_research.errors import DataError


def test_log_collects_outputs_and_round_trips(tmp_path, rules):
    counts = pd.DataFrame({"charged": [3, 40], "not charged": [50, 60]}, index=["a", "b"])
    log = OutputLog("force report: Durham", rules=rules, created="2024-07-01T00:00:00Z")
    log.add(protect_table(counts, rules, name="Outcomes by age"))
    log.add(check_regression(8, rules, name="Charge model"))
    log.add(guard_figure(pd.Series({"a": 4, "b": 3}), rules, name="Outcomes chart"))
    path = log.write(tmp_path / "runs" / OutputLog.path_for("durham.html"))
    assert path.name == "durham.outputs.json"
    data = json.loads(path.read_text())
    assert data["summary"] == {
        "outputs": 3, "pass": 0, "protected": 1, "withheld": 2, "unchecked": 0, "fail": 0
    }  # fmt: skip
    assert data["rules"]["min_cell_count"] == 10
    table = data["outputs"][0]
    assert table["thresholds"] == {
        "min_cell_count": 10,
        "zeros_disclosive": False,
        "rounding_base": 5,
    }
    assert [c["suppression"] for c in table["cells"]].count("primary") == 1
    # no cell value is recorded anywhere: only labels and reasons
    assert all("value" not in cell for entry in data["outputs"] for cell in entry.get("cells", []))
    again = OutputLog.read(path)
    assert again.entries == log.entries and again.rules == rules


def test_log_refuses_entries_without_the_required_keys(rules):
    log = OutputLog("r", rules=rules)
    with pytest.raises(DataError, match="status"):
        log.add({"output": "x", "kind": "figure"})
    with pytest.raises(DataError, match="unknown status"):
        log.add({"output": "x", "kind": "figure", "status": "maybe"})


def test_reading_something_else_is_an_error(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "something"}')
    with pytest.raises(DataError, match="not an output log"):
        OutputLog.read(path)


@pytest.mark.parametrize(("total", "drawn"), [(9, False), (10, True), (11, True)])
def test_a_chart_needs_enough_cases_behind_it(rules, total, drawn):
    decision = guard_figure(pd.Series({"only": total}), rules, name="Chart")
    assert decision.draw is drawn
    assert (decision.table is None) is not drawn
    if not drawn:
        assert decision.message == "Chart: not shown, because fewer than 10 cases stand behind it."
        assert decision.log_entry["status"] == "withheld"
        assert "not shown" in decision._repr_html_()


def test_a_chart_is_drawn_from_the_protected_counts_and_says_so(rules):
    counts = pd.Series({"white": 40, "black": 3, "asian": 25, "mixed": 12}, name="victims")
    decision = guard_figure(counts, rules, name="Victims by ethnicity")
    assert decision.draw
    assert decision.table.isna().tolist() == [False, True, False, False]
    assert decision.caption.startswith("Drawn from the protected counts: 1 of 4 values")
    # with the total published beside the chart, a second bar has to go
    with_total = guard_figure(counts, rules, name="Victims by ethnicity", margins=True)
    assert with_total.table.isna().sum() == 2


def test_a_chart_with_nothing_left_is_not_drawn(rules):
    decision = guard_figure(pd.Series({"a": 4, "b": 3, "c": 5}), rules, name="Chart")
    assert not decision.draw and decision.table is None


def test_a_clean_chart_has_no_caption(rules):
    decision = guard_figure(pd.DataFrame({"2022": [40, 50], "2023": [35, 60]}), rules)
    assert decision.draw and decision.caption == "" and decision.log_entry["status"] == "pass"


def test_rounded_charts_say_so():
    decision = guard_figure(pd.Series({"a": 41, "b": 12}), Rules(method="round"))
    assert decision.table.tolist() == [40, 10]
    assert decision.caption == "Drawn from counts rounded to the nearest 5."
