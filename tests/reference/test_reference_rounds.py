"""Change in self-rated maturity between rounds, recomputed independently: each force's
paired change by question (force report table and evidence rows), the national change
paired by force, the learning table's most improved forces, and the national maturity
finding."""

from __future__ import annotations

import pandas as pd
import pytest

from . import recompute_loop as ref
from .conftest import FORCE, FORCES, SUBGROUP
from .recompute_surveys import settings
from .test_reference_release import NATIONAL, SEP, agree, keys

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

COLUMNS = {"mean_from": "mean_from", "mean_to": "mean_to", "value": "value",
           "ci_low": "ci_low", "ci_high": "ci_high", "wilcoxon_p_value": "wilcoxon_p_value",
           "questions": "pairs", "forces": "pairs", "improved": "improved",
           "worsened": "worsened"}  # fmt: skip


def assessment(release, force: str) -> pd.DataFrame:
    path = release.root / "data" / "processed" / force.lower() / "assessment.parquet"
    return pd.read_parquet(path)


def check_facts(ledger, prefix: str, expected: dict[str, dict]) -> int:
    """Cells ``<prefix><row>: <column> | value | x`` against ``expected[row][column]``."""
    checked = 0
    for key in keys(ledger):
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :].split(SEP)[0]
        row, column = name.rsplit(": ", 1)
        assert row in expected, f"a published row the suite does not recompute: {key}"
        cell = ledger.lookup(key)
        assert not cell.withheld, key  # ratings and forces describe no person
        assert agree(cell.value, expected[row][COLUMNS[column]]), (key, cell.value)
        checked += 1
    return checked


def test_the_force_round_change(release):
    own = assessment(release, FORCE)
    first, last = ref.last_two_rounds(own)
    expected = ref.force_round_change(own)
    checked = check_facts(
        release.ledger, f"{FORCE}{SEP}maturity change {first} to {last}: ", expected
    )
    assert checked == 7 * len(expected), checked
    prefix = SEP.join((FORCE, "=", SUBGROUP, f"self-assessment rounds {first} to {last}",
                       "finding", "maturity_change", ""))  # fmt: skip
    done = 0
    for key in keys(release.ledger):
        if key.startswith(prefix):
            pillar, column = key[len(prefix) :].split(SEP)
            assert agree(release.ledger.lookup(key).value, expected[pillar][column]), key
            done += 1
    assert done >= 3 * len(expected), done
    for force in FORCES:  # every force's evidence rows
        mine = ref.force_round_change(assessment(release, force))
        rows = release.evidence[(release.evidence["force"] == force)
                                & (release.evidence["measure"] == "maturity_change")]  # fmt: skip
        assert len(rows) == len(mine), force
        for row in rows.to_dict("records"):
            for column in ("value", "ci_low", "ci_high"):
                assert agree(row[column], mine[row["pillar"]][column]), (force, row["pillar"])


@pytest.fixture(scope="module")
def every(release) -> pd.DataFrame:
    return pd.concat([assessment(release, f) for f in FORCES], ignore_index=True)


def test_the_national_round_change_and_learning_table(release, every):
    first, last = ref.last_two_rounds(every)
    expected = ref.national_round_change(every, first, last)
    checked = check_facts(
        release.ledger, f"{NATIONAL}{SEP}maturity change across forces {first} to {last}: ",
        expected,
    )  # fmt: skip
    assert checked == 6 * len(expected), checked
    top = int(settings()["measures"]["learning_top_forces"])
    changes = {}
    for force in FORCES:
        own = every[every["force"] == force]
        if own["round"].nunique() >= 2 and ref.last_two_rounds(own) == (first, last):
            for pillar, figures in ref.force_round_change(own).items():
                changes[f"{pillar}: {force}"] = figures
    prefix = f"{NATIONAL}{SEP}learning table {first} to {last}: "
    shown = {k[len(prefix) :].split(SEP)[0].rsplit(": ", 1)[0]
             for k in keys(release.ledger) if k.startswith(prefix)}  # fmt: skip
    checked = check_facts(release.ledger, prefix, changes)
    assert checked == 3 * len(shown) and checked >= 9, checked
    for pillar in sorted(set(every["pillar"].astype(str))):
        ranked = sorted(
            ((-f["value"], r.rsplit(": ", 1)[1]) for r, f in changes.items()
             if r.startswith(f"{pillar}: ") and f["value"] > 0)
        )[:top]  # fmt: skip
        listed = {r.rsplit(": ", 1)[1] for r in shown if r.startswith(f"{pillar}: ")}
        assert listed == {force for _, force in ranked}, (pillar, listed, ranked)


def test_the_national_maturity_finding(release, every, monkeypatch):
    """Pillar means over forces of each force's mean self rating in its latest round."""
    from soteria_research.sections.display import pillar_name
    from soteria_research.sections.national import maturity, open_national

    monkeypatch.setenv("SOTERIA_ROOT", str(release.root))
    ctx = open_national("latest", subgroup=SUBGROUP, findings=release.evidence)
    finding = maturity(ctx).finding
    latest = pd.concat(
        [own[own["round"].astype(str) == ref.last_two_rounds(own)[1]]
         for _, own in every.groupby("force")]
    )  # fmt: skip
    ratings = latest.assign(r=latest["self_rating"].astype("Float64").astype(float))
    means = ratings.groupby(["pillar", "force"])["r"].mean().groupby("pillar").mean()
    low, high = means.idxmin(), means.idxmax()
    assert f"least mature on {pillar_name(low).lower()} (mean {means[low]:.1f})" in finding, (
        finding, means,
    )  # fmt: skip
    assert f"most on {pillar_name(high).lower()} (mean {means[high]:.1f})" in finding, finding
