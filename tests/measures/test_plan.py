"""Plan measures: actions by pillar and status, overdue actions, linked measure change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from soteria_research.measures.panel import quarter_panels
from soteria_research.measures.plan import (
    NO_AFTER,
    NO_BEFORE,
    NO_SERIES,
    actions_by_status,
    linked_measure_change,
    newcombe_difference,
    overdue_actions,
)


def _plan(rows):
    frame = pd.DataFrame(rows)
    frame["force"] = frame.get("force", "Durham")
    for column in ("start_date", "due_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["action"] = "an action"
    frame["owner_role"] = "RASSO lead"
    return frame


PLAN = _plan(
    [
        {
            "action_id": "A1",
            "pillar": "suspect_focus",
            "status": "done",
            "start_date": "2022-01-10",
            "due_date": "2022-06-30",
            "linked_measures": "arrest_share",
        },
        {
            "action_id": "A2",
            "pillar": "suspect_focus",
            "status": "in progress",
            "start_date": "2022-02-01",
            "due_date": "2023-01-31",
            "linked_measures": "arrest_share|charge_rate",
        },
        {
            "action_id": "A3",
            "pillar": "victim_engagement",
            "status": "planned",
            "start_date": "2023-09-01",
            "due_date": "2024-03-31",
            "linked_measures": "isva_share",
        },
    ]
)


def test_actions_by_status_counts_with_denominators():
    out = actions_by_status(PLAN).set_index(["pillar", "status"])
    assert out.loc[("suspect_focus", "done"), ["numerator", "denominator"]].tolist() == [1, 2]
    assert out.loc[("suspect_focus", "stopped"), "numerator"] == 0
    assert out.loc[("victim_engagement", "planned"), "value"] == pytest.approx(1.0)
    assert len(out) == 2 * 4


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2023-01-31", []), ("2023-02-01", ["A2"]), ("2024-04-01", ["A2", "A3"])],
)
def test_overdue_actions_at_the_due_date_boundary(as_of, expected):
    out = overdue_actions(PLAN, as_of)
    assert out["action_id"].tolist() == expected
    if expected:
        assert (
            out["days_overdue"].iloc[0] == (pd.Timestamp(as_of) - pd.Timestamp("2023-01-31")).days
        )


def test_newcombe_matches_statsmodels():
    low, high = newcombe_difference([30], [200], [55], [210])
    ref = confint_proportions_2indep(55, 210, 30, 200, method="newcomb", compare="diff")
    assert low[0] == pytest.approx(ref[0]) and high[0] == pytest.approx(ref[1])


def test_linked_measure_change_before_and_after(make_cases):
    rows = []
    # 2021Q3 and 2021Q4: 1 of 4 arrested quickly; 2022Q2, 2022Q3: 3 of 4.
    for quarter_start, hits in (
        ("2021-07-05", 1),
        ("2021-10-05", 1),
        ("2022-04-05", 3),
        ("2022-07-05", 3),
        ("2022-01-05", 2),
    ):
        for i in range(4):
            arrested = i < hits
            rows.append(
                {
                    "force": "Durham",
                    "recorded_date": quarter_start,
                    "arrested": arrested,
                    "arrest_date": quarter_start if arrested else None,
                    "isva_referred": True,
                }
            )
    cases = make_cases(rows, extraction_date="2023-01-15")
    panels = quarter_panels(cases, ["arrest_share", "isva_share"])
    out = linked_measure_change(PLAN, panels, window_quarters=4).set_index(["action_id", "measure"])
    # A1 starts in 2022Q1 (left out): before 2021Q3-2021Q4, after 2022Q2-2022Q3
    row = out.loc[("A1", "arrest_share")]
    assert (row["before_numerator"], row["before_denominator"]) == (2, 8)
    assert (row["after_numerator"], row["after_denominator"]) == (6, 8)
    assert row["change"] == pytest.approx(0.5)
    low, high = newcombe_difference([2], [8], [6], [8])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low[0], high[0]))
    assert row["reason"] == ""
    assert out.loc[("A2", "charge_rate"), "reason"] == NO_SERIES
    assert out.loc[("A3", "isva_share"), "reason"] == NO_AFTER
    narrow = linked_measure_change(PLAN, panels, window_quarters=1).set_index("action_id")
    assert narrow.loc["A1", "before_quarters"] == 1
    early = _plan(
        [
            {
                "action_id": "E",
                "pillar": "suspect_focus",
                "status": "done",
                "start_date": "2021-08-01",
                "due_date": "2021-09-01",
                "linked_measures": "arrest_share",
            }
        ]
    )
    assert linked_measure_change(early, panels)["reason"].iloc[0] == NO_BEFORE
    assert np.isnan(linked_measure_change(early, panels)["change"].iloc[0])


def test_window_defaults_to_the_settings(make_cases):
    cases = make_cases(
        [
            {"force": "Durham", "recorded_date": f"20{y}-{m:02d}-05", "arrested": False}
            for y in (20, 21, 22)
            for m in (1, 4, 7, 10)
        ],
        extraction_date="2023-06-30",
    )
    panels = quarter_panels(cases, ["arrest_share"])
    out = linked_measure_change(PLAN.iloc[[0]], panels)
    # 2023Q1 is in the panel (complete by the extraction) but holds no recorded crime: it
    # adds nothing, so three quarters after the start are pooled, not four.
    assert out["before_quarters"].iloc[0] == 4 and out["after_quarters"].iloc[0] == 3
