"""The national report's rows of the evidence base: the programme's evaluation and the
learning table (what worked where).

Evaluation rows are England and Wales, one per key measure and phase joined; learning
rows are the forces the learning table lists, one per pillar and rank. Each row's
figures are the ledger cells of the national report's tables
(:mod:`~soteria_research.sections.national_loop`), so they are published or withheld with
them, and each finding is worded from the row's published columns;
:func:`soteria_research.sections.summary.national_findings` publishes them.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.findings import COLUMNS as FINDINGS_COLUMNS
from soteria_research.release import NATIONAL, make_key
from soteria_research.sections.display import pillar_name
from soteria_research.sections.loop import measure_label
from soteria_research.sections.national_loop import (
    COHORT_TABLE,
    CONTROL,
    OUTCOME,
    _by_cohort,
    _estimates,
    _latest_pair,
    _learning,
)

#: Columns of a findings row (the evidence schema without its provenance and protection).
ROW_COLUMNS = FINDINGS_COLUMNS
#: The evidence-base measure of the programme's estimated effect on a key measure.
EFFECT_MEASURE = "programme_effect_{measure}"
LEARNING_MEASURE = "learning_table"


def _points(value) -> str:
    return f"{value:+.1f}"


def effect_text(row) -> str:
    """The finding of an evaluation row, from its (published) columns only."""
    measure = str(row["measure"]).removeprefix("programme_effect_")
    label = measure_label(measure).lower()
    role = "the outcome" if measure == OUTCOME else "the control measure, not expected to move"
    if any(pd.isna(row[c]) for c in ("value", "ci_low", "ci_high")):
        return f"{row['period']}: the change in {label} ({role}) is withheld."
    beyond = row["ci_low"] > 0 or row["ci_high"] < 0
    return (
        f"{row['period']}: {label} ({role}) changed by {_points(row['value'])} points "
        f"(95% CI {_points(row['ci_low'])} to {_points(row['ci_high'])}) after joining, beyond "
        "forces not yet joined at the same time; "
        + ("the interval excludes zero." if beyond else "the interval includes zero.")
    )


def learning_text(row, rank: int, actions: str) -> str:
    """The finding of a learning-table row, from its (published) columns only."""
    pillar = pillar_name(str(row["pillar"]))
    head = (
        f"Rank {rank} of the forces whose self-rated maturity ({pillar}) rose most, {row['period']}"
    )
    if any(pd.isna(row[c]) for c in ("value", "ci_low", "ci_high")):
        return f"{head}: the change is withheld; {actions}."
    return (
        f"{head}: {row['value']:+.2f} points (95% CI {row['ci_low']:+.2f} to "
        f"{row['ci_high']:+.2f}); {actions}."
    )


def _effect_rows(ctx) -> tuple[list[dict], dict[int, dict[str, str]]]:
    """Evaluation rows (raw) and, per row, the table cells they are the same as."""
    rows, same = [], {}
    pub = ctx.publisher
    for measure in (OUTCOME, CONTROL):
        _, adoption, result = _estimates(ctx, measure)
        if result is None:
            continue
        name = COHORT_TABLE.format(measure=measure)
        last = result.group_time[result.group_time["event_time"] >= 0].groupby("cohort")["quarter"]
        last = last.max()
        for label, row in _by_cohort(adoption, result).iterrows():
            same[len(rows)] = {
                "numerator": pub.key(name, label, "numerator"),
                "denominator": pub.key(name, label, "denominator"),
                "value": pub.key(name, label, "estimate"),
                "ci_low": pub.key(name, label, "ci_low"),
                "ci_high": pub.key(name, label, "ci_high"),
            }
            rows.append(
                {
                    "force": NATIONAL,
                    "period": f"{label}, quarters to {last.get(row['cohort'], row['cohort'])}",
                    "pillar": MEASURES[measure].pillar,
                    "measure": EFFECT_MEASURE.format(measure=measure),
                    "definition": f"Change in the share of crimes: {measure_label(measure)}, "
                    "after a force joined Operation Soteria beyond forces not yet joined at "
                    "the same time (group-time effects with not-yet-joined controls, Callaway "
                    "and Sant'Anna; two-stage bootstrap: forces within phase, each "
                    "force-quarter's crimes redrawn); percentage points"
                    + ("" if measure == OUTCOME else "; a control measure"),
                    "basis": "evaluation",
                    "unit": "percentage points",
                    "value": 100 * float(row["estimate"]),
                    "ci_low": 100 * float(row["ci_low"]),
                    "ci_high": 100 * float(row["ci_high"]),
                    "numerator": float(row["numerator"]),
                    "denominator": float(row["denominator"]),
                }
            )
    return rows, same


def _learning_rows(ctx) -> tuple[list[dict], dict[int, dict[str, str]], dict[int, tuple]]:
    """Learning-table rows (raw), the learning section's cells they are, their words."""
    pair = _latest_pair(ctx.assessment) if not ctx.assessment.empty else None
    if pair is None:
        return [], {}, {}
    table = _learning(ctx, pair)
    rows, same, words = [], {}, {}
    for row in table.itertuples(index=False):
        name = f"learning table {pair[0]} to {pair[1]}: {row.pillar}: {row.force}"
        same[len(rows)] = {
            c: make_key(ctx.publisher.unit, f"{name}: {c}", "value", "x")
            for c in ("value", "ci_low", "ci_high")
        }
        actions = (
            f"{int(row.actions)} action(s) recorded ({int(row.actions_done)} done): "
            + " | ".join(" ".join(a.split()) for a in str(row.action_texts).split(" | "))
            if int(row.actions)
            else "no action recorded in the plan"
        )
        words[len(rows)] = (int(row.rank), actions)
        rows.append(
            {
                "force": row.force,
                "period": f"self-assessment rounds {pair[0]} to {pair[1]}",
                "pillar": row.pillar,
                "measure": LEARNING_MEASURE,
                "definition": "Mean paired change in self rating of the pillar's questions "
                "between two rounds, for the forces whose maturity rose most (the learning "
                "table: what worked where), with the actions their plans record",
                "basis": "assessment",
                "unit": "rating",
                "value": float(row.value),
                "ci_low": float(row.ci_low),
                "ci_high": float(row.ci_high),
            }
        )
    return rows, same, words


def evidence_rows(ctx) -> tuple[pd.DataFrame, dict[int, dict[str, str]], dict[int, tuple]]:
    """The evaluation and learning rows of the evidence base, before protection.

    Returns the rows (:data:`ROW_COLUMNS`; evaluation rows are England and Wales, one per
    key measure and phase joined; learning rows are the listed forces, one per pillar and
    rank), the table cells each row's figures are (row -> column -> ledger key) and, for
    learning rows, (rank, actions in words) for their finding.
    """
    effects, same = _effect_rows(ctx)
    learned, learned_same, words = _learning_rows(ctx)
    offset = len(effects)
    same |= {offset + i: keys for i, keys in learned_same.items()}
    words = {offset + i: w for i, w in words.items()}
    frame = pd.DataFrame(effects + learned).reindex(columns=ROW_COLUMNS)
    for column in ("numerator", "denominator"):
        frame[column] = pd.array(frame[column], dtype="Float64").round().astype("Int64")
    for column in ("value", "ci_low", "ci_high", "comparator_value"):
        frame[column] = frame[column].astype(float)
    frame["reason"] = ""
    text = [c for c in ROW_COLUMNS if c not in ("value", "ci_low", "ci_high", "numerator",
                                                "denominator", "comparator_value")]  # fmt: skip
    frame[text] = frame[text].astype("string")
    return frame, same, words


def word_rows(frame: pd.DataFrame, words: dict[int, tuple]) -> list[str]:
    """Each row's finding from its published columns (withheld rows keep theirs)."""
    texts = []
    for i, row in frame.reset_index(drop=True).iterrows():
        if bool(row.get("suppressed", False)):
            texts.append(str(row["finding"]))
        elif row["measure"] == LEARNING_MEASURE:
            texts.append(learning_text(row, *words[i]))
        else:
            texts.append(effect_text(row))
    return texts


__all__ = ["effect_text", "evidence_rows", "learning_text", "word_rows"]
