"""Evidence-base rows of the surveys: each scale's mean in a force's latest wave.

One row per scale (measure ``survey_<instrument>_<scale>``, basis ``survey``, unit
``rating``, period ``survey <wave>``), its interval, and the wave's respondents as the
denominator: the same count cell as the respondents table (:func:`link_findings`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from soteria_research.ingest.instrument import survey_settings
from soteria_research.measures.findings import COLUMNS as FINDINGS_COLUMNS
from soteria_research.sections.survey_publish import interval_text, survey_key
from soteria_research.sections.survey_tables import survey_data

#: Evidence-base measure of a scale: ``survey_<instrument>_<scale>``.
MEASURE_PREFIX = "survey"
BASIS = "survey"


def measure_id(instrument: str, scale: str) -> str:
    """The evidence-base measure of a scale's mean."""
    return f"{MEASURE_PREFIX}_{instrument}_{scale}"


def period_label(wave: str) -> str:
    """The evidence-base period of a survey wave (``survey wave 2``)."""
    return f"survey {wave}"


#: The evidence-base columns of a findings row (the force findings' own).
FINDING_COLUMNS = tuple(FINDINGS_COLUMNS)


def survey_findings(ctx: Any, instruments: tuple[str, ...] = ("victim", "officer")) -> pd.DataFrame:
    """Evidence-base rows (before protection): each scale's mean in the latest wave, its
    interval, and the respondents with a score as the denominator."""
    rows = []
    for instrument_id in instruments:
        data = survey_data(ctx, instrument_id)
        if data is None:
            continue
        ins, wave = data["instrument"], data["latest"]
        summary = data["summary"][data["summary"]["wave"] == wave]
        respondents_n = int((data["responses"]["wave"] == wave).sum())
        for row in summary.itertuples(index=False):
            scale = ins.scale(row.scale)
            reverse = f"; reverse-scored: {', '.join(scale.reverse)}" if scale.reverse else ""
            value = row.mean if row.n >= data["minimum"] else float("nan")
            finding = (
                f"{scale.name} ({ins.id} survey, {wave}): mean {value:.2f} on "
                f"{ins.scale_min} to {ins.scale_max} (95% CI {interval_text(row.ci_low, row.ci_high)}), "
                f"{int(row.n)} respondents."
                if not pd.isna(value)
                else f"{scale.name} ({ins.id} survey, {wave}): too few respondents to estimate."
            )
            ctx.cache.setdefault("survey_measures", {})[measure_id(ins.id, scale.id)] = (
                ins.id,
                scale.id,
            )
            rows.append(
                {
                    "force": ctx.force,
                    "period": period_label(wave),
                    "pillar": ins.pillar,
                    "measure": measure_id(ins.id, scale.id),
                    "definition": (
                        f"Mean of the {scale.name.lower()} items ({', '.join(scale.items)}"
                        f"{reverse}) of the {ins.name}, {ins.scale_min} to {ins.scale_max}, "
                        "over respondents who answered at least "
                        f"{survey_settings()['min_scale_items_share']:.0%} of them; "
                        "denominator: respondents in the wave."
                    ),
                    "basis": BASIS,
                    "unit": "rating",
                    "value": value,
                    "ci_low": row.ci_low if not pd.isna(value) else float("nan"),
                    "ci_high": row.ci_high if not pd.isna(value) else float("nan"),
                    "numerator": pd.NA,
                    "denominator": respondents_n,
                    "comparator_value": float("nan"),
                    "comparator_area": pd.NA,
                    "funnel_position": pd.NA,
                    "spc_signal": pd.NA,
                    "finding": finding,
                    "reason": row.reason or pd.NA,
                }
            )
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    frame[["numerator", "denominator"]] = frame[["numerator", "denominator"]].astype("Int64")
    for column in ("value", "ci_low", "ci_high", "comparator_value"):
        frame[column] = frame[column].astype(float)
    text = [
        c
        for c in FINDING_COLUMNS
        if c not in ("value", "ci_low", "ci_high", "comparator_value", "numerator", "denominator")
    ]
    return frame.astype({c: "string" for c in text})


def link_findings(ctx: Any, rows: pd.DataFrame, key_of) -> None:
    """Tie each survey finding's denominator to the wave's respondents it counts
    (one quantity, one disclosure decision). ``key_of(row, column)`` is the finding's key."""
    if not ctx.publisher.collecting:
        return
    for _, row in rows.iterrows():
        source = ctx.cache.get("survey_measures", {}).get(str(row["measure"]))
        if row["basis"] != BASIS or source is None:
            continue
        wave = str(row["period"]).removeprefix("survey ")
        ctx.publisher.ledger.same(
            survey_key(ctx.force, source[0], wave, "respondents"),
            key_of(row, "denominator"),
            "a survey finding's respondents are the respondents table's",
        )
