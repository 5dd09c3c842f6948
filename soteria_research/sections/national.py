"""Sections of the national evidence report, and the evidence base behind it.

The national report reads every force's findings (written by the force reports) and the
pooled processed cases, and shows the national picture: funnel plots of each key measure
across forces, the published Home Office figures beside the case-level ones, pillar
maturity across forces, changes over time, repeat suspects across forces, and a findings
table for the National Operating Model evidence base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from soteria_research import (
    digests,
    formatting,
    homeoffice,
    measures,
    notebook_policy,
    paths,
    plots,
    settings,
)
from soteria_research.disclosure import OutputLog, Protected, Rules, render_table_html
from soteria_research.measures.catalogue import MEASURES
from soteria_research.measures.defaults import measure_settings
from soteria_research.reference import vocabulary as vocab
from soteria_research.release import NATIONAL, Ledger
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.release.store import load_release
from soteria_research.sections.context import (
    code_version,
    data_sources,
    frames_digest,
    remembered,
)
from soteria_research.sections.display import Section
from soteria_research.sections.force import signal_words
from soteria_research.sections.summary import (
    PUBLISHED_YEAR,
    comparator_key,
    dispersion_words,
    published_funnel,
)
from soteria_research.sections.tables import guarded_figure, rate_table

#: Key proportion measures shown on national funnel plots, with the pillar they evidence.
FUNNEL_MEASURES = (
    "charge_rate",
    "outcome_16_share",
    "arrest_share",
    "repeat_suspect_share",
    "isva_share",
)


@dataclass
class NationalContext:
    """Every force's findings and cases, with the national report's rules and log."""

    findings: pd.DataFrame
    cases: pd.DataFrame
    assessment: pd.DataFrame
    period: str
    subgroup: str
    rules: Rules
    measures: dict
    run_id: str
    log: OutputLog
    publisher: Publisher | None = None
    notes: list[str] = field(default_factory=list)
    #: The crimes repeat suspects are linked over (``measures.repeat_links``), or None.
    links: pd.DataFrame | None = field(default=None, repr=False)
    #: Values computed once per context (the evaluation's estimates, the learning table).
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def forces(self) -> list[str]:
        return sorted(self.findings["force"].dropna().unique()) if len(self.findings) else []

    def remembered(self, name: str, compute, *args, key: tuple = ()):
        """``compute(*args)``: computed once, in the release stage's collect pass, and read
        back when the report renders (:mod:`soteria_research.release.memo`). It must be a
        pure function of the context's crimes and self-assessments (their contents key it)
        or the processed files (their digest keys it), the report's parameters, the measure
        settings and ``key``: a measure, not a published value."""
        if "data_digest" not in self.cache:
            crimes = self.links if self.links is not None else self.cases
            files = digests.tree_digest(paths.processed_dir())  # the plans, read as needed
            self.cache["data_digest"] = (frames_digest(crimes, self.assessment), files)
        whole = (self.cache["data_digest"], NATIONAL, self.period, *key)
        return remembered(self, name, compute, *args, key=whole)

    @property
    def data_source(self) -> str:
        return data_sources(self.cases)

    def __repr__(self) -> str:
        synthetic = None
        if self.data_source == "synthetic":
            synthetic = {
                k: settings.section("synthetic")[k] for k in ("seed", "first_year", "years")
            }
        return "\n".join(
            [
                "National evidence: England and Wales",
                f"Period: {self.period} (financial year of recording; offences: {self.subgroup})",
                f"Forces with findings: {len(self.forces)}",
                notebook_policy.provenance_line(self.data_source, synthetic),
                "Comparator: each measure pooled over every force, same period and basis "
                f"(published Home Office figures, {PUBLISHED_YEAR}, are context only)",
                f"Code version: {code_version()}",
                f"Run: {self.run_id} on {date.today().isoformat()}",
                *self.notes,
            ]
        )


def open_national(
    period: str = "latest",
    findings_dir: str = "",
    subgroup: str = "Rape",
    run_id: str = "interactive",
    *,
    collect: Ledger | None = None,
    findings: pd.DataFrame | None = None,
) -> NationalContext:
    """Gather every force's findings and the pooled cases for the national report.

    With ``collect`` (the release's collect pass) the sections add their numbers to that
    ledger and ``findings`` are every force's findings before protection; otherwise the
    findings are the published ones in ``findings_dir`` and the sections render from the
    latest release.
    """
    from soteria_research import ingest
    from soteria_research.errors import DataError
    from soteria_research.release.findings import gather_findings

    notes = []
    if findings is None:
        findings = gather_findings(findings_dir or None)
    if findings.empty:
        notes.append("No force findings yet: run `soteria reports` (or `make reports`) first.")
    try:
        cases = ingest.load_cases()
        assessment = ingest.load_assessment()
    except DataError as exc:
        notes.append(str(exc))
        cases, assessment = (
            pd.DataFrame(columns=["force", "data_source", "offence_subgroup"]),
            pd.DataFrame(),
        )
    every_offence = cases
    if subgroup != "all" and len(cases):
        cases = cases[cases["offence_subgroup"] == subgroup].reset_index(drop=True)
    resolved = measures.resolve_period(cases, period).label if len(cases) else period
    rules = Rules.from_settings()
    publisher = Publisher(
        NATIONAL,
        collect if collect is not None else load_release(),
        COLLECT if collect is not None else RENDER,
        rules,
    )
    return NationalContext(
        findings=findings,
        cases=cases,
        assessment=assessment,
        period=resolved,
        subgroup=subgroup,
        rules=rules,
        measures=measure_settings(),
        run_id=run_id,
        log=OutputLog("National evidence"),
        publisher=publisher,
        notes=notes,
        links=every_offence
        if measure_settings()["repeat_links"] == "all_sexual_offences"
        else None,
    )


def _units(ctx: NationalContext, measure: str) -> pd.DataFrame:
    rows = ctx.findings[
        (ctx.findings["measure"] == measure) & (ctx.findings["period"] == ctx.period)
    ]
    rows = rows.dropna(subset=["numerator", "denominator"])
    return rows[rows["denominator"] > 0][["force", "numerator", "denominator"]].astype(
        {"numerator": float, "denominator": float}
    )


def position_counts(rows: pd.DataFrame, levels) -> pd.DataFrame:
    """Forces per funnel position (``rows``' ``funnel_position``), in the order of the
    configured limits; ``not placed`` counts rows with no position (withheld)."""
    codes = measures.position_codes(levels)
    position = rows["funnel_position"].astype("string").fillna("not placed")
    counts = position.value_counts()
    order = [c for c in (*codes, "not placed") if c in counts.index]
    order += sorted(set(counts.index) - set(order))
    words = {c: measures.position_words(c, levels) or c for c in order}
    table = counts.reindex(order).rename(index=words).rename("forces").to_frame()
    table.index.name = "position against the pooled comparator"
    return table


#: The naive measure a censoring-aware one is ranked beside.
RANKED_BESIDE = {"charge_rate": "charge_cif_365"}


def ranking(ctx: NationalContext, naive: str, aware: str) -> Protected:
    """Forces ranked on the censoring-aware measure beside the naive one (published
    findings of the period). A force whose value is withheld is left out of that ranking
    and its cells show as withheld (``[c]``); a value the force has no estimate for shows
    as not applicable."""
    rows = ctx.findings[ctx.findings["period"] == ctx.period]
    rows = rows[rows["measure"].isin([naive, aware])]
    wide = rows.pivot_table(index="force", columns="measure", values="value", aggfunc="first")
    wide = wide.reindex(columns=[naive, aware])
    hidden = (
        rows.assign(hidden=rows["suppressed"].astype("boolean").fillna(False).astype(bool))
        .pivot_table(index="force", columns="measure", values="hidden", aggfunc="any")
        .reindex(index=wide.index, columns=[naive, aware])
        .fillna(False)
        .astype(bool)
        if "suppressed" in rows.columns
        else pd.DataFrame(False, index=wide.index, columns=[naive, aware])
    )
    out = pd.DataFrame(index=wide.index)
    mask = pd.DataFrame(index=wide.index)
    for measure in (aware, naive):
        label = MEASURES[measure].label
        value = wide[measure].where(~hidden[measure])
        out[f"{label} (%)"] = (100 * value).round(1)
        out[f"rank: {label}"] = value.rank(ascending=False, method="min").astype("Int64")
        flag = hidden[measure].map({True: "withheld", False: ""})
        mask[f"{label} (%)"] = mask[f"rank: {label}"] = flag
    out.index.name = "force"
    order = out.sort_values(out.columns[1], na_position="last").index
    return Protected("ranking", out.loc[order], mask.loc[order], {"kind": "ranking"})


def _ranking_table(ctx: NationalContext, measure: str) -> list:
    """The ranking beside a naive measure's funnel (an empty list for other measures)."""
    if measure not in RANKED_BESIDE or not len(ctx.findings):
        return []
    aware, info = RANKED_BESIDE[measure], MEASURES[measure]
    return [
        render_table_html(
            ranking(ctx, measure, aware),
            f"Forces ranked on {MEASURES[aware].label.lower()} beside "
            f"{info.label.lower()}, {ctx.period} (1 = highest; the naive rate counts only "
            "charges seen so far, so forces whose cases are younger rank lower on it)",
            count_columns=[],
            rules=ctx.rules,
            digits=1,
        )
    ]


def funnel(ctx: NationalContext, measure: str) -> Section:
    """One key measure across forces on a funnel plot around the comparator: the measure
    pooled over every force before protection (the release's comparator cells), with the
    forces' over-dispersion (phi, tau2) estimated and shown; positions are the findings'."""
    info = MEASURES[measure]
    units = _units(ctx, measure)
    title = f"{info.label} across forces"
    pub = ctx.publisher
    rows = ctx.findings[
        (ctx.findings["measure"] == measure) & (ctx.findings["period"] == ctx.period)
    ]
    keys = {
        column: comparator_key(ctx.subgroup, ctx.period, NATIONAL, measure, column)
        for column in ("numerator", "denominator", "value", "phi", "tau2")
    }
    if keys["value"] not in pub.ledger.cells:
        return Section(title, info.pillar, f"{info.label}: no national figure for {ctx.period}.")
    num, den, target, phi, tau2 = (pub.value_of(k) for k in keys.values())
    ranked = _ranking_table(ctx, measure)
    if target is None or num is None or den is None:
        return Section(
            title,
            info.pillar,
            f"{info.label}, {ctx.period}: the national figure is withheld by disclosure control.",
            ranked,
        )
    if len(units) < 2:
        return Section(
            title, info.pillar, f"{info.label}: fewer than two forces have published figures."
        )
    s = ctx.measures
    adjusted = bool(s["funnel_overdispersion"])
    width = float(tau2) if adjusted and tau2 is not None and pd.notna(tau2) else 0.0
    levels = s["funnel_limits"]
    placed = measures.funnel_positions(
        units, target=target, levels=levels, method=s["funnel_method"], tau2=width
    )
    curve = measures.funnel_curve(
        target, float(units["denominator"].max()) * 1.05, levels, s["funnel_method"], width
    )
    # the positions the plot shows: with the national comparator they are the evidence
    # base's own (a test checks it); with a regional one the evidence base places each force
    # against its region instead
    shown = rows[["force"]].merge(placed[["force", "position"]], on="force", how="left")
    counts = position_counts(shown.rename(columns={"position": "funnel_position"}), levels)
    inner = measures.position_words("within", levels)
    placed_n = int(placed["position"].notna().sum())
    outside = placed_n - int((placed["position"] == "within").sum())
    unplaced = len(rows) - placed_n
    items: list = []
    if not pub.collecting:
        items.append(
            plots.funnel_plot(
                placed,
                curve,
                f"{info.label}, {ctx.period}: {outside} of {placed_n} forces placed lie "
                f"outside the {min(levels) * 100:g}% limits",
                f"{info.label} (proportion)",
            )
        )
    items.append(
        render_table_html(
            counts,
            f"Forces by funnel position ({info.basis} measure)",
            count_columns=[],
            rules=ctx.rules,
            digits=0,
        )
    )
    finding = (
        f"{info.label} ({info.basis}), {ctx.period}: national {100 * target:.1f}% "
        f"({int(num):,} of {int(den):,}, pooled over every force before disclosure control); "
        f"{outside} of {placed_n} forces placed are not {inner}; "
        f"{dispersion_words(phi, tau2, adjusted)}"
        + (
            f"; {formatting.plural(unplaced, 'force')} {formatting.plural(unplaced, 'is', 'are')} "
            "not placed (their figures are withheld)."
            if unplaced
            else "."
        )
    )
    items += ranked
    return Section(title, info.pillar, finding, [*items, info.definition])


def published_picture(ctx: NationalContext) -> Section:
    """The real published charge rates by force, beside the case-level figures."""
    title, pillar = "The published picture", "data_performance"
    published, placed, curve, target, disp = published_funnel(ctx.measures)
    levels = ctx.measures["funnel_limits"]
    outside = placed[placed["position"] != "within"]
    inner = f"{min(levels) * 100:g}%"
    figure = plots.funnel_plot(
        placed,
        curve,
        f"Published rape charge rates {PUBLISHED_YEAR}: {len(outside)} of {len(placed)} forces "
        f"outside the {inner} limits",
        "Charge rate (cohort, Home Office published)",
    )
    case_rows = _units(ctx, "charge_rate").rename(
        columns={"numerator": "charged", "denominator": "recorded"}
    )
    compared = homeoffice.compare_with_cases(
        published, case_rows, period=ctx.period, measure="cohort", data_source=ctx.data_source
    )
    # two periods extracted at different times: shown side by side, never subtracted
    view = compared.set_index("force")[["charge_rate_published", "charge_rate_cases"]].round(1)
    view.columns = [f"published {PUBLISHED_YEAR} (%)", f"case-level {ctx.period} (%)"]
    table = render_table_html(
        view,
        f"Charge rate by force: published {PUBLISHED_YEAR} beside case-level {ctx.period} "
        "(different years and maturity: context, not a comparison)",
        count_columns=[],
        rules=ctx.rules,
        digits=1,
    )
    explanation = (
        compared["explanation"].dropna().iloc[0] if compared["explanation"].notna().any() else ""
    )
    finding = (
        f"In the published {PUBLISHED_YEAR} figures the national rape charge rate was {formatting.percent(target)} "
        f"({formatting.count(published['charged'].sum())} of "
        f"{formatting.count(published['recorded'].sum())}); "
        f"{len(outside)} of {len(placed)} forces lie outside the {inner} "
        f"limits; {dispersion_words(disp['phi'], disp['tau2'], ctx.measures['funnel_overdispersion'])}."
    )
    note = f"Why the figures differ: {explanation}." if explanation else ""
    return Section(title, pillar, finding, [figure, table, note])


def maturity(ctx: NationalContext) -> Section:
    """Self-assessed maturity by pillar across forces (heatmap), each force's latest round,
    every value the cell of that force's finding in the release."""
    from soteria_research.sections.display import pillar_name
    from soteria_research.sections.pillars import maturity_through_release

    title = "Pillar maturity across forces"
    if ctx.assessment.empty:
        return Section(title, None, "No self-assessments have been returned.")
    table = ctx.remembered(
        "maturity",
        lambda: measures.maturity(
            ctx.assessment, level="pillar", confidence=ctx.measures["confidence_level"]
        ),
    )
    table = maturity_through_release(ctx, table)
    figure = (
        None
        if ctx.publisher.collecting
        else plots.maturity_heatmap(
            table, "Self-assessed maturity by force and pillar (latest round)", rater="self"
        )
    )
    raw = table.groupby(["pillar", "rater"])["value"].mean()
    view = pd.DataFrame(index=sorted(table["pillar"].unique()), columns=["self", "peer"])
    for (pillar, rater), value in raw.items():
        if rater in view.columns:
            view.loc[pillar, rater] = ctx.publisher.number(
                f"mean maturity over forces: {pillar}: {rater}", float(value)
            )
    view = view.astype(float)
    means = view["self"].dropna().sort_values()
    view.index = [pillar_name(p) for p in view.index]
    view.index.name = "pillar"
    rendered = render_table_html(
        view,
        "Mean maturity over forces (each force's latest round)",
        count_columns=[],
        rules=ctx.rules,
        digits=1,
    )
    if means.empty:
        return Section(title, None, "No force rated its own maturity.", [rendered])
    finding = (
        f"Forces rate themselves least mature on {pillar_name(means.index[0]).lower()} "
        f"(mean {formatting.rating(means.iloc[0])}) and most on "
        f"{pillar_name(means.index[-1]).lower()} (mean {formatting.rating(means.iloc[-1])})."
    )
    items = [i for i in (figure, rendered) if i is not None]
    return Section(title, None, finding, items)


def trend(ctx: NationalContext) -> Section:
    """National crimes recorded per month on an XmR chart."""
    title, pillar = "Changes over time", "data_performance"
    if ctx.cases.empty:
        return Section(title, pillar, "No case data.")
    series = measures.recorded_volumes(ctx.cases, freq="month")
    counts = series.set_index("period_start")["n"].rename("recorded")
    decision = guarded_figure(ctx, counts, "national recorded crimes by month")
    if not decision.draw:
        return Section(title, pillar, decision.message, [decision])
    chart = measures.xmr(
        decision.table.astype(float).to_numpy(),
        index=decision.table.index,
        run_length=ctx.measures["spc_run_length"],
        trend_length=ctx.measures["spc_trend_length"],
    )
    signals = signal_words(measures.summarise_signals(chart))
    finding = f"Forces recorded on average {chart['mean'].iloc[0]:,.0f} {ctx.subgroup.lower()} crimes a month, with {signals}."
    if ctx.publisher.collecting:
        return Section(title, pillar, finding, [decision])
    figure = plots.spc_chart(
        chart,
        f"{ctx.subgroup} crimes recorded per month, all forces: {signals}",
        "Crimes recorded per month (count)",
    )
    return Section(title, pillar, finding, [figure, decision])


def link_scope(links: pd.DataFrame | None, subgroup: str) -> str:
    """What a repeat-suspect link is looked for in (the force reports' wording)."""
    from soteria_research.sections.pillars import link_scope as scope

    return scope(links, subgroup)


def repeat_across(ctx: NationalContext) -> Section:
    """Crimes whose suspect is linked to crimes in another force."""
    title, pillar = "Repeat suspects across forces", "repeat_suspects"
    if ctx.cases.empty:
        return Section(title, pillar, "No case data.")
    share = ctx.remembered(
        "repeat_across",
        lambda: measures.repeat_suspect_share(ctx.cases, ctx.period, links=ctx.links),
    )
    share = share.set_index(
        share["measure"].map(
            {
                "repeat_within_force": "suspect linked to another crime of the same force",
                "repeat_across_forces": "suspect linked to a crime of another force",
            }
        )
    )
    share.index.name = "crimes with a suspect identified"
    view, rendered = rate_table(
        ctx,
        share[["numerator", "denominator", "ci_low", "ci_high"]],
        "repeat suspects, national",
        f"All forces, crimes recorded in {ctx.period} (%)",
        labels={"numerator": "crimes", "denominator": "with a suspect", "rate": "%"},
    )
    across = view.table["%"].iloc[-1]
    if pd.isna(across):
        scope = link_scope(ctx.links, ctx.subgroup)
        return Section(
            title, pillar, "The share linked across forces is withheld.", [rendered, scope]
        )
    finding = f"{across:.1f}% of crimes with an identified suspect involve a suspect also linked to a crime in another force."
    return Section(title, pillar, finding, [rendered, link_scope(ctx.links, ctx.subgroup)])


def charge_model(ctx: NationalContext) -> Section:
    """The logistic regression of charge on the pooled national cases."""
    from soteria_research.sections.charge_model import charge_model_section

    return charge_model_section(ctx, ctx.cases, "Who is charged, all forces", "all forces")


def findings_table(ctx: NationalContext) -> Section:
    """The evidence base in brief: for each measure, forces above and below the limits."""
    title = "Summary: forces against the national rate"
    rows = ctx.findings[ctx.findings["period"] == ctx.period]
    if rows.empty:
        return Section(title, None, "No findings to summarise.")
    rows = rows.assign(position=rows["funnel_position"].fillna(vocab.NOT_PLACED))
    table = rows.pivot_table(
        index=["pillar", "measure"],
        columns="position",
        values="force",
        aggfunc="count",
        fill_value=0,
    )
    table.columns.name = None
    positions = [p for p in vocab.labels("funnel_position") if p in table.columns]
    table = table.reindex(columns=positions + [c for c in table.columns if c not in positions])
    table.columns = [vocab.label("funnel_position", c) for c in table.columns]
    table.index = pd.Index(
        [f"{vocab.label('pillar', p)}: {vocab.label('measure', m)}" for p, m in table.index],
        name="Pillar: measure",
    )
    rendered = render_table_html(
        table,
        "Forces per funnel position against the pooled comparator, by pillar and measure "
        "(the evidence base; not placed: withheld or no comparator)",
        count_columns=[],
        rules=ctx.rules,
        digits=0,
    )
    withheld = int(rows["suppressed"].sum()) if "suppressed" in rows.columns else 0
    finding = (
        f"{len(rows):,} findings from {rows['force'].nunique()} forces; {withheld} withheld by disclosure control. "
        "The full evidence base is in reports/evidence/ (parquet, CSV, Excel by pillar)."
    )
    return Section(title, None, finding, [rendered])


def save(ctx: NationalContext, output_dir: str = "") -> list:
    """Write the national report's evidence rows (the evaluation and the learning table,
    :func:`~soteria_research.sections.summary.save_national_findings`) and its
    output-checking log (nothing in an interactive session)."""
    if not output_dir:
        return []
    from pathlib import Path

    from soteria_research.sections.summary import save_national_findings

    rows = save_national_findings(ctx, output_dir)
    log = ctx.log.write(Path(output_dir) / "national.disclosure.json")
    return [log] if rows is None else [rows, log]
