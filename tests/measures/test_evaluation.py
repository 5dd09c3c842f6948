"""The staggered-adoption evaluation: hand-computed effects, a reference package, planted
effects recovered within their intervals, the null not flagged, and TWFE's bias."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.evaluation import staggered_effects, twfe_effect

FIRST = pd.Period("2021Q2", freq="Q")


def simulate(
    cohorts: dict[int, int],
    effect,
    quarters: int = 12,
    size: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binomial force x quarter panels: ``cohorts`` maps adoption index -> forces.

    ``effect(event_time, cohort)`` is the true change in the share after joining; forces
    differ in level and share a national trend.
    """
    rng = np.random.default_rng(seed)
    rows, adoption, k = [], [], 0
    trend = 0.004 * np.arange(quarters) + rng.normal(0, 0.01, quarters)
    for g, n_forces in cohorts.items():
        for _ in range(n_forces):
            force, level = f"F{k:02d}", rng.uniform(0.25, 0.4)
            k += 1
            adoption.append({"force": force, "adoption_quarter": str(FIRST + g)})
            denominators = rng.integers(size // 2, size * 2, quarters)
            for t in range(quarters):
                p = level + trend[t] + (effect(t - g, g) if t >= g else 0.0)
                rows.append(
                    {
                        "force": force,
                        "quarter": str(FIRST + t),
                        "numerator": int(rng.binomial(denominators[t], p)),
                        "denominator": int(denominators[t]),
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(adoption)


def test_group_time_effect_by_hand():
    # Forces A (joins 2021Q3), B (2021Q4), C (never in the panel); shares in tenths.
    shares = {"A": [2, 3, 7], "B": [4, 4, 5], "C": [1, 2, 2]}
    panel = pd.DataFrame(
        [
            {"force": f, "quarter": str(FIRST + t), "numerator": v, "denominator": 10}
            for f, values in shares.items()
            for t, v in enumerate(values)
        ]
    )
    adoption = pd.DataFrame(
        {"force": ["A", "B", "C"], "adoption_quarter": ["2021Q3", "2021Q4", "2030Q1"]}
    )
    result = staggered_effects(panel, adoption, n_boot=0)
    cells = result.group_time.set_index(["cohort", "quarter"])
    # A at 2021Q3 vs not-yet-joined B and C: (0.3-0.2) - mean(0.0, 0.1) = 0.05
    assert cells.loc[("2021Q3", "2021Q3"), "att"] == pytest.approx(0.05)
    assert cells.loc[("2021Q3", "2021Q3"), "n_control"] == 2
    # A at 2021Q4: only C is not yet joined: (0.7-0.2) - (0.2-0.1) = 0.4
    assert cells.loc[("2021Q3", "2021Q4"), "att"] == pytest.approx(0.4)
    assert cells.loc[("2021Q3", "2021Q4"), "control_denominator"] == 10
    # B at 2021Q4 against C, base 2021Q3: (0.5-0.4) - (0.2-0.2) = 0.1
    assert cells.loc[("2021Q4", "2021Q4"), "att"] == pytest.approx(0.1)
    # B's placebo at 2021Q3 (base 2021Q2) against C only: (0.4-0.4) - (0.2-0.1) = -0.1
    assert cells.loc[("2021Q4", "2021Q3"), "att"] == pytest.approx(-0.1)
    # simple: cohort-size weighted mean of post cells (A twice, B once, equal sizes)
    assert result.simple["estimate"].iloc[0] == pytest.approx((0.05 + 0.4 + 0.1) / 3)
    event = result.event.set_index("event_time")["estimate"]
    assert event.loc[0] == pytest.approx((0.05 + 0.1) / 2)
    assert event.loc[1] == pytest.approx(0.4)
    assert event.loc[-1] == pytest.approx(-0.1)


def test_matches_the_differences_package():
    differences = pytest.importorskip("differences")
    panel, adoption = simulate({2: 6, 5: 6, 20: 6}, lambda e, g: 0.02 * (e + 1), seed=3)
    ours = staggered_effects(panel, adoption, n_boot=0)
    frame = panel.assign(
        unit=panel["force"].str[1:].astype(int),
        time=[pd.Period(q, freq="Q").ordinal - FIRST.ordinal for q in panel["quarter"]],
        y=panel["numerator"] / panel["denominator"],
    )
    g = {
        f: pd.Period(q, freq="Q").ordinal - FIRST.ordinal
        for f, q in zip(adoption["force"], adoption["adoption_quarter"], strict=True)
    }
    frame["cohort"] = [g[f] if g[f] < 12 else np.nan for f in frame["force"]]
    att = differences.ATTgt(
        data=frame.set_index(["unit", "time"])[["y", "cohort"]], cohort_column="cohort"
    )
    att.fit(formula="y", control_group="not_yet_treated", n_jobs=1, progress_bar=False)
    theirs = att.results().iloc[:, 0]
    mine = ours.group_time.assign(
        g=[pd.Period(c, freq="Q").ordinal - FIRST.ordinal for c in ours.group_time["cohort"]],
        t=[pd.Period(q, freq="Q").ordinal - FIRST.ordinal for q in ours.group_time["quarter"]],
    ).set_index(["g", "t"])["att"]
    their_cells = pd.Series(
        theirs.to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [theirs.index.get_level_values(0), theirs.index.get_level_values(2)],
            names=["g", "t"],
        ),
    )
    joined = mine.to_frame("ours").join(their_cells.rename("theirs"), how="inner")
    assert len(joined) == len(mine)
    np.testing.assert_allclose(joined["ours"], joined["theirs"], atol=1e-10)
    simple = att.aggregate("simple").iloc[0, 0]
    assert ours.simple["estimate"].iloc[0] == pytest.approx(simple, abs=1e-10)


def test_recovers_a_planted_effect_within_its_interval():
    delta = 0.08
    panel, adoption = simulate(
        {1: 4, 6: 8, 9: 31}, lambda e, g: delta if (g == 1 and e >= 2) else 0.0, seed=11
    )
    result = staggered_effects(panel, adoption, cohorts=["2021Q3"], n_boot=499, seed=1)
    event = result.event.set_index("event_time")
    late = event.loc[event.index >= 2]
    assert ((late["ci_low"] <= delta) & (delta <= late["ci_high"])).all()
    assert (late["ci_low"] > 0).all()
    early = event.loc[[0, 1]]
    assert ((early["ci_low"] <= 0) & (early["ci_high"] >= 0)).all()
    # The expansion-like cohort had no effect: its interval holds zero.
    other = staggered_effects(panel, adoption, cohorts=["2022Q4"], n_boot=499, seed=1).simple
    assert other["ci_low"].iloc[0] <= 0 <= other["ci_high"].iloc[0]


def test_does_not_flag_the_null_measure_and_covers_at_about_the_nominal_rate():
    covered = 0
    for seed in range(40):
        panel, adoption = simulate({1: 4, 6: 8, 9: 31}, lambda e, g: 0.0, seed=100 + seed)
        simple = staggered_effects(panel, adoption, n_boot=199, seed=seed).simple.iloc[0]
        covered += simple["ci_low"] <= 0 <= simple["ci_high"]
    assert covered >= 34  # 95% nominal; at least 85% of 40 panels


def test_twfe_is_biased_when_effects_grow_and_adoption_is_staggered():
    # Early joiners' effect grows each quarter; late joiners serve as their controls.
    panel, adoption = simulate({2: 10, 7: 10, 20: 10}, lambda e, g: 0.03 * (e + 1), seed=5)
    truth = staggered_effects(panel, adoption, n_boot=299, seed=2).simple.iloc[0]
    # The true simple ATT: mean of 0.03 (e + 1) over the post cells with controls.
    cells = [(2, t) for t in range(2, 12)] + [(7, t) for t in range(7, 12)]
    expected = np.mean([0.03 * (t - g + 1) for g, t in cells])
    assert truth["ci_low"] <= expected <= truth["ci_high"]
    twfe = twfe_effect(panel, adoption).iloc[0]
    assert not twfe["ci_low"] <= expected <= twfe["ci_high"]
    assert twfe["estimate"] < expected - 0.03


def test_every_panel_force_needs_an_adoption_quarter():
    panel, adoption = simulate({2: 2, 8: 2}, lambda e, g: 0.0)
    with pytest.raises(ParameterError, match="No adoption quarter for force"):
        staggered_effects(panel, adoption.iloc[1:], n_boot=0)
    with pytest.raises(ParameterError, match="confidence"):
        staggered_effects(panel, adoption, n_boot=0, confidence=1.5)


def test_counts_and_denominators_come_with_every_estimate():
    panel, adoption = simulate({2: 3, 8: 3, 20: 3}, lambda e, g: 0.0, size=100)
    result = staggered_effects(panel, adoption, n_boot=50)
    gt = result.group_time
    row = gt[(gt["cohort"] == "2021Q4") & (gt["quarter"] == "2022Q1")].iloc[0]
    joined = panel[panel["force"].isin(["F00", "F01", "F02"]) & (panel["quarter"] == "2022Q1")]
    assert row["treated_denominator"] == joined["denominator"].sum()
    assert row["treated_numerator"] == joined["numerator"].sum()
    assert {"numerator", "denominator", "n_forces"} <= set(result.event.columns)
    assert result.simple["n_forces"].iloc[0] == 6


def test_a_cohort_without_a_quarter_before_joining_gets_no_effect():
    # Like the pathfinder: joined in the panel's first quarter, so nothing to compare with.
    panel, adoption = simulate({0: 3, 4: 3, 20: 3}, lambda e, g: 0.1)
    result = staggered_effects(panel, adoption, n_boot=0)
    assert set(result.group_time["cohort"]) == {str(FIRST + 4)}
    assert result.simple["n_forces"].iloc[0] == 3
