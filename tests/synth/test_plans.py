"""The synthetic filled improvement plans: one per force, read back by the plan ingest with
the one finding the force left without an action kept with its reason."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from soteria_research.ingest.plan import NO_ACTION, read_plan
from soteria_research.ingest.plan_template import STATUSES
from soteria_research.reference import vocabulary
from soteria_research.synth import people, plans

from .support import LAYOUT_FORCES


def test_every_force_returns_a_filled_plan(small_dir):
    for force in LAYOUT_FORCES:
        folder = small_dir / people_id(force)
        result = read_plan(folder / plans.FILE_NAME, force, vocabulary.labels("measure"))
        assert result.problems == []
        assert len(result.plan) == len(plans.ACTIONS)
        assert result.quarantine["reason"].tolist() == [NO_ACTION]
        assert set(result.plan["status"]) <= set(STATUSES)
        assert (result.plan["due_date"] > result.plan["start_date"]).all()


def people_id(force: str) -> str:
    from soteria_research import normalise

    return normalise.police_uk_id(force)


def test_members_start_after_joining_and_others_with_the_operating_model():
    extraction = dt.date(2024, 6, 30)
    durham = plans.plan_actions("Durham", extraction, people.stream(1, "durham", "plan"))
    kent = plans.plan_actions("Kent", extraction, people.stream(1, "kent", "plan"))
    assert durham["start_date"].min() >= pd.Timestamp("2021-10-01")
    assert durham["start_date"].min() < pd.Timestamp("2022-10-01")
    assert kent["start_date"].min() >= pd.Timestamp("2023-10-01")
    assert (kent["start_date"].dropna() < pd.Timestamp(extraction)).all()
