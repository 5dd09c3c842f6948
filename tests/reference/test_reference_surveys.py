"""The surveys of the small release recomputed independently: respondents per wave, scale
means, reliability, change between waves, group means, item answers, the survey findings
of the evidence base and the national comparison across forces.

Every published (not withheld) cell under each survey table of the deep-dive force is
recomputed by :mod:`.recompute_surveys`; a published row or column the recomputation does
not know fails the test, so a new figure cannot slip through unchecked.
"""

from __future__ import annotations

import pandas as pd
import pytest

from . import recompute_surveys as ref
from .conftest import FORCE, FORCES, SUBGROUP
from .test_reference_release import NATIONAL, SEP, agree, keys

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

INSTRUMENTS = ("victim", "officer")
#: Bootstrap bounds are compared far within their published precision (two decimals):
#: the same resamples, a different algorithm for the one-factor fit.
BOOTSTRAP_TOLERANCE = 5e-4


def responses(release, name: str, force: str = FORCE) -> pd.DataFrame:
    path = release.root / "data" / "processed" / force.lower() / f"survey_{name}.parquet"
    return pd.read_parquet(path)


def minimum() -> int:
    return int(ref.settings()["disclosure"]["min_cell_count"])


@pytest.fixture(scope="module")
def surveys(release) -> dict[str, dict]:
    return {name: ref.survey(responses(release, name), name, minimum()) for name in INSTRUMENTS}


def check_rows(ledger, prefix: str, expected: dict, close=agree) -> tuple[int, int]:
    """Every cell ``<prefix><row> | <column>`` against ``expected[row][column]``; a row or
    column the recomputation lacks fails. Returns (checked, withheld)."""
    checked = withheld = 0
    for key in keys(ledger):
        if not key.startswith(prefix):
            continue
        row, column = key[len(prefix) :].rsplit(SEP, 1)
        assert row in expected, f"a published row the suite does not recompute: {key}"
        assert column in expected[row], f"a published column the suite does not recompute: {key}"
        cell = ledger.cells[key] if key in ledger.cells else ledger.lookup(key)
        if cell.withheld:
            withheld += 1
            continue
        assert close(cell.value, expected[row][column]), (key, cell.value, expected[row][column])
        checked += 1
    return checked, withheld


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_respondents_per_wave(release, surveys, name):
    data = surveys[name]
    prefix = SEP.join((FORCE, "=", "survey", name, ""))
    expected = {}
    for wave, counts in data["respondents"].items():
        for column, value in counts.items():
            expected[f"{wave}{SEP}{column}"] = value
    latest = data["latest"]
    for variable, sizes in data["group_sizes"].items():
        for group, n in sizes.items():
            expected[SEP.join((latest, variable, str(group), "respondents"))] = float(n)
    checked = 0
    for key in keys(release.ledger):
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            assert rest in expected, f"a published count the suite does not recompute: {key}"
            cell = release.ledger.lookup(key)
            if not cell.withheld:
                assert cell.value == expected[rest], (key, cell.value, expected[rest])
                checked += 1
    assert checked >= 6, checked
    for counts in data["respondents"].values():
        assert counts["respondents"] == counts["complete"] + counts["partial"]


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_scale_means_and_reliability(release, surveys, name):
    data = surveys[name]
    wave = data["latest"]
    scales = data["scales"]
    done, _ = check_rows(
        release.ledger, f"{FORCE}{SEP}{name} survey scales, {wave}: means{SEP}", scales
    )
    assert done == 3 * len(scales), done
    exact = {r: {c: v for c, v in f.items() if c in ("alpha", "alpha_low", "alpha_high", "omega")}
             for r, f in scales.items()}  # fmt: skip
    prefix = f"{FORCE}{SEP}{name} survey scales, {wave}: reliability{SEP}"
    checked = bootstrap = 0
    for key in keys(release.ledger):
        if not key.startswith(prefix):
            continue
        row, column = key[len(prefix) :].rsplit(SEP, 1)
        cell = release.ledger.cells[key]
        mine = scales[row][column]
        if cell.withheld:
            # only omega of a two-item scale is not estimable; nothing else is withheld here
            assert column.startswith("omega") and pd.isna(mine), key
            continue
        if column in exact[row]:
            assert agree(cell.value, mine), (key, cell.value, mine)
            checked += 1
        else:
            assert abs(cell.value - mine) < BOOTSTRAP_TOLERANCE, (key, cell.value, mine)
            bootstrap += 1
    assert checked >= 3 * len(scales) and bootstrap >= 2, (checked, bootstrap)


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_change_between_waves(release, surveys, name):
    data = surveys[name]
    first, last = data["waves"][-2:]
    expected = {
        label: figures
        for (a, b, label), figures in data["change"].items()
        if (a, b) == (first, last)
    }
    prefix = f"{FORCE}{SEP}{name} survey change, {first} to {last}: change{SEP}"
    checked, _ = check_rows(release.ledger, prefix, expected)
    assert checked >= 4 * len(data["instrument"]["scales"]) - 4, checked


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_group_means(release, surveys, name):
    data = surveys[name]
    prefix = f"{FORCE}{SEP}{name} survey groups, {data['latest']}: means{SEP}"
    checked, withheld = check_rows(release.ledger, prefix, data["groups"])
    assert checked >= 30, (checked, withheld)


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_item_answers(release, surveys, name):
    data = surveys[name]
    prefix = f"{FORCE}{SEP}{name} survey answers, {data['latest']}{SEP}"
    expected = {}
    for key in keys(release.ledger):
        if key.startswith(prefix):
            row = key[len(prefix) :].rsplit(SEP, 1)[0]
            expected[row] = data["answers"][row.split(":")[0]]
    checked, withheld = check_rows(release.ledger, prefix, expected)
    assert checked >= 4 * len(data["instrument"]["items"]), (checked, withheld)


def test_the_survey_findings_are_the_scale_means(release, surveys):
    """The evidence base's survey rows (and the ledger's finding cells) are each scale's
    mean with its interval, on the wave's respondents."""
    checked = 0
    for name, data in surveys.items():
        wave = data["latest"]
        prefix = SEP.join((FORCE, "=", SUBGROUP, f"survey {wave}", "finding", ""))
        for key in keys(release.ledger):
            if not key.startswith(prefix + f"survey_{name}_"):
                continue
            measure, _pillar, column = key[len(prefix) :].split(SEP)
            scale = next(
                s for s in data["instrument"]["scales"] if measure == f"survey_{name}_{s['id']}"
            )
            figures = data["scales"][scale["name"]]
            mine = {
                "value": figures["mean"],
                "ci_low": figures["ci_low"],
                "ci_high": figures["ci_high"],
                "denominator": data["respondents"][wave]["respondents"],
            }[column]
            cell = release.ledger.lookup(key)
            if not cell.withheld:
                assert agree(cell.value, mine), (key, cell.value, mine)
                checked += 1
        rows = release.evidence[
            (release.evidence["force"] == FORCE)
            & release.evidence["measure"].str.startswith(f"survey_{name}_")
        ]
        assert len(rows) == len(data["instrument"]["scales"])
        for row in rows.to_dict("records"):
            scale = row["measure"].removeprefix(f"survey_{name}_")
            figures = data["scales"][
                next(s["name"] for s in data["instrument"]["scales"] if s["id"] == scale)
            ]
            assert row["period"] == f"survey {wave}"
            for column, source in (("value", "mean"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
                assert agree(row[column], figures[source]), (row["measure"], column)
            assert row["denominator"] == data["respondents"][wave]["respondents"]
            assert f"mean {figures['mean']:.2f} on 1 to 5" in row["finding"], row["finding"]
            checked += 1
    assert checked >= 40, checked


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_the_national_survey_comparison(release, name):
    frames = []
    for force in FORCES:
        path = release.root / "data" / "processed" / force.lower() / f"survey_{name}.parquet"
        if path.is_file():
            every = pd.read_parquet(path)
            frames.append(every[every["wave"] == ref.waves(every)[-1]])
    latest = pd.concat(frames, ignore_index=True)
    pooled = ref.pooled_means(latest, name)
    key = SEP.join((NATIONAL, "=", "survey", name, "latest", "respondents"))
    assert release.ledger.lookup(key).value == len(latest)
    expected = {}
    for (force, scale), figures in pooled.items():
        label = "All forces (pooled)" if force == "pooled" else force
        expected[f"{label}{SEP}{scale}"] = figures
    prefix = f"{NATIONAL}{SEP}{name} survey across forces: means{SEP}"
    checked, withheld = check_rows(release.ledger, prefix, expected)
    assert checked + withheld == 3 * len(expected) and checked >= 30, (checked, withheld)
    scales = {s["id"]: s["name"] for s in ref.instrument(name)["scales"]}
    rows = release.evidence[release.evidence["measure"].str.startswith(f"survey_{name}_")]
    assert set(rows["force"]) == set(latest["force"])  # every force's evidence rows
    for row in rows.to_dict("records"):
        figures = pooled[(row["force"], scales[row["measure"].removeprefix(f"survey_{name}_")])]
        if row["suppressed"]:
            assert pd.isna(row["value"])
            continue
        for column, source in (("value", "mean"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
            assert agree(row[column], figures[source]), (row["force"], row["measure"], column)
