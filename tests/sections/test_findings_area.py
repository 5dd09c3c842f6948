"""The evidence-base rows of a force report name the area their comparator is pooled over,
through the release: collected, protected with the rest, then read back."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import measures
from soteria_research.disclosure import OutputLog, Rules
from soteria_research.release import Ledger, protect
from soteria_research.release.findings import validate_findings
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.sections.context import ForceContext
from soteria_research.sections.summary import force_comparator, publish_comparator, publish_findings
from tests.measures.conftest import simulate_cases
from tests.measures.test_findings import assert_names_its_own_area

RULES = Rules(min_cell_count=10, zeros_disclosive=False)
# Cleveland and Durham are in the North East, Kent in the South East
FORCES = ("Cleveland", "Durham", "Kent")
SUBGROUP = "Rape"


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    return simulate_cases(n=3000, seed=7, forces=FORCES)


def _context(cases: pd.DataFrame, force: str, comparator: str, ledger: Ledger, mode: str):
    own = cases[cases["force"] == force].reset_index(drop=True)
    return ForceContext(
        force=force,
        slug=force.lower(),
        subgroup=SUBGROUP,
        comparator=comparator,
        cases=own,
        assessment=pd.DataFrame(),
        quality=pd.DataFrame(),
        period=measures.resolve_period(cases, "latest"),
        provenance={},
        rules=RULES,
        measures=measures.measure_settings(),
        run_id="test",
        log=OutputLog("test"),
        publisher=Publisher(force, ledger, mode, RULES),
    )


def _rows(ctx: ForceContext) -> pd.DataFrame:
    raw = measures.force_findings(
        ctx.cases, None, ctx.force, ctx.period, force_comparator(ctx), ctx.measures
    )
    return publish_findings(ctx, raw)


def _release(cases: pd.DataFrame, comparator: str) -> dict[str, pd.DataFrame]:
    """Each force's findings as its report renders them, from a release built as the
    release stage builds it (pooled national, and by region when asked)."""
    s = measures.measure_settings()
    every = list(FORCES)
    frames = [measures.national_comparator(cases, None, "latest", s)]
    if comparator == "region":
        areas = measures.force_areas(every, "region")
        frames.append(measures.national_comparator(cases, None, "latest", s, areas))
    pooled = pd.concat(frames, ignore_index=True).drop_duplicates(["area", "period", "measure"])
    ledger = Ledger()
    for force in FORCES:
        ctx = _context(cases, force, comparator, ledger, COLLECT)
        ctx.cache["comparator"] = pooled
        _rows(ctx)
    for kind in dict.fromkeys(("national", comparator)):
        publish_comparator(ledger, pooled, SUBGROUP, measures.force_areas(every, kind))
    protect(ledger, RULES)
    return {f: _rows(_context(cases, f, comparator, ledger, RENDER)) for f in FORCES}


@pytest.mark.parametrize(
    ("comparator", "expected"),
    [
        ("national", dict.fromkeys(FORCES, "England and Wales")),
        ("region", {"Cleveland": "North East", "Durham": "North East", "Kent": "South East"}),
    ],
)
def test_each_force_names_its_comparator_area(cases, comparator, expected) -> None:
    rendered = _release(cases, comparator)
    for force, rows in rendered.items():
        compared = rows[rows["comparator_value"].notna()]
        assert len(compared) > 5, force
        assert set(compared["comparator_area"]) == {expected[force]}, force
        assert rows.loc[rows["comparator_value"].isna(), "comparator_area"].isna().all()
        for row in rows.to_dict("records"):
            assert_names_its_own_area(row)
        provenance = {"run_id": "test", "code_version": "test", "data_hash": "x"}
        valid = validate_findings(rows.assign(**provenance), force)
        assert list(valid.columns).index("comparator_area") == (
            list(valid.columns).index("comparator_value") + 1
        )
    # the region's value is the region's pool, not England and Wales's
    if comparator == "region":
        durham = rendered["Durham"].set_index("measure").loc["charge_rate"]
        kent = rendered["Kent"].set_index("measure").loc["charge_rate"]
        assert durham["comparator_value"] != pytest.approx(kent["comparator_value"])
