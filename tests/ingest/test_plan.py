"""The improvement plan round trip: template -> filled -> ingested, and bad input."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.cli import main
from soteria_research.errors import ExtractError
from soteria_research.ingest import plan_template
from soteria_research.ingest.plan import NO_ACTION, ingest_plan, load_plan, read_plan
from soteria_research.ingest.plan_template import (
    HEADER,
    STATUSES,
    plan_rows,
    write_plan_template,
)

FINDINGS = pd.DataFrame(
    {
        "force": ["Durham"] * 5,
        "measure": ["charge_rate", "arrest_share", "isva_share", "recorded_crimes", "kappa"],
        "pillar": [
            "suspect_focus",
            "suspect_focus",
            "victim_engagement",
            "data_performance",
            "learning_wellbeing",
        ],
        "funnel_position": ["below95", "within", None, "within", None],
        "spc_signal": [None, "run of 7 below the centre line", "none", "", None],
        "gap": [None, None, None, None, 1.5],
        "finding": ["Charge rate below the national funnel limits", "", "", "", ""],
    }
)


def test_plan_rows_seed_every_flagged_measure_and_gap():
    rows = plan_rows(FINDINGS)
    assert rows["linked_measures"].tolist() == ["arrest_share", "charge_rate", "kappa"]
    assert rows["pillar"].tolist() == ["suspect_focus", "suspect_focus", "learning_wellbeing"]
    assert rows["action_id"].tolist() == ["A001", "A002", "A003"]
    assert rows.loc[1, "finding"] == "Charge rate below the national funnel limits"
    assert plan_rows(FINDINGS.iloc[[2, 3]]).empty
    assert plan_rows(pd.DataFrame(columns=["measure", "pillar"])).empty


#: Evidence-base rows of Durham's latest self-assessment (round 10 after round 9):
#: self above peer in suspect focus (+0.5) and digital forensics (+0.25), equal in victim
#: engagement, below in learning; round 9's bigger gap in data is superseded.
RATINGS = pd.DataFrame(
    {
        "force": ["Durham"] * 10,
        "period": ["self-assessment round 10"] * 8 + ["self-assessment round 9"] * 2,
        "pillar": ["suspect_focus", "suspect_focus", "victim_engagement", "victim_engagement",
                   "digital_forensics", "digital_forensics", "learning_wellbeing",
                   "learning_wellbeing", "data_performance", "data_performance"],
        "measure": ["self_maturity", "peer_maturity"] * 5,
        "value": [3.0, 2.5, 2.0, 2.0, 2.75, 2.5, 1.5, 2.0, 4.0, 1.0],
        "funnel_position": [None] * 10,
        "spc_signal": [None] * 10,
        "finding": ["Self-assessed maturity"] * 10,
    }
)  # fmt: skip


def test_pillar_gaps_are_self_minus_peer_of_the_latest_round():
    gaps = plan_template.pillar_gaps(RATINGS).set_index("pillar")
    assert set(gaps.index) == {
        "suspect_focus", "victim_engagement", "digital_forensics", "learning_wellbeing"
    }  # fmt: skip
    assert gaps["gap"].to_dict() == pytest.approx(
        {"suspect_focus": 0.5, "victim_engagement": 0.0, "digital_forensics": 0.25,
         "learning_wellbeing": -0.5}
    )  # fmt: skip
    # a withheld (missing) rating gives no gap
    withheld = RATINGS.assign(value=RATINGS["value"].mask(RATINGS.index == 0))
    assert "suspect_focus" not in set(plan_template.pillar_gaps(withheld)["pillar"])


def test_every_flagged_measure_and_every_pillar_gap_seeds_a_row():
    evidence = pd.concat([FINDINGS.drop(columns="gap"), RATINGS], ignore_index=True)
    rows = plan_rows(evidence)
    gap = "self_maturity|peer_maturity"
    assert rows[["pillar", "linked_measures"]].values.tolist() == [
        ["suspect_focus", "arrest_share"],
        ["suspect_focus", "charge_rate"],
        ["suspect_focus", gap],
        ["digital_forensics", gap],
    ]
    assert rows.loc[2, "finding"] == (
        "Maturity gap: Suspect-focused investigation self-rated 3.00, 0.50 points above "
        "the peer review (2.50), round 10"
    )
    # values read from a CSV (text) seed the same rows
    assert plan_rows(evidence.astype(str).replace("None", "")).equals(rows)


def _fill(path, edits: dict[str, object]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Plan"]
    for cell, value in edits.items():
        sheet[cell] = value
    book.save(path)


GOOD = {
    "E2": "Suspect-focused review of every open case at 28 days",
    "F2": "RASSO lead",
    "G2": dt.datetime(2023, 1, 10),
    "H2": dt.datetime(2023, 6, 30),
    "I2": "in progress",
    "E3": "Charge file quality checklist",
    "F3": "Head of PPU",
    "G3": "2023-02-01",
    "H3": "31/12/2023",
    "I3": "Done",
    # a new row written by the force
    "B5": "Procedural-justice victim engagement",
    "D5": "isva_share",
    "E5": "ISVA offer at first contact",
    "F5": "Victim care lead",
    "G5": "01/03/2023",
    "H5": "01/09/2023",
    "I5": "planned",
}


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "plan.xlsx"
    write_plan_template("Durham Constabulary", plan_rows(FINDINGS), path)
    return path


def test_template_layout(template):
    book = openpyxl.load_workbook(template)
    sheet = book["Plan"]
    assert [c.value for c in sheet[1]] == list(HEADER)
    assert sheet["B2"].value == "Suspect-focused investigation"
    assert sheet["I2"].value == STATUSES[0]
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any(r.startswith("I2:") for r in ranges)
    assert book["About"]["B2"].value == "Durham"
    assert {"Instructions", "About"} <= set(book.sheetnames)


def test_round_trip_keeps_every_row(template, tmp_path):
    _fill(template, GOOD)
    result = ingest_plan(template, "durham", tmp_path / "processed")
    assert result.problems == []
    plan = result.plan.set_index("action_id")
    assert list(plan.index) == ["A001", "A002", "R5"]
    assert plan.loc["A001", "pillar"] == "suspect_focus"
    assert plan.loc["A001", "linked_measures"] == "arrest_share"
    assert plan.loc["A002", "status"] == "done"
    assert plan.loc["A002", "due_date"] == pd.Timestamp("2023-12-31")
    assert plan.loc["R5", "pillar"] == "victim_engagement"
    assert plan.loc["R5", "start_date"] == pd.Timestamp("2023-03-01")
    # the seeded gap row without an action is kept, with its reason
    assert result.quarantine["reason"].tolist() == [NO_ACTION]
    assert result.quarantine["source_row"].tolist() == [4]
    stored = load_plan("Durham", tmp_path / "processed")
    pd.testing.assert_frame_equal(stored, result.plan)
    assert (tmp_path / "processed" / "durham" / "plan_quarantine.parquet").is_file()


@pytest.mark.parametrize(
    ("edits", "line"),
    [
        ({"I2": "nearly"}, "Plan!I2 (Status): 'nearly' is not a status"),
        ({"G2": "soon"}, "Plan!G2 (Start): 'soon' is not a date"),
        ({"H2": None}, "Plan!H2 (Due): empty is not a date"),
        ({"H2": dt.datetime(2022, 1, 1)}, "Plan!H2 (Due): due before the start"),
        ({"F2": None}, "Plan!F2 (Owner role): no owner role"),
        ({"E2": None}, "Plan!E2 (Action): no action written"),
        ({"B2": "Morale"}, "Plan!B2 (Pillar): 'Morale' is not a Soteria pillar"),
        ({"D2": "arrest_share|made_up"}, "Plan!D2 (Linked measures): unknown measure(s) made_up"),
        ({"A3": "A001"}, "Plan!A3 (Action ID): action ID 'A001' is used twice"),
    ],
)
def test_bad_cells_are_named_and_nothing_is_lost(template, edits, line):
    _fill(template, {**GOOD, **edits})
    result = read_plan(template, "Durham", ["arrest_share", "charge_rate", "isva_share", "kappa"])
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"plan.xlsx: {line}")
    bad_row = int("".join(ch for ch in line.split("!")[1].split(" ")[0] if ch.isdigit()))
    assert bad_row not in result.plan["source_row"].tolist()
    kept = set(result.plan["source_row"]) | set(result.quarantine["source_row"])
    assert kept == {2, 3, 4, 5}


def test_several_problems_in_one_row_each_get_a_line(template):
    _fill(template, {**GOOD, "I3": "?", "G3": "x"})
    result = read_plan(template, "Durham")
    assert [p.split(" ")[1] for p in result.problems] == ["Plan!G3", "Plan!I3"]
    assert result.quarantine["source_row"].tolist().count(3) == 2


def test_whole_file_problems(tmp_path, template):
    with pytest.raises(ExtractError, match="no such file"):
        read_plan(tmp_path / "missing.xlsx", "Durham")
    (tmp_path / "text.xlsx").write_text("not a workbook")
    with pytest.raises(ExtractError, match="cannot be read as an Excel workbook"):
        read_plan(tmp_path / "text.xlsx", "Durham")
    with pytest.raises(ExtractError, match="About!B2 says the plan is for Durham, not Gwent"):
        read_plan(template, "Gwent")
    book = openpyxl.load_workbook(template)
    book["Plan"]["E1"] = "What"
    book.save(template)
    with pytest.raises(ExtractError, match=r"header 'Action' missing \(Plan!E1\)"):
        read_plan(template, "Durham")
    book["Plan"].title = "Actions"
    book.save(template)
    with pytest.raises(ExtractError, match="no sheet 'Plan'"):
        read_plan(template, "Durham")


def test_failed_ingest_leaves_the_previous_plan(template, tmp_path):
    _fill(template, GOOD)
    ingest_plan(template, "Durham", tmp_path)
    before = load_plan("Durham", tmp_path)
    (tmp_path / "broken.xlsx").write_text("x")
    with pytest.raises(ExtractError):
        ingest_plan(tmp_path / "broken.xlsx", "Durham", tmp_path)
    pd.testing.assert_frame_equal(load_plan("Durham", tmp_path), before)


def test_command_line_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    findings = tmp_path / "findings.csv"
    FINDINGS.to_csv(findings, index=False)
    out = tmp_path / "plan.xlsx"
    assert (
        main(["plan-template", "--force", "Durham", "--out", str(out), "--findings", str(findings)])
        == 0
    )
    assert "3 flagged finding(s)" in capsys.readouterr().out
    _fill(out, {**GOOD, "D5": "charge_rate"})
    assert main(["plan-ingest", str(out), "--force", "Durham"]) == 0
    assert "3 action(s) written" in capsys.readouterr().out
    assert (tmp_path / "data" / "processed" / "durham" / "plan.parquet").is_file()
    _fill(out, {"I2": "nearly"})
    assert main(["plan-ingest", str(out), "--force", "Durham"]) == 1
    err = capsys.readouterr().err
    assert "plan.xlsx: Plan!I2 (Status): 'nearly' is not a status" in err


def test_blank_template_without_findings(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    out = tmp_path / "blank.xlsx"
    assert main(["plan-template", "--force", "Gwent", "--out", str(out)]) == 0
    assert "no findings (blank)" in capsys.readouterr().out
    result = read_plan(out, "Gwent")
    assert result.plan.empty and result.quarantine.empty and result.problems == []


CELL_VALUES = {
    "B": ["Suspect-focused investigation", "digital_forensics", "Morale", None],
    "D": ["charge_rate", "charge_rate|made_up", None],
    "E": ["An action", None],
    "F": ["RASSO lead", None],
    "G": [dt.datetime(2023, 1, 1), "2023-02-01", "soon", None],
    "H": [dt.datetime(2023, 6, 1), "01/01/2022", "x", None],
    "I": ["planned", "Done", "nearly", None],
}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELL_VALUES.items()}),
        min_size=1,
        max_size=6,
    )
)
def test_every_written_row_is_kept_or_quarantined(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    write_plan_template("Durham", plan_rows(FINDINGS.iloc[:0]), path)
    edits = {f"{col}{i + 2}": value for i, row in enumerate(rows) for col, value in row.items()}
    _fill(path, edits)
    result = read_plan(path, "Durham", ["charge_rate"])
    written = {i + 2 for i, row in enumerate(rows) if any(v is not None for v in row.values())}
    kept = set(result.plan["source_row"]) | set(result.quarantine["source_row"])
    assert kept == written
    assert not set(result.plan["source_row"]) & set(result.quarantine["source_row"])
    assert len(result.problems) == int(result.quarantine["reason"].ne(NO_ACTION).sum())
