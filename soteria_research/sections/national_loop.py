"""National report sections of the improvement loop: the programme's evaluation and what
worked where.

``evaluation`` asks whether joining Operation Soteria was followed by change in the key
measures beyond what forces not yet in the programme show at the same time: group-time
effects with not-yet-joined forces as controls (Callaway and Sant'Anna; see
:mod:`soteria_research.measures.evaluation`), by phase and by quarters since joining,
with the control measure (ISVA referral) that the programme is not expected to move.
``learning`` lists, for each pillar, the forces whose self-rated maturity rose most
between rounds and the actions their plans record.

Every number goes through the release: the crimes behind each estimate are national
count cells tied to the force-quarter cells the force reports publish (national = sum of
the forces' quarters), and each estimate and interval is withheld with them. Ratings and
the number of forces describe no person and rest on no count.
"""

from __future__ import annotations

import math

import pandas as pd

from soteria_research import formatting, reference
from soteria_research.disclosure import render_table_html
from soteria_research.ingest.plan import load_plans
from soteria_research.ingest.rounds import order_rounds
from soteria_research.measures import rounds
from soteria_research.measures.evaluation import staggered_effects
from soteria_research.measures.learning import learning_table
from soteria_research.measures.panel import adoption_quarters, quarter_panel
from soteria_research.reference.phases import NATIONAL_PHASE
from soteria_research.sections.display import Section, pillar_name
from soteria_research.sections.loop import measure_label, quarter_key

#: The measure the programme aims to move and the control measure it should not.
OUTCOME, CONTROL = "arrest_share", "isva_share"
PHASE_WORDS = {
    "pathfinder": "pathfinder",
    "deep_dive": "deep-dive forces",
    "expansion": "supported self-assessment",
    NATIONAL_PHASE: "National Operating Model only",
}
CAVEATS = (
    "Read with care: forces were not chosen at random to join the programme, so forces "
    "that joined may differ from the others in ways that change their measures anyway; "
    "national changes at the same time (the Rape Review, joint police and CPS work) are "
    "removed only insofar as they touched every force alike; every force adopted the "
    "National Operating Model in July 2023, so after that no force is left to compare "
    "with and those quarters give no estimate; a phase of a handful of forces speaks for "
    "those forces only; dates marked illustrative in the programme phases are assumptions.",
    "An event counts only when it came within the follow-up after recording, and quarters "
    "without the whole follow-up by the extraction date are left out, so recent quarters "
    "are not biased low by cases still open. Intervals come from a two-stage bootstrap: "
    "forces are resampled within a phase of {min_forces} or more forces (each force's whole "
    "series together), and every force's quarterly counts are redrawn for their own sampling "
    "error; a phase of fewer than {min_forces} forces keeps its forces, so its interval "
    "describes those forces, not how other forces might have responded. A two-way "
    "fixed-effects regression is not used: "
    "with staggered adoption it compares later joiners with forces already changed.",
)


def _fact(ctx, name: str, value) -> float | None:
    value = float("nan") if value is None or pd.isna(value) else float(value)
    return ctx.publisher.number(name, value)


def _panel(ctx, measure: str) -> pd.DataFrame:
    return quarter_panel(
        ctx.cases, measure, int(ctx.measures["evaluation_follow_up_days"]), subgroup=None
    )


def _relate(ctx, key: str, panel: pd.DataFrame, cells: list[tuple[list[str], str]], measure):
    """National count ``key`` = the sum of the force-quarter cells it pools, when every
    force's cell is in the release and they add up (else at least each of them)."""
    pub = ctx.publisher
    column = "numerator" if key.endswith("numerator") else "denominator"
    parts = [
        quarter_key(force, ctx.subgroup, measure, quarter, column)
        for forces, quarter in cells
        for force in forces
    ]
    known = [p for p in parts if p in pub.ledger.cells]
    if not known:
        return
    total = sum(pub.ledger.lookup(p).value for p in known)
    if len(known) == len(parts) and math.isclose(total, pub.ledger.lookup(key).value):
        pub.ledger.total(key, known, "national = sum of the forces' quarters")
    else:
        for part in known:
            pub.ledger.at_most(part, key, "a force's quarter within the national count")


def _estimates(ctx, measure: str):
    """The staggered-adoption estimates of a measure, with the cells each rests on (once
    per context and measure: the bootstrap is the costly part)."""
    cache = ctx.cache.setdefault("evaluation", {})
    if measure not in cache:
        cache[measure] = _estimate(ctx, measure)
    return cache[measure]


def _estimate(ctx, measure: str):
    """Computed once, in the release stage, and read back when the report renders."""
    return ctx.remembered("evaluation", lambda: _estimated(ctx, measure), key=(measure,))


def _estimated(ctx, measure: str):
    panel = _panel(ctx, measure)
    if panel.empty:
        return None, None, None
    forces = sorted(set(panel["force"].astype(str)))
    adoption = adoption_quarters(reference.programme_phases(), forces)
    panel = panel[panel["force"].isin(adoption["force"])]
    result = staggered_effects(
        panel,
        adoption,
        None,
        int(ctx.measures["evaluation_bootstrap"]),
        int(ctx.measures["evaluation_seed"]),
        float(ctx.measures["confidence_level"]),
        min_forces=int(ctx.measures["evaluation_min_forces"]),
    )
    return panel, adoption, result


def _publish_rows(ctx, name: str, frame: pd.DataFrame, pooled, measure, panel) -> pd.DataFrame:
    """Estimates with the crimes behind them through the release: counts (related to the
    force quarters they pool), then estimate and interval withheld with them."""
    pub = ctx.publisher
    out = []
    for label, row in frame.iterrows():
        keys = []
        shown = {}
        for column in ("numerator", "denominator"):
            key = pub.key(name, label, column)
            shown[column] = pub.number(key, float(row[column]), count=True, key=key)
            keys.append(key)
            if pub.collecting:
                _relate(ctx, key, panel, pooled[label], measure)
        for column in ("estimate", "ci_low", "ci_high"):
            key = pub.key(name, label, column)
            shown[column] = pub.number(key, 100 * float(row[column]), keys, key=key)
        shown["forces"] = _fact(ctx, f"{name}: {label}: forces", row["n_forces"])
        out.append(shown)
    return pd.DataFrame(out, index=frame.index)


def _pooled_cells(adoption: pd.DataFrame, group_time: pd.DataFrame, select) -> list:
    """(forces, quarter) of every group-time cell ``select`` keeps (what a row pools)."""
    cohorts = adoption.groupby("adoption_quarter")["force"].apply(list)
    rows = group_time[select(group_time)]
    return [(cohorts.get(r.cohort, []), r.quarter) for r in rows.itertuples(index=False)]


def _phase_of(adoption: pd.DataFrame) -> dict[str, str]:
    firsts = adoption.drop_duplicates("adoption_quarter")
    return {
        q: PHASE_WORDS.get(p, p)
        for q, p in zip(firsts["adoption_quarter"], firsts["phase"], strict=True)
    }


COHORT_TABLE = "evaluation by phase: {measure}"


def _by_cohort(adoption: pd.DataFrame, result) -> pd.DataFrame:
    """The cohort estimates indexed by their label (``deep-dive forces (joined 2021Q3)``)."""
    phase = _phase_of(adoption)
    return result.cohort.assign(
        label=lambda f: [f"{phase.get(c, c)} (joined {c})" for c in f["cohort"]]
    ).set_index("label")


def _measure_table(ctx, measure: str):
    """The by-phase and by-event-time tables of one measure, published."""
    panel, adoption, result = _estimates(ctx, measure)
    if result is None:
        return None, None
    gt = result.group_time
    by_cohort = _by_cohort(adoption, result)
    pooled = {
        label: _pooled_cells(
            adoption, gt, lambda g, c=cohort: (g["cohort"] == c) & (g["event_time"] >= 0)
        )
        for label, cohort in zip(by_cohort.index, by_cohort["cohort"], strict=True)
    }
    cohort_name = COHORT_TABLE.format(measure=measure)
    cohorts = _publish_rows(ctx, cohort_name, by_cohort, pooled, measure, panel)
    event = result.event.assign(label=lambda f: [f"{int(e):+d}" for e in f["event_time"]])
    event = event.set_index("label")
    pooled = {
        label: _pooled_cells(adoption, gt, lambda g, e=int(e): g["event_time"] == e)
        for label, e in zip(event.index, event["event_time"], strict=True)
    }
    events = _publish_rows(ctx, f"evaluation by quarters since joining: {measure}", event,
                           pooled, measure, panel)  # fmt: skip
    return cohorts, events


def _view(table: pd.DataFrame, first: str) -> pd.DataFrame:
    view = table.rename(
        columns={
            "denominator": "crimes (joined forces)",
            "numerator": "with the event",
            "estimate": "effect (points)",
            "ci_low": "95% CI low",
            "ci_high": "95% CI high",
        }
    )
    view = view[["forces", "crimes (joined forces)", "with the event", "effect (points)",
                 "95% CI low", "95% CI high"]]  # fmt: skip
    view.index.name = first
    for column in ("forces", "crimes (joined forces)", "with the event"):
        view[column] = pd.array(view[column], dtype="Float64").round().astype("Int64")
    return view


def event_points(events: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The event-study estimates to draw (every figure of the row published) and the
    event times withheld, as labels (``"+3"``)."""
    published = events[["estimate", "ci_low", "ci_high"]].notna().all(axis=1)
    return events[published], [str(i) for i in events.index[~published]]


def _no_interval(ctx, measure: str) -> list[str]:
    """Event times (``"+3"``) whose estimate has no interval for want of any sampling
    variation (a property of the estimator, not a published number)."""
    _, _, result = _estimates(ctx, measure)
    event = result.event
    bare = event["estimate"].notna() & event["ci_low"].isna() & (event["se"] == 0)
    return [f"{int(e):+d}" for e in event.loc[bare, "event_time"]]


def _event_words(labels: list[str]) -> str:
    quarters = [f"{int(label):+d}" for label in labels]
    head = ", ".join(quarters[:-1])
    listed = f"{head} and {quarters[-1]}" if head else quarters[-1]
    return f"quarter(s) {listed}"


def evaluation(ctx) -> Section:
    """Was joining the programme followed by change beyond what other forces showed at the
    same time? The arrest share (the outcome) and ISVA referral (the control)."""
    title, pillar = "Evaluation of the programme", "suspect_focus"
    if ctx.cases.empty or "extraction_date" not in ctx.cases.columns:
        return Section(title, pillar, "No case data to evaluate the programme.")
    items: list = []
    summary = {}
    for measure in (OUTCOME, CONTROL):
        cohorts, events = _measure_table(ctx, measure)
        if cohorts is None:
            continue
        label = measure_label(measure)
        role = "outcome" if measure == OUTCOME else "control measure"
        items.append(
            render_table_html(
                _view(cohorts, "phase joined"),
                f"{label} ({role}): change after joining beyond forces not yet joined, by "
                "phase (percentage points; quarters from joining until every force had "
                "joined)",
                count_columns=["crimes (joined forces)", "with the event"],
                rules=ctx.rules,
            )
        )
        items.append(
            render_table_html(
                _view(events, "quarters since joining"),
                f"{label} ({role}) by quarters since joining (before joining: placebo "
                "checks, expected near zero)",
                count_columns=["crimes (joined forces)", "with the event"],
                rules=ctx.rules,
            )
        )
        if not ctx.publisher.collecting:
            from soteria_research import plots_loop

            drawn, withheld = event_points(events)
            spread = _no_interval(ctx, measure)
            withheld = [label for label in withheld if label not in spread]
            if spread:
                items.append(
                    f"{label}: no interval for {_event_words(spread)} since joining: every "
                    "share behind it is 0 or 100%, so there is no sampling variation to set "
                    "one by."
                )
            if len(drawn):
                items.append(
                    plots_loop.event_study_chart(
                        drawn,
                        f"{label}: change by quarters since joining ({role})",
                        label,
                        withheld,
                    )
                )
            if withheld:
                items.append(
                    f"{label}: the estimate for {_event_words(withheld)} since joining is "
                    "withheld by disclosure control; the chart marks it and draws the others."
                )
        summary[measure] = cohorts
    min_forces = int(ctx.measures["evaluation_min_forces"])
    items.extend(caveat.format(min_forces=min_forces) for caveat in CAVEATS)
    return Section(title, pillar, _evaluation_finding(summary), items)


def _evaluation_finding(summary: dict) -> str:
    def words(measure: str) -> str:
        table = summary.get(measure)
        if table is None:
            return f"{measure_label(measure).lower()}: no estimate"
        shown = table.dropna(subset=["estimate", "ci_low", "ci_high"])
        clear = shown[(shown["ci_low"] > 0) | (shown["ci_high"] < 0)]
        if clear.empty:
            return (
                f"{measure_label(measure).lower()}: no phase's change lies beyond its 95% interval"
            )
        return f"{measure_label(measure).lower()}: " + "; ".join(
            f"{label} {row.estimate:+.1f} points (95% CI {row.ci_low:+.1f} to {row.ci_high:+.1f})"
            for label, row in clear.iterrows()
        )

    return (
        "After joining Operation Soteria, compared with forces not yet joined at the same "
        f"time: {words(OUTCOME)}; control, {words(CONTROL)}."
    )


def _latest_pair(assessment: pd.DataFrame) -> tuple[str, str] | None:
    labels = order_rounds(assessment["round"].astype(str))
    return (labels[-2], labels[-1]) if len(labels) > 1 else None


def _learning(ctx, pair: tuple[str, str]) -> pd.DataFrame:
    """The learning table of the rounds ``pair`` (once per context)."""
    if "learning" not in ctx.cache:

        def table() -> pd.DataFrame:
            changes = rounds.round_change(
                ctx.assessment,
                "self",
                from_round=pair[0],
                to_round=pair[1],
                confidence=float(ctx.measures["confidence_level"]),
            )
            return learning_table(changes, load_plans())

        ctx.cache["learning"] = ctx.remembered("learning", table, key=pair)
    return ctx.cache["learning"]


def learning(ctx) -> Section:
    """What worked where: for each pillar, the forces whose self-rated maturity rose most
    between rounds, with the actions their plans record, and the change across forces."""
    title, pillar = "What worked where", "learning_wellbeing"
    from soteria_research.sections.summary import national_findings

    pair = _latest_pair(ctx.assessment) if not ctx.assessment.empty else None
    if pair is None:
        national_findings(ctx)  # the evaluation's evidence rows
        return Section(title, pillar, "Only one self-assessment round has been returned.")
    level = float(ctx.measures["confidence_level"])
    # its Wilcoxon tests are exact (permutations) with few forces: computed once, in the
    # release stage, and read back when the report renders
    national = ctx.remembered(
        "national_round_change",
        lambda: rounds.national_round_change(ctx.assessment, *pair, confidence=level),
        key=pair,
    )
    across = []
    for row in national.itertuples(index=False):
        name = f"maturity change across forces {pair[0]} to {pair[1]}: {row.pillar}"
        across.append(
            {
                "pillar": pillar_name(row.pillar),
                "forces": _fact(ctx, f"{name}: forces", row.denominator),
                "mean change": _fact(ctx, f"{name}: value", row.value),
                "95% CI low": _fact(ctx, f"{name}: ci_low", row.ci_low),
                "95% CI high": _fact(ctx, f"{name}: ci_high", row.ci_high),
                "forces up": _fact(ctx, f"{name}: improved", row.improved),
                "forces down": _fact(ctx, f"{name}: worsened", row.worsened),
            }
        )
    across = pd.DataFrame(across).set_index("pillar")
    for column in ("forces", "forces up", "forces down"):
        across[column] = pd.array(across[column], dtype="Float64").round().astype("Int64")
    table = _learning(ctx, pair)
    rows = []
    for row in table.itertuples(index=False):
        name = f"learning table {pair[0]} to {pair[1]}: {row.pillar}: {row.force}"
        rows.append(
            {
                "pillar": pillar_name(row.pillar),
                "rank": int(row.rank),
                "force": row.force,
                "change": _fact(ctx, f"{name}: value", row.value),
                "95% CI low": _fact(ctx, f"{name}: ci_low", row.ci_low),
                "95% CI high": _fact(ctx, f"{name}: ci_high", row.ci_high),
                "actions (done)": f"{int(row.actions)} ({int(row.actions_done)})",
                "what they did": row.action_texts or "no action recorded",
            }
        )
    learned = pd.DataFrame(rows)
    items: list = [
        render_table_html(
            across,
            f"Self-rated maturity across forces, rounds {pair[0]} to {pair[1]}: mean paired "
            "change over the forces rated in both (t-interval)",
            count_columns=[],
            rules=ctx.rules,
            digits=2,
        )
    ]
    if len(learned):
        items.append(
            render_table_html(
                learned.set_index(["pillar", "rank"]),
                f"The forces whose self-rated maturity rose most, rounds {pair[0]} to "
                f"{pair[1]}, and the actions their plans record",
                count_columns=[],
                rules=ctx.rules,
                digits=2,
            )
        )
    items.append(
        "Where to look, not what caused what: a rise in self-rated maturity is the force's "
        "own view, and a plan's actions are what the force recorded."
    )
    shown = across.dropna(subset=["95% CI low"])
    rose = shown.index[shown["95% CI low"] > 0].tolist()
    n_learned = learned["force"].nunique() if len(learned) else 0
    finding = (
        f"Between rounds {pair[0]} and {pair[1]}, self-rated maturity across forces rose "
        f"beyond its 95% interval in {len(rose)} of {len(across)} pillars"
        + (f" ({', '.join(rose).lower()})" if rose else "")
        + f"; {formatting.plural(n_learned, 'force')} {formatting.plural(n_learned, 'is', 'are')} listed as "
        "most improved in at least one pillar."
    )
    national_findings(ctx)  # the evaluation's and this table's rows (the same cells)
    return Section(title, pillar, finding, items)


__all__ = ["evaluation", "event_points", "learning"]
