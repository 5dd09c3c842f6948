"""The learning table: most improved forces per pillar with their actions."""

from __future__ import annotations

import pandas as pd

from soteria_research.measures.learning import learning_table


def test_top_forces_per_pillar_with_their_actions():
    changes = pd.DataFrame(
        {
            "force": ["Durham", "Gwent", "Kent", "Dorset", "Durham"],
            "pillar": ["suspect_focus"] * 4 + ["victim_engagement"],
            "from_round": "2022-1",
            "to_round": "2023-1",
            "value": [0.5, 1.0, -0.2, float("nan"), 0.25],
            "ci_low": 0.0,
            "ci_high": 1.0,
            "denominator": 8,
            "reason": ["", "", "", "only one assessment round", ""],
        }
    )
    plans = pd.DataFrame(
        {
            "force": ["Gwent", "Gwent", "Durham"],
            "pillar": ["suspect_focus", "suspect_focus", "victim_engagement"],
            "action": ["Daily suspect review", "Bail checks", "ISVA at first contact"],
            "status": ["done", "planned", "done"],
        }
    )
    out = learning_table(changes, plans, top=2)
    focus = out[out["pillar"] == "suspect_focus"]
    assert focus["force"].tolist() == ["Gwent", "Durham"]  # Kent fell, Dorset has no pair
    assert focus["rank"].tolist() == [1, 2]
    gwent = focus.iloc[0]
    assert (gwent["actions"], gwent["actions_done"]) == (2, 1)
    assert gwent["action_texts"] == "Daily suspect review | Bail checks"
    assert focus.iloc[1]["actions"] == 0 and focus.iloc[1]["action_texts"] == ""
    victims = out[out["pillar"] == "victim_engagement"].iloc[0]
    assert victims["action_texts"] == "ISVA at first contact"
    top_one = learning_table(changes, plans.iloc[:0], top=1)
    assert top_one["force"].tolist() == ["Gwent", "Durham"]
    assert top_one["actions"].eq(0).all()
    assert learning_table(changes, plans)["force"].tolist() == ["Gwent", "Durham", "Durham"]
