"""Force report: the force against the national picture, key findings, and saving them."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from soteria_research import homeoffice, measures, plots
from soteria_research.disclosure import Protected, render_table_html
from soteria_research.measures.catalogue import MEASURES, lookup
from soteria_research.measures.intervals import median_ci_rank
from soteria_research.reference import vocabulary as vocab
from soteria_research.release import NATIONAL, Ledger, shared_key
from soteria_research.release.publisher import Publisher
from soteria_research.sections.context import ForceContext, code_version, cohort_key, recorded_key
from soteria_research.sections.display import Section
from soteria_research.sections.force import (
    CHARGED_GROUP,
    PENDING_GROUP,
    SUSPECT_IDENTIFIED,
    _no_data,
    _pct,
)
from soteria_research.sections.pillars import (
    EVENTS,
    TURNAROUND_ROW,
    timeliness_caption,
    turnaround_caption,
)
from soteria_research.sections.tables import count_table

#: The Home Office year the packaged published figures cover.
PUBLISHED_YEAR = "2017/18"


def dispersion_words(phi: float | None, tau2: float | None, adjusted: bool) -> str:
    """How over-dispersed the forces are around the comparator, in words."""
    if phi is None or tau2 is None or pd.isna(phi):
        return "over-dispersion not estimated (fewer than two forces)"
    text = f"over-dispersion phi {phi:.2f} (Spiegelhalter's winsorised z), tau\u00b2 {tau2:.2g}"
    if adjusted:
        return text + (
            "; limits widened by tau\u00b2 (additive random effects)"
            if tau2 > 0
            else "; no widening needed (tau\u00b2 is 0)"
        )
    return text + "; limits not widened (settings: funnel_overdispersion false)"


def published_funnel(s: dict) -> tuple:
    """The published Home Office charge rates of every force on one funnel (one year, one
    basis): ``(published, placed, curve, target, dispersion)``, with the limits, method
    and over-dispersion adjustment of the measure settings ``s``."""
    published = homeoffice.published_rape_rates(PUBLISHED_YEAR)
    units = published.assign(numerator=published["charged"], denominator=published["recorded"])
    units = units[["force", "numerator", "denominator"]]
    target = float(units["numerator"].sum() / units["denominator"].sum())
    disp = measures.overdispersion(units["numerator"], units["denominator"], target)
    tau2 = float(disp["tau2"]) if s["funnel_overdispersion"] and pd.notna(disp["tau2"]) else 0.0
    levels, method = s["funnel_limits"], s["funnel_method"]
    placed = measures.funnel_positions(units, target, levels, method, tau2=tau2)
    curve = measures.funnel_curve(
        target, float(units["denominator"].max()) * 1.05, levels, method, tau2
    )
    return published, placed, curve, target, disp


def national_picture(ctx: ForceContext) -> Section:
    """Published charge rates of every force on a funnel plot, with this force beside them."""
    title, pillar = "The force against the national picture", "data_performance"
    published, placed, curve, target, disp = published_funnel(ctx.measures)
    levels, adjusted = ctx.measures["funnel_limits"], ctx.measures["funnel_overdispersion"]
    own = published[published["force"] == ctx.force]
    items: list = []
    if not ctx.publisher.collecting:
        items.append(
            plots.funnel_plot(
                placed,
                curve,
                f"Published rape charge rates {PUBLISHED_YEAR}: {ctx.force} highlighted",
                "Charge rate (cohort, published)",
                highlight=ctx.force,
            )
        )
    recorded = cohort_key(ctx, "recorded")
    if ctx.period is not None and len(own) and recorded in ctx.publisher.ledger.cells:
        charged_key = cohort_key(ctx, CHARGED_GROUP)
        case_recorded = ctx.publisher.ledger.cells[recorded].value
        case_charged = (
            ctx.publisher.ledger.cells[charged_key].value
            if charged_key in ctx.publisher.ledger.cells
            else 0
        )
        case_label = f"case-level ({ctx.data_source}), {ctx.period_label}"
        frame = pd.DataFrame(
            {
                "crimes recorded": [int(own["recorded"].iloc[0]), int(case_recorded)],
                "charged": [int(own["charged"].iloc[0]), int(case_charged)],
            },
            index=pd.Index(
                [
                    f"Home Office published, {PUBLISHED_YEAR}",
                    f"case-level ({ctx.data_source}), {ctx.period_label}",
                ],
                name=ctx.force,
            ),
        )
        shared = {"crimes recorded": recorded, "charged": charged_key}
        shown, table = count_table(
            ctx,
            frame,
            "published vs case-level",
            "Charge rate: published figures beside the case-level data",
            margins=False,
            keys=lambda r, c: shared[c] if r == case_label else None,
        )
        got = shown.table.loc[case_label]
        rate = (
            None
            if pd.isna(got["charged"])
            or pd.isna(got["crimes recorded"])
            or not got["crimes recorded"]
            else 100 * float(got["charged"]) / float(got["crimes recorded"])
        )
        items.append(table)
        items.append(
            f"The published figure counts rapes recorded in {PUBLISHED_YEAR} and their outcomes as "
            f"extracted in 2018; the case-level figure counts {ctx.period_label} and outcomes so far as "
            f"extracted on {ctx.provenance.get('extraction_date', 'the extraction date')}"
            + (
                " from synthetic data, so the two are not comparable as evidence."
                if ctx.data_source == "synthetic"
                else "."
            )
        )
        position = (
            measures.position_words(
                placed.loc[placed["force"] == ctx.force, "position"].iloc[0], levels
            )
            or "not placed on the funnel"
        )
        finding = (
            f"In the published {PUBLISHED_YEAR} figures {ctx.force}'s charge rate was "
            f"{float(own['charge_rate'].iloc[0]):.1f}% ({position}; national "
            f"{100 * target:.1f}%; {dispersion_words(disp['phi'], disp['tau2'], adjusted)}); its case-level rate for {ctx.period_label} is {_pct(rate)}, which "
            "is not comparable with it (another period, extracted at another time)."
        )
    else:
        finding = (
            f"{ctx.force}'s published {PUBLISHED_YEAR} figures are shown; it has no case-level "
            "figures for the period."
            if len(own)
            else f"{ctx.force} has no published or case-level figures to compare."
        )
    return Section(title, pillar, finding, items)


#: Columns of a comparator row published through the release (counts, then values).
COMPARATOR_COUNTS = ("numerator", "denominator")
COMPARATOR_VALUES = ("value", "phi", "tau2")


def comparator_key(subgroup: str, period: str, area: str, measure: str, column: str) -> str:
    """The ledger key of a comparator figure: ``measure`` pooled over every force of
    ``area`` (England and Wales, or a region) for ``period``, before protection."""
    return shared_key(NATIONAL, subgroup, period, "comparator", area, measure, column)


def publish_comparator(
    ledger: Ledger, comparator: pd.DataFrame, subgroup: str, areas: dict[str, str]
) -> int:
    """Add the comparator (:func:`soteria_research.measures.national_comparator`) to the
    release: its counts as cells equal to the sum of the area's forces' finding counts,
    its value, ``phi`` and ``tau2`` withheld with them. Returns the rows added.

    ``areas`` maps each force collected to its area; a comparator count whose forces
    were not all collected is related to them as at least their sum.
    """
    pub = Publisher(NATIONAL, ledger)
    added = 0
    for row in comparator.to_dict("records"):
        info = lookup(row["measure"])
        if pd.isna(row.get("period")) or info is None or info.unit in ("count", "rating"):
            continue
        period, area, measure = str(row["period"]), str(row["area"]), str(row["measure"])
        members = [f for f, a in areas.items() if a == area]
        depends = []
        for column in COMPARATOR_COUNTS:
            if pd.isna(row[column]):
                continue
            key = comparator_key(subgroup, period, area, measure, column)
            pub.number(key, float(row[column]), count=True, key=key)
            depends.append(key)
            parts = [
                finding_key(f, subgroup, period, measure, row["pillar"], column) for f in members
            ]
            present = [p for p in parts if p in ledger.cells]
            if present and len(present) == len(parts):
                ledger.total(key, present, "comparator = sum of the area's forces")
            elif present:
                ledger.relate({p: 1.0 for p in present} | {key: -1.0}, "<=", 0.0, "area >= forces")
        for column in COMPARATOR_VALUES:
            key = comparator_key(subgroup, period, area, measure, column)
            pub.number(key, row[column], depends, key=key)
        added += 1
    return added


def comparator_area(ctx: ForceContext) -> str:
    """The area the force is compared with (``ctx.comparator``): England and Wales, or the
    force's region."""
    return measures.force_areas([ctx.force], getattr(ctx, "comparator", "national"))[ctx.force]


def comparator_scope(area: str) -> str:
    """The forces a comparator pools, in words.

    >>> comparator_scope("England and Wales"), comparator_scope("North East")
    ('every force in England and Wales', 'every force of the North East region')
    """
    from soteria_research.measures.comparator import NATIONAL_AREA

    return (
        f"every force in {area}" if area == NATIONAL_AREA else f"every force of the {area} region"
    )


def comparator_from_release(ctx: ForceContext) -> pd.DataFrame | None:
    """The force's comparator as the release holds it (the values pooled before
    protection), for the render pass; None when the release holds none for the period."""
    ledger = ctx.publisher.ledger
    area = measures.force_areas([ctx.force], ctx.comparator)[ctx.force]
    rows = []
    for measure, info in MEASURES.items():
        if info.unit in ("count", "rating"):
            continue
        keys = {
            c: comparator_key(ctx.subgroup, ctx.period_label, area, measure, c)
            for c in COMPARATOR_VALUES
        }
        if keys["value"] not in ledger.cells:
            continue
        rows.append(
            {"area": area, "period": ctx.period_label, "measure": measure}
            | {c: ledger.cells[k].value if k in ledger.cells else math.nan for c, k in keys.items()}
        )
    return pd.DataFrame(rows) if rows else None


def force_comparator(ctx: ForceContext) -> pd.DataFrame | None:
    """The comparator of the force's findings: the release stage pools it over every force
    (``ctx.cache["comparator"]`` in the collect pass) and the render pass reads it back from
    the release; a force protected on its own has none."""
    if "comparator" in ctx.cache:
        frame = ctx.cache["comparator"]
        area = measures.force_areas([ctx.force], ctx.comparator)[ctx.force]
        return frame[frame["area"] == area] if len(frame) else None
    if ctx.publisher is not None and not ctx.publisher.collecting:
        return comparator_from_release(ctx)
    return None


def findings(ctx: ForceContext) -> pd.DataFrame:
    """The force's key findings, published through the release (the evidence-base rows).

    Each row's numerator and denominator are count cells (the same cells as the outcomes
    table's where they are the same quantity); its value and interval are withheld with
    them. The comparator is the measure pooled over every force of the force's area
    (:func:`force_comparator`), of the same period only. Computed once per context (the
    self-assessment section reads them too).
    """
    if "findings" in ctx.cache:
        return ctx.cache["findings"]
    if ctx.period is None:
        return pd.DataFrame(columns=["pillar", "measure", "funnel_position", "suppressed"])
    from soteria_research.measures.key_measures import case_measures

    measured = ctx.remembered(
        "case_measures", case_measures, ctx.cases, ctx.period, ctx.measures, ctx.force, ctx.links
    )
    raw = measures.force_findings(
        ctx.cases,
        ctx.assessment if not ctx.assessment.empty else None,
        ctx.force,
        ctx.period,
        comparator=force_comparator(ctx),
        settings=ctx.measures,
        links=ctx.links,
        measured=measured,
    )
    from soteria_research.sections.review_findings import review_findings

    reviewed = review_findings(ctx)
    raw = pd.concat([raw, reviewed], ignore_index=True) if len(reviewed) else raw
    # Self-assessment rows count questions answered, not people: the ratings are published
    # without those counts (the finding says how many questions stand behind each mean).
    assessed = raw["basis"] == "assessment"
    raw.loc[assessed, ["numerator", "denominator"]] = pd.NA
    from soteria_research.sections import surveys

    survey_rows = surveys.survey_findings(ctx)
    if len(survey_rows):
        raw = pd.concat([raw, survey_rows.astype(raw.dtypes.to_dict())], ignore_index=True)
    from soteria_research.sections.loop import maturity_findings

    loop = maturity_findings(ctx)
    if len(loop):
        raw = pd.concat([raw, loop.astype(raw.dtypes.to_dict())], ignore_index=True)
    ctx.cache["raw_findings"] = raw
    protected = publish_findings(ctx, raw)
    surveys.link_findings(
        ctx,
        survey_rows,
        lambda row, column: finding_key(
            ctx.publisher.unit, ctx.subgroup, row["period"], row["measure"], row["pillar"], column
        ),
    )
    ctx.cache["findings"] = protected
    return protected


#: Findings numerators that are a cell of the outcomes table (cohort column).
SAME_AS_OUTCOMES = {
    "charge_rate": CHARGED_GROUP,
    "pending_share": PENDING_GROUP,
    "victim_does_not_support_share": "Evidential difficulties (victim does not support action)",
}


#: Findings denominators that are a count of a force section's table (when the same).
SAME_AS_SECTION = {
    "median_days_to_charge": lambda ctx: ctx.publisher.key(
        timeliness_caption(ctx), EVENTS["charge"], "crimes"
    ),
    "median_device_turnaround_days": lambda ctx: ctx.publisher.key(
        turnaround_caption(ctx), TURNAROUND_ROW, "crimes"
    ),
    "arrest_share": lambda ctx: cohort_key(ctx, SUSPECT_IDENTIFIED),
    "repeat_suspect_share": lambda ctx: cohort_key(ctx, SUSPECT_IDENTIFIED),
}


def finding_key(
    unit: str, subgroup: str, period: str, measure: str, pillar: str, column: str
) -> str:
    """The shared ledger key of a finding's count (national = sum of the forces')."""
    return shared_key(unit, subgroup, period, "finding", measure, pillar, column)


def publish_findings(ctx, raw: pd.DataFrame) -> pd.DataFrame:
    """Findings rows through the release: counts as cells, values withheld with them."""
    pub = ctx.publisher
    out = raw.copy()
    out["suppressed"] = False
    out["suppression_reason"] = ""
    figures = ["value", "ci_low", "ci_high"]
    area = (
        measures.force_areas([ctx.force], ctx.comparator)[ctx.force]
        if hasattr(ctx, "comparator")
        else NATIONAL
    )
    for i, row in raw.iterrows():

        def key(column, row=row):
            return finding_key(
                pub.unit, ctx.subgroup, row["period"], row["measure"], row["pillar"], column
            )

        shown, depends = {}, []
        for column in ("numerator", "denominator"):
            if pd.isna(row[column]):
                continue
            depends.append(key(column))
            shown[column] = pub.number(key(column), float(row[column]), count=True, key=key(column))
            if pub.collecting and isinstance(ctx, ForceContext):
                _link_finding(ctx, row, column, key(column))
        ends = _median_interval_rule(ctx, row)
        for column in figures:
            shown[column] = pub.number(
                key(column),
                row[column],
                depends,
                key=key(column),
                primary=ends if column != "value" else "",
            )
            if column != "value" and shown[column] is None:
                out.loc[i, column] = pd.NA
        hidden = any(shown.get(c) is None for c in ("numerator", "denominator") if c in shown)
        hidden = hidden or (shown["value"] is None and not pd.isna(row["value"]))
        if hidden:
            out.loc[i, ["numerator", *figures]] = pd.NA
            if shown.get("denominator") is None:
                out.loc[i, "denominator"] = pd.NA
            out.loc[i, ["funnel_position", "spc_signal"]] = pd.NA
            out.loc[i, "suppressed"] = True
            out.loc[i, "suppression_reason"] = (
                "a count behind it is below the minimum, or would let a withheld count be "
                "worked out"
            )
        shown_value, shown_area = _comparator_shown(pub, ctx, row, area)
        out.loc[i, "comparator_value"] = shown_value
        out.loc[i, "comparator_area"] = pd.NA if pd.isna(shown_value) else shown_area
        if hidden or pd.isna(shown_value):
            out.loc[i, "funnel_position"] = pd.NA
    assessment = getattr(ctx, "assessment", None)
    out["finding"] = measures.finding_texts(
        out,
        assessment if assessment is not None and len(assessment) else None,
        getattr(ctx, "force", ""),
        ctx.measures,
    )
    ctx.log.add(
        {
            "output": f"findings: {pub.unit}",
            "kind": "evidence base",
            "status": "protected" if out["suppressed"].any() else "pass",
            "summary": f"{int(out['suppressed'].sum())} of {len(out)} findings withheld",
            "cells": [
                {"row": str(m), "column": "value", "suppression": "withheld", "reason": r}
                for m, r in zip(
                    out.loc[out["suppressed"], "measure"],
                    out.loc[out["suppressed"], "suppression_reason"],
                    strict=True,
                )
            ],
        }
    )
    return out


def _median_interval_rule(ctx, row) -> str:
    """Why a median's interval may not be published (its ends are single records' values
    with too few records beyond them), or "" when it may: the same rule as the tables'."""
    if not str(row["measure"]).startswith("median_") or pd.isna(row["denominator"]):
        return ""
    rules = getattr(ctx, "rules", None)
    if rules is None or not rules.enabled:
        return ""
    confidence = ctx.measures.get("confidence_level", 0.95)
    beyond = max(median_ci_rank(int(row["denominator"]), confidence) - 1, 0)
    if beyond >= rules.min_cell_count:
        return ""
    return (
        f"an interval end is one record's value with only {beyond} record(s) beyond it "
        f"(fewer than {rules.min_cell_count})"
    )


def national_findings(ctx) -> pd.DataFrame:
    """The national report's rows of the evidence base, published through the release:
    the programme's evaluation (England and Wales, one row per key measure and phase
    joined) and the learning table (the forces whose self-rated maturity rose most, one
    row per pillar and rank, with the actions their plans record).

    Each row's figures are the same ledger cells as the national report's tables
    (:mod:`~soteria_research.sections.national_loop_rows`), so a figure withheld there is
    withheld here; each finding is worded from the row's published columns. Computed once
    per context; rows fit the evidence schema once given provenance
    (:func:`save_national_findings`).
    """
    if "national_findings" in ctx.cache:
        return ctx.cache["national_findings"]
    from soteria_research.sections import national_loop_rows

    raw, same, words = national_loop_rows.evidence_rows(ctx)
    if raw.empty:
        ctx.cache["national_findings"] = raw.assign(suppressed=False, suppression_reason="")
        return ctx.cache["national_findings"]
    pub = ctx.publisher
    effects = raw["basis"] == "evaluation"
    parts = []
    if effects.any():
        # counts and estimates: published as findings, each the same cell as the table's
        parts.append(publish_findings(ctx, raw[effects]))
        if pub.collecting:
            for i in raw.index[effects]:
                row = raw.loc[i]
                for column, table_key in same[i].items():
                    mine = finding_key(
                        pub.unit, ctx.subgroup, row["period"], row["measure"], row["pillar"], column
                    )
                    if table_key in pub.ledger.cells and mine in pub.ledger.cells:
                        pub.ledger.same(table_key, mine, "an evidence row's figure is a table's")
    if (~effects).any():
        # ratings of the learning table: read back from the learning section's cells
        learned = raw[~effects].copy()
        learned["suppressed"] = False
        learned["suppression_reason"] = ""
        for i in learned.index:
            for column, table_key in same[i].items():
                shown = pub.value_of(table_key) if table_key in pub.ledger.cells else None
                learned.loc[i, column] = math.nan if shown is None else shown
            if learned.loc[i, ["value", "ci_low", "ci_high"]].isna().any():
                learned.loc[i, ["value", "ci_low", "ci_high"]] = math.nan
                learned.loc[i, "suppressed"] = True
                learned.loc[i, "suppression_reason"] = "the rating is withheld in the report"
        parts.append(learned)
    out = pd.concat(parts).sort_index()
    out["finding"] = pd.array(national_loop_rows.word_rows(out, words), dtype="string")
    ctx.cache["national_findings"] = out
    return out


def save_national_findings(
    ctx, output_dir: str = "", code_version: str | None = None
) -> Path | None:
    """Write :func:`national_findings` (validated against the evidence schema, with
    provenance) as ``<output_dir>/national.findings.parquet``; None when there are none
    or no ``output_dir`` (an interactive session)."""
    rows = national_findings(ctx)
    if not output_dir or rows.empty:
        return None
    from soteria_research import digests, files, paths, versions
    from soteria_research.release.findings import validate_findings

    frame = rows.assign(
        run_id=ctx.run_id,
        code_version=code_version or versions.code_version_label(),
        data_hash=digests.tree_digest(paths.processed_dir()),
    )
    valid = validate_findings(frame, "National findings")
    target = Path(output_dir) / NATIONAL_FINDINGS
    with files.atomic_path(target) as tmp:
        valid.to_parquet(tmp, index=False)
    return target


#: File name of the national report's evidence rows in its output folder.
NATIONAL_FINDINGS = "national.findings.parquet"


def _comparator_shown(pub: Publisher, ctx, row, area: str) -> tuple[float, str]:
    """A row's comparator value as the release publishes it (NaN when withheld or none),
    and the area it is pooled over: the comparator cell's area, or for a mean of ratings
    (no cell behind it) the area its row names."""
    if pd.isna(row["comparator_value"]):
        return math.nan, ""
    info = lookup(row["measure"])
    if info is None or info.unit == "rating":
        # a mean of ratings, no count behind it
        named = row.get("comparator_area")
        named = area if pd.isna(named) or not str(named).strip() else str(named)
        return float(row["comparator_value"]), named
    key = comparator_key(ctx.subgroup, row["period"], area, row["measure"], "value")
    if pub.collecting:
        return float(row["comparator_value"]), area
    if key not in pub.ledger.cells:
        return math.nan, ""
    shown = pub.value_of(key)
    return (math.nan, "") if shown is None else (float(shown), area)


def _link_finding(ctx: ForceContext, row, column: str, key: str) -> None:
    """Tie a finding's count to the same count in the report's tables."""
    pub = ctx.publisher
    other = None
    if column == "denominator" and row["basis"] == "cohort":
        other = recorded_key(ctx, row[column])
    elif column == "numerator" and row["measure"] == "recorded_crimes":
        other = recorded_key(ctx, row[column])  # crimes recorded is the cohort itself
    elif column == "denominator" and row["measure"] in SAME_AS_SECTION:
        candidate = SAME_AS_SECTION[row["measure"]](ctx)
        cell = pub.ledger.cells.get(candidate)
        other = candidate if cell is not None and cell.value == float(row[column]) else None
    elif column == "numerator" and row["measure"] in SAME_AS_OUTCOMES:
        candidate = cohort_key(ctx, SAME_AS_OUTCOMES[row["measure"]])
        cell = pub.ledger.cells.get(candidate)
        other = candidate if cell is not None and cell.value == float(row[column]) else None
    if other:
        pub.ledger.same(key, other, "a finding's count is a table's cell")


def key_findings(ctx: ForceContext, table: pd.DataFrame) -> Section:
    """Key findings in plain English, one per measure, keyed to the pillars."""
    title = "Key findings"
    # the case-file review's findings are shown in its own section (and the evidence base)
    table = table[table["basis"].astype("string").fillna("") != "review"] if len(table) else table
    if table.empty:
        return _no_data(title, None, ctx)
    view = table.set_index("measure")[["pillar", "finding", "numerator", "denominator"]]
    view = view.rename(columns={"numerator": "n (numerator)", "denominator": "n (denominator)"})
    # [c] only where the release withheld a count; a rating's n is simply not a count here
    hidden = table.set_index("measure")["suppressed"].astype(bool)
    mask = pd.DataFrame("", index=view.index, columns=view.columns)
    for column in ("n (numerator)", "n (denominator)"):
        mask[column] = (view[column].isna() & hidden).map({True: "primary", False: ""})
    view["pillar"] = view["pillar"].map(lambda p: vocab.label("pillar", p))
    view.index = mask.index = pd.Index([vocab.label("measure", m) for m in view.index], name="")
    view = Protected("key findings", view, mask, {"kind": "key findings"})
    rendered = render_table_html(
        view,
        f"Key findings for {ctx.force}, {ctx.period_label}",
        count_columns=["n (numerator)", "n (denominator)"],
        rules=ctx.rules,
    )
    shown = int((~table["suppressed"]).sum())
    finding = (
        f"All {len(table)} key measures for {ctx.force} pass disclosure control."
        if shown == len(table)
        else f"{shown} of {len(table)} key measures can be published for {ctx.force}; "
        f"{len(table) - shown} are withheld by disclosure control."
    )
    return Section(title, None, finding, [rendered])


def save(ctx: ForceContext, table: pd.DataFrame, output_dir: str = "") -> list[Path]:
    """Write the findings (for the evidence base) and the output-checking log.

    With no ``output_dir`` (an interactive session) nothing is written.
    """
    if not output_dir:
        return []
    from soteria_research.release.findings import save_findings

    written = []
    if not table.empty:
        written.append(
            save_findings(
                table, ctx.force, ctx.run_id, code_version=code_version(), out_dir=output_dir
            )
        )
    written.append(ctx.log.write(Path(output_dir) / f"{ctx.slug}.disclosure.json"))
    return written
