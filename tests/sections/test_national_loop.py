"""The national report's evaluation and learning table, published through the release:
the planted programme effect is found within its interval, the control measure is not
flagged, and the figures shown are the release's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.disclosure import OutputLog
from soteria_research.measures.defaults import measure_settings
from soteria_research.release import NATIONAL, Ledger, protect
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.sections import national_loop
from soteria_research.sections.national import NationalContext

from .loop_support import EXTRACTION, RULES, two_rounds

EFFECT = 0.10
DEEP_DIVE = ["Durham", "Metropolitan Police", "South Wales", "West Midlands"]
OTHERS = ["Kent", "Essex", "Cumbria", "Surrey", "Norfolk", "Suffolk", "Dorset", "Devon and Cornwall",
          "Hampshire", "Gwent", "Wiltshire", "North Wales"]  # fmt: skip
QUARTERS = pd.period_range("2020Q2", "2024Q1", freq="Q")


def _cases(seed: int = 3) -> pd.DataFrame:
    """Arrest share 30% plus a force level and a common national rise; the deep-dive
    forces gain ``EFFECT`` from two quarters after joining (2021Q3); ISVA referral follows
    the national trend only (the control). 300 crimes a force-quarter: the intervals carry
    each force-quarter's sampling error, so with four deep-dive forces a smaller panel has
    little power to find the effect."""
    rng = np.random.default_rng(seed)
    frames = []
    for force in DEEP_DIVE + OTHERS:
        level = rng.normal(0, 0.03)
        for i, quarter in enumerate(QUARTERS):
            n = 300
            p = (
                0.3
                + level
                + 0.005 * i
                + (EFFECT if force in DEEP_DIVE and quarter >= pd.Period("2022Q1") else 0)
            )
            start = quarter.start_time
            recorded = start + pd.to_timedelta(rng.integers(0, 85, n), unit="D")
            hit = rng.random(n) < p
            frames.append(
                pd.DataFrame(
                    {
                        "force": force,
                        "recorded_date": recorded,
                        "arrested": hit,
                        "arrest_date": np.where(hit, recorded + pd.Timedelta(days=7), pd.NaT),
                        "charged": False,
                        "outcome_date": pd.NaT,
                        "isva_referred": rng.random(n) < 0.55 + 0.004 * i,
                        "offence_subgroup": "Rape",
                        "extraction_date": EXTRACTION,
                        "data_source": "synthetic",
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    for column in ("recorded_date", "arrest_date", "outcome_date", "extraction_date"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    for column in ("arrested", "charged", "isva_referred"):
        out[column] = out[column].astype("boolean")
    return out.astype({"force": "string", "offence_subgroup": "string"})


def _context(ledger, mode, cases, assessment) -> NationalContext:
    settings = {**measure_settings(), "evaluation_bootstrap": 199}
    return NationalContext(
        findings=pd.DataFrame(),
        cases=cases,
        assessment=assessment,
        period="2023/24",
        subgroup="Rape",
        rules=RULES,
        measures=settings,
        run_id="test",
        log=OutputLog("test"),
        publisher=Publisher(NATIONAL, ledger, mode, RULES),
    )


@pytest.fixture(scope="module")
def rendered():
    cases = _cases()
    assessment = two_rounds(DEEP_DIVE + OTHERS, {f: 0.8 for f in DEEP_DIVE})
    ledger = Ledger()
    collect = _context(ledger, COLLECT, cases, assessment)
    national_loop.evaluation(collect)
    protect(ledger, RULES)
    return ledger, _context(ledger, RENDER, cases, assessment)


def test_the_planted_effect_is_found_and_the_control_is_not(rendered):
    _, ctx = rendered
    outcome, _ = national_loop._measure_table(ctx, national_loop.OUTCOME)
    deep = outcome.loc["deep-dive forces (joined 2021Q3)"]
    # averaged over the quarters from joining (2021Q3) until every force had joined with
    # the National Operating Model (2023Q3: no comparison left), two of them before the
    # effect started
    assert deep["ci_low"] > 0
    quarters = len(pd.period_range("2021Q3", "2023Q2", freq="Q"))
    assert deep["ci_low"] <= 100 * EFFECT * (quarters - 2) / quarters <= deep["ci_high"]
    control, _events = national_loop._measure_table(ctx, national_loop.CONTROL)
    published = control.dropna(subset=["ci_low", "ci_high"])
    assert len(published) and ((published["ci_low"] <= 0) & (published["ci_high"] >= 0)).all()
    section = national_loop.evaluation(ctx)
    assert "deep-dive forces (joined 2021Q3)" in section.finding
    assert "control, victim referred to an isva: no phase's change" in section.finding
    assert any("not chosen at random" in str(i) for i in section.items)


def test_event_times_before_joining_are_placebos_near_zero(rendered):
    _, ctx = rendered
    _, events = national_loop._measure_table(ctx, national_loop.OUTCOME)
    before = events[[int(i) < 0 for i in events.index]].dropna(subset=["ci_low"])
    assert len(before) and (before["ci_low"] <= 0).mean() >= 0.8
    # from two quarters after joining the planted 10 points: covered by most intervals
    after = events[[int(i) >= 2 for i in events.index]].dropna(subset=["ci_low"])
    covered = (after["ci_low"] <= 100 * EFFECT) & (after["ci_high"] >= 100 * EFFECT)
    assert len(after) >= 3 and covered.mean() >= 0.8
    assert abs(after["estimate"].mean() - 100 * EFFECT) < 3


def test_shown_figures_are_the_releases(rendered):
    ledger, ctx = rendered
    outcome, _ = national_loop._measure_table(ctx, national_loop.OUTCOME)
    label = "deep-dive forces (joined 2021Q3)"
    name = f"evaluation by phase: {national_loop.OUTCOME}"
    cell = ledger.lookup(ctx.publisher.key(name, label, "denominator"))
    assert cell.kind == "count" and outcome.loc[label, "denominator"] == cell.value
    estimate = ledger.lookup(ctx.publisher.key(name, label, "estimate"))
    assert cell.key in estimate.depends


def test_learning_lists_the_most_improved_forces_with_their_actions(rendered, monkeypatch):
    _, ctx = rendered
    plans = pd.DataFrame(
        {
            "force": ["Durham", "Durham", "Kent"],
            "pillar": ["suspect_focus", "suspect_focus", "suspect_focus"],
            "action": ["Daily suspect review", "Early advice", "Audit"],
            "status": ["done", "planned", "done"],
        }
    )
    monkeypatch.setattr(national_loop, "load_plans", lambda: plans)
    ledger = Ledger()
    collect = _context(ledger, COLLECT, ctx.cases, ctx.assessment)
    national_loop.learning(collect)
    protect(ledger, RULES)
    section = national_loop.learning(_context(ledger, RENDER, ctx.cases, ctx.assessment))
    assert "Between rounds 9 and 10" in section.finding
    html = section.items[1]._repr_html_()
    assert "Daily suspect review | Early advice" in html
    listed = {f for f in DEEP_DIVE + OTHERS if f in html}
    assert listed and listed <= set(DEEP_DIVE) | {"Kent"}


def test_every_phase_in_the_reference_has_words():
    assert set(reference.programme_phases()["phase"]) <= set(national_loop.PHASE_WORDS)


def _chart_points(figure) -> dict[int, tuple[float, float, float]]:
    """(estimate, low, high) of each point an event-study figure draws, by event time."""
    ax = figure.axes[0]
    container = ax.containers[0]
    xs, ys = container.lines[0].get_data()
    segments = container.lines[2][0].get_segments()
    return {
        int(x): (float(y), float(seg[0][1]), float(seg[1][1]))
        for x, y, seg in zip(xs, ys, segments, strict=True)
    }


def test_event_study_draws_published_estimates_and_marks_withheld_ones(rendered):
    import copy

    ledger, ctx = rendered
    ledger = copy.deepcopy(ledger)
    name = f"evaluation by quarters since joining: {national_loop.OUTCOME}"
    # as if disclosure control had withheld the estimate two quarters after joining
    hidden = ctx.publisher.key(name, "+2", "estimate")
    ledger.lookup(hidden).status = "secondary"
    render = _context(ledger, RENDER, ctx.cases, ctx.assessment)
    section = national_loop.evaluation(render)
    figures = [i for i in section.items if hasattr(i, "axes")]
    outcome_figure = next(f for f in figures if "outcome" in f.get_suptitle())
    assert "1 withheld by disclosure control" in " ".join(outcome_figure.get_suptitle().split())
    words = [t.get_text() for t in outcome_figure.axes[0].texts]
    assert words.count("withheld") == 1
    assert "withheld (marked in words): +2" in outcome_figure.alt_text
    notes = [i for i in section.items if isinstance(i, str) and "quarter(s) +2" in i]
    assert len(notes) == 1
    points = _chart_points(outcome_figure)
    assert 2 not in points and len(points) >= 8
    # every value drawn is the release's published value
    for event, (estimate, low, high) in points.items():
        label = f"{event:+d}"
        for column, drawn in (("estimate", estimate), ("ci_low", low), ("ci_high", high)):
            cell = ledger.lookup(render.publisher.key(name, label, column))
            assert not cell.withheld
            assert drawn == pytest.approx(cell.value, abs=1e-9)


def test_event_points_split_published_and_withheld():
    events = pd.DataFrame(
        {
            "estimate": [1.0, np.nan, 3.0],
            "ci_low": [0.0, np.nan, 2.0],
            "ci_high": [2.0, 1.0, np.nan],
        },
        index=["-1", "+0", "+1"],
    )
    drawn, withheld = national_loop.event_points(events)
    assert list(drawn.index) == ["-1"]
    assert withheld == ["+0", "+1"]


PLANS = pd.DataFrame(
    {
        "force": ["Durham", "Durham", "Kent"],
        "pillar": ["suspect_focus", "suspect_focus", "suspect_focus"],
        "action": ["Daily suspect review", "Early advice", "Audit"],
        "status": ["done", "planned", "done"],
    }
)


@pytest.fixture(scope="module")
def evidence():
    """The loop's evidence rows collected, protected and rendered (plans of two forces)."""
    cases = _cases()
    assessment = two_rounds(DEEP_DIVE + OTHERS, {f: 0.8 for f in DEEP_DIVE})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(national_loop, "load_plans", lambda: PLANS)
        ledger = Ledger()
        collect = _context(ledger, COLLECT, cases, assessment)
        national_loop.evaluation(collect)
        national_loop.learning(collect)
        collected = collect.cache["national_findings"]
        protect(ledger, RULES)
        render = _context(ledger, RENDER, cases, assessment)
        render.cache["collected"] = collected
        from soteria_research.sections.summary import national_findings

        rows = national_findings(render)
        national_loop.evaluation(render)
        national_loop.learning(render)
    return ledger, render, rows


def test_evaluation_and_learning_rows_are_the_tables_figures(evidence):
    ledger, ctx, rows = evidence
    effects = rows[rows["basis"] == "evaluation"].set_index(["measure", "period"])
    assert set(effects.index.get_level_values(0)) == {
        "programme_effect_arrest_share",
        "programme_effect_isva_share",
    }
    assert (rows.loc[rows["basis"] == "evaluation", "force"] == NATIONAL).all()
    outcome, _ = national_loop._measure_table(ctx, national_loop.OUTCOME)
    label = "deep-dive forces (joined 2021Q3)"
    row = effects.loc[("programme_effect_arrest_share", f"{label}, quarters to 2023Q2")]
    for table_column, column in (("estimate", "value"), ("ci_low", "ci_low"),
                                 ("ci_high", "ci_high"), ("denominator", "denominator"),
                                 ("numerator", "numerator")):  # fmt: skip
        assert row[column] == pytest.approx(float(outcome.loc[label, table_column]))
    # one cell: the finding's value is the table's estimate under another key
    name = f"evaluation by phase: {national_loop.OUTCOME}"
    table_key = ctx.publisher.key(name, label, "estimate")
    mine = [k for k, v in ledger.cells.aliases.items() if v == ledger.cells.resolve(table_key)]
    assert any("finding" in k and "programme_effect_arrest_share" in k for k in mine)
    assert row["ci_low"] > 0 and row["suppressed"] == False  # noqa: E712
    learned = rows[rows["measure"] == "learning_table"]
    assert len(learned) and set(learned["force"]) <= set(DEEP_DIVE) | {"Kent"}
    assert learned["period"].eq("self-assessment rounds 9 to 10").all()
    assert learned["numerator"].isna().all() and learned["denominator"].isna().all()
    # the collect pass made the same rows from the raw values, nothing withheld
    collected = ctx.cache["collected"]
    assert len(collected) == len(rows) and not collected["suppressed"].any()
    np.testing.assert_allclose(collected["value"], rows["value"])


def test_row_findings_agree_with_their_columns(evidence):
    _, _, rows = evidence
    for row in rows.itertuples(index=False):
        if row.measure == "learning_table":
            assert f"{row.value:+.2f} points (95% CI {row.ci_low:+.2f} to {row.ci_high:+.2f})" in (
                row.finding
            )
            assert row.finding.startswith("Rank ")
            assert ("Daily suspect review | Early advice" in row.finding) == (
                row.force == "Durham" and row.pillar == "suspect_focus"
            )
        else:
            assert row.finding.startswith(row.period)
            assert (
                f"changed by {row.value:+.1f} points (95% CI {row.ci_low:+.1f} to "
                f"{row.ci_high:+.1f})" in row.finding
            )
            beyond = row.ci_low > 0 or row.ci_high < 0
            assert ("interval excludes zero" in row.finding) == beyond
    control = rows[rows["measure"] == "programme_effect_isva_share"]
    assert control["finding"].str.contains("interval includes zero").all()


def test_national_rows_fit_the_evidence_schema_in_all_three_formats(evidence, tmp_path):
    from soteria_research.release.findings import validate_findings
    from soteria_research.report.evidence import write_evidence
    from soteria_research.sections.summary import NATIONAL_FINDINGS, save_national_findings

    _, ctx, rows = evidence
    written = save_national_findings(ctx, str(tmp_path), code_version="test")
    assert written == tmp_path / NATIONAL_FINDINGS
    saved = pd.read_parquet(written)
    assert len(saved) == len(rows)
    files = write_evidence(saved, tmp_path / "evidence", generated="2024-07-01")
    assert set(files) == {"parquet", "csv", "xlsx"}
    again = validate_findings(pd.read_csv(files["csv"], dtype={"force": str}), "csv")
    assert len(again) == len(rows)
    import openpyxl

    book = openpyxl.load_workbook(files["xlsx"], read_only=True)
    findings_sheet = book[book.sheetnames[1]]
    text = " ".join(str(c) for r in findings_sheet.iter_rows(values_only=True) for c in r)
    assert "Programme effect: suspect arrested or interviewed" in text
    assert "Most improved forces (learning table)" in text


def test_withheld_counts_withhold_the_row_and_its_words(evidence):
    import copy

    ledger, ctx, _ = evidence
    ledger = copy.deepcopy(ledger)
    name = f"evaluation by phase: {national_loop.OUTCOME}"
    label = "deep-dive forces (joined 2021Q3)"
    for column in ("denominator", "estimate", "ci_low", "ci_high"):
        ledger.lookup(ctx.publisher.key(name, label, column)).status = "secondary"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(national_loop, "load_plans", lambda: PLANS)
        from soteria_research.sections.summary import national_findings

        rows = national_findings(_context(ledger, RENDER, ctx.cases, ctx.assessment))
    row = rows[
        (rows["measure"] == "programme_effect_arrest_share") & rows["period"].str.startswith(label)
    ].iloc[0]
    assert bool(row["suppressed"]) and pd.isna(row["value"]) and pd.isna(row["denominator"])
    assert "+" not in row["finding"] and "withheld" in row["finding"].lower()


def test_an_estimate_without_sampling_variation_is_not_called_withheld():
    """Every share 0 or 100%: the estimate has no interval, and the report says why rather
    than blaming disclosure control."""
    from types import SimpleNamespace

    from soteria_research.measures.evaluation import staggered_effects

    panel = pd.DataFrame(
        {
            "force": ["A", "A", "B", "B"],
            "quarter": ["2021Q2", "2021Q3"] * 2,
            "numerator": [0, 50, 0, 0],
            "denominator": [50, 50, 40, 60],
        }
    )
    adoption = pd.DataFrame({"force": ["A", "B"], "adoption_quarter": ["2021Q3", "2024Q1"]})
    result = staggered_effects(panel, adoption, n_boot=49)
    ctx = SimpleNamespace(cache={"evaluation": {"arrest_share": (panel, adoption, result)}})
    assert national_loop._no_interval(ctx, "arrest_share") == ["+0"]
