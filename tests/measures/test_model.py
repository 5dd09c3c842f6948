"""Charge model: odds ratios equal exp(statsmodels params); refusal below the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from soteria_research.measures.model import (
    DEFAULT_PREDICTORS,
    InsufficientDataError,
    age_band,
    charge_model,
    charge_odds_ratios,
    model_frame,
    reporting_delay,
)


@pytest.fixture
def cases(make_cases):
    rng = np.random.default_rng(11)
    n = 3000
    relationship = rng.choice(
        ["stranger", "acquaintance", "intimate", "family"], n, p=[0.2, 0.4, 0.3, 0.1]
    )
    band = rng.choice(["13-15", "18-24", "25-34", "35-49"], n)
    delay = rng.choice([2, 100, 900], n)
    logit = -2 + 0.8 * (relationship == "stranger") - 0.5 * (relationship == "intimate")
    charged = rng.random(n) < 1 / (1 + np.exp(-logit))
    recorded = pd.Timestamp("2022-05-01")
    frame = pd.DataFrame(
        {
            "recorded_date": recorded,
            "reported_date": recorded,
            "committed_date": recorded - pd.to_timedelta(delay, unit="D"),
            "relationship": relationship,
            "victim_age_band": band,
            "outcome_type": np.where(charged, 1, 16),
            "outcome_date": recorded + pd.Timedelta(days=200),
        }
    )
    pending = frame.iloc[:50].assign(outcome_type=0, outcome_date=pd.NaT)
    return make_cases(pd.concat([frame, pending], ignore_index=True))


def test_odds_ratios_equal_exp_of_statsmodels_params(cases) -> None:
    refs = {
        "relationship": "stranger",
        "victim_age_band": "18-24",
        "reporting_delay": "within 7 days",
    }
    result = charge_model(cases, predictors=list(refs), references=refs)
    assert not result.refused and result.n == 3000  # pending left out
    data = model_frame(cases, "all", list(refs))
    formula = (
        "charged ~ C(relationship, Treatment('stranger'))"
        " + C(victim_age_band, Treatment('18-24'))"
        " + C(reporting_delay, Treatment('within 7 days'))"
    )
    ref = smf.logit(formula, data).fit(disp=0)
    table = result.table.set_index("term")
    for name, value in ref.params.items():
        if name == "Intercept":
            term = "(intercept)"
        else:
            variable = name.split("(")[1].split(",")[0]
            term = f"{variable}[{name.split('[T.')[1].rstrip(']')}]"
        assert table.loc[term, "odds_ratio"] == pytest.approx(np.exp(value), rel=1e-6)
        low, high = np.exp(ref.conf_int().loc[name])
        assert table.loc[term, "ci_low"] == pytest.approx(low, rel=1e-6)
        assert table.loc[term, "ci_high"] == pytest.approx(high, rel=1e-6)
        assert table.loc[term, "p_value"] == pytest.approx(ref.pvalues[name], rel=1e-5)
    # the simulated effect is found: intimate less often charged than stranger
    assert table.loc["relationship[intimate]", "ci_high"] < 1


def test_default_reference_is_the_most_frequent_level(cases) -> None:
    result = charge_model(cases, predictors=["relationship"])
    assert set(result.table["reference"]) - {""} == {"acquaintance"}


def test_refusal_below_the_events_per_parameter_threshold(cases) -> None:
    small = cases.iloc[:300]
    result = charge_model(small, predictors=["relationship", "victim_age_band"])
    assert result.refused and result.table.empty
    assert result.parameters == 6
    assert "per parameter, fewer than 10" in result.reason
    with pytest.raises(InsufficientDataError, match="Charge model not fitted"):
        charge_model(
            small, predictors=["relationship"], min_events_per_parameter=100, raise_on_refusal=True
        )
    frame = charge_odds_ratios(small, predictors=["relationship", "victim_age_band"])
    assert len(frame) == 1 and frame["odds_ratio"].isna().all()
    assert frame["reason"].iloc[0] == result.reason


@pytest.mark.parametrize(("events", "refused"), [(59, True), (60, False)])
def test_threshold_boundary(make_cases, events, refused) -> None:
    # three relationship levels = 2 parameters; at 30 events per parameter the model needs
    # 60 charges (the smaller side: 340 or more are not charged)
    n = 400
    rows = [
        {
            "relationship": ["stranger", "intimate", "family"][i % 3],
            "outcome_type": 16,
            "outcome_date": "2023-01-01",
            "recorded_date": "2022-06-01",
        }
        for i in range(n)
    ]
    for i in range(events):
        rows[i]["outcome_type"] = 1
    result = charge_model(
        make_cases(rows), predictors=["relationship"], min_events_per_parameter=30
    )
    assert result.refused is refused


def test_levels_without_variation_are_left_out_with_a_note(cases) -> None:
    extra = cases.iloc[:40].assign(relationship="unknown", outcome_type=16)
    result = charge_model(pd.concat([cases, extra], ignore_index=True), predictors=["relationship"])
    assert not result.refused
    assert any("unknown" in note for note in result.notes)
    assert "relationship[unknown]" not in set(result.table["term"])


def test_empty_period_is_refused_not_a_crash(cases) -> None:
    result = charge_model(cases, period="2019/20")
    assert result.refused and result.reason == "no crimes with an outcome in the period"
    assert result.n == 0


def test_constant_predictor_and_bands(cases) -> None:
    result = charge_model(cases, predictors=["offence_subgroup"])
    assert result.refused and result.reason == "no predictor varies"
    ages = pd.Series([0, 12, 13, 17, 18, 49, 50, 99, None], dtype="Int64")
    bands = age_band(ages, [0, 13, 16, 18, 25, 35, 50, 120]).tolist()
    assert bands == ["0-12", "0-12", "13-15", "16-17", "18-24", "35-49", "50+", "50+", "unknown"]
    delays = reporting_delay(cases.iloc[:3])
    assert set(delays) <= {"within 7 days", "8-365 days", "over 1 year"}


def test_the_report_counts_characteristics_without_the_intercept(cases) -> None:
    from soteria_research.disclosure import OutputLog, Rules
    from soteria_research.measures.defaults import measure_settings
    from soteria_research.release import Ledger
    from soteria_research.release.publisher import Publisher
    from soteria_research.sections.context import ForceContext
    from soteria_research.sections.pillars import charge_model_section

    rules = Rules(min_cell_count=10, zeros_disclosive=False)
    ctx = ForceContext(
        force="Kent",
        slug="kent",
        subgroup="Rape",
        comparator="national",
        cases=cases,
        assessment=pd.DataFrame(),
        quality=pd.DataFrame(),
        period=None,
        provenance={},
        rules=rules,
        measures=measure_settings({}),
        run_id="test",
        log=OutputLog("test"),
        publisher=Publisher("Kent", Ledger(), "collect", rules),
    )
    section = charge_model_section(ctx, cases, "Who is charged", "Kent")
    result = charge_model(
        cases,
        period="all",
        predictors=[*DEFAULT_PREDICTORS, "financial_year"],
        age_bands=ctx.measures["age_bands"],
        horizon_days=365,
    )
    variables = result.table["variable"]
    characteristics = int((~variables.isin(["(intercept)", "financial_year", "force"])).sum())
    assert characteristics == 5  # 3 relationship levels + 2 delay bands (age bands: one level)
    assert f" of {characteristics} victim and offence characteristics change" in section.finding


def test_horizon_frame_keeps_pending_crimes_followed_long_enough(make_cases) -> None:
    recorded = pd.Timestamp("2022-05-01")
    frame = make_cases(
        [
            # charged on day 100: charged within 365 days
            {"recorded_date": recorded, "outcome_type": 1, "outcome_date": "2022-08-09"},
            # charged on day 400: not within 365 days
            {"recorded_date": recorded, "outcome_type": 1, "outcome_date": "2023-06-05"},
            # still pending: followed 365 days, not charged within them (kept, not dropped)
            {"recorded_date": recorded, "outcome_type": 0, "outcome_date": pd.NaT},
            # another outcome
            {"recorded_date": recorded, "outcome_type": 16, "outcome_date": "2022-07-01"},
            # recorded too late to be followed 365 days by the extraction: left out
            {"recorded_date": "2024-02-01", "outcome_type": 1, "outcome_date": "2024-03-01"},
        ]
    )
    frame["extraction_date"] = pd.Timestamp("2024-06-30")
    kept = model_frame(frame, "all", ["relationship"], horizon_days=365)
    assert kept["charged"].tolist() == [1, 0, 0, 0]
    # without a horizon: crimes with an outcome, charged at any time (the selected sample)
    assert model_frame(frame, "all", ["relationship"])["charged"].tolist() == [1, 1, 0, 1]


@pytest.fixture
def pooled_cases(make_cases):
    return make_pooled(make_cases)


def make_pooled(make_cases):
    """Four forces over three years, one of them (Dorset) too small for a model of its own."""
    rng = np.random.default_rng(5)
    sizes = {"Kent": 1500, "Essex": 1200, "Surrey": 900, "Dorset": 60}
    effect = {"Kent": 0.0, "Essex": 0.4, "Surrey": -0.3, "Dorset": 0.2}
    rows = []
    for force, n in sizes.items():
        relationship = rng.choice(["stranger", "acquaintance", "intimate"], n, p=[0.2, 0.5, 0.3])
        recorded = pd.Timestamp("2021-06-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")
        logit = -1.5 + effect[force] + 0.7 * (relationship == "stranger")
        logit = logit + 0.3 * (recorded >= pd.Timestamp("2022-04-01"))
        charged = rng.random(n) < 1 / (1 + np.exp(-logit))
        days = rng.integers(20, 600, n)
        rows.append(
            pd.DataFrame(
                {
                    "force": force,
                    "recorded_date": recorded,
                    "reported_date": recorded,
                    "committed_date": recorded - pd.Timedelta(days=3),
                    "relationship": relationship,
                    "outcome_type": np.where(charged, 1, 16),
                    "outcome_date": recorded + pd.to_timedelta(days, "D"),
                }
            )
        )
    return make_cases(pd.concat(rows, ignore_index=True), extraction_date="2024-06-30")


def test_pooled_force_effects_equal_statsmodels_sum_coding(pooled_cases) -> None:
    """The pooled model (charge within 365 days, year and force terms, force coded against
    the average force) gives the numbers statsmodels gives for the same design."""
    predictors = ["relationship", "financial_year", "force"]
    refs = {"relationship": "acquaintance", "financial_year": "2021/22"}
    result = charge_model(
        pooled_cases,
        predictors=predictors,
        references=refs,
        horizon_days=365,
        deviation=("force",),
    )
    assert not result.refused
    data = model_frame(pooled_cases, "all", predictors, horizon_days=365)
    ref = smf.logit(
        "charged ~ C(relationship, Treatment('acquaintance'))"
        " + C(financial_year, Treatment('2021/22')) + C(force, Sum)",
        data,
    ).fit(disp=0)
    table = result.table.set_index("term")
    forces = sorted(data["force"].unique())  # Sum coding drops the last level (Surrey)
    conf = ref.conf_int()
    for force in forces[:-1]:
        name = f"C(force, Sum)[S.{force}]"
        row = table.loc[f"force[{force}]"]
        assert row["reference"] == "average"
        assert row["coef"] == pytest.approx(ref.params[name], rel=1e-6)
        assert row["se"] == pytest.approx(ref.bse[name], rel=1e-6)
        assert row["ci_low"] == pytest.approx(np.exp(conf.loc[name, 0]), rel=1e-6)
        assert row["p_value"] == pytest.approx(ref.pvalues[name], rel=1e-5)
        assert row["n_level"] == int((data["force"] == force).sum())
    # the last force: minus the sum of the others, its variance from their covariance
    names = [f"C(force, Sum)[S.{f}]" for f in forces[:-1]]
    test = ref.t_test(" + ".join(names) + " = 0")
    last = table.loc[f"force[{forces[-1]}]"]
    assert last["coef"] == pytest.approx(-float(np.squeeze(test.effect)), rel=1e-6)
    assert last["se"] == pytest.approx(float(np.squeeze(test.sd)), rel=1e-6)
    # characteristics and years are those of the treatment-coded fit
    rel = "C(relationship, Treatment('acquaintance'))[T.stranger]"
    assert table.loc["relationship[stranger]", "odds_ratio"] == pytest.approx(
        np.exp(ref.params[rel]), rel=1e-6
    )
    year = "C(financial_year, Treatment('2021/22'))[T.2022/23]"
    assert table.loc["financial_year[2022/23]", "coef"] == pytest.approx(ref.params[year], rel=1e-6)


def test_pooled_estimates_for_a_force_refused_on_its_own(pooled_cases) -> None:
    from soteria_research.measures.model import pooled_estimates, refusal_reason

    small = pooled_cases[pooled_cases["force"] == "Dorset"]
    options = {"predictors": ["relationship", "financial_year"], "horizon_days": 365}
    assert "per parameter" in refusal_reason(small, **options)
    assert charge_model(small, **options).refused
    assert refusal_reason(pooled_cases[pooled_cases["force"] == "Kent"], **options) == ""
    pooled = charge_model(
        pooled_cases,
        predictors=["relationship", "financial_year", "force"],
        horizon_days=365,
        deviation=("force",),
    )
    rows = pooled_estimates(pooled, "Dorset", own=("financial_year",))
    assert rows["term"].tolist() == [
        "force[Dorset]",
        "relationship[intimate]",
        "relationship[stranger]",
    ]
    assert rows.iloc[0]["n_level"] == len(model_frame(small, "all", ["relationship"], None, 365))
    assert pooled_estimates(pooled, "Gwent").empty  # not in the model


def test_refusal_reasons_by_force_match_each_force_alone(pooled_cases) -> None:
    from soteria_research.measures.model import refusal_reason, refusal_reasons

    options = {"predictors": ["relationship", "financial_year"], "horizon_days": 365}
    reasons = refusal_reasons(pooled_cases, **options)
    assert list(reasons.index) == ["Dorset", "Essex", "Kent", "Surrey"]
    for force, reason in reasons.items():
        assert reason == refusal_reason(pooled_cases[pooled_cases["force"] == force], **options)
    assert reasons["Dorset"] != "" and (reasons.drop("Dorset") == "").all()
