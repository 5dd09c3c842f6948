"""Sections of the force report, in the order the notebook shows them.

Each function takes the :class:`~soteria_research.sections.context.ForceContext`, computes
its measures with :mod:`soteria_research.measures`, passes every table and chart through
:mod:`soteria_research.disclosure` (logging each), and returns a
:class:`~soteria_research.sections.display.Section` whose first line is the finding.
A section with too little data says so instead of failing.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from soteria_research import measures, plots
from soteria_research.disclosure import render_table_html
from soteria_research.sections.context import ForceContext
from soteria_research.sections.display import Section
from soteria_research.sections.tables import count_table, guarded_figure, rate_table

QUALITY_ROWS = ("input rows", "clean", "quarantined", "duplicates")


def _no_data(title: str, pillar: str | None, ctx: ForceContext, what: str = "") -> Section:
    why = what or f"no {ctx.subgroup.lower()} crimes recorded in {ctx.period_label}"
    return Section(title, pillar, f"Not shown for {ctx.force}: {why}.")


def _pct(value: float | None) -> str:
    """A percentage for a finding, or a note that disclosure control withheld it."""
    return "[withheld]%" if value is None or pd.isna(value) else f"{value:.1f}%"


SIGNAL_WORDS = {
    "outside_limits": "a point outside the process limits",
    "run": "a run of points on one side of the mean",
    "trend": "a sustained trend",
    "two_of_three": "two of three points beyond two sigma",
}


def signal_words(summary: str) -> str:
    """Plain words for :func:`soteria_research.measures.summarise_signals` output."""
    if summary in ("", "none"):
        return "only common-cause variation (no special-cause signal)"
    parts = []
    for item in summary.split("; "):
        rule, _, side = item.partition(":")
        parts.append(f"{SIGNAL_WORDS.get(rule, rule)} ({side})")
    return "special-cause signals: " + ", ".join(parts)


def data_quality(ctx: ForceContext) -> Section:
    """How many extract rows were used, quarantined or removed as duplicates, and why."""
    title, pillar = "Data quality", "data_performance"
    if ctx.quality.empty:
        return _no_data(title, pillar, ctx, "no data-quality report (run `soteria clean`)")
    q = ctx.quality
    rows = q[q["section"].isin(["rows", "quarantine", "duplicates", "date_flags"])]
    counts = rows.set_index("item")["count"].rename("rows").astype("Int64")
    counts.index.name = "extract rows"
    protected, table = count_table(
        counts.to_frame(),
        "data quality: rows",
        "Extract rows by what happened to them",
        ctx.rules,
        ctx.log,
        margins=False,
    )
    comp = q[q["section"] == "completeness"].rename(
        columns={"count": "numerator", "total": "denominator"}
    )
    comp = comp.set_index("item")[["numerator", "denominator"]].assign(
        ci_low=float("nan"), ci_high=float("nan")
    )
    comp.index.name = "field"
    _, completeness = rate_table(
        comp,
        "data quality: completeness",
        "Completeness of each canonical field (% of clean rows)",
        ctx.rules,
        ctx.log,
        show=["rate"],
        labels={"rate": "complete (%)"},
    )
    total = int(counts.get("input rows", 0))
    used = protected.table.iloc[:, 0].get("clean")
    share = "withheld" if pd.isna(used) or not total else f"{100 * float(used) / total:.1f}%"
    finding = (
        f"{share} of {total:,} extract rows were usable; every other row is accounted for "
        "as quarantined (with its reason) or a removed duplicate."
    )
    return Section(title, pillar, finding, [table, completeness])


def volumes(ctx: ForceContext) -> Section:
    """Crimes recorded per month with an XmR chart and its special-cause signals."""
    title, pillar = "Volumes and trends", "data_performance"
    if ctx.cases.empty:
        return _no_data(title, pillar, ctx)
    for freq in ("month", "quarter"):
        series = measures.recorded_volumes(ctx.cases, freq=freq)
        counts = series.set_index("period_start")["n"].rename("recorded")
        decision = guarded_figure(counts, f"recorded crimes by {freq}", ctx.rules, ctx.log)
        if decision.draw and not pd.isna(decision.table).any():
            break
    if not decision.draw or pd.isna(decision.table).any():
        return Section(
            title, pillar, decision.message or "Monthly volumes are too small to show.", [decision]
        )
    chart = measures.xmr(
        decision.table.astype(float).to_numpy(),
        index=decision.table.index,
        run_length=ctx.measures["spc_run_length"],
        trend_length=ctx.measures["spc_trend_length"],
    )
    signals = signal_words(measures.summarise_signals(chart))
    finding = (
        f"{ctx.force} recorded on average {chart['mean'].iloc[0]:.0f} {ctx.subgroup.lower()} "
        f"crimes a {freq}, with {signals}."
    )
    figure = plots.spc_chart(
        chart,
        f"{ctx.subgroup} crimes recorded per {freq}: {signals}",
        f"Crimes recorded per {freq} (count)",
    )
    return Section(title, pillar, finding, [figure, decision])


def outcomes(ctx: ForceContext) -> Section:
    """Outcome groups on the cohort and the activity measure, side by side."""
    title, pillar = "Outcomes", "suspect_focus"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    frames = {
        basis: measures.outcome_distribution(ctx.cases, ctx.period, basis, level="group")
        for basis in ("cohort", "activity")
    }
    counts = (
        pd.DataFrame(
            {basis: f.set_index("outcome_group")["numerator"] for basis, f in frames.items()}
        )
        .fillna(0)
        .astype("Int64")
    )
    counts = counts[counts.sum(axis=1) > 0]
    counts.index.name = "outcome group"
    counts.columns = ["recorded in period (cohort)", "assigned in period (activity)"]
    protected, table = count_table(
        counts,
        "outcomes by group",
        f"Outcomes of {ctx.subgroup.lower()} crimes, {ctx.period_label}",
        ctx.rules,
        ctx.log,
    )
    shown = protected.table.drop(index="Total", columns="Total", errors="ignore")
    items = [table]
    decision = guarded_figure(counts, "outcome distribution chart", ctx.rules, ctx.log)
    if decision.draw:
        dist = pd.concat(frames.values(), ignore_index=True)
        dist = dist[dist["outcome_group"].isin(shown.dropna(how="all").index)]
        items.insert(
            0,
            plots.outcome_distribution_bar(
                dist, f"How {ctx.subgroup.lower()} crimes ended, {ctx.period_label}"
            ),
        )
    items.append(decision)
    charged = measures.outcome_shares(ctx.cases, ctx.period, "cohort", measures=["charge_rate"])
    row = charged.iloc[0]
    from soteria_research.disclosure import protect_rate

    rate = protect_rate(int(row["numerator"]), int(row["denominator"]), ctx.rules, scale=100)
    finding = (
        f"{_pct(rate.rate)} of {ctx.subgroup.lower()} crimes recorded in {ctx.period_label} "
        f"have been charged so far (cohort measure, n = {int(row['denominator']):,})."
    )
    return Section(title, pillar, finding, items)


def _by_cohort(ctx: ForceContext):
    """Naive charge rate so far beside the censoring-aware rate within a year, per cohort year."""
    rows = []
    for year in sorted(ctx.cases["financial_year"].dropna().unique()):
        found = measures.cumulative_incidence(
            ctx.cases, year, horizons=(365,), confidence=ctx.measures["confidence_level"]
        )
        charge = found[found["cause"] == "charge"].iloc[0]
        rows.append(
            {
                "cohort": year,
                "numerator": int(charge["naive_numerator"]),
                "denominator": int(charge["denominator"]),
                "within": round(float(charge["numerator"])),
                "estimate": float(charge["value"]) * 100,
                "followed": int(charge["n_at_risk"]),
            }
        )
    frame = pd.DataFrame(rows).set_index("cohort").assign(ci_low=float("nan"), ci_high=float("nan"))
    naive, _ = rate_table(
        frame[["numerator", "denominator", "ci_low", "ci_high"]],
        "charge rate by cohort",
        "",
        ctx.rules,
        ctx.log,
        labels={"numerator": "charged so far", "denominator": "crimes", "rate": "so far (%)"},
    )
    within, _ = rate_table(
        frame[["within", "denominator", "ci_low", "ci_high"]].rename(
            columns={"within": "numerator"}
        ),
        "charged within a year by cohort",
        "",
        ctx.rules,
        ctx.log,
    )
    column = "within 365 days, censoring-aware (%)"
    withheld = within.table["rate"].isna()
    too_early = frame["followed"] < ctx.rules.min_survival_at_risk
    table = naive.table[["crimes", "charged so far", "so far (%)"]].copy()
    table[column] = frame["estimate"].mask(withheld | too_early)
    mask = naive.mask.reindex(columns=table.columns, fill_value="")
    mask[column] = withheld.map({True: "primary", False: ""})
    view = dataclasses.replace(naive, table=table, mask=mask)
    caption = (
        "Charge rate by year of recording: so far (naive) and within a year allowing for pending "
        f"cases (blank: fewer than {ctx.rules.min_survival_at_risk} crimes followed for a year yet)"
    )
    return render_table_html(
        view, caption, count_columns=["crimes", "charged so far"], rules=ctx.rules
    )


def censoring(ctx: ForceContext) -> Section:
    """Naive charge rate beside the censoring-aware cumulative incidence of charge."""
    title, pillar = "Charge rate allowing for cases still open", "suspect_focus"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    table = measures.cumulative_incidence(
        ctx.cases,
        ctx.period,
        horizons=ctx.measures.get("horizons_days", (90, 180, 365, 730)),
        confidence=ctx.measures["confidence_level"],
    )
    charge = table[table["cause"] == "charge"].set_index("horizon_days")
    charge.index.name = "days since recording"
    followed = charge["n_at_risk"] >= ctx.rules.min_survival_at_risk
    charge = charge[followed]
    view = charge[["numerator", "denominator", "ci_low", "ci_high"]].copy()
    view["numerator"] = view["numerator"].round().astype("Int64")
    protected, _ = rate_table(
        view,
        "cumulative incidence of charge",
        "",
        ctx.rules,
        ctx.log,
        labels={"numerator": "charged", "denominator": "crimes", "rate": "charged (%)"},
    )
    # The estimate is the Aalen-Johansen value, not charged / crimes: show it where the
    # counts behind it pass, and hide it with them.
    estimate = protected.table.copy()
    hidden = estimate["charged (%)"].isna()
    estimate["charged (%)"] = (charge["value"] * 100).mask(hidden)
    estimate["95% CI low"] = (charge["ci_low"] * 100).mask(hidden)
    estimate["95% CI high"] = (charge["ci_high"] * 100).mask(hidden)
    estimate["still followed"] = charge["n_at_risk"].astype("Int64")
    protected = dataclasses.replace(
        protected,
        table=estimate,
        mask=protected.mask.reindex(columns=estimate.columns, fill_value=""),
    )
    rendered = render_table_html(
        protected,
        "Charged within each time since recording, pending cases censored (%); times with fewer "
        f"than {ctx.rules.min_survival_at_risk} crimes still followed are left out",
        count_columns=["charged", "crimes", "still followed"],
        rules=ctx.rules,
    )
    naive = float(table["naive_value"].iloc[0]) * 100
    pending = measures.outcome_shares(ctx.cases, ctx.period, "cohort", measures=["pending_share"])
    items: list = [rendered, _by_cohort(ctx)]
    curve = measures.incidence_curve(ctx.cases, ctx.period)
    from soteria_research.disclosure import protect_survival

    safe = protect_survival(
        curve[curve["cause_id"] == "charge"], ctx.rules, name="charge incidence curve"
    )
    ctx.log.add(safe.log_entry)
    if len(safe.table.dropna(subset=["value"])) > 1:
        items.insert(
            0,
            plots.incidence_chart(
                safe.table,
                "Open cases keep adding charges: the naive rate understates the final rate",
                naive=table,
                causes=("charge",),
            ),
        )
    else:
        items.append("The incidence curve is not shown: too few crimes remain at risk.")
    shown = protected.table["charged (%)"].dropna()
    usable = list(shown.index)
    pending_pct = float(pending["value"].iloc[0]) * 100
    if usable:
        horizon = usable[-1]
        finding = (
            f"{pending_pct:.0f}% of crimes recorded in {ctx.period_label} are still pending; "
            f"allowing for them, {shown[horizon]:.1f}% are charged within {horizon} days of "
            f"recording (naive rate so far: {naive:.1f}%)."
        )
    else:
        finding = (
            f"{pending_pct:.0f}% of crimes recorded in {ctx.period_label} are still pending; "
            "too few charges to publish a censoring-aware estimate."
        )
    return Section(title, pillar, finding, items)


def attrition(ctx: ForceContext) -> Section:
    """Recorded -> suspect identified -> arrested/interviewed -> referred to CPS -> charged."""
    title, pillar = "Attrition", "suspect_focus"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    table = measures.attrition(ctx.cases, ctx.period).set_index("stage_label")
    table.index.name = "stage"
    protected, rendered = rate_table(
        table[["numerator", "denominator", "ci_low", "ci_high"]],
        "attrition",
        f"Crimes recorded in {ctx.period_label} reaching each stage (% of recorded)",
        ctx.rules,
        ctx.log,
        labels={"numerator": "crimes", "denominator": "recorded", "rate": "% of recorded"},
    )
    shown = protected.table
    items = [rendered]
    if not shown["crimes"].isna().any():
        items.insert(
            0,
            plots.attrition_chart(
                measures.attrition(ctx.cases, ctx.period),
                f"Attrition of {ctx.subgroup.lower()} crimes, {ctx.period_label}",
            ),
        )
    else:
        items.append("The attrition chart is not shown because a stage count is withheld.")
    cps = shown["% of recorded"].get("Referred to the CPS")
    finding = f"{_pct(cps)} of crimes recorded in {ctx.period_label} have been referred to the CPS."
    return Section(title, pillar, finding, items)
