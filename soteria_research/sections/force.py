"""Sections of the force report, in the order the notebook shows them.

Each function takes the :class:`~soteria_research.sections.context.ForceContext`, computes
its measures with :mod:`soteria_research.measures`, passes every table and chart through
:mod:`soteria_research.disclosure` (logging each), and returns a
:class:`~soteria_research.sections.display.Section` whose first line is the finding.
A section with too little data says so instead of failing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from soteria_research import measures, plots
from soteria_research.disclosure import render_table_html
from soteria_research.errors import ParameterError
from soteria_research.measures.intervals import proportion_ci
from soteria_research.measures.periods import year_end
from soteria_research.measures.spc import signal_periods, signals_touching
from soteria_research.reference import vocabulary as vocab
from soteria_research.release import make_key
from soteria_research.release.ledger import KEY_SEP
from soteria_research.release.protect import FALLBACK, HEADLINE
from soteria_research.sections.context import ForceContext, cohort_key
from soteria_research.sections.display import Section
from soteria_research.sections.tables import count_table, guarded_figure, rate_table

CHARGED_GROUP = "Charged/Summonsed"
PENDING_GROUP = "Not yet assigned an outcome"
COHORT_COLUMN = "recorded in period (cohort)"
ACTIVITY_COLUMN = "assigned in period (activity)"

QUALITY_ROWS = ("input rows", "clean", "quarantined", "duplicates")


def _no_data(title: str, pillar: str | None, ctx: ForceContext, what: str = "") -> Section:
    if ctx.period is None and ctx.cases.empty:
        why = "no case records have been cleaned for it yet (run `soteria clean` or `make reports`)"
    else:
        why = what or f"no {ctx.subgroup.lower()} crimes recorded in {ctx.period_label}"
    return Section(title, pillar, f"Not shown for {ctx.force}: {why}.")


def _pct(value: float | None) -> str:
    """A percentage for a finding, or a note that disclosure control withheld it."""
    return "[withheld]" if value is None or pd.isna(value) else f"{value:.1f}%"


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


def signal_sentence(chart: pd.DataFrame, ctx: ForceContext) -> str:
    """The chart's special-cause signals with when they happened: those touching the
    reporting period first, earlier ones after, so an old run never headlines the year."""
    periods = signal_periods(chart)
    if periods.empty:
        return "with only common-cause variation (no special-cause signal)."

    def words(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{SIGNAL_WORDS.get(r.rule, r.rule)} ({r.side}, {r.when})"
            for r in rows.itertuples(index=False)
        )

    if ctx.period is None:
        return f"with special-cause signals: {words(periods)}."
    now = signals_touching(periods, ctx.period.start, ctx.period.end)
    before = periods[
        ~periods.set_index(["rule", "side", "first"]).index.isin(
            now.set_index(["rule", "side", "first"]).index
        )
    ]
    text = (
        f"with special-cause signals in {ctx.period_label}: {words(now)}"
        if len(now)
        else f"with no special-cause signal in {ctx.period_label}"
    )
    if len(before):
        text += f"; earlier: {words(before)}"
    return text + "."


def _quality_row(item: object) -> str:
    """A data-quality row in words, except the row counts and quarantine reasons
    (``column: reason``), which keep the wording the disclosure audit reads them by."""
    text = str(item)
    if text in ("input rows", "clean", "quarantined", "duplicates") or ": " in text:
        return text
    return vocab.quality_label(text)


def data_quality(ctx: ForceContext) -> Section:
    """How many extract rows were used, quarantined or removed as duplicates, and why."""
    title, pillar = "Data quality", "data_performance"
    if ctx.quality.empty:
        return _no_data(title, pillar, ctx, "no data-quality report (run `soteria clean`)")
    q = ctx.quality
    rows = q[q["section"].isin(["rows", "quarantine", "duplicates", "date_flags"])]
    counts = rows.set_index("item")["count"].rename("rows").astype("Int64")
    counts.index.name = "extract rows"
    section_of = rows.set_index("item")["section"]
    parts = {"input rows": ["clean", "quarantined", "duplicates"]}
    for whole, section in (("quarantined", "quarantine"), ("duplicates", "duplicates")):
        members = section_of.index[section_of == section].tolist()
        if members and whole in counts.index:
            parts[whole] = members
    name = "data quality: rows"
    protected, table = count_table(
        ctx,
        counts.to_frame(),
        name,
        "Extract rows by what happened to them",
        margins=False,
        parts={k: v for k, v in parts.items() if k in counts.index},
        priority=lambda r, c: 2 if r in ("input rows", "clean") else 1,
        row_labels=_quality_row,
    )
    clean_key = ctx.publisher.key(name, "clean", "rows")
    comp = q[q["section"] == "completeness"].rename(
        columns={"count": "numerator", "total": "denominator"}
    )
    comp = comp.set_index("item")[["numerator", "denominator"]].assign(
        ci_low=float("nan"), ci_high=float("nan")
    )
    comp.index.name = "field"
    _, completeness = rate_table(
        ctx,
        comp,
        "data quality: completeness",
        "Completeness of each canonical field (% of clean rows)",
        show=["rate"],
        labels={"rate": "complete (%)"},
        den_keys=lambda r, c: clean_key if "clean" in counts.index else None,
        row_labels=vocab.quality_label,
    )
    shown = protected.table.iloc[:, 0]
    total, used = shown.get("input rows"), shown.get("clean")
    share = (
        "withheld"
        if pd.isna(used) or pd.isna(total) or not total
        else f"{100 * float(used) / float(total):.1f}%"
    )
    of = "" if pd.isna(total) else f" of {int(total):,}"
    finding = (
        f"{share}{of} extract rows were usable; every other row is accounted for "
        "as quarantined (with its reason) or a removed duplicate."
    )
    return Section(title, pillar, finding, [table, completeness])


def volumes(ctx: ForceContext) -> Section:
    """Crimes recorded per month with an XmR chart and its special-cause signals."""
    title, pillar = "Volumes and trends", "data_performance"
    if ctx.cases.empty:
        return _no_data(title, pillar, ctx)
    decisions = {}
    for freq in ("month", "quarter"):
        series = measures.recorded_volumes(ctx.cases, freq=freq)
        counts = series.set_index("period_start")["n"].rename("recorded")
        decisions[freq] = guarded_figure(ctx, counts, f"recorded crimes by {freq}")
    freq = next((f for f, d in decisions.items() if d.draw), "quarter")
    decision = decisions[freq]
    if not decision.draw:
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
        f"crimes a {freq}, {signal_sentence(chart, ctx)}"
    )
    items: list = [decision]
    if not ctx.publisher.collecting:
        items.insert(
            0,
            plots.spc_chart(
                chart,
                f"{ctx.subgroup} crimes recorded per {freq}: {signals}",
                f"Crimes recorded per {freq} (count)",
            ),
        )
    return Section(title, pillar, finding, items)


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
    counts.columns = [COHORT_COLUMN, ACTIVITY_COLUMN]

    def keys(row, column):
        if column != COHORT_COLUMN:
            return None
        return cohort_key(ctx, "recorded" if row == "Total" else row)

    protected, table = count_table(
        ctx,
        counts,
        "outcomes by group",
        f"Outcomes of {ctx.subgroup.lower()} crimes, {ctx.period_label} (each column is its "
        "own measure: do not add them)",
        margins="columns",
        keys=keys,
        priority=lambda r, c: (
            HEADLINE
            if c == COHORT_COLUMN and r == "Total"
            else 2
            if c == COHORT_COLUMN and r == CHARGED_GROUP
            else 1
        ),
    )
    shown = protected.table
    items: list = [table]
    shares = _shares(shown, ctx.measures["confidence_level"])
    if not ctx.publisher.collecting and len(shares) and shares["numerator"].sum() > 0:
        items.insert(
            0,
            plots.outcome_distribution_bar(
                shares, f"How {ctx.subgroup.lower()} crimes ended, {ctx.period_label}"
            ),
        )
    charged = shown[COHORT_COLUMN].get(CHARGED_GROUP)
    recorded = shown[COHORT_COLUMN].get("Total")
    rate = (
        None
        if charged is None or pd.isna(charged) or pd.isna(recorded) or not recorded
        else 100 * float(charged) / float(recorded)
    )
    n = "" if recorded is None or pd.isna(recorded) else f", n = {int(recorded):,}"
    if rate is not None:
        finding = (
            f"{rate:.1f}% of {ctx.subgroup.lower()} crimes recorded in {ctx.period_label} "
            f"have been charged so far (cohort measure{n})."
        )
    else:
        pooled = pooled_charge_rate(ctx)
        finding = (
            f"The charge rate for {ctx.period_label} alone is withheld by disclosure control"
            + (
                f"; over {pooled[0]}, {pooled[1]:.1f}% of {ctx.subgroup.lower()} crimes "
                f"recorded have been charged so far (n = {int(pooled[2]):,})."
                if pooled
                else "."
            )
        )
    return Section(title, pillar, finding, items)


def pooled_charge_rate(ctx: ForceContext) -> tuple[str, float, float] | None:
    """(label, %, crimes) of the charge rate so far pooled over every year, when published
    (the fallback headline when one year's figure must be withheld)."""
    found = pooled_estimate(ctx, "charge rate by cohort", "rate")
    return None if found is None else (found[0], found[1], found[4])


def _shares(shown: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Each published outcome count as a share of its published column total, for the bar
    chart (withheld counts are not drawn)."""
    rows = []
    for column, basis in ((COHORT_COLUMN, "cohort"), (ACTIVITY_COLUMN, "activity")):
        total = shown[column].get("Total")
        for group, count in shown[column].drop("Total", errors="ignore").items():
            if pd.isna(count) or pd.isna(total) or not total:
                continue
            low, high = (
                float(np.ravel(x)[0]) for x in proportion_ci(int(count), int(total), confidence)
            )
            rows.append(
                {
                    "outcome_group": group,
                    "basis": basis,
                    "numerator": int(count),
                    "denominator": int(total),
                    "value": int(count) / int(total),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows)


def _cohort_counts(ctx: ForceContext, year: str) -> tuple[str, str]:
    """Keys of the crimes recorded in ``year`` and of those charged so far (added when the
    outcomes table did not add them), for relations with counts that leave some out."""
    keys = cohort_key(ctx, "recorded", year=year), cohort_key(ctx, CHARGED_GROUP, year=year)
    if ctx.publisher.collecting:
        rows = ctx.cases[ctx.cases["financial_year"] == year]
        values = (len(rows), int(rows["charged"].fillna(False).astype(bool).sum()))
        for key, value in zip(keys, values, strict=True):
            if key not in ctx.publisher.ledger.cells:
                ctx.publisher.number(key, value, count=True, key=key)
        ctx.publisher.prioritise(keys[:1], HEADLINE)  # the crimes recorded: hidden last
    return keys


def _maturity(ctx: ForceContext, year: object) -> str:
    """Whether every crime of a recording year was followed a full year by the extraction."""
    extracted = pd.to_datetime(ctx.cases.get("extraction_date"), errors="coerce").max()
    try:
        end = year_end(str(year))
    except ParameterError:  # the pooled row ("all 3 years ...")
        return ""
    if pd.isna(extracted):
        return "unknown"
    return "still maturing" if end + pd.Timedelta(days=365) > extracted else "followed a year"


def _charge_within_a_year(cases: pd.DataFrame, years: list[str], level: float) -> list[pd.Series]:
    """Each year's charge within 365 days (Aalen-Johansen), as its estimate row."""
    rows = []
    for year in years:
        found = measures.cumulative_incidence(cases, year, horizons=(365,), confidence=level)
        rows.append(found[found["cause"] == "charge"].iloc[0])
    return rows


def _by_cohort(ctx: ForceContext):
    """Charge rate by year of recording: naive so far beside censoring-aware within a year,
    with every year pooled as a last row (published when a single year cannot be).

    Both rest on every crime recorded in the year (the same count as the outcomes table's):
    a crime without a usable date is in the cohort but followed for no time."""
    rows, years = [], sorted(ctx.cases["financial_year"].dropna().unique())
    level = ctx.measures["confidence_level"]
    by_year = ctx.remembered("charge_within_a_year", _charge_within_a_year, ctx.cases, years, level)
    for year, charge in zip(years, by_year, strict=True):
        cohort = ctx.cases[ctx.cases["financial_year"] == year]
        rows.append(
            {
                "cohort": year,
                "numerator": int(cohort["charged"].fillna(False).astype(bool).sum()),
                "denominator": len(cohort),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "within": int(charge["numerator"]),
                "estimate": float(charge["value"]),
                "est_low": float(charge["ci_low"]),
                "est_high": float(charge["ci_high"]),
                "followed": int(charge["n_at_risk"]),
            }
        )
    frame = pd.DataFrame(rows).set_index("cohort")
    pooled = f"all {len(years)} years ({years[0]} to {years[-1]})" if years else "all years"
    naive_frame = frame[["numerator", "denominator", "ci_low", "ci_high"]].copy()
    naive_frame.loc[pooled] = naive_frame.sum(numeric_only=True)
    low, high = proportion_ci(
        naive_frame["numerator"], naive_frame["denominator"], ctx.measures["confidence_level"]
    )
    naive_frame["ci_low"], naive_frame["ci_high"] = low, high
    name = "charge rate by cohort"
    for year in years:
        _cohort_counts(ctx, year)  # the same cells the outcomes table shows for its year

    def keyed(what):
        return lambda row, column: None if row == pooled else cohort_key(ctx, what, year=row)

    naive, _ = rate_table(
        ctx,
        naive_frame,
        name,
        "",
        labels={"numerator": "charged so far", "denominator": "crimes", "rate": "so far (%)"},
        num_keys=keyed(CHARGED_GROUP),
        den_keys=keyed("recorded"),
    )
    pooled_keys = {c: ctx.publisher.key(name, pooled, c) for c in ("numerator", "denominator")}
    # the fallback headline: hidden last
    ctx.publisher.prioritise(list(pooled_keys.values()), FALLBACK)
    if ctx.publisher.collecting:
        for column, what in (("numerator", CHARGED_GROUP), ("denominator", "recorded")):
            ctx.publisher.ledger.total(
                pooled_keys[column],
                [cohort_key(ctx, what, year=y) for y in years],
                "all years = sum of the years",
            )
    followed = frame["followed"] >= ctx.rules.min_survival_at_risk
    within_frame = frame.loc[followed, ["within", "denominator", "estimate", "est_low", "est_high"]]
    within_frame = pd.concat([within_frame, _pooled_within(ctx, pooled, years)])
    within_name = "charged within a year by cohort"

    def within_keys(what):
        years_keys = keyed(what)
        shared = pooled_keys["denominator"] if what == "recorded" else None
        return lambda row, column: shared if row == pooled else years_keys(row, column)

    within, _ = rate_table(
        ctx,
        within_frame.rename(
            columns={"within": "numerator", "est_low": "ci_low", "est_high": "ci_high"}
        ),
        within_name,
        "",
        estimate="estimate",
        num_keys=within_keys("charged within 365 days"),
        den_keys=within_keys("recorded"),
    )
    if pooled in within_frame.index:
        pooled_within = ctx.publisher.key(within_name, pooled, "numerator")
        ctx.publisher.prioritise([pooled_within], FALLBACK)
        parts = [cohort_key(ctx, "charged within 365 days", year=y) for y in years]
        present = [k for k in parts if k in ctx.publisher.ledger.cells]
        if ctx.publisher.collecting and present:
            if len(present) == len(parts):
                ctx.publisher.ledger.total(pooled_within, present, "all years = sum of the years")
            else:  # a year not yet followed long enough has no cell of its own
                ctx.publisher.ledger.relate(
                    {k: 1.0 for k in present} | {pooled_within: -1.0},
                    "<=",
                    0.0,
                    "all years >= years",
                )
    column = "within 365 days, censoring-aware (%)"
    table = naive.table[
        ["crimes", "charged so far", "so far (%)", "95% CI low", "95% CI high"]
    ].copy()
    mask = naive.mask.reindex(columns=table.columns, fill_value="")
    for source, target in (
        ("rate", column),
        ("95% CI low", "censoring-aware 95% CI low"),
        ("95% CI high", "censoring-aware 95% CI high"),
    ):
        table[target] = within.table[source].reindex(table.index)
        mask[target] = within.mask[source].reindex(table.index).fillna("")
    table["follow-up"] = [_maturity(ctx, year) for year in table.index]
    mask["follow-up"] = ""
    view = dataclasses.replace(naive, table=table, mask=mask)
    caption = (
        "Charge rate by year of recording: so far (naive, with its 95% interval) and within a "
        "year allowing for pending cases, with its 95% interval (blank: fewer than "
        f"{ctx.rules.min_survival_at_risk} crimes followed for a year yet). Years marked still "
        "maturing were not all followed for a year by the extraction date: their naive rate "
        "will rise as open cases close, so compare years on the censoring-aware rate"
    )
    rendered = render_table_html(
        view, caption, count_columns=["crimes", "charged so far"], rules=ctx.rules
    )
    return naive.table, pooled, rendered


def _pooled_within(ctx: ForceContext, pooled: str, years: list) -> pd.DataFrame:
    """Charge within a year of recording, censoring-aware, over every year's crimes
    together: the row a report falls back on when one year's estimate is withheld."""
    if len(years) < 2:
        return pd.DataFrame()
    found = measures.cumulative_incidence(
        ctx.cases, "all", horizons=(365,), confidence=ctx.measures["confidence_level"]
    )
    charge = found[found["cause"] == "charge"].iloc[0]
    if charge["n_at_risk"] < ctx.rules.min_survival_at_risk:
        return pd.DataFrame()
    row = {
        "within": int(charge["numerator"]),
        "denominator": int(ctx.cases["financial_year"].isin(years).sum()),
        "estimate": float(charge["value"]),
        "est_low": float(charge["ci_low"]),
        "est_high": float(charge["ci_high"]),
    }
    return pd.DataFrame([row], index=pd.Index([pooled], name="cohort"))


def pooled_estimate(
    ctx: ForceContext,
    name: str,
    column: str,
    *,
    row_start: str = "all ",
    n_name: str | None = None,
    n_column: str = "denominator",
) -> tuple[str, float, float | None, float | None, float] | None:
    """``(row label, value, low, high, n)`` of a table's pooled row (the first row whose
    label starts with ``row_start``, e.g. "all 3 years ...") as the release publishes
    it, or None when withheld or absent: what a report falls back on when one year's
    figure must be withheld. ``n`` is the row's ``n_column`` in table ``n_name``."""
    ledger = ctx.publisher.ledger
    prefix = make_key(ctx.force, name, row_start, "")
    prefix = prefix[: prefix.rindex(KEY_SEP)]
    rows = sorted({k.split(KEY_SEP)[2] for k in ledger.cells if k.startswith(prefix)})
    for label in rows:
        keys = [ctx.publisher.key(name, label, c) for c in (column, "ci_low", "ci_high")]
        n_key = ctx.publisher.key(n_name or name, label, n_column)
        if keys[0] not in ledger.cells or n_key not in ledger.cells:
            continue
        value, n = ctx.publisher.value_of(keys[0]), ctx.publisher.value_of(n_key)
        low, high = (ctx.publisher.value_of(k) if k in ledger.cells else None for k in keys[1:])
        if value is not None and n:
            return label, value, low, high, n
    return None


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
    view = charge[["numerator", "denominator", "value", "ci_low", "ci_high"]].copy()
    view["numerator"] = view["numerator"].round().astype("Int64")
    # every crime recorded in the period (the outcomes table's count); one without a usable
    # date is in the cohort but followed for no time
    view["denominator"] = len(ctx.in_period)
    name = "cumulative incidence of charge"
    recorded = cohort_key(ctx, "recorded")
    protected, rendered = rate_table(
        ctx,
        view,
        name,
        "Charged within each time since recording, pending cases censored (%); crimes without "
        "a usable date count as followed for no time; times with fewer than "
        f"{ctx.rules.min_survival_at_risk} crimes still followed are left out",
        labels={"numerator": "charged", "denominator": "crimes", "rate": "charged (%)"},
        estimate="value",
        nested="increasing",
        num_keys=lambda r, c: cohort_key(ctx, f"charged within {r} days"),
        den_keys=lambda r, c: recorded,
    )
    by_year, pooled, by_cohort = _by_cohort(ctx)
    items: list = [rendered, by_cohort]
    shown = protected.table["charged (%)"].dropna()
    if not ctx.publisher.collecting and len(shown) > 1:
        points = protected.table.dropna(subset=["charged (%)"])
        curve = pd.DataFrame(
            {
                "cause_id": "charge",
                "time": [0, *points.index],
                "value": [0.0, *(points["charged (%)"] / 100)],
                "ci_low": [0.0, *(points["95% CI low"] / 100)],
                "ci_high": [0.0, *(points["95% CI high"] / 100)],
            }
        )
        naive_rate = by_year["so far (%)"].get(ctx.period_label)
        naive = (
            None
            if naive_rate is None or pd.isna(naive_rate)
            else pd.DataFrame({"cause": ["charge"], "naive_value": [naive_rate / 100]})
        )
        items.insert(
            0,
            plots.incidence_chart(
                curve,
                "Open cases keep adding charges: the naive rate understates the final rate "
                "(published time points only)",
                naive=naive,
                causes=("charge",),
                max_days=365,  # the horizon the censoring-aware key measure quotes
            ),
        )
    elif not ctx.publisher.collecting:
        items.append("The incidence curve is not shown: too few published time points.")
    pending = (
        ctx.publisher.value_of(cohort_key(ctx, PENDING_GROUP))
        if _has_cohort(ctx, PENDING_GROUP)
        else 0.0
    )
    total = ctx.publisher.value_of(recorded)
    pending_text = (
        f"{100 * pending / total:.0f}% of crimes recorded in {ctx.period_label} are still pending"
        if pending is not None and total
        else f"The share of crimes recorded in {ctx.period_label} still pending is withheld"
    )
    naive_now = by_year["so far (%)"].get(ctx.period_label)
    naive_text = (
        "" if naive_now is None or pd.isna(naive_now) else f" (naive rate so far: {naive_now:.1f}%)"
    )
    if len(shown):
        horizon = shown.index[-1]
        finding = (
            f"{pending_text}; allowing for them, {shown[horizon]:.1f}% are charged within "
            f"{horizon} days of recording{naive_text}."
        )
    else:
        pooled_rate = by_year["so far (%)"].get(pooled)
        within = pooled_estimate(
            ctx, "charged within a year by cohort", "rate", n_name="charge rate by cohort"
        )
        fallback = (
            f" Over {within[0]}, allowing for cases still open, {within[1]:.1f}% of crimes "
            f"were charged within 365 days of recording (n = {int(within[4]):,})."
            if within is not None
            else f" Over {pooled}, {pooled_rate:.1f}% have been charged so far."
            if pooled_rate is not None and not pd.isna(pooled_rate)
            else ""
        )
        finding = (
            f"{pending_text}; too few charges to publish a censoring-aware estimate for "
            f"{ctx.period_label}.{fallback}"
        )
    return Section(title, pillar, finding, items)


#: The cohort cell of the crimes with a suspect identified (attrition's second stage).
SUSPECT_IDENTIFIED = "suspect identified"


def _has_cohort(ctx: ForceContext, group: str) -> bool:
    """Whether the outcomes table holds a cohort cell for ``group`` (it leaves out empty rows)."""
    return cohort_key(ctx, group) in ctx.publisher.ledger.cells


def attrition(ctx: ForceContext) -> Section:
    """Recorded -> suspect identified -> arrested/interviewed -> referred to CPS -> charged."""
    title, pillar = "Attrition", "suspect_focus"
    if ctx.period is None:
        return _no_data(title, pillar, ctx)
    stages = measures.attrition(ctx.cases, ctx.period)
    table = stages.set_index("stage_label")
    table.index.name = "stage"
    protected, rendered = rate_table(
        ctx,
        table[["numerator", "denominator", "ci_low", "ci_high"]],
        "attrition",
        f"Crimes recorded in {ctx.period_label} reaching each stage (% of recorded)",
        labels={"numerator": "crimes", "denominator": "recorded", "rate": "% of recorded"},
        nested="decreasing",
        den_keys=lambda r, c: cohort_key(ctx, "recorded"),
        # the first stage is every crime recorded: the same count as the denominator; the
        # crimes with a suspect identified are the base of the suspect measures too, and the
        # last stage is the charge rate's numerator (the outcomes table's charged cohort)
        num_keys=lambda r, c: (
            cohort_key(ctx, "recorded")
            if r == stages.iloc[0]["stage_label"]
            else cohort_key(ctx, SUSPECT_IDENTIFIED)
            if r == "Suspect identified"
            else cohort_key(ctx, CHARGED_GROUP)
            if r == stages.iloc[-1]["stage_label"]
            else None
        ),
    )
    shown = protected.table
    items = [
        rendered,
        "A crime counts at a stage when it reached that stage or a later one: a crime referred "
        "to the CPS or charged counts as arrested or interviewed even where no arrest is "
        "recorded. So the number arrested or interviewed here can be higher than the one "
        'behind the summary\'s "Suspect arrested or interviewed", which counts the recorded '
        "arrest flag among crimes with a suspect identified (and is a share of those crimes, "
        "not of every crime recorded).",
    ]
    if ctx.publisher.collecting:
        pass
    elif not shown["crimes"].isna().any():
        drawn = stages.assign(
            numerator=shown["crimes"].to_numpy(), value=(shown["% of recorded"] / 100).to_numpy()
        )
        items.insert(
            0,
            plots.attrition_chart(
                drawn, f"Attrition of {ctx.subgroup.lower()} crimes, {ctx.period_label}"
            ),
        )
    else:
        items.append("The attrition chart is not shown because a stage count is withheld.")
    cps = shown["% of recorded"].get("Referred to the CPS")
    finding = f"{_pct(cps)} of crimes recorded in {ctx.period_label} have been referred to the CPS."
    return Section(title, pillar, finding, items)
