"""Normalisers: every alias in the reference data, the variants users write, near-misses."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import normalise, reference
from soteria_research.errors import UnknownValueError

FORCES = reference.forces()


@pytest.mark.parametrize(
    ("variant", "expected"),
    [(alias, row.name) for row in FORCES.itertuples() for alias in row.aliases.split("|") if alias]
    + [(row.name, row.name) for row in FORCES.itertuples()]
    + [(row.police_uk_id, row.name) for row in FORCES.itertuples()]
    + [(row.pfa_code, row.name) for row in FORCES.itertuples() if row.pfa_code],
)
def test_every_reference_variant_normalises(variant: str, expected: str) -> None:
    assert normalise.force_name(variant) == expected


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("Avon & Somerset Constabulary", "Avon and Somerset"),
        ("avon-and-somerset", "Avon and Somerset"),
        ("AVON AND SOMERSET", "Avon and Somerset"),
        ("Metropolitan Police Service", "Metropolitan Police"),
        ("Devon & Cornwall Police", "Devon and Cornwall"),
        ("Hampshire and Isle of Wight Constabulary", "Hampshire"),
        ("  South Wales Police ", "South Wales"),
        ("City of London Police", "London, City of"),
        ("Dyfed Powys", "Dyfed-Powys"),
        ("West Mercia Police", "West Mercia"),
    ],
)
def test_variants_seen_in_real_files(variant: str, expected: str) -> None:
    assert normalise.force_name(variant) == expected


@pytest.mark.parametrize(
    ("near_miss", "suggestion"),
    [
        ("Avon and Somersett", "Avon and Somerset"),
        ("Northumberland", "Northumbria"),
        ("West Yorkshir", "West Yorkshire"),
        ("Glocestershire", "Gloucestershire"),
        ("avon", "Avon and Somerset"),  # the start of a word
        ("Somerset", "Avon and Somerset"),
        ("yorks", "North Yorkshire"),
    ],
)
def test_near_misses_are_rejected_with_suggestions(near_miss: str, suggestion: str) -> None:
    with pytest.raises(UnknownValueError) as info:
        normalise.force_name(near_miss)
    assert suggestion in info.value.suggestions
    assert near_miss in str(info.value)
    assert suggestion in str(info.value)


@pytest.mark.parametrize("value", ["", None, "Police", "Scotland", "43"])
def test_non_forces_are_rejected(value: object) -> None:
    with pytest.raises(UnknownValueError):
        normalise.force_name(value)


def test_reference_has_43_forces_and_btp() -> None:
    assert len(reference.forces(include_btp=False)) == 43
    assert len(reference.forces()) == 44
    assert reference.forces()["police_uk_id"].is_unique
    assert reference.forces()["name"].is_unique


@pytest.mark.parametrize(
    ("short", "name"),
    [
        ("Met", "Metropolitan Police"),
        ("the met", "Metropolitan Police"),
        ("GMP", "Greater Manchester"),
        ("A&S", "Avon and Somerset"),
        ("a & s", "Avon and Somerset"),
        ("D&C", "Devon and Cornwall"),
        ("CoLP", "London, City of"),
        ("WMP", "West Midlands"),
        ("TVP", "Thames Valley"),
    ],
)
def test_common_short_names_are_read(short: str, name: str) -> None:
    assert normalise.force_name(short) == name


def test_aliases_are_unambiguous() -> None:
    seen: dict[str, str] = {}
    for row in FORCES.itertuples():
        for variant in [row.name, row.police_uk_id, *row.aliases.split("|")]:
            key = normalise._key(variant)
            assert seen.setdefault(key, row.name) == row.name, variant


@pytest.mark.parametrize(
    ("label", "kind", "alternate"),
    [
        ("16", 16, False),
        (16, 16, False),
        (16.0, 16, False),
        ("OC16", 16, False),
        ("oc 14", 14, False),
        ("Outcome 16", 16, False),
        ("Outcome type 18", 18, False),
        ("1A", 1, True),
        ("2a", 2, True),
        ("3A", 3, True),
        ("0", 0, False),
        ("Charged/Summonsed", 1, False),
        (
            "Evidential difficulties: suspect identified; victim does not support further action",
            16,
            False,
        ),
        ("Investigation complete – no suspect identified", 18, False),
        ("Investigation complete - no suspect identified", 18, False),
        (
            "Named Suspect Identified: Evidential Difficulties - Victim Does Not Support Police Action",
            16,
            False,
        ),
        (
            "f. Evidential difficulties victim based - named suspect not identified (OC14)",
            14,
            False,
        ),
        ("Not yet assigned an outcome", 0, False),
    ],
)
def test_outcome_labels(label: object, kind: int, alternate: bool) -> None:
    assert normalise.outcome(label) == normalise.Outcome(kind, alternate)


def test_every_official_outcome_description_round_trips() -> None:
    for row in reference.outcomes().itertuples():
        assert normalise.outcome(row.description).type == row.type
        assert normalise.outcome(str(row.type)).type == row.type


@pytest.mark.parametrize("label", ["19", "23", "4A", "OC99", "Victim withdrew", "", True])
def test_unknown_outcomes_are_rejected(label: object) -> None:
    with pytest.raises(UnknownValueError):
        normalise.outcome(label)


def test_outcome_near_miss_suggests_description() -> None:
    with pytest.raises(UnknownValueError) as info:
        normalise.outcome("Charged/Sumonsed")
    assert "Charged/Summonsed" in info.value.suggestions


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("19C", "19C"),
        ("19c", "19C"),
        (" 19 C ", "19C"),
        ("088A", "88A"),
        ("20", "20"),
        ("Rape of a female aged 16 and over", "19C"),
    ],
)
def test_offence_codes(code: str, expected: str) -> None:
    assert normalise.offence_code(code) == expected


def test_unknown_offence_code_suggests() -> None:
    with pytest.raises(UnknownValueError) as info:
        normalise.offence_code("19J")
    assert "offence code" in str(info.value)


def test_force_series_maps_distinct_values_and_keeps_missing() -> None:
    values = pd.Series(["Avon & Somerset", None, "metropolitan", "Avon & Somerset"])
    out = normalise.force_series(values)
    assert out.tolist()[0] == "Avon and Somerset"
    assert pd.isna(out.iloc[1])
    assert out.iloc[2] == "Metropolitan Police"


def test_outcome_groups_match_home_office() -> None:
    assert reference.outcome_group(16) == "Evidential difficulties (victim does not support action)"
    assert reference.outcome_group(14) == reference.outcome_group(16)
    assert 19 not in set(reference.outcomes()["type"])
