"""The force report's improvement loop: the plan round trip (template -> filled ->
ingested -> report), its bad input, and that every number goes through the release."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from soteria_research.errors import ExtractError
from soteria_research.ingest.pipeline import plan_problems
from soteria_research.ingest.plan import NO_ACTION, load_plan
from soteria_research.release import Ledger, intervals, protect
from soteria_research.release.publisher import COLLECT, RENDER
from soteria_research.sections import loop
from soteria_research.synth import files, plans

from .loop_support import EXTRACTION, RULES, force_context, quarter_cases, two_rounds

WHEN = dt.datetime(2024, 7, 1, 9)
#: Durham: 20 of 100 arrested a quarter, then 50 of 100 from 2022Q3 (the action: 2022Q2).
SHARES = {
    str(q): (100, 20 if q < pd.Period("2022Q3") else 50)
    for q in pd.period_range("2021Q2", "2024Q1", freq="Q")
}


def _actions() -> pd.DataFrame:
    rows = [
        ("A001", "suspect_focus", "Few early arrests", "arrest_share", "Daily suspect review",
         "RASSO lead", pd.Timestamp("2022-05-01"), pd.Timestamp("2022-12-31"), "done"),
        ("A002", "victim_engagement", "ISVA offer", "isva_share", "Offer an ISVA at first contact",
         "Victim care coordinator", pd.Timestamp("2022-05-01"), pd.Timestamp("2023-01-31"),
         "in progress"),
        ("A003", "digital_forensics", "Device backlog", "", "", "", pd.NaT, pd.NaT, ""),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=[
        "action_id", "pillar", "finding", "linked_measures", "action", "owner_role",
        "start_date", "due_date", "status",
    ])  # fmt: skip


def _return_plan(folder, actions: pd.DataFrame, name: str = plans.FILE_NAME):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(files.xlsx_bytes(plans.plan_book("Durham", actions), WHEN))


@pytest.fixture()
def ingested(tmp_path):
    raw, processed = tmp_path / "raw" / "durham", tmp_path / "processed"
    _return_plan(raw, _actions())
    problems = plan_problems(raw, "Durham", processed / "durham")
    return problems, load_plan("Durham", processed), processed


def _render(cases, plan, section, assessment=None):
    ledger = Ledger()
    section(force_context(ledger, COLLECT, cases, assessment, plan))
    protect(ledger, RULES)
    return ledger, section(force_context(ledger, RENDER, cases, assessment, plan))


def test_a_returned_plan_is_ingested_with_nothing_lost(ingested):
    problems, plan, processed = ingested
    assert problems == 0
    assert plan["action_id"].tolist() == ["A001", "A002"]
    quarantine = pd.read_parquet(processed / "durham" / "plan_quarantine.parquet")
    assert quarantine["reason"].tolist() == [NO_ACTION]
    assert quarantine["source_row"].tolist() == [4]


def test_bad_rows_of_a_returned_plan_are_quarantined_by_cell(tmp_path):
    actions = _actions()
    actions.loc[0, "due_date"] = pd.Timestamp("2021-01-01")  # due before the start
    actions.loc[1, "pillar"] = "wellbeing of the moon"  # not a pillar
    actions.loc[1, "linked_measures"] = "isva_share|made_up_rate"
    raw, folder = tmp_path / "raw" / "durham", tmp_path / "processed" / "durham"
    _return_plan(raw, actions)
    assert plan_problems(raw, "Durham", folder) == 3
    quarantine = pd.read_parquet(folder / "plan_quarantine.parquet")
    assert set(quarantine["cell"]) == {"Plan!H2", "Plan!B3", "Plan!D3", "Plan!A4"}
    assert "made_up_rate" in " ".join(quarantine["reason"])
    assert pd.read_parquet(folder / "plan.parquet").empty
    # every row with content is kept or quarantined
    assert set(quarantine["source_row"]) == {2, 3, 4}


def test_two_returned_plans_are_refused_and_a_withdrawn_plan_is_removed(tmp_path):
    raw, folder = tmp_path / "raw" / "durham", tmp_path / "processed" / "durham"
    _return_plan(raw, _actions())
    _return_plan(raw, _actions(), "improvement_plan_v2.xlsx")
    with pytest.raises(ExtractError, match="2 improvement plans"):
        plan_problems(raw, "Durham", folder)
    (raw / "improvement_plan_v2.xlsx").unlink()
    plan_problems(raw, "Durham", folder)
    assert (folder / "plan.parquet").is_file()
    (raw / plans.FILE_NAME).unlink()
    plan_problems(raw, "Durham", folder)
    assert not (folder / "plan.parquet").exists()


def test_the_report_shows_the_plan_and_the_measured_change(ingested):
    _, plan, _ = ingested
    cases = quarter_cases("Durham", SHARES)
    _ledger, section = _render(cases, plan, loop.improvement_plan)
    html = "".join(i._repr_html_() for i in section.items if hasattr(i, "_repr_html_"))
    assert "2 actions, 1 done" in section.finding
    # A002 is open and was due on 31/01/2023: overdue at the extraction date
    overdue = (EXTRACTION - pd.Timestamp("2023-01-31")).days
    assert "1 open action is past its due date" in section.finding
    assert f">{overdue}<" in html
    # before: 2021Q2-2022Q1 at 20%; after: 2022Q3-2023Q2 at 50%: +30 points
    assert "1 rose and 0 fell" in section.finding
    assert ">30.0<" in html and ">20.0<" in html and ">50.0<" in html


def test_pooled_counts_are_tied_to_the_quarters_they_pool(ingested):
    _, plan, _ = ingested
    shares = dict(SHARES)
    shares["2021Q4"] = (100, 4)  # one small quarter before the action
    cases = quarter_cases("Durham", shares)
    ledger, _section = _render(cases, plan, loop.improvement_plan)
    small = loop.quarter_key("Durham", "Rape", "arrest_share", "2021Q4", "numerator")
    assert ledger.lookup(small).withheld
    found = intervals(ledger)
    assert ((found["high"] - found["low"]) >= RULES.min_cell_count).all()


def test_rounds_and_charts_of_the_key_measures(ingested):
    _, plan, _ = ingested
    cases = quarter_cases("Durham", SHARES)
    assessment = two_rounds(["Durham"], {"Durham": 1.0})
    _ledger, section = _render(cases, plan, loop.improvement_rounds, assessment)
    assert "Between rounds 9 and 10 self-rated maturity rose" in section.finding
    assert "in 6 of 6 pillars" in section.finding
    figures = [i for i in section.items if type(i).__name__ == "Figure"]
    assert len(figures) == len(loop.KEY_MEASURES)
    # the arrest-share chart marks the action that links it
    texts = [t.get_text() for t in figures[0].axes[0].texts]
    assert texts == ["A001"]


def test_maturity_change_rows_for_the_evidence_base(ingested):
    from soteria_research.release.findings import validate_findings

    _, plan, _ = ingested
    assessment = two_rounds(["Durham"], {"Durham": 1.0})
    ctx = force_context(Ledger(), COLLECT, pd.DataFrame(), assessment, plan)
    rows = loop.maturity_findings(ctx)
    assert len(rows) == 6 and (rows["value"] == 1.0).all()
    suspect = rows.set_index("pillar").loc["suspect_focus", "finding"]
    assert "1 action in the plan, 1 done: Daily suspect review" in suspect
    evidence = rows.assign(
        suppressed=False, suppression_reason="", run_id="t", code_version="v", data_hash="h"
    )
    assert len(validate_findings(evidence)) == 6


def test_no_plan_says_what_to_do():
    cases = quarter_cases("Durham", SHARES)
    section = loop.improvement_plan(force_context(Ledger(), COLLECT, cases, plan=None))
    assert "plan-template" in section.finding


def test_round_trip_from_the_evidence_base_to_the_report(tmp_path, monkeypatch, capsys):
    """plan-template seeds a row for the flagged measure and for each pillar whose self
    rating is above the peer rating; the force fills it in; plan-ingest names each bad cell
    in one line and keeps the rest; the report shows the ingested plan."""
    import openpyxl

    from soteria_research.cli import main

    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    evidence = pd.DataFrame(
        {
            "force": "Durham",
            "period": ["2023/24", "2023/24"] + ["self-assessment round 10"] * 4,
            "pillar": ["suspect_focus", "victim_engagement", "suspect_focus", "suspect_focus",
                       "digital_forensics", "digital_forensics"],
            "measure": ["arrest_share", "isva_share", "self_maturity", "peer_maturity",
                        "self_maturity", "peer_maturity"],
            "value": [0.2, 0.6, 3.0, 2.0, 2.0, 2.5],
            "funnel_position": ["below998", "within", None, None, None, None],
            "spc_signal": ["", "", None, None, None, None],
            "finding": ["Arrest share below the limits", "", "", "", "", ""],
        }
    )  # fmt: skip
    source = tmp_path / "evidence.parquet"
    evidence.to_parquet(source)
    out = tmp_path / "plan.xlsx"
    args = ["plan-template", "--force", "Durham", "--out", str(out), "--findings", str(source)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "2 flagged finding(s)" in printed and "(1 pillar maturity gap(s))" in printed
    sheet = openpyxl.load_workbook(out)["Plan"]
    assert [sheet[f"D{r}"].value for r in (2, 3)] == ["arrest_share", "self_maturity|peer_maturity"]
    assert sheet["C3"].value.startswith("Maturity gap: Suspect-focused investigation")

    def fill(edits):
        book = openpyxl.load_workbook(out)
        for cell, value in edits.items():
            book["Plan"][cell] = value
        book.save(out)

    fill({"E2": "Daily suspect review", "F2": "RASSO lead", "G2": dt.datetime(2022, 5, 1),
          "H2": dt.datetime(2022, 12, 31), "I2": "done",
          "E3": "Peer review of the self-assessment evidence", "F3": "Soteria lead",
          "G3": dt.datetime(2023, 1, 1), "H3": dt.datetime(2022, 6, 1), "I3": "soon"})  # fmt: skip
    # bad input: a due date before the start and a status not in the list, one line each
    assert main(["plan-ingest", str(out), "--force", "Durham"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines == [
        "plan.xlsx: Plan!H3 (Due): due before the start; correct one of the dates.",
        "plan.xlsx: Plan!I3 (Status): 'soon' is not a status; choose one of planned, "
        "in progress, done, stopped.",
    ]
    assert "1 action(s) written; 2 problem(s)" in captured.out
    processed = tmp_path / "data" / "processed" / "durham"
    quarantine = pd.read_parquet(processed / "plan_quarantine.parquet")
    assert set(quarantine["cell"]) == {"Plan!H3", "Plan!I3"}
    # corrected, every row is ingested and the report shows it
    fill({"H3": dt.datetime(2023, 6, 30), "I3": "in progress"})
    assert main(["plan-ingest", str(out), "--force", "Durham"]) == 0
    assert "2 action(s) written; 0 problem(s)" in capsys.readouterr().out
    plan = load_plan("Durham")
    assert plan["linked_measures"].tolist() == ["arrest_share", "self_maturity|peer_maturity"]
    _ledger, section = _render(quarter_cases("Durham", SHARES), plan, loop.improvement_plan)
    assert "2 actions, 1 done" in section.finding
    assert "1 open action is past its due date" in section.finding
    assert "1 rose and 0 fell" in section.finding  # the arrest share after A001 started
