"""What worked where: for each pillar, the forces that improved most and what they did.

A learning table for the National Learning Network: per pillar, the forces whose
maturity rose most between assessment rounds (:func:`~.rounds.round_change`), with the
actions they recorded in that pillar's improvement plan. It shows where to look, not
what caused what: a rise in self-rated maturity is the force's own view.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.measures.defaults import measure_settings
from soteria_research.measures.frames import require_columns

COLUMNS = [
    "pillar",
    "rank",
    "force",
    "from_round",
    "to_round",
    "value",
    "ci_low",
    "ci_high",
    "denominator",
    "actions",
    "actions_done",
    "action_texts",
]


def learning_table(
    changes: pd.DataFrame, plans: pd.DataFrame, top: int | None = None
) -> pd.DataFrame:
    """The ``top`` most improved forces of each pillar, with their recorded actions.

    Parameters
    ----------
    changes : pandas.DataFrame
        :func:`~soteria_research.measures.rounds.round_change` of every force.
    plans : pandas.DataFrame
        The ingested plans of every force (force, pillar, action, status); may be empty.
    top : int, optional
        Forces listed per pillar (only forces whose change is above zero); default
        ``learning_top_forces`` in the settings.

    Returns
    -------
    pandas.DataFrame
        pillar, rank, force, from_round, to_round, value (mean change in rating),
        ci_low, ci_high, denominator (questions paired), actions (in the force's plan
        for the pillar), actions_done, action_texts (``" | "``-joined).
    """
    require_columns(changes, ["force", "pillar", "value", "reason"], "round changes")
    top = int(measure_settings()["learning_top_forces"]) if top is None else top
    require_columns(plans, ["force", "pillar", "action", "status"], "plans")
    defined = changes[(changes["reason"].fillna("") == "") & changes["value"].gt(0)]
    ranked = defined.sort_values(["pillar", "value", "force"], ascending=[True, False, True])
    ranked = ranked.groupby("pillar", sort=True).head(top).copy()
    ranked["rank"] = ranked.groupby("pillar").cumcount() + 1
    grouped = plans.groupby(["force", "pillar"])
    summary = pd.DataFrame(
        {
            "actions": grouped.size(),
            "actions_done": grouped["status"].apply(lambda s: int((s == "done").sum())),
            "action_texts": grouped["action"].apply(lambda s: " | ".join(s.astype(str))),
        }
    )
    if summary.empty:
        summary = pd.DataFrame(
            columns=["actions", "actions_done", "action_texts"],
            index=pd.MultiIndex.from_tuples([], names=["force", "pillar"]),
        )
    out = ranked.join(summary, on=["force", "pillar"])
    out[["actions", "actions_done"]] = out[["actions", "actions_done"]].fillna(0).astype("Int64")
    out["action_texts"] = out["action_texts"].fillna("").astype("string")
    out["rank"] = out["rank"].astype("Int64")
    return out.reindex(columns=COLUMNS).reset_index(drop=True)
