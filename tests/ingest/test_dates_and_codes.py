"""Date parsing, date flags and the built-in code defaults, one rule at a time."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from soteria_research.ingest import codes, dates


def _parse(texts: list[str], formats: tuple[str, ...]) -> list:
    parsed, _ = dates.parse_texts(pd.Series(texts, dtype="string"), formats)
    return [None if np.isnat(d) else pd.Timestamp(d).strftime("%Y-%m-%d") for d in parsed]


def test_formats_are_tried_in_order_on_what_is_left() -> None:
    texts = ["03/05/2023", "45049", "2023-05-03", "2023-05-03 14:22:01", "03/05/2023 23:59", "x"]
    got = _parse(texts, ("%d/%m/%Y", "excel_serial", "%d/%m/%Y %H:%M"))
    assert got == ["2023-05-03"] * 5 + [None]


def test_day_first_and_month_first_are_not_mixed() -> None:
    assert _parse(["03/05/2023", "13/05/2023"], ("%m/%d/%Y",)) == ["2023-03-05", None]


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("1", None),
        ("366", None),
        ("367", "1901-01-01"),
        ("45000", "2023-03-15"),
        ("45000.75", "2023-03-15"),
        ("73050", "2099-12-31"),
        ("73051", None),
        ("-5", None),
    ],
)
def test_excel_serials(serial: str, expected: str | None) -> None:
    assert _parse([serial], ("excel_serial",)) == [expected]


def test_placeholder_dates_are_implausible() -> None:
    parsed, implausible = dates.parse_texts(pd.Series(["01/01/1900", "01/01/2020"]), ("%d/%m/%Y",))
    assert np.isnat(parsed[0]) and implausible.tolist() == [True, False]


def test_financial_year_boundaries() -> None:
    values = np.array(["2023-03-31", "2023-04-01", "2000-01-01", "NaT"], dtype="datetime64[us]")
    labels, index = dates.financial_year(values)
    got = labels.take(index, allow_fill=True).tolist()
    assert got == ["2022/23", "2023/24", "1999/00", pd.NA]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
        ),
        max_size=60,
    )
)
def test_financial_year_of_each_date_as_the_calendar_says(values) -> None:
    stamps = np.array([v or "NaT" for v in values], dtype="datetime64[us]")
    labels, index = dates.financial_year(stamps)
    expected = [
        None if v is None else f"{v.year - (v.month < 4)}/{(v.year - (v.month < 4) + 1) % 100:02d}"
        for v in values
    ]
    assert [None if i < 0 else labels[i] for i in index] == expected
    assert labels.tolist() == sorted(set(expected) - {None})  # each label used, in order


def _day(text: str) -> np.ndarray:
    return np.array([text], dtype="datetime64[us]")


@pytest.mark.parametrize(
    ("fields", "outcome", "flag"),
    [
        (
            {"committed_date": "2023-05-02", "reported_date": "2023-05-01"},
            16,
            "reported_before_committed",
        ),
        (
            {"reported_date": "2023-05-02", "recorded_date": "2023-05-01"},
            16,
            "recorded_before_reported",
        ),
        (
            {"recorded_date": "2023-05-02", "outcome_date": "2023-05-01"},
            16,
            "outcome_before_recording",
        ),
        ({"reported_date": "2023-05-02", "outcome_date": "2023-05-01"}, 1, "charge_before_report"),
        (
            {"reported_date": "2023-05-02", "victim_withdrawal_date": "2023-05-01"},
            16,
            "withdrawal_before_report",
        ),
        (
            {"device_seized_date": "2023-05-02", "device_returned_date": "2023-05-01"},
            16,
            "device_returned_before_seized",
        ),
        ({"outcome_date": "2023-05-02"}, 0, "pending_with_outcome_date"),
        ({"recorded_date": "2024-07-01"}, 16, "recorded_in_future"),
        ({"outcome_date": "2024-07-01"}, 16, "outcome_in_future"),
    ],
)
def test_each_date_flag(fields: dict[str, str], outcome: int, flag: str) -> None:
    arrays = {name: _day(value) for name, value in fields.items()}
    labels, index = dates.date_flags(arrays, np.array([outcome]), np.datetime64("2024-06-30"))
    assert flag in labels[index[0]].split(";")
    same_day = {name: _day("2023-05-02") for name in fields}
    labels, index = dates.date_flags(same_day, np.array([16]), np.datetime64("2024-06-30"))
    assert labels[index[0]] == ""


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("sex", "Female", "female"),
        ("sex", "f", "female"),
        ("sex", "MALE", "male"),
        ("sex", "Indeterminate", "unknown"),
        ("sex", "Not recorded", "unknown"),
        ("sex", "Non-binary", "other"),
        ("sex", "Zebra", None),
        ("ethnicity", "IC1", "white"),
        ("ethnicity", "IC2", "white"),
        ("ethnicity", "IC3", "black"),
        ("ethnicity", "IC4", "asian"),
        ("ethnicity", "IC5", "asian"),
        ("ethnicity", "IC6", "other"),
        ("ethnicity", "ic 9", "unknown"),
        ("ethnicity", "W1", "white"),
        ("ethnicity", "M3", "mixed"),
        ("ethnicity", "B2", "black"),
        ("ethnicity", "A1", "asian"),
        ("ethnicity", "Any other White background", "white"),
        ("ethnicity", "White and Black Caribbean", "mixed"),
        ("ethnicity", "Black or Black British - African", "black"),
        ("ethnicity", "Any other ethnic group", "other"),
        ("ethnicity", "Not stated", "unknown"),
        ("ethnicity", "British", None),
        ("relationship", "Stranger", "stranger"),
        ("relationship", "Ex partner", "intimate"),
        ("relationship", "EX-PARTNER", "intimate"),
        ("relationship", "Spouse/partner", "intimate"),
        ("relationship", "Family", "family"),
        ("relationship", "Step-father", "family"),
        ("relationship", "Acquaintance", "acquaintance"),
        ("relationship", "Colleague", "acquaintance"),
        ("relationship", "Carer", "other"),
        ("relationship", "Victim refuses to identify", "unknown"),
        ("relationship", "Online contact", None),
        ("yes_no", "Y", True),
        ("yes_no", "yes", True),
        ("yes_no", "1", True),
        ("yes_no", "N", False),
        ("yes_no", "FALSE", False),
        ("yes_no", "maybe", None),
    ],
)
def test_built_in_defaults(kind: str, text: str, expected: object) -> None:
    assert codes.lookup([text], kind, {}) == [expected]


def test_mapping_code_map_comes_first() -> None:
    assert codes.lookup(["Carer", " CARER "], "relationship", {"carer": "family"}) == [
        "family",
        "family",
    ]
