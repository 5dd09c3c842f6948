"""Force report sections on timeliness, victims, repeat suspects, devices, the charge
model and the self-assessment."""

from __future__ import annotations

import dataclasses

import pandas as pd

from soteria_research import formatting, measures, plots
from soteria_research.disclosure import render_table_html
from soteria_research.measures.assessment import workbook_problems
from soteria_research.measures.intervals import median_ci_rank
from soteria_research.measures.periods import resolve_period
from soteria_research.release import make_key
from soteria_research.release.protect import FALLBACK
from soteria_research.sections.charge_model import charge_model_section
from soteria_research.sections.context import ForceContext, cohort_key, recorded_key
from soteria_research.sections.display import Section
from soteria_research.sections.force import (
    ACTIVITY_COLUMN,
    CHARGED_GROUP,
    SUSPECT_IDENTIFIED,
    _no_data,
    _pct,
    pooled_estimate,
)
from soteria_research.sections.tables import rate_table

#: Self-assessment workbook problems listed in a report (the rest are in the quality table).
MAX_PROBLEMS = 20

EVENTS = {
    "charge": "recording to charge",
    "any_outcome": "recording to any outcome",
    "withdrawal": "recording to victim withdrawal",
}


def _medians(
    ctx: ForceContext,
    estimates: dict[str, pd.Series],
    caption: str,
    within: dict[str, str] | None = None,
):
    """Median-days estimates (rows of ``median_days`` or ``repeat_intervals``) published
    through the release: a median only where enough crimes stand behind it, an interval end
    only where enough records lie beyond it (an end is one record's value). ``within`` maps
    a row to the key of a count it is a subset of (e.g. charges timed from recording are
    charges), so that the few records left out are protected.

    Returns the published table (``median days`` is NA where withheld) and its rendering.
    """
    confidence = ctx.measures["confidence_level"]
    n = [int(e["denominator"]) if pd.notna(e["denominator"]) else 0 for e in estimates.values()]
    frame = pd.DataFrame(
        {
            "crimes": n,
            "median days": [e["value"] for e in estimates.values()],
            "ci_low": [e["ci_low"] for e in estimates.values()],
            "ci_high": [e["ci_high"] for e in estimates.values()],
            "beyond": [max(median_ci_rank(k, confidence) - 1, 0) for k in n],
        },
        index=pd.Index(list(estimates), name="interval"),
    )
    protected = ctx.publisher.statistics(
        frame,
        caption,
        ["median days", "ci_low", "ci_high"],
        "crimes",
        beyond={"ci_low": "beyond", "ci_high": "beyond"},
    )
    for row, whole in (within or {}).items():
        if whole in ctx.publisher.ledger.cells:
            ctx.publisher.gap(
                f"{caption}: {row}, not timed", whole, ctx.publisher.key(caption, row, "crimes")
            )
    ctx.log.add(protected.log_entry)
    table = protected.table
    interval = [
        "" if pd.isna(low) or pd.isna(high) else f"{low:.0f} to {high:.0f}"
        for low, high in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    view = table[["crimes", "median days"]].assign(**{"95% CI": interval})
    mask = protected.mask.reindex(index=view.index, columns=view.columns, fill_value="")
    shown = dataclasses.replace(protected, table=view, mask=mask.fillna(""))
    return view, render_table_html(
        shown, caption, count_columns=["crimes"], rules=ctx.rules, digits=0
    )


#: Victim-engagement rows whose numerator is a cohort cell of the outcomes table.
SAME_GROUP = {
    "Outcomes 14 + 16: victim does not support action": (
        "Evidential difficulties (victim does not support action)"
    ),
}


def group_key(ctx: ForceContext, group: str | None, value: object) -> str | None:
    """The outcomes table's cohort cell for ``group`` when it holds the same count."""
    if group is None:
        return None
    key = cohort_key(ctx, group)
    cell = ctx.publisher.ledger.cells.get(key)
    return key if cell is not None and not pd.isna(value) and cell.value == float(value) else None


def timeliness(ctx: ForceContext) -> Section:
    """Median days from recording to charge, to any outcome and to victim withdrawal."""
    title, pillar = "Timeliness", "suspect_focus"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    estimates = {
        label: measures.median_days(ctx.cases, ctx.period, event=event, basis="activity").iloc[0]
        for event, label in EVENTS.items()
    }
    every = resolve_period(ctx.cases, "all")
    if len(every.years) > 1:  # the figure to fall back on when one year's must be withheld
        estimates[pooled_charge_row(every)] = measures.median_days(
            ctx.cases, every, event="charge", basis="activity"
        ).iloc[0]
    charged = make_key(ctx.force, "outcomes by group", CHARGED_GROUP, ACTIVITY_COLUMN)
    caption = timeliness_caption(ctx)
    medians, table = _medians(ctx, estimates, caption, within={EVENTS["charge"]: charged})
    if len(every.years) > 1:
        ctx.publisher.prioritise(
            [ctx.publisher.key(caption, pooled_charge_row(every), "crimes")], FALLBACK
        )
    value = medians["median days"].iloc[0]
    pooled = pooled_median_to_charge(ctx)
    finding = (
        f"Crimes charged in {ctx.period_label} took a median of {value:.0f} days from recording to charge."
        if not pd.isna(value)
        else f"Too few crimes were charged in {ctx.period_label} to publish the median time to "
        "charge"
        + (
            f"; charged in {pooled[0]}, they took a median of {pooled[1]:.0f} days "
            f"(n = {int(pooled[4]):,})."
            if pooled
            else "."
        )
    )
    return Section(title, pillar, finding, [table])


def timeliness_caption(ctx: ForceContext) -> str:
    """The caption (and release name) of the timeliness table."""
    return f"Days between dates, outcomes assigned in {ctx.period_label}"


def pooled_charge_row(every) -> str:
    """The timeliness row of the time to charge over every year's charges."""
    return f"recording to charge, charged in any of {every.label}"


def pooled_median_to_charge(ctx: ForceContext):
    """``(period, median, low, high, n)`` of the median days to charge over every year's
    charges as published, or None: the fallback when one year's median is withheld."""
    found = pooled_estimate(
        ctx,
        timeliness_caption(ctx),
        "median days",
        row_start="recording to charge, charged in any of ",
        n_column="crimes",
    )
    if found is None:
        return None
    label = found[0].removeprefix("recording to charge, charged in any of ")
    return (label, *found[1:])


def victim_engagement(ctx: ForceContext) -> Section:
    """Outcome 16, victims not supporting action, withdrawal timing and ISVA referral."""
    title, pillar = "Victim engagement", "victim_engagement"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    shares = measures.outcome_shares(
        ctx.cases,
        ctx.period,
        "cohort",
        measures=["outcome_16_share", "victim_does_not_support_share"],
    )
    isva = measures.flag_share(ctx.cases, "isva_referred", ctx.period)
    frame = pd.concat([shares, isva], ignore_index=True)
    labels = {
        "outcome_16_share": "Outcome 16: suspect identified, victim does not support action",
        "victim_does_not_support_share": "Outcomes 14 + 16: victim does not support action",
        "isva_referred": "Victim referred to an ISVA",
        "isva_referred_share": "Victim referred to an ISVA",
    }
    frame.index = [labels.get(m, m) for m in frame["measure"]]
    frame.index.name = "measure (cohort)"
    protected, rendered = rate_table(
        ctx,
        frame[["numerator", "denominator", "ci_low", "ci_high"]],
        "victim engagement",
        f"Crimes recorded in {ctx.period_label} (%)",
        labels={"numerator": "crimes", "denominator": "of", "rate": "%"},
        den_keys=lambda r, c: recorded_key(ctx, frame.at[r, "denominator"]),
        num_keys=lambda r, c: group_key(ctx, SAME_GROUP.get(r), frame.at[r, "numerator"]),
    )
    withdrawal = measures.median_days(ctx.cases, ctx.period, event="withdrawal", basis="activity")
    _, timing = _medians(
        ctx, {"recording to victim withdrawal": withdrawal.iloc[0]}, "When victims withdrew support"
    )
    o16 = protected.table["%"].iloc[0]
    isva_pct = protected.table["%"].iloc[-1]
    finding = (
        f"In {_pct(o16)} of crimes recorded in {ctx.period_label} the victim did not support further "
        f"action although a suspect was identified (outcome 16); {_pct(isva_pct)} of victims were referred to an ISVA."
    )
    return Section(title, pillar, finding, [rendered, timing])


def repeat_suspects(ctx: ForceContext) -> Section:
    """Crimes whose suspect is linked to other crimes of the force, and the gap between them."""
    title, pillar = "Repeat suspects", "repeat_suspects"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    share = measures.repeat_suspect_share(ctx.cases, ctx.period, force=ctx.force, links=ctx.links)
    within = share[share["measure"] == "repeat_within_force"].set_index(
        pd.Index(
            ["suspect linked to another crime of the force"],
            name="crimes with a suspect identified",
        )
    )
    protected, rendered = rate_table(
        ctx,
        within[["numerator", "denominator", "ci_low", "ci_high"]],
        "repeat suspects",
        f"Crimes recorded in {ctx.period_label} with a suspect identified (%)",
        labels={"numerator": "crimes", "denominator": "with a suspect", "rate": "%"},
        # the attrition table's crimes with a suspect identified, when the same count
        den_keys=lambda r, c: group_key(ctx, SUSPECT_IDENTIFIED, within.at[r, c]),
    )
    gaps = measures.repeat_intervals(ctx.cases, ctx.period, links=ctx.links)
    _, timing = _medians(
        ctx,
        {"days since the suspect's previous allegation": gaps.iloc[0]},
        "Time between repeat allegations",
    )
    pct = protected.table["%"].iloc[0]
    finding = (
        f"{_pct(pct)} of crimes with an identified suspect involve a suspect linked to another "
        f"crime in {ctx.force}; links across forces are measured in the national report."
    )
    return Section(title, pillar, finding, [rendered, timing, link_scope(ctx.links, ctx.subgroup)])


def link_scope(links: pd.DataFrame | None, subgroup: str) -> str:
    """What a repeat-suspect link is looked for in, as the report states it."""
    if links is not None or subgroup == "all":
        return (
            "A suspect is a repeat suspect when the same suspect is recorded on another "
            "sexual offence of any kind in the extract (rape or other sexual offences), at "
            "any date (settings: measures.repeat_links: all_sexual_offences)."
        )
    return (
        f"A suspect is a repeat suspect when the same suspect is recorded on another "
        f"{subgroup.lower()} crime in the extract, at any date; other sexual offences are not "
        "searched (settings: measures.repeat_links: subgroup)."
    )


def digital_forensics(ctx: ForceContext) -> Section:
    """Days from device seizure to return, for devices returned in the period."""
    title, pillar = "Digital forensics turnaround", "digital_forensics"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    cohort = ctx.in_period
    seized = cohort["device_seized_date"].notna()
    returned = cohort["device_returned_date"].notna() & seized
    # devices returned in the period: the key measure's basis (one label, one basis)
    turnaround = measures.median_days(
        ctx.cases, ctx.period, event="device_return", basis="activity"
    ).iloc[0]
    seized_rate = pd.DataFrame(
        {
            "numerator": [int(seized.sum()), int(returned.sum())],
            "denominator": [len(cohort), int(seized.sum())],
            "ci_low": [float("nan")] * 2,
            "ci_high": [float("nan")] * 2,
        },
        index=pd.Index(
            ["devices seized (of crimes recorded)", "devices returned (of seized)"], name="devices"
        ),
    )
    seized_key = cohort_key(ctx, "devices seized")
    _, rendered = rate_table(
        ctx,
        seized_rate,
        "digital forensics",
        f"Crimes recorded in {ctx.period_label} (%)",
        labels={"numerator": "crimes", "denominator": "of", "rate": "%"},
        num_keys=lambda r, c: seized_key if r.startswith("devices seized") else None,
        den_keys=lambda r, c: (
            seized_key
            if r.startswith("devices returned")
            else recorded_key(ctx, seized_rate.at[r, "denominator"])
        ),
    )
    medians, table = _medians(ctx, {TURNAROUND_ROW: turnaround}, turnaround_caption(ctx))
    median = medians["median days"].iloc[0]
    finding = (
        f"Devices returned in {ctx.period_label} had been held a median of {median:.0f} days "
        "from seizure."
        if not pd.isna(median)
        else "Too few devices were returned to publish a median turnaround."
    )
    return Section(title, pillar, finding, [rendered, table])


#: The device turnaround table's row.
TURNAROUND_ROW = "device seizure to return"


def turnaround_caption(ctx: ForceContext) -> str:
    """The caption (and release name) of the device turnaround table."""
    return f"Device turnaround, devices returned in {ctx.period_label}"


def who_is_charged(ctx: ForceContext) -> Section:
    """Logistic regression of charge, with odds ratios, or a refusal with its reason."""
    if ctx.cases.empty:
        return _no_data("Who is charged", "suspect_focus", ctx)
    return charge_model_section(ctx, ctx.cases, "Who is charged", ctx.force)


def maturity_through_release(ctx, table: pd.DataFrame) -> pd.DataFrame:
    """Maturity rows (:func:`~soteria_research.measures.assessment.maturity`, one round per
    force) with ``value``, ``ci_low`` and ``ci_high`` as the release publishes them: each is
    the cell of the force's finding (one quantity, one cell, in the section, the key
    findings, the evidence base and the national map)."""
    from soteria_research.sections.summary import finding_key

    pub = ctx.publisher
    out = table.copy()
    for i, row in table.iterrows():
        period = f"self-assessment round {row['round']}"
        for column in ("value", "ci_low", "ci_high"):
            key = finding_key(
                row["force"], ctx.subgroup, period, row["measure"], row["pillar"], column
            )
            raw = float(row[column]) if pd.notna(row[column]) else float("nan")
            if not pub.collecting and key in pub.ledger.cells:
                shown = pub.value_of(key)
            else:
                shown = pub.number(key, raw, key=key)
            out.loc[i, column] = float("nan") if shown is None else shown
    return out


def _agreement_sentence(ctx: ForceContext, agreement: pd.DataFrame, table: pd.DataFrame) -> str:
    """Self against peer ratings: the paired gap and weighted kappa, each with its interval,
    through the release (numbers about questions rated, no people behind them)."""
    pub, conf = ctx.publisher, ctx.measures["confidence_level"]
    paired = measures.paired_gap(ctx.assessment, confidence=conf)
    kappa = agreement.iloc[0].to_dict() if len(agreement) else {}
    figures = {
        "gap": paired["value"],
        "gap_low": paired["ci_low"],
        "gap_high": paired["ci_high"],
        "kappa": kappa.get("value", float("nan")),
        "kappa_low": kappa.get("ci_low", float("nan")),
        "kappa_high": kappa.get("ci_high", float("nan")),
    }
    figures["questions"] = float(paired["n"])
    shown = {k: pub.number(f"self-assessment agreement: {k}", v) for k, v in figures.items()}
    if shown["gap"] is None or shown["questions"] is None:
        return "No question was rated by both the force and the peer reviewer."
    questions = formatting.plural(shown["questions"], "question") + " rated by both"
    gap = shown["gap"]
    text = (
        f"On the {questions}, self ratings are on average {abs(gap):.2f} points "
        f"{'above' if gap >= 0 else 'below'} the peer reviewer's"
        + _interval(shown["gap_low"], shown["gap_high"], conf)
    )
    if shown["kappa"] is not None:
        text += f"; quadratic-weighted kappa {shown['kappa']:.2f}" + _interval(
            shown["kappa_low"], shown["kappa_high"], conf
        )
    return (
        text + ". Stated maturity is a self-assessment, not a measure of the case data: the "
        "table places the case measures beside it, without judging one against the other."
    )


def _interval(low: float | None, high: float | None, confidence: float) -> str:
    """`` (95% CI a to b)``, or nothing when there is no interval or it has no width."""
    if low is None or high is None or f"{low:.2f}" == f"{high:.2f}":
        return ""
    return f" ({confidence:.0%} CI {low:.2f} to {high:.2f})"


def self_assessment(ctx: ForceContext) -> Section:
    """Self and peer maturity per pillar, their agreement (weighted kappa), and how the
    stated maturity lines up with the case measures of the same pillar."""
    from soteria_research.sections.display import pillar_name
    from soteria_research.sections.summary import comparator_area, comparator_scope, findings

    title, pillar = "Self-assessment against the six pillars", None
    if ctx.assessment.empty:
        return _no_data(title, pillar, ctx, "no self-assessment returned")
    table = measures.maturity(
        ctx.assessment, level="pillar", confidence=ctx.measures["confidence_level"]
    )
    table = maturity_through_release(ctx, table)
    agreement = measures.rating_agreement(ctx.assessment, weights="quadratic")
    figure = (
        None
        if ctx.publisher.collecting
        else plots.self_peer_chart(table, "Self and peer ratings of maturity by pillar")
    )
    gaps = measures.maturity_gaps(table, findings(ctx))
    view = gaps.set_index("pillar")[
        ["self_maturity", "peer_maturity", "measures_better", "measures_worse", "measures_within"]
    ]
    # the measures_* columns tally the positions of the published findings (a withheld
    # finding has none): they are read from the release, not collected into it
    view.index = [pillar_name(p) for p in view.index]
    view.index.name = "pillar"
    area = comparator_area(ctx)
    view.columns = [
        "self rating (mean)",
        "peer rating (mean)",
        f"case measures beyond the {area} comparator's limits, for the better",
        "case measures beyond them, for the worse",
        "case measures within the limits",
    ]
    rendered = render_table_html(
        view,
        f"Maturity per pillar (round {table['round'].iloc[0]}) beside the case measures of the "
        f"pillar (placed against the {area} comparator: each measure pooled over "
        f"{comparator_scope(area)}, same period)",
        count_columns=[],
        rules=ctx.rules,
        digits=2,
    )
    finding = _agreement_sentence(ctx, agreement, table)
    items = [i for i in (figure, rendered) if i is not None]
    problems = workbook_problems(ctx.quality, ctx.force) if not ctx.quality.empty else None
    if problems is not None and len(problems):
        shown = problems.head(MAX_PROBLEMS)
        items.append(
            f"The workbook was accepted with {formatting.plural(len(problems), 'problem')} to correct and send "
            "again: "
            + "; ".join(f"{r.file}, {r.sheet}!{r.cell}: {r.problem}" for r in shown.itertuples())
            + ("; and more (see the data-quality table)." if len(problems) > MAX_PROBLEMS else ".")
        )
    return Section(title, pillar, finding, items)
