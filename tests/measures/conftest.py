"""Tiny hand-written canonical tables for the measure tests.

``make_cases([{...}, ...])`` builds a valid canonical cases frame (docs/architecture.md)
from a few dict rows: unspecified columns get neutral defaults, and derived columns
(financial year, outcome group, charged) follow from the given ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from soteria_research import reference

DATE_COLUMNS = [
    "committed_date",
    "reported_date",
    "recorded_date",
    "arrest_date",
    "cps_referral_date",
    "outcome_date",
    "victim_withdrawal_date",
    "device_seized_date",
    "device_returned_date",
    "extraction_date",
]
BOOL_COLUMNS = ["arrested", "referred_to_cps", "outcome_alternate", "charged", "isva_referred"]
INT_COLUMNS = ["source_row", "victim_age", "outcome_type"]
STRING_COLUMNS = [
    "force",
    "crime_id",
    "victim_id",
    "suspect_id",
    "source_file",
    "offence_code",
    "offence_subgroup",
    "financial_year",
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
    "relationship",
    "outcome_group",
    "date_flags",
    "data_source",
]
COLUMNS = [
    "force",
    "crime_id",
    "victim_id",
    "suspect_id",
    "source_file",
    "source_row",
    "offence_code",
    "offence_subgroup",
    "committed_date",
    "reported_date",
    "recorded_date",
    "financial_year",
    "victim_sex",
    "victim_age",
    "victim_age_band",
    "victim_ethnicity",
    "relationship",
    "arrested",
    "arrest_date",
    "referred_to_cps",
    "cps_referral_date",
    "outcome_type",
    "outcome_alternate",
    "outcome_group",
    "outcome_date",
    "charged",
    "victim_withdrawal_date",
    "isva_referred",
    "device_seized_date",
    "device_returned_date",
    "date_flags",
    "extraction_date",
    "data_source",
]
DEFAULTS: dict[str, Any] = {
    "force": "Avon and Somerset",
    "source_file": "extract.csv",
    "offence_code": "19C",
    "offence_subgroup": "Rape",
    "recorded_date": "2023-05-01",
    "victim_sex": "female",
    "victim_age_band": "25-34",
    "victim_ethnicity": "white",
    "relationship": "acquaintance",
    "outcome_type": 0,
    "outcome_alternate": False,
    "date_flags": "",
    "extraction_date": "2024-06-30",
    "data_source": "synthetic",
}


def _financial_year(date: pd.Timestamp) -> str:
    year = date.year - (date.month < 4)
    return f"{year}/{(year + 1) % 100:02d}"


def build_cases(rows: Sequence[Mapping[str, Any]] | pd.DataFrame, **defaults: Any) -> pd.DataFrame:
    """A canonical cases frame from dict rows (or a frame of some columns)."""
    given = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    fill = {**DEFAULTS, **defaults}
    frame = pd.DataFrame(index=range(len(given)))
    for column in COLUMNS:
        if column in given.columns:
            values = given[column].astype(object)
            if column in fill:
                values = values.where(values.notna(), fill[column])
            frame[column] = values.to_numpy()
        elif column in fill:
            frame[column] = fill[column]
        else:
            frame[column] = None
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    if "crime_id" not in given.columns:
        frame["crime_id"] = [f"c{i:05d}" for i in range(len(frame))]
    if "source_row" not in given.columns:
        frame["source_row"] = range(2, len(frame) + 2)
    if "financial_year" not in given.columns:
        frame["financial_year"] = frame["recorded_date"].map(_financial_year)
    groups = reference.outcomes().set_index("type")["group"]
    frame["outcome_group"] = frame["outcome_type"].astype(int).map(groups)
    if "charged" not in given.columns:
        frame["charged"] = frame["outcome_type"].astype(int).eq(1)
    for column in INT_COLUMNS:
        frame[column] = pd.array(frame[column], dtype="Int64")
    for column in BOOL_COLUMNS:
        frame[column] = pd.array(frame[column], dtype="boolean")
    for column in STRING_COLUMNS:
        frame[column] = frame[column].astype("string")
    return frame[COLUMNS]


@pytest.fixture(scope="session")
def make_cases() -> Callable[..., pd.DataFrame]:
    """The :func:`build_cases` builder, as a fixture."""
    return build_cases


def build_assessment(rows: Sequence[Mapping[str, Any]], **defaults: Any) -> pd.DataFrame:
    """A canonical assessment frame from dict rows (force, pillar, question, ratings)."""
    fill = {
        "force": "Avon and Somerset",
        "round": "2023",
        "scale_min": 1,
        "scale_max": 4,
        "evidence": "",
        "actions": "",
        "owner": "",
        **defaults,
    }
    frame = pd.DataFrame(rows)
    for key, value in fill.items():
        frame[key] = (
            frame[key].astype(object).where(frame[key].notna(), value)
            if (key in frame.columns)
            else value
        )
    if "theme_id" not in frame.columns:
        frame["theme_id"] = frame["pillar"].str[:2].str.upper() + "1"
    if "theme" not in frame.columns:
        frame["theme"] = "Theme " + frame["theme_id"]
    if "question_id" not in frame.columns:
        frame["question_id"] = [f"Q{i}" for i in range(len(frame))]
    frame["question"] = "Question " + frame["question_id"]
    for column in ["self_rating", "peer_rating", "scale_min", "scale_max"]:
        frame[column] = pd.array(frame[column], dtype="Int64")
    for column in [
        "force",
        "round",
        "pillar",
        "theme_id",
        "theme",
        "question_id",
        "question",
        "evidence",
        "actions",
        "owner",
    ]:
        frame[column] = frame[column].astype("string")
    return frame


@pytest.fixture(scope="session")
def make_assessment() -> Callable[..., pd.DataFrame]:
    """The :func:`build_assessment` builder, as a fixture."""
    return build_assessment


#: Cause-specific daily hazards of the simulated outcomes (constant: exponential times).
SIM_HAZARDS = {1: 0.3, 16: 0.4, 15: 0.2, 18: 0.1}
SIM_MEDIAN_DAYS = 400.0


def simulate_cases(
    n: int = 20_000,
    seed: int = 1,
    forces: Sequence[str] = ("Avon and Somerset",),
    start: str = "2021-04-01",
    end: str = "2024-03-31",
    extraction: str = "2024-06-30",
    shares: Mapping[int, float] = SIM_HAZARDS,
    median_days: float = SIM_MEDIAN_DAYS,
) -> pd.DataFrame:
    """Crimes with known outcome process: exponential time to outcome (given median),
    outcome type drawn with ``shares``, censored (pending) at the extraction date.

    True cumulative incidence of type k by day t: ``share_k * (1 - exp(-rate t))``.
    """
    rng = np.random.default_rng(seed)
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    recorded = first + pd.to_timedelta(rng.integers(0, (last - first).days + 1, n), unit="D")
    rate = np.log(2) / median_days
    delay = np.floor(rng.exponential(1 / rate, n))
    types = rng.choice(
        list(shares), size=n, p=np.array(list(shares.values())) / sum(shares.values())
    )
    outcome = recorded + pd.to_timedelta(delay, unit="D")
    pending = outcome > pd.Timestamp(extraction)
    frame = pd.DataFrame(
        {
            "force": rng.choice(list(forces), n),
            "recorded_date": recorded,
            "outcome_type": np.where(pending, 0, types),
            "outcome_date": pd.Series(outcome).where(~pending),
            "suspect_id": np.where(types == 18, None, [f"s{i}" for i in rng.integers(0, n, n)]),
            "arrested": np.where(types == 18, False, rng.random(n) < 0.5),
            "extraction_date": extraction,
        }
    )
    return build_cases(frame)


def true_incidence(
    outcome_type: int, days: float, shares=SIM_HAZARDS, median_days: float = SIM_MEDIAN_DAYS
) -> float:
    """The simulated truth: cumulative incidence of ``outcome_type`` by ``days``."""
    share = shares[outcome_type] / sum(shares.values())
    return share * (1 - np.exp(-np.log(2) / median_days * days))


@pytest.fixture(scope="session")
def simulated_cases() -> pd.DataFrame:
    """20,000 simulated crimes recorded 2021/22 to 2023/24, extracted 30 June 2024."""
    return simulate_cases(n=20_000, seed=3)


@pytest.fixture(scope="session")
def simulate() -> Callable[..., pd.DataFrame]:
    """The :func:`simulate_cases` builder, as a fixture."""
    return simulate_cases


@pytest.fixture(scope="session")
def truth() -> Callable[..., float]:
    """The :func:`true_incidence` of the simulation, as a fixture."""
    return true_incidence
