"""Validation on distinct values finds what pandera finds on every row, counted the same."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from soteria_research.errors import DataError
from soteria_research.ingest import schemas
from soteria_research.ingest.clean import clean_cases

from . import messy
from .support import KEY


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from soteria_research.ingest.mapping import load_mapping
    from soteria_research.ingest.readers import read_extract

    folder = tmp_path_factory.mktemp("messy") / "avon-and-somerset"
    messy.single(folder, rows=800)
    mapping = load_mapping(folder / "mapping.yaml")
    return clean_cases(read_extract(mapping), mapping, KEY).cases


def _set(frame: pd.DataFrame, column: str, rows: list[int], value) -> pd.DataFrame:
    out = frame.copy()
    values = out[column].astype(object).to_numpy().copy()
    values[rows] = value
    out[column] = pd.array(values, dtype=frame[column].dtype)
    return out


BREAKS = {
    "nothing": lambda c: c,
    "unknown relationship": lambda c: _set(c, "relationship", [0, 5, 9], "partner"),
    "upper-case id": lambda c: _set(c, "crime_id", [3], c["crime_id"].iloc[3].upper()),
    "short id": lambda c: _set(c, "victim_id", [1, 2], "abc"),
    "id twice": lambda c: pd.concat([c, c.iloc[[4, 7]]], ignore_index=True),
    "age 130": lambda c: _set(c, "victim_age", [2, 6], 130),
    "bad flags": lambda c: _set(c, "date_flags", [1], "late;"),
    "missing offence": lambda c: _set(c, "offence_code", [0], pd.NA),
    "charged flipped": lambda c: c.assign(charged=~c["charged"]),
    "no crime_id": lambda c: c.drop(columns="crime_id"),
    "float outcome": lambda c: c.assign(outcome_type=c["outcome_type"].astype("float64")),
    "several": lambda c: _set(
        _set(c, "force", [0, 1], "Atlantis"), "financial_year", [2], "2023-24"
    ),
}


def _pandera(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    try:
        schemas.CasesSchema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        counts = exc.failure_cases.groupby(["column", "check"], dropna=False).size()
        return {(str(col), str(check), int(n)) for (col, check), n in counts.items()}
    return set()


def _ours(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    try:
        schemas.validate(frame, schemas.CasesSchema, "cases")
    except DataError as exc:
        lines = str(exc).splitlines()[1:]
        found = [re.fullmatch(r"  (.*): (.*) \((\d+) failing\)", line) for line in lines]
        return {(m[1], m[2], int(m[3])) for m in found}
    return set()


@pytest.mark.parametrize("sample", [schemas._SAMPLE, 16])
@pytest.mark.parametrize("name", list(BREAKS))
def test_same_failures_as_pandera_on_every_row(cases, monkeypatch, sample, name) -> None:
    """Both ways of checking a column (distinct values, or every value when most are
    distinct) report the checks pandera reports, with the same counts."""
    monkeypatch.setattr(schemas, "_SAMPLE", sample)
    broken = BREAKS[name](cases)
    expected = _pandera(broken)
    assert (name == "nothing") == (not expected)
    assert _ours(broken) == expected


def test_repeated_ids_counted_as_pandera_does() -> None:
    ids = pd.Series(["0123456789abcdef", "fedcba9876543210", "0123456789abcdef"], dtype="string")
    assert schemas._repeated(ids) == 2
    assert schemas._repeated(ids.iloc[:2]) == 0
    mixed = pd.Series(["ab", "abc", "ab", np.nan], dtype="string")  # not one width: pandas
    assert schemas._repeated(mixed) == 2


@pytest.mark.parametrize(
    ("values", "failing"),
    [
        (["0123456789abcdef", "fedcba9876543210"], 0),
        (["0123456789abcdef", "0123456789ABCDEF", "0123456789abcdeg"], 2),
        (["0123456789abcdef", None, "0123456789abcde/"], 1),  # missing values never fail
        (["0123456789abcdef", "0123456789abcd:f", "`123456789abcdef"], 2),  # next to 9 and a
    ],
)
def test_ids_pattern_on_bytes_counts_as_pandera(values, failing) -> None:
    ids = pd.Series(values, dtype="string")
    assert schemas._not_hashes(ids) == failing
    assert int((~ids.dropna().str.match(schemas._HASH)).sum()) == failing


def test_ids_pattern_left_to_pandera_when_not_all_sixteen_bytes() -> None:
    """A value of another length (or a trailing line break, which ``$`` lets through) is
    not decided on the bytes."""
    assert schemas._not_hashes(pd.Series(["0123456789abcdef", "abc"], dtype="string")) is None
    assert schemas._not_hashes(pd.Series(["0123456789abcdef\n"], dtype="string")) is None


def test_ids_pattern_with_missing_values_held_as_sixteen_bytes() -> None:
    """Ids built from fixed-width digests keep sixteen bytes under a missing value."""
    from soteria_research.ingest.fields import fixed_width_strings

    digests = np.array([b"0123456789abcdef", b"0123456789ABCDEF"], dtype="S16")
    ids = pd.Series(fixed_width_strings(digests, np.array([0, -1, 1, 0])))
    assert ids.isna().tolist() == [False, True, False, False]
    assert schemas._not_hashes(ids) == 1
