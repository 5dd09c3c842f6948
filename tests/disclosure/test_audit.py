"""Rendering and ``soteria audit``: clean outputs pass, planted disclosures fail."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from soteria_research.cli import main
from soteria_research.disclosure import (
    OutputLog,
    Rules,
    audit_paths,
    protect_evidence,
    protect_rates,
    protect_table,
    render_table_html,
)
from soteria_research.disclosure.htmltables import parse_html

PAGE = """<!DOCTYPE html><html><head><style>.x {{ color: #1f77b4ff; }}</style>
<script>var id = "3fa9c02b7d1e4f60"; var ref = "CR/12345/21";</script></head>
<body><h1>Durham: force report</h1>
<p>Data source: synthetic default (seed 20170401, first year 2021, 3 years).
Financial year 2023/24, extracted 2024-06-30, police force area E23000013, code 9f3c2ab.</p>
{body}
</body></html>"""


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        {"charged": [3, 40, 35], "not charged": [50, 60, 70], "pending": [30, 20, 25]},
        index=pd.Index(["13-15", "16-17", "18-24"], name="age band"),
    )


def _clean_report(rules: Rules) -> str:
    table = render_table_html(
        protect_table(_counts(), rules, name="t"), "Outcomes by age", rules=rules
    )
    rates = protect_rates(
        pd.DataFrame({"charged": [4, 30], "recorded": [300, 320]}, index=["a", "b"]),
        "charged",
        "recorded",
        rules,
        scale=100,
    )
    plain = pd.DataFrame({"Recorded": [120, 340], "Charge rate (%)": [3.3, 4.1]}).to_html()
    return PAGE.format(body=str(table) + str(render_table_html(rates, "Charge rates")) + plain)


def test_rendered_table_follows_the_marking_convention(rules):
    html = str(
        render_table_html(protect_table(_counts(), rules, name="t"), "Outcomes", rules=rules)
    )
    (table,), _ = parse_html(html)
    assert table.attrs["data-sdc"] == "protected" and table.caption == "Outcomes"
    head = table.head[0]
    assert [c.text for c in head] == ["age band", "charged", "not charged", "pending", "Total"]
    assert all("count" in c.marks for c in head[1:]) and "total" in head[-1].marks
    assert "total" in table.body[-1][0].marks
    hidden = [c for row in table.body for c in row if "suppressed" in c.marks]
    assert len(hidden) == 4 and {c.text for c in hidden} == {"[c]"}
    assert "[c]: withheld because it is below 10" in html


def test_a_clean_report_passes(tmp_path, rules):
    (tmp_path / "durham.html").write_text(_clean_report(rules))
    report = audit_paths([tmp_path], rules)
    assert report.problems == []
    assert (report.files, report.tables) == (1, 3)


def test_a_planted_disclosive_table_fails(tmp_path, rules):
    planted = pd.DataFrame({"Charged": [3, 40], "Not charged": [50, 60]}, index=["a", "b"])
    (tmp_path / "r.html").write_text(_clean_report(rules).replace("</body>", planted.to_html()))
    (problem,) = audit_paths([tmp_path], rules).problems
    assert "table 4" in problem.location and "row 'a', column 'Charged'" in problem.location
    assert problem.message == "visible count 3 below the threshold of 10"


def test_a_recoverable_suppressed_cell_fails(tmp_path, rules):
    protected = protect_table(_counts(), rules, name="t")
    leaky = protected.table.copy()
    leaky.loc["18-24", "charged"] = 35  # undo one secondary suppression
    html = render_table_html(leaky, "Leaky", count_columns=list(leaky.columns), rules=rules)
    (tmp_path / "r.html").write_text(PAGE.format(body=str(html)))
    problems = audit_paths([tmp_path], rules, attack=False).problems
    where = sorted(p.location for p in problems)
    assert where == ["table 1 ('Leaky'), column 'charged'", "table 1 ('Leaky'), row '18-24'"]
    assert all("can be recovered" in p.message for p in problems)
    attacked = audit_paths([tmp_path], rules).problems
    found = [p for p in attacked if "recovered exactly" in p.message]
    recovered = {p.location: p.message.split(" (using")[0] for p in found}
    assert recovered == {
        "table 1 ('Leaky'), row '13-15', column 'charged'": "withheld cell recovered exactly: 3",
        "table 1 ('Leaky'), row '13-15', column 'pending'": "withheld cell recovered exactly: 30",
        "table 1 ('Leaky'), row '18-24', column 'pending'": "withheld cell recovered exactly: 25",
    }


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("3fa9c02b7d1e4f60", "pseudonym"),
        ("CR/12345/21", "crime reference"),
        ("AS-2023-000123", "crime reference"),
        ("4412345/22", "crime reference"),
        ("07700900123", "long digit string"),
    ],
)
def test_a_planted_identifier_fails(tmp_path, rules, planted, kind):
    body = f"<p>See case {planted} for details.</p>"
    (tmp_path / "r.html").write_text(PAGE.format(body=body))
    (problem,) = audit_paths([tmp_path], rules).problems
    assert kind in problem.message and planted not in str(problem)
    assert problem.location.startswith("line ")


def test_evidence_files_are_checked(tmp_path, rules):
    findings = pd.DataFrame(
        {"force": ["a", "b"], "numerator": [4, 30], "denominator": [300, 320], "value": [1.3, 9.4]}
    )
    clean, _ = protect_evidence(findings, rules)
    clean.to_csv(tmp_path / "evidence.csv", index=False)
    clean.to_parquet(tmp_path / "evidence.parquet")
    clean.to_excel(tmp_path / "evidence.xlsx", sheet_name="data_performance", index=False)
    assert audit_paths([tmp_path], rules).problems == []
    leaky = findings.assign(crime_id=["3fa9c02b7d1e4f60", "0c1d2e3f4a5b6c7d"])
    leaky.to_csv(tmp_path / "evidence.csv", index=False)
    messages = [f"{p.location}: {p.message}" for p in audit_paths([tmp_path], rules).problems]
    assert "column 'crime_id': holds record-level identifiers or free text: remove it" in messages
    assert "row 2, column 'numerator': visible count 4 below the threshold of 10" in messages
    assert sum("pseudonym" in m for m in messages) == 2


def test_a_suppressed_row_showing_its_value_fails(tmp_path, rules):
    frame = pd.DataFrame({"numerator": [None], "value": [1.3], "suppressed": [True]})
    frame.to_csv(tmp_path / "e.csv", index=False)
    (problem,) = audit_paths([tmp_path], rules).problems
    assert problem.message == "suppressed row shows a value"


def test_output_logs_are_checked(tmp_path, rules):
    log = OutputLog("report", rules=rules)
    log.add(protect_table(_counts(), rules, name="t"))
    log.write(tmp_path / "ok.outputs.json")
    assert audit_paths([tmp_path], rules).problems == []
    log.add({"output": "Table 9", "kind": "frequency table", "status": "fail"})
    log.write(tmp_path / "bad.outputs.json")
    (problem,) = audit_paths([tmp_path], rules).problems
    assert "Table 9" in problem.location and "failed a rule" in problem.message


def test_rounded_tables_allow_multiples_of_the_base(tmp_path):
    rules = Rules(method="round")
    html = render_table_html(protect_table(_counts(), rules, name="t"), rules=rules)
    (tmp_path / "r.html").write_text(PAGE.format(body=str(html)))
    assert audit_paths([tmp_path], Rules()).problems == []
    (tmp_path / "r.html").write_text(PAGE.format(body=str(html).replace(">5<", ">3<")))
    (problem,) = audit_paths([tmp_path], Rules()).problems
    assert problem.message == "count 3 is not rounded to base 5"


def test_zero_counts_follow_the_setting(tmp_path):
    table = pd.DataFrame({"count": [0, 25]}, index=["a", "b"]).to_html()
    (tmp_path / "r.html").write_text(PAGE.format(body=table))
    assert audit_paths([tmp_path], Rules(zeros_disclosive=False)).problems == []
    assert len(audit_paths([tmp_path], Rules(zeros_disclosive=True)).problems) == 1


def test_command_line_exit_codes(tmp_path, rules, capsys, monkeypatch):
    monkeypatch.setattr("soteria_research.disclosure.rules.Rules.from_settings", lambda: rules)
    (tmp_path / "durham.html").write_text(_clean_report(rules))
    assert main(["audit", str(tmp_path)]) == 0
    assert "OK: 1 file(s), 3 table(s) checked" in capsys.readouterr().out
    (tmp_path / "kent.html").write_text(PAGE.format(body="<p>ref CR/12345/21</p>"))
    assert main(["audit", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "kent.html: line" in out and "crime reference" in out and "FAILED: 1 problem" in out
    assert main(["audit", str(tmp_path / "missing")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_json_manifests_are_scanned_for_identifiers(tmp_path, rules):
    commit = "a" + "1234567890" + "b" * 29  # a digit run inside a hash is not a number
    manifest = {"run": "2024-07-01", "commit": commit, "inputs": {"durham": "a1b2c3d4e5f60718"}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (problem,) = audit_paths([tmp_path], rules).problems
    assert problem.location == "inputs.durham" and "pseudonym" in problem.message


def test_a_withheld_cell_and_a_cell_with_nothing_to_show_have_their_own_markers():
    """[c] only where the release withheld a value; "–" (with its own footnote, only when
    the table has such a cell) where there is nothing to show."""
    from soteria_research.disclosure import NOT_APPLICABLE_MARKER, Rules
    from soteria_research.disclosure.suppression import Protected
    from soteria_research.release import Ledger, protect
    from soteria_research.release.publisher import COLLECT, RENDER, Publisher

    rules = Rules(min_cell_count=10, zeros_disclosive=False, min_cases_for_median=10)
    frame = pd.DataFrame(
        {"crimes": [40.0, 4.0, 30.0], "median days": [12.0, 20.0, float("nan")]},
        index=pd.Index(["charge", "withdrawal", "return"], name="interval"),
    )
    ledger = Ledger()
    Publisher("F", ledger, COLLECT, rules).statistics(frame, "t", ["median days"], "crimes")
    protect(ledger, rules)
    shown = Publisher("F", ledger, RENDER, rules).statistics(frame, "t", ["median days"], "crimes")
    assert shown.mask.loc["return", "median days"] == ""  # not estimable: nothing withheld
    assert shown.mask.loc["withdrawal", "median days"] != ""  # 4 cases: withheld
    html = str(render_table_html(shown, "Days", rules=rules))
    (table,), _ = parse_html(html)
    cells = {row[0].text: [c.text for c in row[1:]] for row in table.body}
    assert cells["withdrawal"][1] == "[c]"
    assert cells["return"] == ["30", NOT_APPLICABLE_MARKER]
    assert "not applicable" in html and "[c]: withheld" in html
    # a table with no such cell has no footnote for it
    full = Protected(
        "u", frame.iloc[:1], pd.DataFrame("", index=frame.index[:1], columns=frame.columns), {}
    )
    assert "not applicable" not in str(render_table_html(full, "Days", rules=rules))


def test_the_withheld_note_is_under_a_table_only_when_it_withholds_something(rules):
    """The note "[c]: withheld because ..." explains a mark the reader sees; under a table with none
    it would suggest something was hidden."""
    withholding = str(render_table_html(protect_table(_counts(), rules, name="t"), "a"))
    safe = pd.DataFrame({"charged": [30, 40]}, index=pd.Index(["a", "b"], name="group"))
    whole = str(render_table_html(protect_table(safe, rules, name="u"), "b", rules=rules))
    assert "[c]</td>" in withholding and "withheld because" in withholding
    assert "[c]" not in whole and "withheld because" not in whole
