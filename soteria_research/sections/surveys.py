"""Force report sections on the surveys: victim-survivor feedback (pillar 3, procedural
justice) and the officer survey (pillar 4, learning and wellbeing).

Each section shows, for one instrument (``config/surveys/<id>.yaml``): respondents per
wave, scale means with their intervals and reliability (Cronbach's alpha, McDonald's
omega, with intervals) in the latest wave, the change since the previous wave (paired
where respondents link across waves, independent otherwise), how each item was answered,
and differences between groups only where every group meets the threshold and
k-anonymity over the grouping variables holds. Every number goes through the release:
respondent counts are count cells related to each other (a breakdown adds up to its
whole), means and reliabilities are derived cells withheld with the respondents they rest
on. No respondent's answers and no free text are ever read here (the processed tables hold
none).
"""

from typing import Any

import pandas as pd

from soteria_research import formatting
from soteria_research.errors import ConfigError
from soteria_research.ingest.instrument import load_instrument
from soteria_research.sections.display import Section
from soteria_research.sections.survey_findings import link_findings, survey_findings
from soteria_research.sections.survey_publish import survey_key
from soteria_research.sections.survey_tables import (
    change,
    group_means,
    group_threshold,
    item_answers,
    respondents,
    scales,
    survey_data,
)

TITLES = {"victim": "Victim-survivor feedback survey", "officer": "Officer survey"}
__all__ = [
    "TITLES",
    "change",
    "group_means",
    "item_answers",
    "link_findings",
    "officer_survey",
    "respondents",
    "scales",
    "survey_data",
    "survey_findings",
    "survey_key",
    "survey_section",
    "victim_survey",
]


def _number(value: float | None, digits: int = 2) -> str:
    return "[withheld]" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _finding(ctx: Any, data: dict, counts, scale_table, change_table) -> str:
    """One line from published values only."""
    ins, wave = data["instrument"], data["latest"]
    n = counts.table.loc[wave, "respondents"] if wave in counts.table.index else pd.NA
    who = "victim-survivors" if ins.id == "victim" else "respondents"
    parts = [
        f"{int(n):,} {who} answered the {wave} survey"
        if not pd.isna(n)
        else f"Too few responded in {wave} to publish the count"
    ]
    means = scale_table["mean"].dropna()
    if len(means):
        top, low = means.idxmax(), means.idxmin()
        parts.append(
            f"scale means run from {_number(means[low])} ({low.lower()}) to "
            f"{_number(means[top])} ({top.lower()}) on {ins.scale_min} to {ins.scale_max}"
        )
    alphas = scale_table["alpha"].dropna()
    if len(alphas):
        parts.append(f"Cronbach's alpha {_number(alphas.min())} to {_number(alphas.max())}")
    if change_table is not None:
        moved = change_table[change_table["95% CI"].ne("") & change_table["change in mean"].notna()]
        lows = moved["95% CI"].str.split(" to ").str[0].astype(float)
        highs = moved["95% CI"].str.split(" to ").str[1].astype(float)
        beyond = moved[(lows > 0) | (highs < 0)]
        first = data["waves"][-2]
        if len(beyond):
            words = [
                f"{r.split(' (')[0].lower()} {beyond.at[r, 'change in mean']:+.2f} "
                f"(95% CI {beyond.at[r, '95% CI']})"
                for r in beyond.index
            ]
            parts.append(
                f"since {first}, {formatting.plural(len(beyond), 'scale')} changed beyond chance: "
                + "; ".join(words)
            )
        else:
            parts.append(f"no scale mean changed beyond chance since {first}")
    return "; ".join(parts) + "."


def survey_section(ctx: Any, instrument_id: str) -> Section:
    """A survey's section of the force report (see the module docstring)."""
    title = TITLES.get(instrument_id, f"{instrument_id} survey")
    data = survey_data(ctx, instrument_id)
    if data is None:
        try:
            pillar = load_instrument(instrument_id).pillar
        except ConfigError:
            pillar = None
        return Section(
            title,
            pillar,
            f"Not shown for {ctx.force}: no processed {instrument_id} survey responses "
            "(surveys are read by `soteria clean` from data/raw/<force>/surveys/).",
        )
    ins = data["instrument"]
    counts, counts_html = respondents(ctx, data)
    scale_table, scales_html = scales(ctx, data)
    change_table, change_html = change(ctx, data)
    _, items_html = item_answers(ctx, data)
    _, groups_html, left_out = group_means(ctx, data)
    items: list = [counts_html, scales_html]
    if change_html is not None:
        items.append(change_html)
    if groups_html is not None:
        items.append(groups_html)
    if left_out:
        items.append(
            f"Not broken down by {', '.join(g.replace('_', ' ') for g in left_out)}: a group, "
            f"alone or in combination with the other grouping variables, holds fewer than "
            f"{group_threshold(data['minimum'])} respondents, so its members could be identified."
        )
    items.append(items_html)
    if ins.illustrative:
        items.append(
            f"The instrument ({ins.path.name}) is illustrative, not a validated questionnaire. "
            "Free-text answers never leave the raw exports."
        )
    return Section(title, ins.pillar, _finding(ctx, data, counts, scale_table, change_table), items)


def victim_survey(ctx: Any) -> Section:
    """Pillar 3: victim-survivors' experience of procedural justice."""
    return survey_section(ctx, "victim")


def officer_survey(ctx: Any) -> Section:
    """Pillar 4: officers' learning and development, confidence, workload, support and
    wellbeing."""
    return survey_section(ctx, "officer")
