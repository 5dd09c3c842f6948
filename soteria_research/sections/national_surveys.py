"""National report: the surveys compared across forces.

For one instrument, each force's scale means in its latest wave beside the means pooled
over every force's respondents, and how many forces lie above or below the pooled mean
beyond chance (their 95% interval excludes it). Every force's respondents are the same
count cells as in its own report (shared keys), the national respondents are their sum (a
relation of the release), and every mean is a derived cell withheld with the respondents
it rests on, so the whole-release protection covers the comparison.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from soteria_research import formatting
from soteria_research.disclosure import Protected, render_table_html
from soteria_research.errors import ConfigError, DataError
from soteria_research.ingest.instrument import load_instrument
from soteria_research.measures import survey as measure
from soteria_research.release import NATIONAL, memo
from soteria_research.sections.display import Section
from soteria_research.sections.survey_publish import publish_values, survey_key, too_few
from soteria_research.sections.surveys import TITLES

POOLED = "All forces (pooled)"


def latest_waves(responses: pd.DataFrame) -> pd.DataFrame:
    """Each force's responses in its latest wave (waves ordered as the measures order them)."""
    latest = responses.groupby("force")["wave"].transform(lambda w: sorted(w.unique())[-1])
    return responses[responses["wave"] == latest].reset_index(drop=True)


def _responses(instrument_id: str) -> pd.DataFrame | None:
    from soteria_research.ingest.survey import load_survey

    try:
        return load_survey(instrument_id)
    except DataError:
        return None


def _summaries(latest: pd.DataFrame, ins: Any, level: float, minimum: int):
    """Scale means and reliability of each force's latest wave, and pooled over them."""
    forces = measure.scale_summary(latest, ins, level, minimum, replicates=0)
    pooled = measure.scale_summary(
        latest.assign(force=NATIONAL, wave="latest"), ins, level, minimum, replicates=0
    )
    return forces, pooled


def survey_comparison(ctx: Any, instrument_id: str) -> Section:
    """One survey across forces: scale means per force and pooled, through the release."""
    title = f"{TITLES.get(instrument_id, instrument_id)} across forces"
    try:
        ins = load_instrument(instrument_id)
    except ConfigError as exc:
        return Section(title, None, f"Not shown: {exc}")
    responses = _responses(instrument_id)
    pub = ctx.publisher
    if responses is not None:
        latest = latest_waves(responses)
        waves = latest.groupby("force")["wave"].first()
        known = [
            f
            for f, w in waves.items()
            if survey_key(f, ins.id, w, "respondents") in pub.ledger.cells
        ]
        latest = latest[latest["force"].isin(known)]
    if responses is None or latest.empty:
        return Section(title, ins.pillar, f"No force has published {ins.id} survey responses.")
    minimum = int(ctx.rules.min_cell_count)
    level = float(ctx.measures.get("confidence_level", 0.95))
    # computed once, in the release stage, and read back when the report renders
    forces, pooled = memo.remembered(
        "survey_comparison", _summaries, latest, ins, level, minimum, keep=pub.collecting
    )
    names = {s.id: s.name for s in ins.scales}
    name = f"{ins.id} survey across forces"

    def force_key(force: str, *what: object) -> str:
        return survey_key(force, ins.id, waves[force], *what)

    def national_key(*what: object) -> str:
        return survey_key(NATIONAL, ins.id, "latest", *what)

    if pub.collecting:
        total = float(latest.groupby("force").size().sum())
        pub.number(name, total, count=True, key=national_key("respondents"))
        pub.ledger.total(
            national_key("respondents"),
            [force_key(f, "respondents") for f in known],
            "national = sum of the forces",
        )
    rows = pd.concat([forces, pooled], ignore_index=True)
    rows.index = [
        f"{POOLED if f == NATIONAL else f} | {names[s]}"
        for f, s in zip(rows["force"], rows["scale"], strict=True)
    ]

    def respondents_key(row) -> str:
        force = rows.at[row, "force"]
        return national_key("respondents") if force == NATIONAL else force_key(force, "respondents")

    values = publish_values(
        ctx,
        f"{name}: means",
        rows,
        ["mean", "ci_low", "ci_high"],
        {r: [respondents_key(r)] for r in rows.index},
        {r: too_few(minimum) for r in rows.index if rows.at[r, "n"] < minimum},
    )
    shown = values.table.assign(force=rows["force"], scale=rows["scale"])
    wide = shown.pivot_table(index="force", columns="scale", values="mean", aggfunc="first")
    order = [*known, NATIONAL]
    wide = wide.reindex(index=order, columns=[s.id for s in ins.scales])
    mask = pd.DataFrame("", index=wide.index, columns=wide.columns)
    for r in rows.index:
        mark = values.mask.at[r, "mean"]
        mask.at[rows.at[r, "force"], rows.at[r, "scale"]] = mark
    wide.columns = [names[c] for c in wide.columns]
    mask.columns = wide.columns
    wide.index = [POOLED if f == NATIONAL else f for f in wide.index]
    mask.index = wide.index
    wide.index.name = "force"
    table = render_table_html(
        Protected(values.name, wide, mask, values.log_entry),
        f"Scale means in each force's latest wave ({ins.scale_min} to {ins.scale_max})",
        count_columns=[],
        rules=ctx.rules,
        digits=2,
    )
    placed = _positions(shown, ins)
    summary = render_table_html(
        placed.set_index("scale"),
        "Forces whose 95% interval lies above, around or below the pooled mean",
        count_columns=[],
        rules=ctx.rules,
        digits=0,
    )
    finding = _finding(ins, placed, len(known))
    return Section(title, ins.pillar, finding, [table, summary])


def _positions(shown: pd.DataFrame, ins) -> pd.DataFrame:
    """Per scale: the pooled mean (as published) and forces above, around and below it."""
    out = []
    for scale in ins.scales:
        part = shown[shown["scale"] == scale.id]
        national = part[part["force"] == NATIONAL]
        target = national["mean"].iloc[0] if len(national) else float("nan")
        own = part[(part["force"] != NATIONAL) & part["ci_low"].notna() & part["ci_high"].notna()]
        above = int((own["ci_low"] > target).sum()) if pd.notna(target) else 0
        below = int((own["ci_high"] < target).sum()) if pd.notna(target) else 0
        out.append(
            {
                "scale": scale.name,
                "pooled mean": f"{target:.2f}" if pd.notna(target) else "",
                "forces above": above,
                "forces around": len(own) - above - below if pd.notna(target) else 0,
                "forces below": below,
            }
        )
    return pd.DataFrame(out)


def _finding(ins, placed: pd.DataFrame, forces: int) -> str:
    apart = placed[(placed["forces above"] + placed["forces below"]) > 0]
    shown = placed[placed["pooled mean"] != ""].astype({"pooled mean": float})
    if shown.empty:
        return f"{formatting.plural(forces, 'force')} ran the {ins.id} survey; the pooled means are withheld."
    low = shown.loc[shown["pooled mean"].idxmin()]
    high = shown.loc[shown["pooled mean"].idxmax()]
    return (
        f"{formatting.plural(forces, 'force')} ran the {ins.id} survey; pooled over their latest waves, scale "
        f"means run from {low['pooled mean']:.2f} ({low['scale'].lower()}) to "
        f"{high['pooled mean']:.2f} ({high['scale'].lower()}); "
        + (
            f"forces differ beyond chance on {len(apart)} of {len(placed)} scales."
            if len(apart)
            else "no force differs from the pooled mean beyond chance."
        )
    )
