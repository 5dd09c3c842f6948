"""The pooled charge model: fitted once over every force, its estimates for each force
refused a model of its own published through the release and shown, labelled as pooled,
in that force's report."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import statsmodels.formula.api as smf

from soteria_research.disclosure import OutputLog, Rules
from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.model import model_frame
from soteria_research.release import NATIONAL, Ledger, protect
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.sections.charge_model import (
    POOLED_OUTPUT,
    charge_model_section,
    refused_forces,
)
from tests.measures.conftest import build_cases
from tests.measures.test_model import make_pooled

RULES = Rules(min_cell_count=10, zeros_disclosive=False)


def _ctx(unit: str, ledger: Ledger, mode: str, rules: Rules = RULES):
    return SimpleNamespace(
        force=unit,
        rules=rules,
        measures=measure_settings({}),
        log=OutputLog("test"),
        publisher=Publisher(unit, ledger, mode, rules),
    )


@pytest.fixture(scope="module")
def release():
    cases = make_pooled(build_cases)
    ledger = Ledger()
    national = charge_model_section(
        _ctx(NATIONAL, ledger, COLLECT), cases, "Who is charged, all forces", "all forces"
    )
    protect(ledger, RULES)
    return cases, ledger, national


def test_only_the_refused_force_gets_pooled_estimates(release) -> None:
    cases, ledger, national = release
    assert refused_forces(cases, measure_settings({})) == ["Dorset"]
    units = {c.unit for k, c in ledger.cells.items() if f" | {POOLED_OUTPUT} | " in k}
    assert units - {"England and Wales"} == {"Dorset"}  # a row's crimes: the national table's
    text = " ".join(str(i) for i in national.items)
    assert "1 of 4 forces has too few charges for a model of its own; its report shows" in text


def test_the_refused_force_shows_the_pooled_numbers_statsmodels_gives(release) -> None:
    cases, ledger, _ = release
    section = charge_model_section(
        _ctx("Dorset", ledger, RENDER),
        cases[cases["force"] == "Dorset"],
        "Who is charged",
        "Dorset",
    )
    settings = measure_settings({})
    predictors = ["victim_age_band", "relationship", "reporting_delay", "financial_year", "force"]
    data = model_frame(cases, "all", predictors, settings["age_bands"], 365)
    # one-level characteristics (age band, delay) are left out by the model too
    ref = smf.logit(
        "charged ~ C(relationship, Treatment('acquaintance')) + C(financial_year) + C(force, Sum)",
        data,
    ).fit(disp=0)
    forces = sorted(data["force"].unique())
    name = "C(force, Sum)[S.Dorset]"
    assert forces.index("Dorset") < len(forces) - 1
    odds, (low, high) = np.exp(ref.params[name]), np.exp(ref.conf_int().loc[name])
    assert section.finding.startswith("The charge model is not fitted for Dorset")
    assert f"odds of charge within 365 days are {odds:.2f} times those of the average" in (
        section.finding
    )
    assert f"95% CI {low:.2f} to {high:.2f}" in section.finding
    assert "pooled estimate, not a model of the force's own" in section.finding
    html = str(section.items[0])
    assert "Dorset against the average force (pooled)" in html
    stranger = np.exp(ref.params["C(relationship, Treatment('acquaintance'))[T.stranger]"])
    assert "Victim-suspect relationship: stranger (pooled)</th><td>" in html
    assert f"<td>{stranger:.2f}</td>" in html
    crimes = int((data["force"] == "Dorset").sum())
    assert f"<td>{crimes}</td>" in html


def test_a_withheld_pooled_estimate_reads_as_withheld(release) -> None:
    """A force's row rests on its own few crimes: below the minimum it is withheld."""
    cases = release[0]
    strict = Rules(min_cell_count=10, zeros_disclosive=False, min_cases_for_median=100)
    ledger = Ledger()
    charge_model_section(_ctx(NATIONAL, ledger, COLLECT, strict), cases, "Who", "all forces")
    protect(ledger, strict)
    ctx = _ctx("Dorset", ledger, RENDER, strict)
    section = charge_model_section(
        ctx, cases[cases["force"] == "Dorset"], "Who is charged", "Dorset"
    )
    assert "its estimate is withheld by disclosure control" in section.finding
    html = str(section.items[0])
    assert html.count("[c]") == 5  # the force row's four estimates, and the note
    assert "1.81" in html  # the characteristics rest on every force's crimes


def test_no_release_for_the_force_gives_the_refusal_only() -> None:
    cases = make_pooled(build_cases)
    ctx = _ctx("Dorset", Ledger(), RENDER)
    section = charge_model_section(
        ctx, cases[cases["force"] == "Dorset"], "Who is charged", "Dorset"
    )
    assert section.finding.startswith("The charge model is not fitted for Dorset")
    assert section.items == []


@pytest.mark.parametrize(
    ("total", "refused", "placed", "start"),
    [
        (4, 0, 0, "Each of the 4 forces has enough charges"),
        (4, 1, 1, "1 of 4 forces has too few charges for a model of its own; its report shows"),
        (4, 1, 0, "1 of 4 forces has too few charges for a model of its own; it has crimes"),
        (4, 2, 2, "2 of 4 forces have too few charges for a model of their own; their reports"),
        (4, 4, 3, "All 4 forces have too few charges for a model of their own; the reports of 3"),
        (4, 3, 0, "3 of 4 forces have too few charges for a model of their own; none of them"),
    ],
)
def test_the_national_sentence_is_right_for_0_1_and_many(total, refused, placed, start) -> None:
    from soteria_research.sections.charge_model import pooled_note

    text = pooled_note(total, refused, placed)
    assert text.startswith(start)
    if 0 < placed < refused:
        assert f"{refused - placed} {'has' if refused - placed == 1 else 'have'} no crimes" in text
