"""Force report: the force against the national picture, key findings, and saving them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soteria_research import homeoffice, measures, plots
from soteria_research.disclosure import Protected, render_table_html
from soteria_research.reference import vocabulary as vocab
from soteria_research.release import shared_key
from soteria_research.sections.context import ForceContext, code_version, cohort_key, recorded_key
from soteria_research.sections.display import Section
from soteria_research.sections.force import CHARGED_GROUP, PENDING_GROUP, _no_data, _pct
from soteria_research.sections.tables import count_table

#: The Home Office year the packaged published figures cover.
PUBLISHED_YEAR = "2017/18"
#: Published outcome columns behind each comparable key measure.
PUBLISHED_MEASURES = {
    "charge_rate": ("charged",),
    "outcome_16_share": ("outcome_16",),
    "victim_does_not_support_share": ("outcome_14", "outcome_16"),
    "no_suspect_share": ("outcome_14", "outcome_18"),
    "pending_share": ("pending",),
}


POSITION_WORDS = {
    "within": "within the 95% limits",
    "above95": "above the 95% limit",
    "below95": "below the 95% limit",
    "above998": "above the 99.8% limit",
    "below998": "below the 99.8% limit",
}


def published_comparator(year: str = PUBLISHED_YEAR) -> pd.DataFrame:
    """National values of the key measures from the published Home Office rape figures.

    Cohort measure for England and Wales (44 forces including British Transport Police),
    as :func:`soteria_research.measures.force_findings` takes its ``comparator``.
    """
    forces = homeoffice.published_rape_rates(year)
    recorded = int(forces["recorded"].sum())
    rows = []
    for measure, columns in PUBLISHED_MEASURES.items():
        numerator = int(sum(int(forces[c].sum()) for c in columns))
        rows.append(
            {
                "measure": measure,
                "value": numerator / recorded,
                "numerator": numerator,
                "denominator": recorded,
            }
        )
    return pd.DataFrame(rows)


def national_picture(ctx: ForceContext) -> Section:
    """Published charge rates of every force on a funnel plot, with this force beside them."""
    title, pillar = "The force against the national picture", "data_performance"
    published = homeoffice.published_rape_rates(PUBLISHED_YEAR)
    target = published["charged"].sum() / published["recorded"].sum()
    units = published.assign(numerator=published["charged"], denominator=published["recorded"])
    placed = measures.funnel_positions(units[["force", "numerator", "denominator"]], target=target)
    curve = measures.funnel_curve(target, float(units["denominator"].max()) * 1.05)
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
        position = POSITION_WORDS.get(
            placed.loc[placed["force"] == ctx.force, "position"].iloc[0], "unplaced on"
        )
        finding = (
            f"In the published {PUBLISHED_YEAR} figures {ctx.force}'s charge rate was "
            f"{float(own['charge_rate'].iloc[0]):.1f}% ({position}; national "
            f"{100 * target:.1f}%); its case-level rate for {ctx.period_label} is {_pct(rate)}, which "
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


def findings(ctx: ForceContext) -> pd.DataFrame:
    """The force's key findings, published through the release (the evidence-base rows).

    Each row's numerator and denominator are count cells (the same cells as the outcomes
    table's where they are the same quantity); its value and interval are withheld with
    them. Computed once per context (the self-assessment section reads them too).
    """
    if "findings" in ctx.cache:
        return ctx.cache["findings"]
    if ctx.period is None:
        return pd.DataFrame(columns=["pillar", "measure", "funnel_position", "suppressed"])
    raw = measures.force_findings(
        ctx.cases,
        ctx.assessment if not ctx.assessment.empty else None,
        ctx.force,
        ctx.period,
        comparator=published_comparator(),
        settings=ctx.measures,
    )
    # Self-assessment rows count questions answered, not people: the ratings are published
    # without those counts (the finding says how many questions stand behind each mean).
    assessed = raw["basis"] == "assessment"
    raw.loc[assessed, ["numerator", "denominator"]] = pd.NA
    ctx.cache["raw_findings"] = raw
    protected = publish_findings(ctx, raw)
    ctx.cache["findings"] = protected
    return protected


#: Findings numerators that are a cell of the outcomes table (cohort column).
SAME_AS_OUTCOMES = {"charge_rate": CHARGED_GROUP, "pending_share": PENDING_GROUP}


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
    figures = ["value", "ci_low", "ci_high", "comparator_value"]
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
        for column in figures:
            shown[column] = pub.number(key(column), row[column], depends, key=key(column))
        hidden = any(shown.get(c) is None for c in ("numerator", "denominator") if c in shown)
        hidden = hidden or (shown["value"] is None and not pd.isna(row["value"]))
        if hidden:
            out.loc[i, ["numerator", *figures]] = pd.NA
            if shown.get("denominator") is None:
                out.loc[i, "denominator"] = pd.NA
            out.loc[i, ["funnel_position", "spc_signal"]] = pd.NA
            out.loc[i, "finding"] = "Withheld by disclosure control."
            out.loc[i, "suppressed"] = True
            out.loc[i, "suppression_reason"] = (
                "a count behind it is below the minimum, or would let a withheld count be "
                "worked out"
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


def _link_finding(ctx: ForceContext, row, column: str, key: str) -> None:
    """Tie a finding's count to the same count in the report's tables."""
    pub = ctx.publisher
    other = None
    if column == "denominator" and row["basis"] == "cohort":
        other = recorded_key(ctx, row[column])
    elif column == "numerator" and row["measure"] in SAME_AS_OUTCOMES:
        candidate = cohort_key(ctx, SAME_AS_OUTCOMES[row["measure"]])
        cell = pub.ledger.cells.get(candidate)
        other = candidate if cell is not None and cell.value == float(row[column]) else None
    if other:
        pub.ledger.same(key, other, "a finding's count is a table's cell")


def key_findings(ctx: ForceContext, table: pd.DataFrame) -> Section:
    """Key findings in plain English, one per measure, keyed to the pillars."""
    title = "Key findings"
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
