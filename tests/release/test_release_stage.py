"""The release stage on a run of some of the forces with data."""

from __future__ import annotations

import pytest

from soteria_research import synth
from soteria_research.batch import plan
from soteria_research.batch.release_stage import build_release
from soteria_research.ingest import clean_force
from soteria_research.ingest.survey import clean_surveys
from soteria_research.release.store import load_release

pytestmark = pytest.mark.slow


def test_a_release_of_some_forces_compares_them_with_every_force(tmp_path, monkeypatch):
    # the comparator pools every force with data; a run of one of them relates the
    # comparator to that force as at least its count, never as equal to it (which the
    # other forces' crimes would contradict)
    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(tmp_path / "absent.key"))
    synth.generate(tmp_path / "data" / "raw", forces=["Durham", "Cleveland"], scale=0.25)
    for folder in ("durham", "cleveland"):
        clean_force(tmp_path / "data" / "raw" / folder, tmp_path / "data" / "processed")
    clean_surveys(tmp_path / "data" / "raw" / "durham", tmp_path / "data" / "processed")
    parameters = {"period": "latest", "comparator": "national"}
    build_release(["Durham"], parameters, plan.shared_inputs(), rerun=True)
    ledger = load_release()
    about = [r for r in ledger.relations if any(" | comparator | " in k for k, _ in r.terms)]
    assert about and {r.why for r in about} == {"area >= forces"}
    assert {c.unit for c in ledger.cells.values()} == {"Durham", "England and Wales"}
    # the landing page's pooled headline figures are kept with the release, and every one
    # of them is a published cell of it
    import pandas as pd

    from soteria_research import paths

    pooled = pd.read_parquet(paths.headline_fallbacks_file())
    assert len(pooled) and set(pooled["force"]) == {"Durham"}
    published = {
        round(c.value, 9) for c in ledger.cells.values() if c.unit == "Durham" and not c.withheld
    }
    for row in pooled.itertuples():
        scale = 1 if row.measure == "median_days_to_charge" else 100
        for value in (row.value, row.ci_low, row.ci_high):
            assert pd.isna(value) or round(value * scale, 9) in published, row
        assert round(row.n, 9) in published
    # the survey measures (a bootstrap) are kept by the collect pass, and the report's
    # render pass reads them back instead of computing them again
    from soteria_research import sections
    from soteria_research.release import memo
    from soteria_research.sections import survey_tables, surveys

    kept = {p.name.split("-")[0] for p in memo.memo_dir().iterdir()}
    force_measures = {"survey", "case_measures", "charge_within_a_year", "charge_model"}
    force_measures |= {"round_change", "quarter_panels"}
    national = {"survey_comparison", "repeat_across", "maturity", "evaluation", "learning"}
    national |= {"national_round_change"}
    assert kept == force_measures | national
    fresh, computed = survey_tables.measure_survey, []
    monkeypatch.setattr(survey_tables, "measure_survey", lambda *a: computed.append(a) or fresh(*a))
    ctx = sections.open_force("Durham")
    surveys.victim_survey(ctx)
    surveys.officer_survey(ctx)
    assert computed == [] and ctx.cache["survey:victim"] is not None
    for instrument in ("victim", "officer"):
        data = ctx.cache[f"survey:{instrument}"]
        again = fresh(data["responses"], data["instrument"], 0.95, int(ctx.rules.min_cell_count))
        pd.testing.assert_frame_equal(data["summary"], again["summary"])
    # the key measures and each year's charge within a year likewise: a render pass that
    # cannot compute them shows what a render pass computing them afresh shows
    from soteria_research.measures import key_measures
    from soteria_research.sections import force as force_sections
    from soteria_research.sections import summary

    def refused(*_):
        raise AssertionError("computed again in the render pass")

    with monkeypatch.context() as patch:
        patch.setattr(key_measures, "case_measures", refused)
        patch.setattr(force_sections, "_charge_within_a_year", refused)
        ctx = sections.open_force("Durham")
        from_memo = summary.findings(ctx), force_sections.censoring(ctx)
    memo.clear()
    ctx = sections.open_force("Durham")
    fresh = summary.findings(ctx), force_sections.censoring(ctx)
    pd.testing.assert_frame_equal(from_memo[0], fresh[0])

    def shown(section):
        return [
            section.finding,
            *(i._repr_html_() for i in section.items if hasattr(i, "_repr_html_")),
        ]

    assert shown(from_memo[1]) == shown(fresh[1])
