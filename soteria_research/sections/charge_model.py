"""The charge model in the reports: a force's own model, the model pooled over every force,
and, for a force whose data cannot support a model of its own, what the pooled model says
about it.

The pooled model (national report) has a term per year of recording and a term per force
coded against the average force (:mod:`soteria_research.measures.model`). It is fitted
once, in the national section; in the release's collect pass that section publishes, for
every force whose own model is refused below the events-per-parameter rule, the pooled
model's estimates for it (its force term and the characteristics' odds ratios) as cells of
that force's unit (:data:`POOLED_OUTPUT`), so that they are protected with the rest of the
release. The force's report reads them back in its render pass, labelled as pooled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from soteria_research import formatting, measures, plots
from soteria_research.disclosure import check_regression, render_table_html
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.suppression import Protected
from soteria_research.measures.model import DEFAULT_PREDICTORS, pooled_estimates
from soteria_research.reference import vocabulary as vocab
from soteria_research.release import make_key
from soteria_research.release.ledger import KEY_SEP
from soteria_research.release.publisher import COLLECT, Publisher
from soteria_research.sections.display import Section, model_note, model_view

PILLAR = "suspect_focus"
#: Predictors of every charge model; a pooled one adds ``force``.
PREDICTORS = (*DEFAULT_PREDICTORS, "financial_year")
#: The output, in a force's unit, holding the pooled model's estimates for that force.
POOLED_OUTPUT = "charge model, pooled over every force"
#: Published columns of those estimates (besides ``crimes``, the crimes behind each row).
ESTIMATES = ("odds_ratio", "ci_low", "ci_high", "p_value")


def model_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The options of every charge model in the reports, from the measure settings."""
    return {
        "period": "all",
        "min_events_per_parameter": settings["min_events_per_parameter"],
        "confidence": settings["confidence_level"],
        "age_bands": settings["age_bands"],
        "horizon_days": int(settings["charge_model_horizon_days"]),
    }


def charge_model_section(ctx: Any, cases: pd.DataFrame, title: str, who: str) -> Section:
    """The logistic regression of charge over all years of ``cases``, as a section.

    Over several forces the model has a term per force (against the average force) and,
    in the collect pass, publishes its estimates for each force refused a model of its
    own. A force's own model is refused (with the reason) below the events-per-parameter
    threshold, and its report then shows the pooled model's estimates for it; a model is
    withheld when it fails disclosure control (residual degrees of freedom).
    """
    settings, options = ctx.measures, model_options(ctx.measures)
    horizon = options["horizon_days"]
    pooled = cases["force"].nunique() > 1
    predictors = [*PREDICTORS, "force"] if pooled else list(PREDICTORS)
    deviation = ("force",) if pooled else ()

    def fit() -> Any:
        return measures.charge_model(cases, predictors=predictors, deviation=deviation, **options)

    # fitted once, in the release stage, and read back when the report renders; keyed by
    # the context's data and by which crimes ``cases`` holds (a bare context fits afresh)
    if hasattr(ctx, "remembered"):
        crimes = int(pd.util.hash_pandas_object(cases["crime_id"], index=False).sum())
        key = (len(cases), crimes, tuple(predictors), deviation)
        result = ctx.remembered("charge_model", fit, key=key)
    else:
        result = fit()
    basis = (
        f"charged within {horizon} days of recording, among crimes recorded at least {horizon} "
        "days before the extraction (pending ones included), with a term per year of recording"
        + (" and per force, each force against the average force" if pooled else "")
    )
    if result.refused:
        why = (
            f"fewer than {settings['min_events_per_parameter']} charges (and non-charges) per "
            "characteristic estimated"
            if result.events
            else f"no crimes followed {horizon} days"
        )
        refusal = f"The charge model is not fitted for {who}: {why}."
        return Section(title, PILLAR, refusal) if pooled else borrowed_section(ctx, title, refusal)
    check = check_regression(
        result.n - result.parameters - 1, ctx.rules, name=f"charge model: {who}"
    )
    ctx.log.add(check.log_entry)
    if not check.passed:
        return Section(title, PILLAR, f"The charge model is withheld: {'; '.join(check.reasons)}")
    terms = result.table[result.table["variable"] != "(intercept)"]  # the baseline odds
    name = model_output(who)
    refused = refused_forces(cases, ctx.measures) if pooled else []
    protected = publish_model(ctx, terms, name)
    shown = protected.table
    view = model_view(shown[list(ESTIMATES)])
    view.insert(0, "Crimes", shown["crimes"].astype("Float64").round().astype("Int64").to_numpy())
    names = vocab.labels("model_column")
    mask = protected.mask.copy()
    mask.columns = ["Crimes", *[names.get(c, c) for c in ESTIMATES]]
    mask.index = view.index
    rendered = render_table_html(
        Protected(name, view[mask.columns], mask, protected.log_entry),
        f"Odds ratios of charge within {horizon} days, all years ({basis}). Crimes: the crimes "
        "at each level",
        count_columns=["Crimes"],
        rules=ctx.rules,
        digits=2,
    )
    published = terms.set_index("term").assign(**{c: shown[c] for c in ESTIMATES})
    published = published.dropna(subset=["odds_ratio", "ci_low", "ci_high"]).reset_index()
    figure = (
        None
        if ctx.publisher.collecting or published.empty
        else plots.forest_plot(
            published, f"Odds of charge by victim and offence characteristics, {who}"
        )
    )
    own_terms = published["variable"].isin(["financial_year", "force"])
    traits = published[~own_terms]
    significant = traits[(traits["ci_low"] > 1) | (traits["ci_high"] < 1)]
    all_traits = int((~terms["variable"].isin(["financial_year", "force"])).sum())
    withheld = all_traits - len(traits)
    finding = (
        f"Across all years, {len(significant)} of {len(traits)} victim and offence "
        + ("characteristic changes" if len(traits) == 1 else "characteristics change")
        + f" the odds of charge within {horizon} days beyond chance (95% intervals exclude 1; "
        "the intercept, the baseline odds, and the year"
        + (" and force" if pooled else "")
        + " terms are not counted"
        + (
            f"; {formatting.plural(withheld, 'characteristic')} withheld by disclosure control"
            if withheld
            else ""
        )
        + ")."
    )
    notes = [model_note(n) for n in result.notes]
    if pooled:
        notes.append(publish_pooled(ctx, cases, result, name, refused))
    items = [figure, rendered, *notes] if figure is not None else [rendered, *notes]
    return Section(title, PILLAR, finding, items)


def refused_forces(cases: pd.DataFrame, settings: Mapping[str, Any]) -> list[str]:
    """The forces of ``cases`` whose own charge model would be refused (no fit needed)."""
    options = model_options(settings)
    reasons = measures.model.refusal_reasons(cases, predictors=list(PREDICTORS), **options)
    return [str(force) for force, reason in reasons.items() if reason]


def pooled_frame(result: measures.model.ModelResult, force: str) -> pd.DataFrame:
    """The pooled model's estimates for one force as published: ``term`` index, ``crimes``
    (behind each row) and :data:`ESTIMATES`; empty when the force is not in the model."""
    rows = pooled_estimates(result, force, own=("financial_year",))
    frame = rows.set_index("term")[["n_level", *ESTIMATES]].rename(columns={"n_level": "crimes"})
    return frame.astype(float)


def model_output(who: str) -> str:
    """The release output of a fitted charge model's table."""
    return f"charge model: {who}"


def publish_model(ctx: Any, terms: pd.DataFrame, name: str) -> Protected:
    """A fitted model's odds ratios through the release: each term's crimes (at that
    level) a count cell, its estimates withheld with it and below the minimum number of cases
    for a statistic."""
    frame = terms.set_index("term")[["n_level", *ESTIMATES]].rename(columns={"n_level": "crimes"})
    protected = ctx.publisher.statistics(frame.astype(float), name, list(ESTIMATES), "crimes")
    ctx.log.add(protected.log_entry)
    return protected


def publish_pooled(
    ctx: Any,
    cases: pd.DataFrame,
    result: measures.model.ModelResult,
    name: str,
    refused: Sequence[str],
) -> str:
    """In the collect pass, add the pooled model's estimates for each force refused a model
    of its own to that force's unit of the release (a characteristic's crimes and estimates
    are the same cells as the pooled table's, ``name``); returns the sentence saying so."""
    placed = 0
    for force in refused:
        frame = pooled_frame(result, force)
        if frame.empty:
            continue
        placed += 1
        if ctx.publisher.collecting:
            unit = Publisher(force, ctx.publisher.ledger, COLLECT, ctx.rules)
            unit.statistics(frame, POOLED_OUTPUT, list(ESTIMATES), "crimes")
            for row in frame.index:  # each row's crimes are the pooled table's
                ctx.publisher.ledger.same(
                    unit.key(POOLED_OUTPUT, row, "crimes"),
                    ctx.publisher.key(name, row, "crimes"),
                    "the pooled model's row for a force is the pooled table's",
                )
    return pooled_note(cases["force"].nunique(), len(refused), placed)


def pooled_note(total: int, refused: int, placed: int) -> str:
    """The national report's sentence on the forces refused a model of their own
    (``refused`` of ``total``) and how many of them the pooled model covers (``placed``).

    >>> pooled_note(43, 1, 1)
    "1 of 43 forces has too few charges for a model of its own; its report shows this \
model's estimates for it, labelled as pooled (its force term against the average force, \
and the characteristics' odds ratios shared by every force)."
    """
    if refused == 0:
        return f"Each of the {total} forces has enough charges for a model of its own."
    one = refused == 1
    who = (
        f"All {total} forces have"
        if refused == total and not one
        else f"{refused} of {total} forces " + ("has" if one else "have")
    )
    what = (
        "labelled as pooled (its force term against the average force, and the "
        "characteristics' odds ratios shared by every force)"
    )
    if placed == refused:
        shown = ("its report shows" if one else "their reports show") + (
            f" this model's estimates for {'it' if one else 'them'}, {what}"
        )
    elif placed == 0:
        shown = (
            f"{'it has' if one else 'none of them has'} crimes followed long enough to be in "
            "this model either"
        )
    else:
        missing = refused - placed
        shown = (
            f"the reports of {placed} of them show this model's estimates for them, {what}; "
            f"{missing} {'has' if missing == 1 else 'have'} no crimes followed long enough "
            "to be in this model"
        )
    return f"{who} too few charges for a model of {'its' if one else 'their'} own; {shown}."


def _published_rows(ctx: Any) -> list[str]:
    """The terms published for this force from the pooled model, force term first."""
    prefix = KEY_SEP.join((ctx.force, POOLED_OUTPUT)) + KEY_SEP
    rows = [
        key[len(prefix) :].rsplit(KEY_SEP, 1)[0]
        for key in list(ctx.publisher.ledger.cells)
        if key.startswith(prefix)
    ]
    rows = list(dict.fromkeys(rows))
    order = {name: i for i, name in enumerate(("force", *PREDICTORS))}
    return sorted(rows, key=lambda t: (order.get(t.split("[")[0], len(order)), t))


def _read_back(ctx: Any, rows: list[str]) -> Protected:
    """The published estimates (``NA`` where withheld) with their mask."""
    columns = ["crimes", *ESTIMATES]
    values = pd.DataFrame(index=pd.Index(rows, name="term"), columns=columns, dtype=float)
    mask = pd.DataFrame("", index=values.index, columns=columns)
    for row in rows:
        for column in columns:
            key = make_key(ctx.force, POOLED_OUTPUT, row, column)
            value = ctx.publisher.value_of(key)
            values.at[row, column] = float("nan") if value is None else value
            mask.at[row, column] = ctx.publisher.ledger.lookup(key).status
    cells = [
        {"row": r, "column": c, "suppression": m, "reason": ""}
        for (r, c), m in mask.stack().items()
        if m
    ]
    entry = make_entry(
        POOLED_OUTPUT,
        "statistic",
        "protected" if cells else "pass",
        ctx.rules,
        thresholds=("min_cell_count",),
        rules_applied=["whole-release protection (published in the national collect pass)"],
        summary=f"{len(cells)} cell(s) withheld" if cells else "nothing withheld",
        cells=cells,
    )
    return Protected(POOLED_OUTPUT, values, mask, entry)


def borrowed_section(ctx: Any, title: str, refusal: str) -> Section:
    """A force refused a model of its own: the pooled model's estimates for it, read back
    from the release (none in the collect pass, or when the release has none for it)."""
    rows = [] if ctx.publisher.collecting else _published_rows(ctx)
    if not rows:
        return Section(title, PILLAR, refusal)
    protected = _read_back(ctx, rows)
    ctx.log.add(protected.log_entry)
    horizon = int(ctx.measures["charge_model_horizon_days"])
    force_term = rows[0] if rows[0].startswith("force[") else None
    view = model_view(protected.table[list(ESTIMATES)])
    crimes = protected.table["crimes"].astype("Float64").round().astype("Int64")
    view.insert(0, "Crimes", crimes.to_numpy())
    labels = [
        f"{ctx.force} against the average force (pooled)"
        if t == force_term
        else f"{vocab.term_label(t)} (pooled)"
        for t in rows
    ]
    view.index = pd.Index(labels, name=view.index.name)
    view["p-value"] = [
        formatting.p_value(p) if pd.notna(p) else pd.NA for p in protected.table["p_value"]
    ]
    names = vocab.labels("model_column")
    mask = protected.mask.copy()
    mask.columns = ["Crimes", *[names.get(c, c) for c in ESTIMATES]]
    mask.index = view.index
    shown = Protected(POOLED_OUTPUT, view[mask.columns], mask, protected.log_entry)
    rendered = render_table_html(
        shown,
        f"Estimates for {ctx.force} from the charge model pooled over every force (not a model "
        f"of the force's own): odds ratios of charge within {horizon} days of recording, among "
        f"crimes recorded at least {horizon} days before the extraction, with a term per year "
        "and per force (each force against the average force); the characteristics' odds "
        "ratios are shared by every force. Crimes: the force's crimes in the model on its own "
        "row, every force's crimes at that level on the others",
        count_columns=["Crimes"],
        rules=ctx.rules,
        digits=2,
    )
    return Section(
        title, PILLAR, refusal + " " + _pooled_sentence(ctx, protected, force_term), [rendered]
    )


def _pooled_sentence(ctx: Any, protected: Protected, force_term: str | None) -> str:
    """What the pooled model says about the force, from its published force term."""
    horizon = int(ctx.measures["charge_model_horizon_days"])
    if force_term is None:
        return "The model pooled over every force has no term for it."
    row = protected.table.loc[force_term]
    if pd.isna(row["odds_ratio"]):
        return (
            "In the charge model pooled over every force its estimate is withheld by "
            "disclosure control."
        )
    low, high = row["ci_low"], row["ci_high"]
    if pd.isna(low) or pd.isna(high):
        judgement = " (its interval is withheld by disclosure control)"
    elif low > 1 or high < 1:
        side = "higher" if low > 1 else "lower"
        judgement = (
            f" (95% CI {low:.2f} to {high:.2f}): {side} than the average force beyond chance"
        )
    else:
        judgement = f" (95% CI {low:.2f} to {high:.2f}): not distinguishable from the average force"
    return (
        f"In the charge model pooled over every force, {ctx.force}'s odds of charge within "
        f"{horizon} days are {row['odds_ratio']:.2f} times those of the average force, other "
        f"characteristics and the year held equal{judgement}. This is a pooled estimate, not "
        "a model of the force's own."
    )


__all__ = [
    "POOLED_OUTPUT",
    "borrowed_section",
    "charge_model_section",
    "model_options",
    "publish_pooled",
    "refused_forces",
]
