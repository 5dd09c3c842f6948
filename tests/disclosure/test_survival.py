"""Survival tables and curves: numbers at risk and events at the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from soteria_research.disclosure import check_survival, protect_survival


@pytest.mark.parametrize(("at_risk", "passed"), [(9, False), (10, True), (11, True)])
def test_at_risk_boundary(rules, at_risk, passed):
    table = pd.DataFrame({"time": [5, 9], "at_risk": [40, at_risk], "events": [12, 0]})
    assert check_survival(table, rules).passed is passed


@pytest.mark.parametrize(("events", "passed"), [(0, True), (9, False), (10, True), (11, True)])
def test_events_boundary(rules, events, passed):
    table = pd.DataFrame({"time": [5], "at_risk": [40], "events": [events], "censored": [0]})
    check = check_survival(table, rules)
    assert check.passed is passed
    assert check.log_entry["status"] == ("pass" if passed else "withheld")


def _km_table(seed: int = 7, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    time = np.ceil(rng.exponential(200, n))
    observed = rng.random(n) < 0.6
    fit = SurvfuncRight(time, observed.astype(int))
    return pd.DataFrame(
        {
            "time": fit.surv_times,
            "at_risk": fit.n_risk,
            "events": fit.n_events,
            "survival": fit.surv_prob,
        }
    )


def test_a_raw_kaplan_meier_table_fails_and_the_protected_one_passes(rules):
    raw = _km_table()
    assert not check_survival(raw, rules).passed
    protected = protect_survival(raw, rules, name="time to outcome").table
    assert check_survival(protected, rules).passed
    assert len(protected) < len(raw)
    # each published point is the Kaplan-Meier estimate at that time, from the raw table
    for _, row in protected.iterrows():
        expected = raw.loc[raw["time"] <= row["time"], "survival"].iloc[-1]
        assert row["survival"] == pytest.approx(expected)
    # events add up: nothing is invented, the curve only stops early
    assert protected["events"].sum() <= raw["events"].sum()
    assert (protected["events"] >= 10).all() and (protected["at_risk"] >= 10).all()


def test_a_grid_publishes_fixed_times_only(rules):
    raw = _km_table(seed=11, n=300)
    grid = list(range(30, 721, 30))
    protected = protect_survival(raw, rules, times=grid).table
    assert len(protected) > 3
    assert set(protected["time"]) <= set(grid)
    assert check_survival(protected, rules).passed


def test_curves_by_group_are_protected_separately(rules):
    a, b = _km_table(1), _km_table(2, n=40)
    table = pd.concat([a.assign(group="a"), b.assign(group="b")], ignore_index=True)
    protected = protect_survival(table, rules, by=["group"]).table
    assert "a" in set(protected["group"])
    for _, part in protected.groupby("group"):
        assert check_survival(part, rules).passed
