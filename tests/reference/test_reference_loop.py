"""Data quality, control-chart signals and the improvement plan of the small release,
recomputed independently by :mod:`.recompute_loop`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from . import recompute as base
from . import recompute_loop as ref
from .conftest import FORCE, FORCES, SUBGROUP
from .recompute_surveys import settings
from .test_reference_release import SEP, agree, keys, rape
from .test_reference_surveys import check_rows

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]


def folder(release, force: str = FORCE):
    return release.root / "data" / "processed" / force.lower()


@pytest.mark.parametrize("force", FORCES)
def test_every_extract_row_is_accounted_for(release, force):
    """input = clean + quarantined + duplicates, every reason counted; the published cells
    (and the withheld ones, whose raw values the ledger keeps) agree."""
    raw = release.root / "data" / "raw" / force.lower()
    extracts = sorted(raw.glob("*.csv"))
    rows = ref.quality_rows(folder(release, force), extracts, release.cases[force])
    assert rows["input rows"] == rows["clean"] + rows["quarantined"] + rows["duplicates"]
    expected = {row: {"rows": n} for row, n in rows.items()}
    prefix = f"{force}{SEP}data quality: rows{SEP}"
    checked, withheld = check_rows(release.ledger, prefix, expected)
    assert checked >= 1, (checked, withheld)
    for key in keys(release.ledger):
        if key.startswith(prefix):
            row = key[len(prefix) :].rsplit(SEP, 1)[0]
            assert release.ledger.cells[key].value == rows[row], key
    reasons = sum(n for r, n in rows.items() if ": " in r)
    assert reasons == rows["quarantined"]


def test_the_planted_defects_end_where_the_synthetic_data_says(release):
    """The extract's planted duplicates and unknown codes are the rows removed and
    quarantined (``defects.json`` is written by ``soteria synth`` beside the extract)."""
    import json

    raw = release.root / "data" / "raw" / FORCE.lower()
    planted = json.loads((raw / "defects.json").read_text(encoding="utf-8"))["defects"]
    duplicates = pd.read_parquet(folder(release) / "duplicates.parquet")
    assert sorted(duplicates["source_row"].astype(int)) == sorted(
        r["row"] for r in planted["duplicate"]["rows"]
    )
    quarantined = set(pd.read_parquet(folder(release) / "quarantine.parquet")["source_row"])
    for defect in ("unknown_offence", "unknown_outcome"):
        assert {r["row"] for r in planted[defect]["rows"]} <= quarantined, defect


# -- control charts ------------------------------------------------------------------------
SERIES = {
    "run": [10, 11, 9, 10, 12, 8, 10, 13, 13, 13, 14, 13, 13, 13, 13, 9, 10],
    "trend": [10, 9, 11, 10, 8, 9, 10, 11, 12, 13, 14, 15, 9, 10, 11],
    "outside": [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 30, 10, 11],
    "two_of_three": [10, 11] * 8 + [13.2, 11, 13.2, 10, 11, 10],
    "repeat ends a trend": [1, 2, 3, 4, 4, 5, 6, 7, 8, 8, 9],
}


@pytest.mark.parametrize("name", [*SERIES, "random"])
def test_the_control_chart_rules_are_the_documented_ones(name):
    """The package's XmR chart against the rules as documented, point by point."""
    from soteria_research.measures.spc import RULES, xmr

    rng = np.random.default_rng(7)
    values = SERIES.get(name) or list(rng.poisson(30, 60).astype(float))
    mine = ref.xmr(values)
    chart = xmr(values)
    assert agree(chart["upper_limit"].iloc[0], mine["upper"])
    assert agree(chart["lower_limit"].iloc[0], mine["lower"])
    assert agree(chart["mean"].iloc[0], mine["mean"])
    for k, point in enumerate(mine["flags"]):
        shown = {tuple(s.split(":")) for s in str(chart["signals"].iloc[k]).split(";") if s}
        assert shown == point, (name, k, shown, point)
    named = {"outside": "outside_limits"}.get(name, name)
    if named in RULES:  # the series shows what it is named after
        assert any(rule == named for point in mine["flags"] for rule, _ in point), name
    elif name == "repeat ends a trend":
        assert not any(rule == "trend" for point in mine["flags"] for rule, _ in point), name
    assert set(RULES) == set(ref.RULES)


def test_the_published_signals_are_recomputed(release, year, monkeypatch):
    """The evidence base's ``spc_signal`` (monthly volumes; monthly charge share) for every
    force, and the volumes finding of the deep-dive force (its mean and its signals)."""
    from soteria_research.sections import open_force
    from soteria_research.sections.force import volumes

    checked = 0
    for force in FORCES:
        cases = rape(release.cases[force])
        rows = release.evidence[(release.evidence["force"] == force)
                                & (release.evidence["period"] == year)]  # fmt: skip
        for measure, series in (
            ("recorded_crimes", ref.monthly_counts(cases).astype(float)),
            ("charge_share_activity", ref.monthly_charge_share(cases)),
        ):
            row = rows[rows["measure"] == measure].iloc[0]
            if pd.isna(row["spc_signal"]):
                assert row["suppressed"] or measure != "recorded_crimes", (force, measure)
                continue
            assert row["spc_signal"] == ref.signal_in_year(series, year), (force, measure)
            checked += 1
    assert checked >= len(FORCES)
    monkeypatch.setenv("SOTERIA_ROOT", str(release.root))
    section = volumes(open_force(FORCE, "latest", "national", SUBGROUP))
    cases = rape(release.cases[FORCE])
    freq = "quarter" if " a quarter," in section.finding else "month"
    counts = ref.quarterly_counts(cases) if freq == "quarter" else ref.monthly_counts(cases)
    chart = ref.xmr(counts.astype(float).to_list(), *_lengths())
    assert f"recorded on average {chart['mean']:.0f} {SUBGROUP.lower()} crimes a {freq}," in (
        section.finding
    )
    found = ref.summary(chart)
    if found == "none":
        assert "only common-cause variation" in section.finding, section.finding
    else:
        assert "special-cause signal" in section.finding and "only" not in section.finding


def _lengths() -> tuple[int, int]:
    s = settings()["measures"]
    return int(s["spc_run_length"]), int(s["spc_trend_length"])


@pytest.fixture(scope="module")
def year(release) -> str:
    return base.latest_year(pd.concat([rape(c) for c in release.cases.values()]))


# -- the improvement plan ------------------------------------------------------------------
def test_the_improvement_plan_tables(release):
    plan = pd.read_parquet(folder(release) / "plan.parquet")
    quarantined = pd.read_parquet(folder(release) / "plan_quarantine.parquet")
    import openpyxl

    sheet = openpyxl.load_workbook(
        release.root / "data" / "raw" / FORCE.lower() / "improvement_plan.xlsx", read_only=True
    )["Plan"]
    written = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(written) == len(plan) + len(quarantined)  # every row of the plan is accounted for
    checked = 0
    for name, expected in (
        ("plan actions", ref.actions_by_status(plan)),
        (
            "plan overdue days",
            ref.overdue(plan, rape(release.cases[FORCE])["extraction_date"].max()),
        ),
    ):
        prefix = f"{FORCE}{SEP}{name}: "
        seen = set()
        for key in keys(release.ledger):
            if key.startswith(prefix):
                row = key[len(prefix) :].split(SEP)[0]
                assert row in expected, f"a published row the suite does not recompute: {key}"
                assert release.ledger.lookup(key).value == expected[row], key
                seen.add(row)
                checked += 1
        assert seen == set(expected), (name, set(expected) - seen)
    assert checked >= 30, checked


def test_linked_measures_before_and_after(release):
    plan = pd.read_parquet(folder(release) / "plan.parquet")
    cases = rape(release.cases[FORCE])
    s = settings()["measures"]
    follow_up = int(s["evaluation_follow_up_days"])
    expected = ref.linked_change(
        plan,
        base.quarterly(cases, follow_up),
        ref.followed_quarters(cases, follow_up),
        int(s["plan_window_quarters"]),
    )
    prefix = f"{FORCE}{SEP}linked measures before and after{SEP}"
    checked, withheld = check_rows(release.ledger, prefix, expected)
    assert checked >= 30, (checked, withheld)
    shown = {
        k[len(prefix) :].rsplit(SEP, 1)[0] for k in keys(release.ledger) if k.startswith(prefix)
    }
    assert shown == set(expected), set(expected) ^ shown
