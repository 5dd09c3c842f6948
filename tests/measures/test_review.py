"""Case-file review measures: design-weighted prevalence, agreement and association,
checked against hand computations, statsmodels and published reference values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from soteria_research.measures.agreement import (
    alpha_from_coincidences,
    bootstrap_alpha,
    cohens_kappa,
    gwet_ac1,
    kappa_from_table,
    krippendorff_alpha,
    unit_coincidences,
)
from soteria_research.measures.review import (
    AGREEMENT_COLUMNS,
    ASSOCIATION_COLUMNS,
    PREVALENCE_COLUMNS,
    review_agreement,
    review_charge_association,
    review_days,
    review_prevalence,
    stratified_ratio,
)

ITEMS = pd.DataFrame(
    {
        "pillar": ["suspect_focus", "suspect_focus", "victim_engagement"],
        "item_id": ["SF01", "SF05", "VE03"],
        "item": ["Suspect-focused plan", "Days to account", "Reason for withdrawal"],
        "response": ["yes_no", "days", "category"],
        "choices": ["yes; no; not recorded", "", "a; b"],
        "min": pd.array([None, 0, None], dtype="Int64"),
        "max": pd.array([None, 3650, None], dtype="Int64"),
        "help": ["", "", ""],
    }
).astype({c: "string" for c in ("pillar", "item_id", "item", "response", "choices", "help")})

KRIPPENDORFF = [  # Krippendorff (2011), "Computing Krippendorff's alpha", 4 coders x 12 units
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _sample(strata: list[str], population: dict[str, int]) -> pd.DataFrame:
    n = pd.Series(strata).value_counts()
    return pd.DataFrame(
        {
            "force": "Durham",
            "crime_id": [f"c{i}" for i in range(len(strata))],
            "stratum": strata,
            "stratum_population": [population[s] for s in strata],
            "inclusion_probability": [n[s] / population[s] for s in strata],
        }
    ).astype({"crime_id": "string", "stratum": "string"})


def _codings(rows: list[tuple], primary: bool = True, reviewer: str = "AB") -> pd.DataFrame:
    """Codings from (crime_id, item_id, response, value) tuples."""
    frame = pd.DataFrame(rows, columns=["crime_id", "item_id", "response", "value"])
    frame["force"] = "Durham"
    frame["reviewer"] = reviewer
    frame["primary"] = primary
    frame["source_file"] = "review.xlsx"
    frame["sheet"] = "Review" if primary else "Second coding"
    frame["source_row"] = np.arange(len(frame)) + 5
    frame["pillar"] = frame["item_id"].map(ITEMS.set_index("item_id")["pillar"])
    return frame.astype(
        {"crime_id": "string", "response": "string", "value": "Float64", "primary": "boolean"}
    )


def test_stratified_ratio_matches_a_hand_computed_example() -> None:
    # Stratum A: N=100, n=4 (w=25), y=1,1,0,1. Stratum B: N=20, n=2 (w=10), y=0,1.
    # R = (25*3 + 10*1) / (25*4 + 10*2) = 85/120. z_i = w_i (y_i - R) / 120.
    # A: z = 25(1-R)/120 (x3), 25(0-R)/120: sum of squared deviations 0.0325521,
    #    x 4/3 x (1 - 4/100) = 0.0416667. B: +-0.0416667 about the mean: 0.00347222 x 2/1
    #    x (1 - 2/20) = 0.00625. V = 0.0479167 = 23/480.
    y = np.array([1, 1, 0, 1, 0, 1], dtype=float)
    weight = np.array([25, 25, 25, 25, 10, 10], dtype=float)
    strata = np.array(["A"] * 4 + ["B"] * 2)
    fpc = np.array([0.04] * 4 + [0.1] * 2)
    estimate, se = stratified_ratio(y, np.ones(6), weight, strata, fpc)
    assert estimate == pytest.approx(85 / 120)
    assert se == pytest.approx(math.sqrt(23 / 480), rel=1e-6)


def test_stratified_ratio_without_weights_is_the_simple_proportion() -> None:
    y = np.array([1, 0, 0, 1, 1, 0, 0, 0], dtype=float)
    estimate, se = stratified_ratio(y, np.ones(8), np.ones(8), np.zeros(8), np.zeros(8))
    assert estimate == pytest.approx(3 / 8)
    assert se == pytest.approx(math.sqrt(3 / 8 * 5 / 8 / 7))  # s^2 / n with n - 1


def test_review_prevalence_weights_by_inclusion_probability() -> None:
    sample = _sample(["A"] * 4 + ["B"] * 2, {"A": 100, "B": 20})
    answers = ["yes", "yes", "no", "yes", "no", "yes"]
    codings = _codings([(f"c{i}", "SF01", a, None) for i, a in enumerate(answers)])
    table = review_prevalence(codings, sample, ITEMS, confidence=0.95)
    assert list(table.columns) == PREVALENCE_COLUMNS
    yes = table[(table["item_id"] == "SF01") & (table["response"] == "yes")].iloc[0]
    assert yes["estimate"] == pytest.approx(85 / 120)
    assert yes["se"] == pytest.approx(math.sqrt(23 / 480), rel=1e-6)
    assert (yes["cases"], yes["denominator"], yes["sampled"]) == (4, 6, 6)
    assert yes["estimated_population"] == pytest.approx(120)
    assert yes["ci_low"] < yes["estimate"] < yes["ci_high"]
    recorded = table[(table["item_id"] == "SF01") & (table["response"] == "not recorded")]
    assert recorded["cases"].iloc[0] == 0 and recorded["estimate"].iloc[0] == 0


def test_uncoded_cases_leave_the_denominator_and_second_codings_are_not_counted() -> None:
    sample = _sample(["A"] * 4, {"A": 40})
    first = _codings([("c0", "SF01", "yes", None), ("c1", "SF01", "no", None)])
    second = _codings([("c0", "SF01", "no", None)], primary=False, reviewer="CD")
    table = review_prevalence(pd.concat([first, second]), sample, ITEMS, confidence=0.95)
    yes = table[(table["item_id"] == "SF01") & (table["response"] == "yes")].iloc[0]
    assert (yes["cases"], yes["denominator"]) == (1, 2)
    assert yes["estimate"] == pytest.approx(0.5)


def test_review_days_is_a_weighted_mean() -> None:
    sample = _sample(["A", "A", "B"], {"A": 10, "B": 30})
    codings = _codings([("c0", "SF05", "10", 10.0), ("c1", "SF05", "20", 20.0),
                        ("c2", "SF05", "40", 40.0)])  # fmt: skip
    row = review_days(codings, sample, ITEMS, confidence=0.95).iloc[0]
    assert row["estimate"] == pytest.approx((5 * 10 + 5 * 20 + 30 * 40) / 40)
    assert row["cases"] == 3


@pytest.mark.parametrize(
    "table",
    [
        [[20, 5, 1], [3, 15, 4], [2, 2, 8]],
        [[118, 5], [2, 0]],
        [[40, 9], [6, 45]],
        [[7, 1, 0, 2], [1, 9, 2, 0], [0, 3, 11, 1], [1, 0, 2, 6]],
    ],
)
def test_cohens_kappa_matches_statsmodels(table) -> None:
    ours = kappa_from_table(np.array(table), 0.95)
    reference = sm_kappa(np.array(table))
    assert ours["estimate"] == pytest.approx(reference.kappa)
    assert ours["se"] == pytest.approx(reference.std_kappa)
    assert ours["ci_low"] == pytest.approx(max(reference.kappa_low, -1))


def test_cohens_kappa_from_codes_equals_the_table() -> None:
    first = ["y"] * 40 + ["n"] * 6 + ["y"] * 9 + ["n"] * 45 + [None]
    second = ["y"] * 40 + ["y"] * 6 + ["n"] * 9 + ["n"] * 45 + ["y"]
    got = cohens_kappa(first, second)
    assert got["units"] == 100
    assert got["estimate"] == pytest.approx(sm_kappa(np.array([[45, 6], [9, 40]])).kappa)


def test_gwet_ac1_matches_gwet_2008_two_rater_example() -> None:
    # Gwet (2008), Table 1: kappa -0.0234 and AC1 0.9408 on the same high-agreement data.
    rows = [("y", "y")] * 118 + [("y", "n")] * 5 + [("n", "y")] * 2
    got = gwet_ac1(rows)
    assert got["estimate"] == pytest.approx(0.9408, abs=5e-5)
    assert got["agreement"] == pytest.approx(118 / 125)
    assert sm_kappa(np.array([[118, 5], [2, 0]])).kappa == pytest.approx(-0.0234, abs=5e-5)


def test_gwet_ac1_with_four_raters_and_missing_codes_matches_gwet_handbook() -> None:
    # Gwet's handbook, 4 raters x 12 units (irrCAC's cac.raw4raters): AC1 0.7754, se 0.1429.
    got = gwet_ac1(list(zip(*KRIPPENDORFF, strict=True)))
    assert got["estimate"] == pytest.approx(0.77544, abs=5e-5)
    assert got["se"] == pytest.approx(0.14295, abs=5e-5)
    assert got["ci_low"] == pytest.approx(0.461, abs=5e-4)
    assert got["ci_high"] == 1.0


def test_krippendorff_alpha_matches_krippendorffs_example() -> None:
    got = krippendorff_alpha(list(zip(*KRIPPENDORFF, strict=True)), "nominal", 0.95, 300, 1)
    assert got["estimate"] == pytest.approx(0.743, abs=5e-4)
    assert got["units"] == 11
    assert got["ci_low"] < got["estimate"] <= got["ci_high"]


def _double_coded(n: int, flips: int) -> pd.DataFrame:
    answers = ["yes" if i % 3 else "no" for i in range(n)]
    second = [("no" if a == "yes" else "yes") if i < flips else a for i, a in enumerate(answers)]
    first = _codings([(f"c{i}", "SF01", a, None) for i, a in enumerate(answers)])
    other = _codings([(f"c{i}", "SF01", a, None) for i, a in enumerate(second)], False, "CD")
    return pd.concat([first, other], ignore_index=True)


def test_review_agreement_gives_every_statistic_with_counts() -> None:
    codings = _double_coded(30, 3)
    table = review_agreement(codings, ITEMS, 0.95, min_cases=10, replicates=200, seed=2)
    assert list(table.columns) == AGREEMENT_COLUMNS
    sf01 = table[table["item_id"] == "SF01"].set_index("statistic")
    assert sf01.loc["percent_agreement", "estimate"] == pytest.approx(27 / 30)
    assert (sf01["cases"] == 30).all() and (sf01["reviewers"] == 2).all()
    kappa = sm_kappa(np.array([[9, 1], [2, 18]])).kappa  # first no/yes x second no/yes
    assert sf01.loc["cohen_kappa", "estimate"] == pytest.approx(kappa)
    assert not sf01["refused"].any()


@pytest.mark.parametrize(("cases", "refused"), [(9, True), (10, False)])
def test_review_agreement_refuses_below_the_minimum(cases: int, refused: bool) -> None:
    table = review_agreement(_double_coded(cases, 1), ITEMS, 0.95, 10, 0)
    sf01 = table[table["item_id"] == "SF01"]
    assert sf01["refused"].all() == refused
    if refused:
        assert sf01["estimate"].isna().all() and "fewer than 10" in sf01["reason"].iloc[0]


def _association_data(rng, n: int, odds_ratio: float, strata: int = 1):
    charged = rng.random(n) < 0.3
    logit = -0.3 + math.log(odds_ratio) * charged
    yes = rng.random(n) < 1 / (1 + np.exp(-logit))
    ids = [f"c{i}" for i in range(n)]
    stratum = [f"s{i % strata}" for i in range(n)]
    sample = pd.DataFrame(
        {"force": "Durham", "crime_id": ids, "stratum": stratum,
         "stratum_population": 10 * n, "inclusion_probability": 0.1 * strata / strata}
    ).astype({"crime_id": "string"})  # fmt: skip
    codings = _codings(
        [(c, "SF01", "yes" if y else "no", None) for c, y in zip(ids, yes, strict=True)]
    )
    cases = pd.DataFrame(
        {"crime_id": ids, "outcome_type": np.where(charged, 1, 15), "charged": charged}
    )
    return codings, sample, cases, yes, charged


def test_association_equals_the_two_by_two_odds_ratio_and_woolf_interval() -> None:
    codings, sample, cases, yes, charged = _association_data(np.random.default_rng(4), 400, 2.5)
    row = review_charge_association(codings, sample, cases, ITEMS, 0.95, 10).iloc[0]
    a, b = int((yes & charged).sum()), int((yes & ~charged).sum())
    c, d = int((~yes & charged).sum()), int((~yes & ~charged).sum())
    assert (row["yes_charged"], row["yes_not_charged"], row["no_charged"], row["no_not_charged"]) == (
        a, b, c, d,
    )  # fmt: skip
    assert row["odds_ratio"] == pytest.approx(a * d / (b * c))
    woolf = math.sqrt((1 / a + 1 / b + 1 / c + 1 / d) * 400 / 399)
    assert math.log(row["ci_high"] / row["odds_ratio"]) == pytest.approx(1.959964 * woolf, rel=1e-5)
    fit = sm.Logit(charged.astype(float), sm.add_constant(yes.astype(float))).fit(disp=0)
    assert math.exp(fit.params[1]) == pytest.approx(row["odds_ratio"])
    assert list(row.index) == ASSOCIATION_COLUMNS


def test_weighted_association_matches_weighted_logistic_regression() -> None:
    codings, sample, cases, yes, charged = _association_data(np.random.default_rng(5), 300, 2.0)
    probability = np.where(charged, 0.5, 0.05)  # outcome over-sampled, as a review would
    sample["inclusion_probability"] = probability
    sample["stratum"] = np.where(charged, "charged", "other")
    row = review_charge_association(codings, sample, cases, ITEMS, 0.95, 10).iloc[0]
    fit = sm.GLM(
        charged.astype(float), sm.add_constant(yes.astype(float)),
        family=sm.families.Binomial(), var_weights=1 / probability,
    ).fit()  # fmt: skip
    assert row["odds_ratio"] == pytest.approx(math.exp(fit.params[1]))


def test_planted_association_is_recovered_and_a_null_one_is_not_flagged() -> None:
    rng = np.random.default_rng(11)
    planted = review_charge_association(*_association_data(rng, 600, 3.0, 4)[:3], ITEMS, 0.95, 10)
    null = review_charge_association(*_association_data(rng, 600, 1.0, 4)[:3], ITEMS, 0.95, 10)
    assert planted["ci_low"].iloc[0] < 3.0 < planted["ci_high"].iloc[0]
    assert planted["interval_excludes_one"].iloc[0]
    assert null["ci_low"].iloc[0] < 1.0 < null["ci_high"].iloc[0]
    assert not null["interval_excludes_one"].iloc[0]


@pytest.mark.parametrize(("events", "refused"), [(9, True), (10, False)])
def test_association_refused_below_min_events_per_parameter(events: int, refused: bool) -> None:
    n = 60
    ids = [f"c{i}" for i in range(n)]
    charged = np.arange(n) < events
    yes = np.arange(n) % 2 == 0
    sample = _sample(["A"] * n, {"A": 600})
    codings = _codings(
        [(c, "SF01", "yes" if y else "no", None) for c, y in zip(ids, yes, strict=True)]
    )
    cases = pd.DataFrame({"crime_id": ids, "outcome_type": np.where(charged, 1, 14),
                          "charged": charged})  # fmt: skip
    row = review_charge_association(codings, sample, cases, ITEMS, 0.95, 10).iloc[0]
    assert row["refused"] == refused
    assert row["charged"] == events
    assert np.isnan(row["odds_ratio"]) == refused


def test_association_refuses_an_empty_cell_and_leaves_out_pending_cases() -> None:
    n = 60
    ids = [f"c{i}" for i in range(n)]
    charged = np.arange(n) < 20
    outcome = np.where(charged, 1, 15)
    outcome[-5:] = 0  # pending: no known outcome
    sample = _sample(["A"] * n, {"A": 600})
    codings = _codings(
        [(c, "SF01", "yes" if ch else "no", None) for c, ch in zip(ids, charged, strict=True)]
    )
    cases = pd.DataFrame({"crime_id": ids, "outcome_type": outcome, "charged": charged})
    row = review_charge_association(codings, sample, cases, ITEMS, 0.95, 10).iloc[0]
    assert row["refused"] and "separation" in row["reason"]
    assert row["cases"] == n - 5


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_bootstrap_alpha_uses_the_same_alpha_as_the_package(level: str, published: float) -> None:
    # Krippendorff (2011) reports 0.743 nominal, 0.815 ordinal and 0.849 interval.
    values = np.array(KRIPPENDORFF, dtype=float).T  # units x coders, NaN missing
    distinct, per_unit = unit_coincidences(values)
    ours = float(alpha_from_coincidences(per_unit.sum(axis=0), distinct, level))
    package = krippendorff_alpha(values.tolist(), level, replicates=0)["estimate"]
    assert ours == pytest.approx(package) and ours == pytest.approx(published, abs=5e-4)
    draws = bootstrap_alpha(values, level, 500, 3)
    assert np.isfinite(draws).mean() > 0.99 and 0.3 < np.nanmedian(draws) < 1
