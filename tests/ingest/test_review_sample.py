"""The review framework and the review sample: validation, allocation, reproducibility."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.errors import ConfigError, ParameterError
from soteria_research.ingest.pseudonymise import crime_pseudonym
from soteria_research.ingest.review_framework import (
    load_review_framework,
    parse_response,
    review_items,
)
from soteria_research.ingest.review_sample import (
    SAMPLE_COLUMNS,
    allocate,
    crime_references,
    draw_review_sample,
    sample_id,
)

from .support import KEY


def _cases(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = rng.choice(["Charged/Summonsed", "Evidential difficulties", "Pending"], n,
                        p=[0.05, 0.75, 0.2])  # fmt: skip
    refs = [f"DU/{i:06d}/23" for i in range(n)]
    return pd.DataFrame(
        {
            "force": "Durham",
            "crime_id": [crime_pseudonym(KEY, "Durham", r) for r in refs],
            "outcome_group": groups,
            "financial_year": rng.choice(["2022/23", "2023/24"], n),
            "ref": refs,
        }
    ).astype({"crime_id": "string", "outcome_group": "string", "financial_year": "string"})


def test_the_config_framework_loads_and_lists_every_item() -> None:
    framework = load_review_framework()
    items = review_items(framework)
    assert framework["illustrative"] is True
    assert items["item_id"].is_unique
    assert set(items["response"]) == {"yes_no", "ordinal", "days", "category"}
    assert (items["help"].str.len() > 0).all()


def _framework() -> dict:
    return copy.deepcopy(load_review_framework())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["pillars"].update({"suspect_focussed": f["pillars"]["suspect_focus"]}),
         "unknown pillar slug"),
        (lambda f: f["pillars"]["repeat_suspects"]["items"][0].update(id="SF01"), "used twice"),
        (lambda f: f["pillars"]["suspect_focus"]["items"][0].update(response="free"),
         "response must be one of"),
        (lambda f: f["pillars"]["victim_engagement"]["items"][2].update(choices=["one"]),
         "at least two choices"),
        (lambda f: f["pillars"]["victim_engagement"]["items"][2].update(choices=["a, b", "c"]),
         "commas"),
        (lambda f: f["pillars"]["suspect_focus"]["items"][5].update(min=4), "min must be below"),
        (lambda f: f["pillars"]["suspect_focus"]["items"][4].pop("max"), "whole-number min"),
        (lambda f: f["pillars"]["suspect_focus"]["items"][0].pop("text"), "needs an id and"),
        (lambda f: f.pop("pillars"), "needs `pillars:`"),
    ],
)  # fmt: skip
def test_a_bad_framework_is_refused_with_a_clear_message(change, message: str) -> None:
    framework = _framework()
    change(framework)
    with pytest.raises(ConfigError, match=message):
        load_review_framework(framework)


def test_a_missing_or_broken_framework_file_names_the_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_review_framework(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("pillars: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml line"):
        load_review_framework(broken)


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [
        ("SF01", "Yes", ("yes", None)),
        ("SF01", " not recorded ", ("not recorded", None)),
        ("SF01", "maybe", "not one of the choices"),
        ("SF01", True, "not a valid response"),
        ("SF06", 3, ("3", 3.0)),
        ("SF06", "3 - Adequate", ("3", 3.0)),
        ("SF06", "Strong", ("4", 4.0)),
        ("SF06", 5, "out of range"),
        ("SF05", 12.0, ("12", 12.0)),
        ("SF05", -3, "out of range"),
        ("SF05", "soon", "not a whole number"),
        ("VE03", "Fear of the process", ("fear of the process", None)),
        ("SF01", "", None),
        ("SF01", None, None),
    ],
)
def test_parse_response(item_id: str, value, expected) -> None:
    framework = load_review_framework()
    item = review_items(framework).set_index("item_id").loc[item_id]
    item = {**item.to_dict(), "item_id": item_id}
    labels = {1: "Absent", 2: "Weak", 3: "Adequate", 4: "Strong"}
    got = parse_response(value, item, labels if item_id == "SF06" else None)
    if isinstance(expected, tuple):
        assert got[0] == expected[0]
        assert np.isnan(got[1]) if expected[1] is None else got[1] == expected[1]
    else:
        assert got == expected


@pytest.mark.parametrize("allocation", ["equal", "proportional"])
@given(
    population=st.lists(st.integers(1, 60), min_size=1, max_size=8),
    share=st.floats(0.01, 1.0),
)
@settings(max_examples=60, deadline=None)
def test_allocation_sums_to_the_size_and_never_exceeds_a_stratum(
    allocation: str, population: list[int], share: float
) -> None:
    sizes = pd.Series(population, index=[f"s{i}" for i in range(len(population))])
    size = max(1, round(share * sizes.sum()))
    taken = allocate(sizes, size, allocation)
    assert taken.sum() == size
    assert (taken <= sizes.sort_index()).all() and (taken >= 0).all()


def test_equal_allocation_takes_small_strata_whole_and_shares_the_rest() -> None:
    taken = allocate(pd.Series({"a": 3, "b": 100, "c": 100}), 45, "equal")
    assert taken.to_dict() == {"a": 3, "b": 21, "c": 21}


def test_the_sample_is_reproducible_whatever_the_row_order() -> None:
    cases = _cases()
    strata = ["outcome_group", "financial_year"]
    first = draw_review_sample(cases, 60, strata, 7, "equal", 0.2)
    shuffled = cases.sample(frac=1, random_state=3)
    again = draw_review_sample(shuffled, 60, strata, 7, "equal", 0.2)
    pd.testing.assert_frame_equal(first, again)
    other = draw_review_sample(cases, 60, strata, 8, "equal", 0.2)
    assert set(other["crime_id"]) != set(first["crime_id"])
    assert sample_id(first) == sample_id(again) != sample_id(other)


def test_the_sample_records_inclusion_probabilities_and_double_coding() -> None:
    cases = _cases()
    sample = draw_review_sample(cases, 60, ["outcome_group", "financial_year"], 7, "equal", 0.2)
    assert list(sample.columns) == list(SAMPLE_COLUMNS)
    assert len(sample) == 60 and sample["crime_id"].is_unique
    population = (cases["outcome_group"] + " | " + cases["financial_year"]).value_counts()
    drawn = sample["stratum"].value_counts()
    for row in sample.itertuples():
        assert row.stratum_population == population[row.stratum]
        assert row.stratum_sample == drawn[row.stratum]
        assert row.inclusion_probability == pytest.approx(
            drawn[row.stratum] / population[row.stratum]
        )
    assert int(sample["double_coded"].sum()) == 12
    assert sample["case_number"].tolist() == list(range(1, 61))


def test_the_sample_refuses_bad_requests() -> None:
    cases = _cases(50)
    with pytest.raises(ParameterError, match="between 1 and 50"):
        draw_review_sample(cases, 51, ["outcome_group"], 1)
    with pytest.raises(ParameterError, match="Unknown stratum column"):
        draw_review_sample(cases, 10, ["outcome_grp"], 1)
    with pytest.raises(ParameterError, match="between 0 and 1"):
        draw_review_sample(cases, 10, ["outcome_group"], 1, "equal", 1.5)
    with pytest.raises(ParameterError, match="Unknown allocation"):
        draw_review_sample(cases, 10, ["outcome_group"], 1, "optimal")


def test_crime_references_are_found_by_rehashing_with_the_key() -> None:
    cases = _cases(200)
    sample = draw_review_sample(cases, 20, ["outcome_group"], 1)
    raw = cases["ref"].str.lower().sample(frac=1, random_state=1)  # as a force might write them
    found = crime_references(sample, raw, "Durham", KEY)
    expected = sample["crime_id"].map(cases.set_index("crime_id")["ref"])
    assert found.str.upper().tolist() == expected.tolist()
    with pytest.raises(ParameterError, match="20 of 20 sampled cases match no crime reference"):
        crime_references(sample, raw, "Durham", b"another-key-0123456789")
