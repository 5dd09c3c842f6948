"""Force report sections of the improvement loop: the plan, and change between rounds.

``improvement_plan`` shows the force's actions by pillar and status, the actions past
their due date, and how each linked measure moved since its action started;
``improvement_rounds`` shows the paired change in pillar maturity between
self-assessment rounds and the key measures by quarter on process control charts marked
with the dates the linked actions started.

Every number goes through the release. The quarterly counts of the key measures are
count cells (their denominator is the same cell as the volumes section's crimes recorded
in the quarter); a measure pooled over the quarters before or after an action is a count
cell tied to those quarters by a relation, so no withheld quarter can be worked out from
the pooled figures. A plan's actions and a round's ratings describe the force's own work,
not people: they are published as values resting on no count (as the self-assessment's
ratings in the key findings are).
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from soteria_research import formatting
from soteria_research.disclosure import render_table_html
from soteria_research.disclosure.suppression import Protected
from soteria_research.errors import DataError
from soteria_research.ingest.plan import load_plan
from soteria_research.ingest.plan_template import STATUSES
from soteria_research.measures import plan as plans
from soteria_research.measures import rounds
from soteria_research.measures.findings import COLUMNS as FINDINGS_COLUMNS
from soteria_research.measures.panel import PANEL_MEASURES, quarter_panels
from soteria_research.measures.spc import summarise_signals, xmr
from soteria_research.reference import vocabulary
from soteria_research.release import make_key, shared_key
from soteria_research.sections.context import ForceContext
from soteria_research.sections.display import Section, pillar_name
from soteria_research.sections.force import signal_words

#: The key measures charted by quarter (the panel measures: ``isva_share`` is the control).
KEY_MEASURES = tuple(PANEL_MEASURES)
#: Output name of a measure's quarterly counts.
QUARTERLY = "{measure} by quarter"
_WITHHELD = "withheld"


def quarter_key(unit: str, subgroup: str, measure: str, quarter: str, column: str) -> str:
    """The shared key of a quarter's count of a key measure (``numerator``) or of the
    crimes recorded in the quarter (``denominator``, one cell for every measure)."""
    if column == "denominator":
        return shared_key(unit, subgroup, "quarter", quarter, "recorded")
    return shared_key(unit, subgroup, "quarter", quarter, measure, column)


def measure_label(measure: str) -> str:
    """Words for a measure (the vocabulary's label, else the panel's)."""
    labels = vocabulary.labels("measure")
    return labels.get(measure) or PANEL_MEASURES[measure].label


def load_force_plan(ctx) -> pd.DataFrame | None:
    """The force's ingested plan (None when none was returned), read once per context."""
    if "plan" not in ctx.cache:
        try:
            ctx.cache["plan"] = load_plan(ctx.force)
        except DataError:
            ctx.cache["plan"] = None
    return ctx.cache["plan"]


def _as_of(ctx: ForceContext) -> pd.Timestamp | None:
    if len(ctx.cases) and "extraction_date" in ctx.cases.columns:
        day = ctx.cases["extraction_date"].max()
        return None if pd.isna(day) else pd.Timestamp(day)
    return None


def quarterly(ctx: ForceContext) -> dict[str, Protected]:
    """The key measures by quarter, published (once per context): measure -> protected
    rate table indexed by quarter (``"2022Q1"``) with numerator, denominator and rate."""
    if "quarterly" in ctx.cache:
        return ctx.cache["quarterly"]
    out: dict[str, Protected] = {}
    if ctx.cases.empty or "extraction_date" not in ctx.cases.columns:
        ctx.cache["quarterly"] = out
        return out
    panels = ctx.remembered(
        "quarter_panels",
        lambda: quarter_panels(
            ctx.cases,
            list(KEY_MEASURES),
            int(ctx.measures["evaluation_follow_up_days"]),
            subgroup=None,
        ),
    )
    ctx.cache["panels"] = panels
    pub = ctx.publisher
    for measure in KEY_MEASURES:
        frame = panels[panels["measure"] == measure].set_index("quarter")
        frame = frame[frame["denominator"] > 0][["numerator", "denominator"]]
        if frame.empty:
            continue

        def keys(row, column, measure=measure):
            return quarter_key(pub.unit, ctx.subgroup, measure, row, column)

        protected = pub.rates(
            frame, QUARTERLY.format(measure=measure), num_keys=keys, den_keys=keys
        )
        if pub.collecting:
            _same_as_volumes(ctx, frame)
        ctx.log.add(protected.log_entry)
        out[measure] = protected
    ctx.cache["quarterly"] = out
    return out


def _same_as_volumes(ctx: ForceContext, frame: pd.DataFrame) -> None:
    """Tie the crimes recorded in each quarter to the volumes section's cell of it."""
    pub = ctx.publisher
    for quarter, row in frame.iterrows():
        start = pd.Period(str(quarter), freq="Q").start_time
        other = make_key(pub.unit, "recorded crimes by quarter", start, "n")
        cell = pub.ledger.cells.get(other)
        mine = quarter_key(pub.unit, ctx.subgroup, "", str(quarter), "denominator")
        if cell is not None and cell.value == float(row["denominator"]):
            pub.ledger.same(mine, other, "crimes recorded in a quarter")


def _fact(ctx, name: str, value: float) -> float | None:
    """A value about the plan or the rounds (no records behind it), through the release."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        value = float("nan")
    return ctx.publisher.number(name, float(value))


def _status_table(ctx: ForceContext, plan: pd.DataFrame) -> pd.DataFrame:
    counts = plans.actions_by_status(plan)
    wide = counts.pivot_table("numerator", "pillar", "status", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(STATUSES), fill_value=0)
    wide["all actions"] = wide.sum(axis=1)
    shown = pd.DataFrame(index=[pillar_name(p) for p in wide.index], columns=wide.columns)
    for pillar, row in wide.iterrows():
        for status, n in row.items():
            value = _fact(ctx, f"plan actions: {pillar}: {status}", float(n))
            shown.at[pillar_name(pillar), status] = value
    shown.index.name = "pillar"
    return shown.astype("Float64").round().astype("Int64")


def _overdue_table(ctx: ForceContext, plan: pd.DataFrame, as_of) -> pd.DataFrame:
    late = plans.overdue_actions(plan, as_of)
    rows = []
    for row in late.itertuples(index=False):
        days = _fact(ctx, f"plan overdue days: {row.action_id}", float(row.days_overdue))
        rows.append(
            {
                "action": row.action_id,
                "pillar": pillar_name(row.pillar),
                "what": row.action,
                "owner role": row.owner_role,
                "status": row.status,
                "due": row.due_date.strftime("%d/%m/%Y"),
                "days overdue": days,
            }
        )
    out = pd.DataFrame(
        rows, columns=["action", "pillar", "what", "owner role", "status", "due", "days overdue"]
    )
    out["days overdue"] = pd.array(out["days overdue"], dtype="Float64").round().astype("Int64")
    return out.set_index("action")


def _window(panels: pd.DataFrame, row, window: int) -> dict[str, list[str]]:
    """The quarters pooled before and after an action started (as the measure pools them)."""
    part = panels[(panels["measure"] == row.measure) & (panels["denominator"] > 0)]
    quarters = pd.PeriodIndex(part["quarter"].astype(str), freq="Q")
    start = pd.Period(row.start_quarter, freq="Q")
    before = [str(q) for q in quarters if start - window <= q < start]
    after = [str(q) for q in quarters if start < q <= start + window]
    return {"before": before, "after": after}


def _change_table(ctx: ForceContext, plan: pd.DataFrame) -> pd.DataFrame:
    """Each linked measure before and after its action started, published with the pooled
    counts tied to the quarters they pool."""
    quarterly(ctx)
    panels = ctx.cache.get("panels")
    window = int(ctx.measures["plan_window_quarters"])
    if panels is None or panels.empty:
        return pd.DataFrame()
    change = plans.linked_measure_change(
        plan, panels, window, float(ctx.measures["confidence_level"])
    )
    if change.empty:
        return pd.DataFrame()
    change = change[change["reason"] == ""]
    pub = ctx.publisher
    name = "linked measures before and after"
    rows = []
    for row in change.itertuples(index=False):
        label = f"{row.action_id}: {row.measure}"
        quarters = _window(panels, row, window)
        shown, depends = {}, []
        for side in ("before", "after"):
            for column in ("numerator", "denominator"):
                raw = float(getattr(row, f"{side}_{column}"))
                key = pub.key(name, label, f"{side} {column}")
                shown[f"{side} {column}"] = pub.number(key, raw, count=True, key=key)
                depends.append(key)
                if pub.collecting:
                    parts = [
                        quarter_key(pub.unit, ctx.subgroup, row.measure, q, column)
                        for q in quarters[side]
                    ]
                    if all(p in pub.ledger.cells for p in parts):
                        pub.ledger.total(key, parts, "pooled quarters")
            value = getattr(row, f"{side}_value")
            key = pub.key(name, label, f"{side} value")
            shown[f"{side} %"] = pub.number(key, 100 * value, depends[-2:], key=key)
        for column in ("change", "ci_low", "ci_high"):
            key = pub.key(name, label, column)
            shown[column] = pub.number(key, 100 * getattr(row, column), depends, key=key)
        rows.append(
            {
                "action": row.action_id,
                "measure": measure_label(row.measure),
                "started": row.start_quarter,
                "before (crimes)": shown["before denominator"],
                "before %": shown["before %"],
                "after (crimes)": shown["after denominator"],
                "after %": shown["after %"],
                "change (points)": shown["change"],
                "95% CI low": shown["ci_low"],
                "95% CI high": shown["ci_high"],
            }
        )
    if not rows:  # no linked action with quarters before and after it yet
        return pd.DataFrame()
    out = pd.DataFrame(rows).set_index(["action", "measure"])
    for column in ("before (crimes)", "after (crimes)"):
        out[column] = pd.array(out[column], dtype="Float64").round().astype("Int64")
    return out


def _protected(name: str, table: pd.DataFrame, counts: list[str]) -> Protected:
    """A published table whose missing values are marked withheld (``[c]``)."""
    mask = pd.DataFrame("", index=table.index, columns=table.columns)
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(table[column]):
            mask[column] = table[column].isna().map({True: "secondary", False: ""})
    withheld = int((mask != "").to_numpy().sum())
    entry = {
        "output": name,
        "kind": "rate table",
        "status": "protected" if withheld else "pass",
        "summary": f"{withheld} value(s) withheld" if withheld else "nothing withheld",
        "counts": counts,
    }
    return Protected(name, table, mask, entry)


def improvement_plan(ctx: ForceContext) -> Section:
    """The force's improvement plan: actions by pillar and status, overdue actions, and
    how each linked measure moved since its action started."""
    title, pillar = "The improvement plan", None
    plan = load_force_plan(ctx)
    if plan is None or plan.empty:
        return Section(
            title,
            pillar,
            f"{ctx.force} has not returned an improvement plan: fill in the workbook "
            "`soteria plan-template` writes and save it as improvement_plan.xlsx in the "
            "force folder.",
        )
    status = _status_table(ctx, plan)
    items: list = [
        render_table_html(
            status,
            "Actions in the improvement plan by pillar and status",
            count_columns=[],
            rules=ctx.rules,
            digits=0,
        )
    ]
    as_of = _as_of(ctx)
    overdue = _overdue_table(ctx, plan, as_of) if as_of is not None else pd.DataFrame()
    if len(overdue):
        items.append(
            render_table_html(
                overdue,
                f"Actions open past their due date at the extraction date ({as_of:%d/%m/%Y})",
                count_columns=[],
                rules=ctx.rules,
                digits=0,
            )
        )
    change = _change_table(ctx, plan)
    moved = ""
    if len(change):
        view = _protected("linked measures before and after", change, [])
        ctx.log.add(view.log_entry)
        items.append(
            render_table_html(
                view,
                "How each linked measure moved since its action started: the share of crimes "
                f"in up to {ctx.measures['plan_window_quarters']} quarters before the start "
                "quarter and after it (percentage points, Newcombe 95% CI)",
                count_columns=["before (crimes)", "after (crimes)"],
                rules=ctx.rules,
                digits=1,
            )
        )
        shown = change.dropna(subset=["95% CI low", "95% CI high"])
        up = int((shown["95% CI low"] > 0).sum())
        down = int((shown["95% CI high"] < 0).sum())
        moved = (
            f" Of {formatting.plural(len(shown), 'linked measure')} with published figures, {up} rose and "
            f"{down} fell beyond their 95% interval since the action started."
        )
    total = status["all actions"].sum()
    done = status["done"].sum()
    finding = (
        f"{ctx.force}'s plan holds {formatting.plural(total, 'action')}, {done} done; "
        f"{formatting.plural(len(overdue), 'open action')} "
        f"{formatting.plural(len(overdue), 'is', 'are')} past "
        f"{'its' if len(overdue) == 1 else 'their'} due date." + moved
    )
    items.append(
        "A change since an action started is not the action's effect: other changes happened "
        "at the same time (the national report's evaluation compares forces)."
    )
    return Section(title, pillar, finding, items)


def _self_change(ctx: ForceContext) -> pd.DataFrame:
    """Change in self rating between the force's rounds (exact Wilcoxon tests: computed
    once, in the release stage, and read back when the report renders)."""
    return ctx.remembered(
        "round_change",
        lambda: rounds.round_change(
            ctx.assessment, "self", confidence=float(ctx.measures["confidence_level"])
        ),
    )


def _round_table(ctx: ForceContext) -> tuple[pd.DataFrame, str]:
    change = _self_change(ctx)
    change = change[change["reason"] == ""]
    if change.empty:
        return pd.DataFrame(), ""
    first, last = change["from_round"].iloc[0], change["to_round"].iloc[0]
    rows = []
    for row in change.itertuples(index=False):
        name = f"maturity change {row.from_round} to {row.to_round}: {row.pillar}"
        values = {
            c: _fact(ctx, f"{name}: {c}", getattr(row, c))
            for c in ("mean_from", "mean_to", "value", "ci_low", "ci_high", "wilcoxon_p_value")
        }
        questions = _fact(ctx, f"{name}: questions", float(row.denominator))
        rows.append(
            {
                "pillar": pillar_name(row.pillar),
                "questions rated in both": questions,
                f"mean {first}": values["mean_from"],
                f"mean {last}": values["mean_to"],
                "change": values["value"],
                "95% CI low": values["ci_low"],
                "95% CI high": values["ci_high"],
                "Wilcoxon p": values["wilcoxon_p_value"],
            }
        )
    out = pd.DataFrame(rows).set_index("pillar")
    out["questions rated in both"] = (
        pd.array(out["questions rated in both"], dtype="Float64").round().astype("Int64")
    )
    return out, f"{first} to {last}"


def maturity_findings(ctx: ForceContext) -> pd.DataFrame:
    """Evidence-base rows of the paired change in self-rated maturity between the force's
    last two rounds, one per pillar (``maturity_change``), with the plan's actions for the
    pillar in the finding: the force's part of the learning table (what worked where).

    Like the self-assessment's rows, they rest on questions rated, not people: no counts.
    """
    columns = FINDINGS_COLUMNS
    empty = pd.DataFrame(columns=columns)
    if ctx.assessment.empty or ctx.assessment["round"].nunique() < 2:
        return empty
    change = _self_change(ctx)
    change = change[change["reason"] == ""]
    if change.empty:
        return empty
    plan = load_force_plan(ctx)
    plan = plan if plan is not None else pd.DataFrame(columns=["pillar", "action", "status"])
    rows = []
    for row in change.itertuples(index=False):
        mine = plan[plan["pillar"] == row.pillar]
        done = int((mine["status"] == "done").sum())
        actions = (
            f"{formatting.plural(len(mine), 'action')} in the plan, {done} done: "
            + "; ".join(" ".join(str(a).split()) for a in mine["action"])
            if len(mine)
            else "no action in the plan"
        )
        rows.append(
            {
                "force": ctx.force,
                "period": f"self-assessment rounds {row.from_round} to {row.to_round}",
                "pillar": row.pillar,
                "measure": "maturity_change",
                "definition": "Mean paired change in self rating of the pillar's questions "
                "between two self-assessment rounds (t-interval over the questions)",
                "basis": "assessment",
                "unit": "rating",
                "value": row.value,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "finding": f"Self-rated maturity ({pillar_name(row.pillar)}) changed by "
                f"{row.value:+.2f} points over {formatting.plural(row.denominator, 'question')} between rounds "
                f"{row.from_round} and {row.to_round}; {actions}.",
                "reason": "",
            }
        )
    out = pd.DataFrame(rows).reindex(columns=columns)
    for column in ("numerator", "denominator"):
        out[column] = out[column].astype("Int64")
    for column in ("value", "ci_low", "ci_high", "comparator_value"):
        out[column] = out[column].astype(float)
    text = [c for c in columns if out[c].dtype == object]
    out[text] = out[text].astype("string")
    return out


def _chart_item(ctx: ForceContext, measure: str, protected: Protected, plan):
    """The measure's quarterly XmR chart marked with its actions' start dates, or a note
    when a quarter is withheld (a chart with gaps would show where)."""
    from soteria_research import plots_loop

    table = protected.table
    label = measure_label(measure)
    if table["rate"].isna().any():
        return None, f"{label}: the chart is not shown, because a quarter is {_WITHHELD}."
    chart = xmr(
        table["rate"].astype(float).to_numpy() / 100,
        index=[pd.Period(q, freq="Q").start_time for q in table.index],
        run_length=ctx.measures["spc_run_length"],
        trend_length=ctx.measures["spc_trend_length"],
    )
    signals = signal_words(summarise_signals(chart))
    if ctx.publisher.collecting:
        return None, ""
    starts = []
    if plan is not None and len(plan):
        linked = plan[plan["linked_measures"].fillna("").str.split("|").map(lambda m: measure in m)]
        starts = [(r.start_date, r.action_id) for r in linked.itertuples(index=False)]
    figure = plots_loop.key_measure_chart(
        chart,
        starts,
        f"{label} by quarter of recording: {signals}",
        f"{label} (%)",
    )
    return figure, ""


def improvement_rounds(ctx: ForceContext) -> Section:
    """Paired change in pillar maturity between the last two self-assessment rounds, and
    the key measures by quarter on control charts marked with the actions' start dates."""
    title, pillar = "Change between rounds and over quarters", "data_performance"
    items: list = []
    finding = []
    if not ctx.assessment.empty and ctx.assessment["round"].nunique() > 1:
        table, between = _round_table(ctx)
        if len(table):
            items.append(
                render_table_html(
                    table,
                    f"Self-rated maturity by pillar, rounds {between}: mean paired change over "
                    "the questions rated in both (t-interval; Wilcoxon signed-rank p)",
                    count_columns=[],
                    rules=ctx.rules,
                    digits=2,
                )
            )
            published = table.dropna(subset=["95% CI low"])
            rose = published.index[published["95% CI low"] > 0].tolist()
            finding.append(
                f"Between rounds {between.replace(' to ', ' and ')} self-rated maturity rose "
                "beyond its 95% interval "
                f"in {len(rose)} of {len(table)} pillars"
                + (f" ({', '.join(rose).lower()})." if rose else ".")
            )
    else:
        finding.append("Only one self-assessment round has been returned.")
    plan = load_force_plan(ctx)
    for measure, protected in quarterly(ctx).items():
        figure, note = _chart_item(ctx, measure, protected, plan)
        if figure is not None:
            items.append(figure)
        if note:
            items.append(note)
        shown = dataclasses.replace(
            protected,
            table=protected.table.rename(
                columns={"numerator": "crimes", "denominator": "recorded", "rate": "%"}
            ),
            mask=protected.mask.rename(
                columns={"numerator": "crimes", "denominator": "recorded", "rate": "%"}
            ),
        )
        items.append(
            render_table_html(
                shown,
                f"{measure_label(measure)} by quarter of recording (%)",
                count_columns=["crimes", "recorded"],
                rules=ctx.rules,
            )
        )
    if not quarterly(ctx):
        finding.append("No quarterly series of the key measures.")
    return Section(title, pillar, " ".join(finding), items)
