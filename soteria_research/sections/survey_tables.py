"""The survey tables of a force report, each published through the release.

Respondents per wave, scale means and reliability, change between waves, how each item
was answered and group means (:mod:`.surveys` puts them together into a section). Every
count is a count cell keyed by :func:`~.survey_publish.survey_key`, related to the counts
it adds up to; every mean, reliability and difference is a derived cell resting on the
respondents of its wave (how many had a score, answered every item or linked across waves
decides only the minimum-count rule: the few between those counts are people too).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from soteria_research.errors import ConfigError, DataError
from soteria_research.ingest.instrument import Instrument, load_instrument, survey_settings
from soteria_research.measures import survey as measure
from soteria_research.measures.survey_disclosure import group_keys, publishable_breakdowns
from soteria_research.release import memo
from soteria_research.sections.survey_publish import publish_values, survey_key, too_few, view
from soteria_research.sections.tables import count_table


def survey_data(ctx: Any, instrument_id: str) -> dict[str, Any] | None:
    """The force's responses to an instrument and the measures of them, computed once per
    context; None when the force has no processed responses (or the instrument is missing)."""
    key = f"survey:{instrument_id}"
    if key in ctx.cache:
        return ctx.cache[key]
    from soteria_research.ingest.survey import load_survey

    try:
        ins = load_instrument(instrument_id)
        responses = load_survey(instrument_id, ctx.force)
    except (ConfigError, DataError):
        ctx.cache[key] = None
        return None
    responses = responses[responses["force"] == ctx.force].reset_index(drop=True)
    if responses.empty:
        ctx.cache[key] = None
        return None
    level = float(ctx.measures.get("confidence_level", 0.95))
    # the reliability intervals bootstrap: computed once, in the release stage, and read
    # back when the report renders
    keep = ctx.publisher is not None and ctx.publisher.collecting
    args = (responses, ins, level, int(ctx.rules.min_cell_count))
    ctx.cache[key] = memo.remembered("survey", measure_survey, *args, keep=keep)
    return ctx.cache[key]


def measure_survey(
    responses: pd.DataFrame, ins: Instrument, level: float, minimum: int
) -> dict[str, Any]:
    """Everything the survey tables show, from one force's responses (pure: no I/O).

    Returns a dict: ``instrument``, ``responses``, ``waves`` (ordered), ``latest``,
    ``summary`` (scale means and reliability, latest wave), ``change`` (consecutive
    waves), ``items`` (answers, latest wave), ``groups`` (group means where allowed,
    latest wave) and ``minimum``.
    """
    waves = sorted(responses["wave"].unique())
    latest = responses[responses["wave"] == waves[-1]]
    return {
        "instrument": ins,
        "responses": responses,
        "waves": waves,
        "latest": waves[-1],
        "summary": measure.scale_summary(latest, ins, level, minimum),
        "change": measure.wave_change(responses, ins, level, minimum),
        "items": measure.item_distributions(latest, ins),
        "groups": measure.group_differences(
            latest, ins, level, minimum, int(survey_settings()["k_anonymity"])
        ),
        "minimum": minimum,
    }


def _key(ctx: Any, data: dict, wave: str, *what: object) -> str:
    return survey_key(ctx.force, data["instrument"].id, wave, *what)


def respondents(ctx: Any, data: dict):
    """Respondents per wave: everyone kept, those who answered every item, the partial."""
    ins, responses = data["instrument"], data["responses"]
    frame = (
        responses.assign(complete=responses["completeness"].ge(1).astype(int))
        .groupby("wave", sort=True)
        .agg(respondents=("respondent_id", "size"), complete=("complete", "sum"))
    )
    frame["partial"] = frame["respondents"] - frame["complete"]
    frame.columns = ["respondents", "answered every item", "partial responses"]
    frame.index.name = "wave"
    keys = {
        "respondents": "respondents",
        "answered every item": "complete",
        "partial responses": "partial",
    }
    protected, rendered = count_table(
        ctx,
        frame,
        f"{ins.id} survey respondents",
        f"Responses kept after checking, by wave ({ins.name})",
        margins=False,
        keys=lambda r, c: _key(ctx, data, r, keys[c]),
    )
    if ctx.publisher.collecting:
        for wave in frame.index:
            ctx.publisher.ledger.total(
                _key(ctx, data, wave, "respondents"),
                [_key(ctx, data, wave, "complete"), _key(ctx, data, wave, "partial")],
                "respondents = complete + partial responses",
            )
    return protected, rendered


def scales(ctx: Any, data: dict):
    """Scale means (latest wave) with intervals, and their reliability."""
    ins, wave, minimum = data["instrument"], data["latest"], data["minimum"]
    rows = data["summary"][data["summary"]["wave"] == wave].set_index("scale_name")
    rows.index.name = "scale"
    name = f"{ins.id} survey scales, {wave}"
    base = [_key(ctx, data, wave, "respondents")]
    means = publish_values(
        ctx,
        f"{name}: means",
        rows,
        ["mean", "ci_low", "ci_high"],
        {r: base for r in rows.index},
        {r: too_few(minimum) for r in rows.index if rows.at[r, "n"] < minimum},
    )
    reliability = publish_values(
        ctx,
        f"{name}: reliability",
        rows,
        ["alpha", "alpha_low", "alpha_high", "omega", "omega_low", "omega_high"],
        {r: base for r in rows.index},
        {
            r: f"fewer than {minimum} respondents answered every item"
            for r in rows.index
            if rows.at[r, "n_complete"] < minimum or rows.at[r, "n"] < minimum
        },
    )
    table, rendered = view(
        ctx,
        [means, reliability],
        {
            "mean": (means.name, "mean"),
            "95% CI": (means.name, "ci_low", "ci_high"),
            "alpha": (reliability.name, "alpha"),
            "alpha 95% CI": (reliability.name, "alpha_low", "alpha_high"),
            "omega": (reliability.name, "omega"),
            "omega 95% CI": (reliability.name, "omega_low", "omega_high"),
        },
        f"Scale scores, {wave}: mean of the items ({ins.scale_min} to {ins.scale_max}) over "
        f"respondents who answered at least {_share():.0%} of them; reliability from those who "
        "answered every item of the scale (omega needs three items or more)",
    )
    return table, rendered


METHOD_WORDS = {"paired": "paired", "independent": "independent samples"}


def change(ctx: Any, data: dict):
    """Change in each scale's mean since the previous wave: paired where enough respondents
    link across the waves by their pseudonymous id, independent samples (Welch) otherwise.

    The values rest on the respondents of both waves (the respondents table's cells); how
    many linked or had a score is used for the minimum-count rule, not published (the few
    between those counts could be worked out).

    Returns the published table (None with one wave) and its rendering.
    """
    ins, minimum = data["instrument"], data["minimum"]
    if len(data["waves"]) < 2:
        return None, None
    first, last = data["waves"][-2], data["waves"][-1]
    table = data["change"]
    rows = table[(table["wave_from"] == first) & (table["wave_to"] == last)]
    paired = rows[rows["method"] == "paired"].set_index("scale")
    chosen = []
    for scale in ins.scales:
        linked = scale.id in paired.index and paired.at[scale.id, "n_from"] >= minimum
        method = "paired" if linked else "independent"
        chosen.append(rows[(rows["scale"] == scale.id) & (rows["method"] == method)].iloc[0])
    frame = pd.DataFrame(chosen)
    frame.index = pd.Index(
        [
            f"{ins.scale(s).name} ({METHOD_WORDS[m]})"
            for s, m in zip(frame["scale"], frame["method"], strict=True)
        ],
        name="scale (comparison)",
    )
    name = f"{ins.id} survey change, {first} to {last}"
    waves = {f"respondents {first}": first, f"respondents {last}": last}
    counts = pd.DataFrame(
        {c: [int((data["responses"]["wave"] == w).sum())] * len(frame) for c, w in waves.items()},
        index=frame.index,
    )
    counted, _ = count_table(
        ctx,
        counts,
        name,
        name,
        margins=False,
        keys=lambda r, c: _key(ctx, data, waves[c], "respondents"),
    )
    base = [_key(ctx, data, w, "respondents") for w in (first, last)]
    few = frame[["n_from", "n_to"]].min(axis=1) < minimum
    values = publish_values(
        ctx,
        f"{name}: change",
        frame,
        ["change", "ci_low", "ci_high", "p_value"],
        {r: base for r in frame.index},
        {r: too_few(minimum) for r in frame.index[few]},
    )
    shown, rendered = view(
        ctx,
        [counted, values],
        {
            **{c: (counted.name, c) for c in waves},
            "change in mean": (values.name, "change"),
            "95% CI": (values.name, "ci_low", "ci_high"),
            "p": (values.name, "p_value"),
        },
        f"Change in scale means from {first} to {last} (paired: the respondents linked across "
        "the waves by their pseudonymous id; independent: everyone with a score in each wave)",
        count_columns=list(waves),
    )
    return shown, rendered


def item_answers(ctx: Any, data: dict):
    """How each item was answered in the latest wave: respondents per answer, and those
    who did not answer it (each row adds up to the wave's respondents)."""
    ins, wave = data["instrument"], data["latest"]
    items = data["items"]
    labels = {a: ins.labels.get(a, str(a)) for a in range(ins.scale_min, ins.scale_max + 1)}
    wide = items.pivot_table(index="item", columns="answer", values="count", aggfunc="sum")
    wide = wide.reindex(index=ins.item_ids, columns=list(labels)).rename(columns=labels)
    wide["not answered"] = items.groupby("item")["not_answered"].first().reindex(ins.item_ids)
    texts = {item.id: item.text for item in ins.items}
    scale_of = {i: s.name for s in ins.scales for i in s.items}
    reverse = {i for s in ins.scales for i in s.reverse}
    wide.index = pd.Index(
        [
            f"{i}: {texts[i]}"
            + (" (reverse-scored)" if i in reverse else "")
            + (f" [{scale_of[i]}]" if i in scale_of else "")
            for i in wide.index
        ],
        name="item",
    )
    name = f"{ins.id} survey answers, {wave}"
    protected, rendered = count_table(
        ctx,
        wide.astype(int),
        name,
        f"How each item was answered, {wave} (respondents)",
        margins=False,
    )
    if ctx.publisher.collecting:
        whole = _key(ctx, data, wave, "respondents")
        for row in wide.index:
            ctx.publisher.ledger.total(
                whole,
                [ctx.publisher.key(name, row, c) for c in wide.columns],
                "an item's answers and non-answers = respondents",
            )
    return protected, rendered


def group_means(ctx: Any, data: dict):
    """Scale means by grouping variable in the latest wave, where every group of the
    variable meets the threshold and k-anonymity holds; None when no breakdown may be shown.

    A breakdown is shown only when :func:`~soteria_research.measures.survey.group_differences`
    gives it for every scale (each group holds enough respondents with a score) and
    :func:`~soteria_research.measures.survey_disclosure.publishable_breakdowns` allows it
    over the wave's respondents (the group sizes published, which add up to the wave).

    Returns the published table, its rendering and the grouping variables left out.
    """
    ins, wave, minimum = data["instrument"], data["latest"], data["minimum"]
    k = group_threshold(minimum)
    latest = data["responses"][data["responses"]["wave"] == wave]
    allowed = publishable_breakdowns(latest, ins.grouping_ids, k, max_order=1)
    allowed = {v[0] for v in allowed.loc[allowed["publishable"], "variables"]}
    groups = data["groups"]
    complete = groups.groupby("grouping")["scale"].nunique().eq(len(ins.scales))
    shown_vars = [g for g in ins.grouping_ids if g in allowed and complete.get(g, False)]
    left_out = [g for g in ins.grouping_ids if g not in shown_vars]
    frame = groups[groups["grouping"].isin(shown_vars)].copy()
    if frame.empty:
        return None, None, left_out
    names = {s.id: s.name for s in ins.scales}
    frame.index = pd.Index(
        [
            f"{names[r.scale]}: {r.grouping.replace('_', ' ')} = {r.group}"
            for r in frame.itertuples(index=False)
        ],
        name="scale: group",
    )
    name = f"{ins.id} survey groups, {wave}"
    sizes = {v: group_keys(latest, [v]).value_counts() for v in shown_vars}

    def key(r, c="respondents"):
        return _key(ctx, data, wave, frame.at[r, "grouping"], frame.at[r, "group"], "respondents")

    counts = pd.DataFrame(
        {
            "respondents": [
                int(sizes[g][v]) for g, v in zip(frame["grouping"], frame["group"], strict=True)
            ]
        },
        index=frame.index,
    )
    counted, _ = count_table(ctx, counts, name, name, margins=False, keys=key)
    if ctx.publisher.collecting:
        for variable in shown_vars:
            ctx.publisher.ledger.total(
                _key(ctx, data, wave, "respondents"),
                [_key(ctx, data, wave, variable, g, "respondents") for g in sizes[variable].index],
                "a breakdown's groups = the wave's respondents",
            )
    few = frame["n"].lt(minimum) | frame["n_rest"].lt(minimum)
    values = publish_values(
        ctx,
        f"{name}: means",
        frame,
        ["mean", "ci_low", "ci_high", "difference", "diff_low", "diff_high"],
        {r: [key(r), _key(ctx, data, wave, "respondents")] for r in frame.index},
        {r: too_few(minimum) for r in frame.index[few]},
    )
    table, rendered = view(
        ctx,
        [counted, values],
        {
            "respondents": (counted.name, "respondents"),
            "mean": (values.name, "mean"),
            "95% CI": (values.name, "ci_low", "ci_high"),
            "difference from the others": (values.name, "difference"),
            "difference 95% CI": (values.name, "diff_low", "diff_high"),
        },
        f"Scale means by {', '.join(g.replace('_', ' ') for g in shown_vars)}, {wave} (every "
        f"group holds at least {k} respondents; respondents: everyone in the group)",
        count_columns=["respondents"],
    )
    return table, rendered, left_out


def _share() -> float:
    return float(survey_settings()["min_scale_items_share"])


def group_threshold(minimum: int) -> int:
    """Smallest group a breakdown may show: the minimum count or ``surveys.k_anonymity``."""
    return max(int(minimum), int(survey_settings()["k_anonymity"]))
