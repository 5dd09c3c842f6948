"""The programme's evaluation recomputed independently: Callaway and Sant'Anna group-time
effects of joining on the key measure and the control measure, by phase and by quarters
since joining, with the crimes and forces behind each estimate; their bootstrap intervals
over forces are recomputed in ``recompute_bootstrap`` and checked in
``test_reference_bootstrap``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from . import recompute as base
from . import recompute_loop as ref
from .conftest import FORCES, SUBGROUP
from .recompute_surveys import settings
from .test_reference_release import NATIONAL, SEP, agree, keys, rape

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

PHASES = Path(__file__).resolve().parents[2] / "soteria_research" / "reference"
PHASES = PHASES / "programme_phases.csv"
#: The report's words for the phase a cohort joined in.
WORDS = {"deep_dive": "deep-dive forces", "expansion": "supported self-assessment",
         "pathfinder": "pathfinder", "nom": "National Operating Model only"}  # fmt: skip


def panels_of(release, measure: str) -> dict[str, dict]:
    """force -> {(quarter, "recorded" | measure): crimes}, the evaluation's panel."""
    follow_up = int(settings()["measures"]["evaluation_follow_up_days"])
    panels = {}
    for force in FORCES:
        cases = rape(release.cases[force])
        cells = base.quarterly(cases, follow_up)
        if measure != "isva_share":  # only quarters followed up in full
            kept = ref.followed_quarters(cases, follow_up)
            cells = {k: v for k, v in cells.items() if k[0] in kept}
        panels[force] = cells
    return panels


def cohort_labels(join: dict[str, pd.Period]) -> dict[pd.Period, str]:
    """The report's label of each cohort: ``deep-dive forces (joined 2021Q3)``."""
    phases = pd.read_csv(PHASES)
    first = phases.sort_values("start_date").drop_duplicates("force").set_index("force")["phase"]
    return {
        g: f"{WORDS[first[next(f for f in join if join[f] == g)]]} (joined {g})"
        for g in set(join.values())
    }


@pytest.mark.parametrize("measure", ["arrest_share", "isva_share"])
def test_the_evaluation_is_recomputed(release, measure):
    panels = panels_of(release, measure)
    join = ref.joining_quarters(PHASES, list(FORCES))
    by_event, by_cohort = ref.staggered(panels, measure, join)
    labels = cohort_labels(join)
    checked = 0
    for name, expected in (
        ("quarters since joining", by_event),
        ("phase", {labels[g]: figures for g, figures in by_cohort.items()}),
    ):
        prefix = f"{NATIONAL}{SEP}evaluation by {name}: {measure}"
        shown = set()
        for key in keys(release.ledger):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix) :]
            if rest.startswith(": "):  # "<row>: forces | value | x"
                row = rest[2:].split(SEP)[0].removesuffix(": forces")
                column = "forces"
            else:
                row, column = rest[len(SEP) :].rsplit(SEP, 1)
            assert row in expected, f"a published row the suite does not recompute: {key}"
            shown.add(row)
            if column in ("ci_low", "ci_high"):
                continue  # test_reference_bootstrap recomputes the intervals
            cell = release.ledger.lookup(key)
            if not cell.withheld:
                assert agree(cell.value, expected[row][column]), (key, cell.value)
                checked += 1
        assert shown == set(expected), (name, set(expected) ^ shown)
    for g, figures in by_cohort.items():
        prefix = SEP.join((NATIONAL, "=", SUBGROUP, f"{labels[g]}, quarters to {figures['last']}",
                           "finding", f"programme_effect_{measure}", ""))  # fmt: skip
        found = [k for k in keys(release.ledger) if k.startswith(prefix)]
        assert found, prefix
        for key in found:
            column = key.rsplit(SEP, 1)[1]
            source = {"value": "estimate"}.get(column, column)
            if source in figures and not release.ledger.lookup(key).withheld:
                assert agree(release.ledger.lookup(key).value, figures[source]), key
                checked += 1
    assert checked >= 60, checked
