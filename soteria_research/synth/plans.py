"""A filled improvement plan per synthetic force, as a force would return it.

Each force writes the ``soteria plan-template`` workbook back with its actions: a few per
pillar, each with an owner role (never a name), start and due dates, a status and the
measures it aims to move. Programme members start their first actions in the quarter
after they joined Operation Soteria; every other force starts with the National
Operating Model. One seeded finding is left without an action, as forces do, so the
ingest shows it kept with its reason. The actions are words only: the planted programme
effect (:mod:`soteria_research.synth.effects`) is what the measures show, whatever the
plan says.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.ingest.plan_template import HEADER, SHEET, STATUSES, plan_workbook
from soteria_research.reference.phases import NATIONAL_PHASE

#: File name a returned plan has in a force folder (``soteria clean`` reads it).
FILE_NAME = "improvement_plan.xlsx"

#: (pillar, finding, action, owner role, linked measures) a force may plan.
ACTIONS = (
    (
        "suspect_focus",
        "Too few named suspects are arrested or interviewed early",
        "Review every named suspect at the daily management meeting until arrested or interviewed",
        "RASSO detective inspector",
        "arrest_share",
    ),
    (
        "suspect_focus",
        "Files wait too long for a charging decision",
        "Early investigative advice sought from the CPS on every file with a suspect",
        "RASSO lead",
        "charge_share",
    ),
    (
        "repeat_suspects",
        "Previous allegations against a suspect are not checked",
        "Check every suspect against previous allegations before the first decision",
        "Intelligence manager",
        "arrest_share",
    ),
    (
        "victim_engagement",
        "Victims are not always referred to an ISVA",
        "Offer an ISVA referral at first contact and record the offer",
        "Victim care coordinator",
        "isva_share",
    ),
    (
        "learning_wellbeing",
        "RASSO investigators lack specialist training",
        "Specialist RASSO investigation course for every new investigator",
        "Head of learning and development",
        "",
    ),
    (
        "data_performance",
        "Performance is read from monthly totals only",
        "Monthly RASSO dashboard with control charts reviewed by the senior team",
        "Performance manager",
        "arrest_share|charge_share",
    ),
    (
        "digital_forensics",
        "Victims' devices are kept too long",
        "Return victims' devices within a set time, with a proportionate download",
        "Digital forensics unit manager",
        "",
    ),
)
#: Seeded finding the force writes no action for.
UNPLANNED = (
    "digital_forensics",
    "Device backlog not measured",
    "",
)


def _start(force: str) -> pd.Timestamp:
    """Start of the force's first actions: the quarter after it joined the programme."""
    phases = reference.programme_phases()
    rows = phases[phases["force"] == force]
    joined = rows[rows["phase"] != NATIONAL_PHASE]
    first = (joined if len(joined) else rows)["start_date"].min()
    if pd.isna(first):
        first = phases.loc[phases["phase"] == NATIONAL_PHASE, "start_date"].min()
    return (pd.Timestamp(first).to_period("Q") + 1).start_time


def plan_actions(force: str, extraction: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """The actions a synthetic force records: one row per action, as the workbook reads.

    Returns
    -------
    pandas.DataFrame
        action_id, pillar, finding, linked_measures, action, owner_role, start_date,
        due_date, status (the last five empty for the finding without an action).
    """
    begin = _start(force)
    end = pd.Timestamp(extraction)
    rows = []
    for i, (pillar, finding, action, owner, linked) in enumerate(ACTIONS):
        offset = int(rng.integers(0, 3)) * 91 + int(rng.integers(0, 30))
        start = min(begin + pd.Timedelta(days=offset), end - pd.Timedelta(days=30))
        due = start + pd.Timedelta(days=int(rng.choice([180, 270, 365])))
        if due <= end:
            status = STATUSES[2] if rng.random() < 0.7 else STATUSES[1]
        else:
            status = STATUSES[1] if rng.random() < 0.8 else STATUSES[0]
        rows.append((f"A{i + 1:03d}", pillar, finding, linked, action, owner, start, due, status))
    rows.append((f"A{len(ACTIONS) + 1:03d}", *UNPLANNED, "", "", pd.NaT, pd.NaT, ""))
    columns = [
        "action_id", "pillar", "finding", "linked_measures", "action", "owner_role",
        "start_date", "due_date", "status",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def plan_book(force: str, actions: pd.DataFrame):
    """The plan template for ``force`` with ``actions`` written in, as a workbook."""
    book = plan_workbook(force, actions[["action_id", "pillar", "finding", "linked_measures"]])
    sheet = book[SHEET]
    column = {name: HEADER.index(name) + 1 for name in HEADER}
    for number, row in enumerate(actions.itertuples(index=False), start=2):
        values = {
            "Action": row.action or None,
            "Owner role": row.owner_role or None,
            "Start": None if pd.isna(row.start_date) else row.start_date.to_pydatetime(),
            "Due": None if pd.isna(row.due_date) else row.due_date.to_pydatetime(),
            "Status": row.status or STATUSES[0],
        }
        for header, value in values.items():
            sheet.cell(number, column[header], value)
    return book
