"""``soteria audit`` as an attacker: each class of leak planted in a small release fails it."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.cli import main
from soteria_research.disclosure.attack import attack_paths
from soteria_research.disclosure.attack_solve import Cell, Relation, bound_cells, shares
from soteria_research.disclosure.audit import audit_paths

C = '<td data-sdc="suppressed">[c]</td>'
NOTE = '<p class="sdc-note">[c]: withheld because it is below 10.</p>'


def _table(caption: str, columns: list[str], rows: list[tuple], total: str = "") -> str:
    """A protected table marked as the reports mark them; ``None`` is a withheld value."""
    heads = '<th scope="col">label</th>' + "".join(
        f'<th scope="col" data-sdc="count{" total" if c == total else ""}">{c}</th>'
        for c in columns
    )
    body = []
    for label, *values in rows:
        mark = ' data-sdc="total"' if label == "Total" else ""
        cells = "".join(C if v is None else f"<td>{v:,}</td>" for v in values)
        body.append(f'<tr><th scope="row"{mark}>{label}</th>{cells}</tr>')
    return (
        '<div class="sdc"><table class="sdc-table" data-sdc="protected" '
        f'data-sdc-method="suppress"><caption>{caption}</caption><thead><tr>{heads}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{NOTE}</div>"
    )


def _page(*parts: str) -> str:
    return f"<html><body>{''.join(parts)}</body></html>"


OUTCOMES = "Outcomes of rape crimes, 2023/24"
COHORT, ACTIVITY = "recorded in period (cohort)", "assigned in period (activity)"


def _outcomes(charged_cohort=None, charged_activity=25, other=(40, 60)) -> str:
    rows = [
        ("Charged/Summonsed", charged_cohort, charged_activity),
        ("Evidential difficulties", 500, 480),
        ("Out-of-court (formal)", None, None),
        ("Out-of-court (informal)", other[0], other[1]),
    ]
    return _table(OUTCOMES, [COHORT, ACTIVITY], rows)


def _release(tmp_path, files: dict[str, str | pd.DataFrame]):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False)
        else:
            path.write_text(content, encoding="utf-8")
    return sorted(p for p in tmp_path.rglob("*") if p.is_file())


def _found(exposures) -> dict[str, tuple[float, float]]:
    return {e.bound.where.split(": ", 1)[1]: (e.bound.low, e.bound.high) for e in exposures}


def test_a_breakdown_the_suppression_does_not_know_is_recovered(tmp_path, rules):
    rows = [
        ("input rows", 1_000),
        ("clean", 936),
        ("quarantined", 40),
        ("duplicates", 24),
        ("offence: unknown offence code", 12),
        ("outcome: unknown outcome code", 24),
        ("recorded_date: missing value", None),
        ("exact_duplicate", 24),
    ]
    page = _page(_table("Extract rows by what happened to them", ["rows"], rows))
    found = _found(attack_paths(_release(tmp_path, {"forces/a.html": page}), rules))
    assert found == {
        "table 1 ('Extract rows by what happened to them'), row 'recorded_date: missing "
        "value', column 'rows'": (4, 4)
    }


def test_a_count_withheld_in_a_table_but_printed_in_a_key_finding_is_recovered(tmp_path, rules):
    findings = (
        "<table class='sdc-table'><caption>Key findings for Kent, 2023/24</caption><thead><tr>"
        "<th>measure</th><th>pillar</th><th>finding</th><th data-sdc='count'>n (numerator)</th>"
        "<th data-sdc='count'>n (denominator)</th></tr></thead><tbody><tr><th>charge_rate</th>"
        "<td>suspect_focus</td><td>Charge rate (naive), 2023/24: 0.8% (95% CI 0.5% to 1.2%; "
        f"17 of 2,257).</td>{C}{C}</tr></tbody></table>"
    )
    page = _page(_outcomes(charged_cohort=None), findings)
    found = _found(attack_paths(_release(tmp_path, {"forces/kent.html": page}), rules))
    charged = f"table 1 ('{OUTCOMES}'), row 'Charged/Summonsed', column '{COHORT}'"
    assert found[charged] == (17, 17)
    assert found["table 2 ('Key findings for Kent, 2023/24'), row 'charge_rate', column "
                 "'n (numerator)'"] == (17, 17)  # fmt: skip


def test_a_sentence_percentage_pins_a_withheld_count(tmp_path, rules):
    stages = _table(
        "Crimes recorded in 2023/24 reaching each stage (% of recorded)",
        ["crimes"],
        [("Recorded", 814), ("Charged or summonsed", None)],
    )
    sentence = (
        "<p>0.4% of rape crimes recorded in 2023/24 have been charged so far "
        "(cohort measure, n = 814).</p>"
    )
    page = _page(stages, sentence)
    found = _found(attack_paths(_release(tmp_path, {"forces/a.html": page}), rules))
    assert list(found.values()) == [(3, 3)]  # 0.35% to 0.45% of 814: 2.85 to 3.66


def test_figure_data_for_a_withheld_cell_is_recovered(tmp_path, rules):
    figure = pd.DataFrame({"outcome group": ["Out-of-court (formal)"], COHORT: [6]})
    files = {"forces/a.html": _page(_outcomes(charged_cohort=30)), "forces/a.figure.csv": figure}
    found = _found(attack_paths(_release(tmp_path, files), rules))
    assert found == {
        f"table 1 ('{OUTCOMES}'), row 'Out-of-court (formal)', column '{COHORT}'": (6, 6)
    }


def test_near_duplicate_counts_reveal_their_small_difference(tmp_path, rules):
    days = _table(
        "Days between dates, outcomes assigned in 2023/24",
        ["crimes"],
        [("recording to charge", 24)],
    )
    page = _page(_outcomes(charged_cohort=30, charged_activity=25), days)
    (exposure,) = attack_paths(_release(tmp_path, {"forces/a.html": page}), rules)
    assert exposure.kind == "difference" and exposure.bound.exact and exposure.bound.low == 1


def test_a_national_total_minus_the_forces_recovers_a_force(tmp_path, rules):
    def row(force, num, den):
        return {"force": force, "period": "2023/24", "pillar": "repeat_suspects",
                "measure": "repeat_suspect_share", "basis": "cohort", "unit": "proportion",
                "value": None if num is None else num / den, "numerator": num,
                "denominator": den, "suppressed": num is None}  # fmt: skip

    forces = [row("A", 40, 500), row("B", 20, 300), row("C", None, 100)]
    evidence = pd.DataFrame([row("England and Wales", 61, 900), *forces])
    found = _found(attack_paths(_release(tmp_path, {"evidence/e.csv": evidence}), rules))
    assert found == {"row 5, column 'numerator'": (1, 1)}


def test_a_national_table_minus_the_forces_recovers_a_force(tmp_path, rules):
    rows = [("Force A", 120), ("Force B", 95), ("Force C", None), ("Force D", None),
            ("Total", 220)]  # fmt: skip
    page = _page(_table("Crimes by a repeat suspect, by force", ["crimes"], rows))
    found = _found(attack_paths(_release(tmp_path, {"national/national.html": page}), rules))
    assert set(found.values()) == {(0, 5)}  # two withheld cells sharing 5: both narrowed


def test_a_national_report_minus_the_force_reports_recovers_a_force(tmp_path, rules):
    def page(count):
        return _page(_table("Repeat suspects, 2023/24", ["crimes"], [("linked", count)]))

    files = {"forces/a.html": page(25), "forces/b.html": page(None), "forces/c.html": page(40),
             "national/national.html": page(72)}  # fmt: skip
    (exposure,) = attack_paths(_release(tmp_path, files), rules)
    assert exposure.bound.where.startswith(str(tmp_path / "forces/b.html"))
    assert (exposure.bound.low, exposure.bound.high) == (7, 7)


def test_a_safe_release_passes(tmp_path, rules):
    rows = [("Charged/Summonsed", 300, 250), ("Evidential difficulties", 500, 480),
            ("Out-of-court (formal)", None, None), ("Out-of-court (informal)", None, None),
            ("Total", 830, 790)]  # fmt: skip
    table = _table(OUTCOMES, [COHORT, ACTIVITY], rows)
    files = _release(tmp_path, {"forces/a.html": _page(table)})
    assert attack_paths(files, rules) == []
    assert main(["audit", str(tmp_path)]) == 0


def test_the_command_fails_on_a_recoverable_cell_and_names_it(tmp_path, rules, capsys):
    rows = [("a", 50), ("b", None), ("Total", 53)]
    _release(tmp_path, {"forces/a.html": _page(_table("Counts", ["crimes"], rows))})
    assert main(["audit", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "row 'b', column 'crimes': withheld cell recovered exactly: 3" in out


def test_output_logs_are_not_read_by_the_attack(tmp_path, rules):
    log = '{"format": "x", "outputs": [{"cells": [{"row": "b", "count": 3}]}]}'
    rows = [("a", 50), ("b", None), ("c", None), ("Total", 80)]
    files = {"forces/a.html": _page(_table("Counts", ["crimes"], rows)), "a.disclosure.json": log}
    assert attack_paths(_release(tmp_path, files), rules) == []


def test_linear_programming_bounds_match_hand_computation():
    cells = [Cell("a", None), Cell("b", None), Cell("t", 12.0), Cell("n", 814.0)]
    relations = [Relation.total("t", ["a", "b"], "t = a + b")]
    relations += shares("a", "n", 0.0035, 0.0045, "0.4% of 814")
    bounds = {b.cell: (b.low, b.high) for b in bound_cells(cells, relations)}
    assert bounds == {"a": (3, 3), "b": (9, 9)}


@pytest.mark.parametrize(("total", "width"), [(9, 9), (10, 10), (11, 11)])
def test_protection_width_boundary(tmp_path, rules, total, width):
    rows = [("a", 500), ("b", None), ("c", None), ("Total", 500 + total)]
    files = _release(tmp_path, {"a.html": _page(_table("Counts", ["crimes"], rows))})
    exposures = attack_paths(files, rules)
    assert [e.bound.width for e in exposures] == ([width] * 2 if width < 10 else [])


@pytest.mark.parametrize(
    ("n", "flagged"), [(10, True), (11, True), (32, True), (33, False), (120, False)]
)
def test_a_median_interval_whose_ends_are_single_records_fails(tmp_path, n, flagged):
    table = (
        "<table class='sdc-table'><caption>Days between dates</caption><thead><tr>"
        "<th>interval</th><th data-sdc='count'>crimes</th><th>median days</th><th>95% CI</th>"
        f"</tr></thead><tbody><tr><th>recording to charge</th><td>{n}</td><td>40</td>"
        "<td>1 to 90</td></tr></tbody></table>"
    )
    sentence = f"<p>Median days to charge, 2023/24: 40 days (95% CI 1 to 90; n={n}).</p>"
    (tmp_path / "a.html").write_text(_page(table, sentence))
    problems = [p for p in audit_paths([tmp_path]).problems if "median interval" in p.message]
    assert len(problems) == (2 if flagged else 0)
    assert not flagged or "table 1 ('Days between dates'), row 'recording to charge'" in str(
        problems[0]
    )


def test_an_evidence_row_withheld_but_printed_as_a_key_finding_is_recovered(tmp_path, rules):
    findings = (
        "<table class='sdc-table'><caption>Key findings for Kent, 2023/24</caption><thead><tr>"
        "<th>measure</th><th>pillar</th><th>finding</th><th data-sdc='count'>n (numerator)</th>"
        "<th data-sdc='count'>n (denominator)</th></tr></thead><tbody><tr><th>charge_rate</th>"
        "<td>suspect_focus</td><td>Charge rate (naive), 2023/24: 0.3% (95% CI 0.1% to 0.6%; "
        "7 of 2,257).</td><td>7</td><td>2,257</td></tr></tbody></table>"
    )
    evidence = pd.DataFrame(
        {
            "force": ["Kent"],
            "period": ["2023/24"],
            "pillar": ["suspect_focus"],
            "measure": ["charge_rate"],
            "unit": ["proportion"],
            "value": [None],
            "numerator": [None],
            "denominator": [None],
            "suppressed": [True],
        }
    )
    files = {"forces/kent.html": _page(findings), "evidence/e.csv": evidence}
    found = _found(attack_paths(_release(tmp_path, files), rules))
    assert found == {
        "row 2, column 'numerator'": (7, 7),
        "row 2, column 'denominator'": (2257, 2257),
    }


def test_relations_that_contradict_the_published_values_are_skipped_not_trusted():
    cells = [Cell("a", None), Cell("b", 30.0), Cell("t", 20.0), Cell("c", None), Cell("u", 9.0)]
    relations = [
        Relation.total("t", ["a", "b"], "t = a + b (cannot hold: b > t)"),
        Relation.total("u", ["c"], "u = c"),
    ]
    bounds = {b.cell: (b.low, b.high) for b in bound_cells(cells, relations)}
    assert bounds == {"c": (9, 9)}


def test_cells_published_as_one_quantity_share_one_unknown():
    cells = [Cell("x", None), Cell("y", None), Cell("z", None), Cell("t", 50.0), Cell("s", 45.0)]
    relations = [
        Relation.same("x", "y", "x = y"),
        Relation.same("y", "z", "y = z"),
        Relation.total("t", ["x", "s"], "t = x + s"),
    ]
    bounds = {b.cell: (b.low, b.high) for b in bound_cells(cells, relations)}
    assert bounds == {"x": (5, 5), "y": (5, 5), "z": (5, 5)}


def test_a_row_that_names_its_own_base_is_not_read_as_a_share_of_crimes_recorded(tmp_path, rules):
    """In "Crimes recorded in 2023/24 (%)" the row "devices returned (of seized)" has the
    devices seized as its base: the audit must not take its "of" for the crimes recorded
    (that false link once "recovered" 34 devices seized where the release held 11)."""
    rows = [("devices seized (of crimes recorded)", None, 34), ("devices returned (of seized)",
            None, None)]  # fmt: skip
    page = _page(_table("Crimes recorded in 2023/24 (%)", ["crimes", "of"], rows))
    assert attack_paths(_release(tmp_path, {"forces/a.html": page}), rules) == []
