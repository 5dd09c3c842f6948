"""The one-screen summary a force report opens with: the six pillars at a glance.

Each pillar shows its key measures with their value, 95% interval, the national figure
where there is one, and a judgement in plain words; the self-assessment's self and peer
ratings close each pillar. Every figure is read back from the force's findings as the
release published them (:func:`soteria_research.sections.summary.findings`): the summary
collects nothing of its own, so it can open the report although the findings are
collected last. A withheld figure reads "withheld", never a number.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from soteria_research import formatting, reference
from soteria_research.measures.catalogue import MEASURES
from soteria_research.reference import vocabulary as vocab
from soteria_research.sections.context import ForceContext
from soteria_research.sections.display import Section
from soteria_research.sections.force import _no_data, pooled_estimate, signal_words
from soteria_research.sections.pillars import pooled_median_to_charge
from soteria_research.sections.summary import comparator_area, comparator_scope, findings

TITLE = "Summary"
WITHHELD = "withheld"
#: Columns of the summary table, in order.
COLUMNS = ["pillar", "measure", "value", "interval", "national", "judgement"]
HEADERS = {
    "pillar": "Pillar",
    "measure": "Measure",
    "value": "Value",
    "interval": "95% interval",
    "national": "Comparator",
    "judgement": "In plain words",
}
RATINGS = ("self_maturity", "peer_maturity")
RATING_LABEL = "Maturity, self / peer"
#: A measure shown beside the comparator's figure but not placed on a funnel (medians).
NOT_TESTED = "Beside the {area} figure; not placed on a funnel"


def judgement(position: object, higher_is_better: bool | None, area: str = "national") -> str:
    """Plain words for where a value sits against the funnel limits of the comparator, the
    measure pooled over every force of ``area`` (England and Wales, or a region).

    >>> judgement("below998", True, "England and Wales")
    'Clearly lower than the England and Wales figure: worse'
    >>> judgement("within", False, "North East")
    'In line with the North East figure'
    """
    figure = f"the {area} figure"
    if position is None or pd.isna(position) or position == vocab.NOT_PLACED:
        return f"No {area} figure"
    code = str(position)
    if code == "within":
        return f"In line with {figure}"
    higher = code.startswith("above")
    side = "higher" if higher else "lower"
    words = (
        f"Clearly {side} than {figure}"
        if code.endswith("998")
        else f"Somewhat {side} than {figure} (could be chance)"
    )
    if higher_is_better is None:
        return words
    return f"{words}: {'better' if higher == higher_is_better else 'worse'}"


def _rating_words(self_value: object, peer_value: object) -> str:
    shown = [None if pd.isna(v) else formatting.rating(v) for v in (self_value, peer_value)]
    if shown[0] is None or shown[1] is None:
        return "Self and peer ratings not both available"
    if shown[0] == shown[1]:
        return "Peer reviewers agree with the force's own rating"
    lower = float(shown[1]) < float(shown[0])
    return f"Peer reviewers rate it {'lower' if lower else 'higher'} than the force does"


def _measure_row(row: pd.Series, area: str = "national") -> dict[str, str]:
    unit = str(row["unit"])
    measure = MEASURES.get(str(row["measure"]))
    if bool(row["suppressed"]):
        value, interval, words = WITHHELD, "", "Withheld by disclosure control"
    elif pd.isna(row["value"]):
        value, interval = formatting.MISSING, ""
        words = "No estimate: " + str(row["reason"]) if pd.notna(row["reason"]) else "No estimate"
    else:
        value = formatting.value(row["value"], unit)
        interval = formatting.interval(row["ci_low"], row["ci_high"], unit)
        placed = pd.notna(row["funnel_position"]) and row["funnel_position"] != vocab.NOT_PLACED
        if placed:
            words = judgement(row["funnel_position"], measure and measure.higher_is_better, area)
        elif pd.notna(row["comparator_value"]):
            words = NOT_TESTED.format(area=area)
        elif row["measure"] == "recorded_crimes" and pd.notna(row["spc_signal"]):
            signal = str(row["spc_signal"])
            words = (
                "No unusual change in monthly volumes"
                if signal in ("", "none")
                else "Monthly volumes: " + signal_words(signal)
            )
        else:
            words = f"No {area} figure"
    return {
        "measure": vocab.label("measure", row["measure"]),
        "value": value,
        "interval": interval,
        "national": formatting.value(row["comparator_value"], unit, missing=""),
        "judgement": words,
    }


def _rating_row(rows: pd.DataFrame) -> dict[str, str] | None:
    by = rows.set_index("measure")
    if not set(RATINGS) <= set(by.index):
        return None
    self_row, peer_row = by.loc["self_maturity"], by.loc["peer_maturity"]
    if pd.isna(self_row["value"]) and pd.isna(peer_row["value"]):
        reason = self_row["reason"] if pd.notna(self_row["reason"]) else "not assessed"
        return {
            "measure": RATING_LABEL,
            "value": formatting.MISSING,
            "interval": "",
            "national": "",
            "judgement": f"No rating: {reason}",
        }
    pair = [
        WITHHELD if bool(r["suppressed"]) else formatting.rating(r["value"])
        for r in (self_row, peer_row)
    ]
    return {
        "measure": RATING_LABEL,
        "value": " / ".join(pair),
        "interval": "",
        "national": "",
        "judgement": _rating_words(self_row["value"], peer_row["value"]),
    }


def pillar_summary_table(table: pd.DataFrame, area: str = "national") -> pd.DataFrame:
    """The summary's rows from a force's published findings: each pillar in the framework's
    order, its key measures in the catalogue's order, then its self / peer rating.

    Parameters
    ----------
    table
        Findings as :func:`soteria_research.sections.summary.findings` returns them
        (values already protected: NA where withheld).

    Returns
    -------
    DataFrame
        ``pillar, measure, value, interval, national, judgement``: display text only.
    """
    order = {code: i for i, code in enumerate(MEASURES)}
    rows = []
    for slug in reference.pillar_slugs():
        part = table[table["pillar"] == slug]
        # the catalogue's key measures (survey, review and round rows have sections of
        # their own)
        cases = part[part["measure"].isin(MEASURES) & ~part["measure"].isin(RATINGS)]
        cases = cases.assign(_order=cases["measure"].map(order)).sort_values("_order")
        shown = [_measure_row(r, area) for _, r in cases.iterrows()]
        rating = _rating_row(part)
        shown += [rating] if rating else []
        if not shown:
            shown = [
                {
                    "measure": "",
                    "value": formatting.MISSING,
                    "interval": "",
                    "national": "",
                    "judgement": "No key measure for this pillar",
                }
            ]
        rows += [{"pillar": vocab.label("pillar", slug), **r} for r in shown]
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass
class SummaryTable:
    """The summary as a compact HTML table: a heading row per pillar (with its self / peer
    rating), then one line per key measure."""

    rows: pd.DataFrame
    caption: str
    #: The header of the comparator's column (it names the comparator).
    comparator: str = HEADERS["national"]

    def _repr_html_(self) -> str:
        shown = COLUMNS[1:]
        headers = {**HEADERS, "national": self.comparator}
        head = "".join(f'<th scope="col">{html.escape(headers[c])}</th>' for c in shown)
        body = []
        for pillar, part in self.rows.groupby("pillar", sort=False):
            rating = part[part["measure"] == RATING_LABEL]
            note = ""
            if len(rating):
                r = rating.iloc[0]
                note = f"maturity, self / peer: {r['value']}. {r['judgement']}."
            body.append(
                f'<tr class="pillar"><th scope="rowgroup" colspan="{len(shown)}">'
                f"{html.escape(pillar)} <span>{html.escape(note)}</span></th></tr>"
            )
            for _, row in part[part["measure"] != RATING_LABEL].iterrows():
                cells = "".join(f'<td class="{c}">{html.escape(str(row[c]))}</td>' for c in shown)
                body.append(f"<tr>{cells}</tr>")
        return (
            f'<table class="summary"><caption>{html.escape(self.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def _lead(table: pd.DataFrame, ctx: ForceContext, area: str = "national") -> str:
    compared = table[table["funnel_position"].notna() & ~table["suppressed"].astype(bool)]
    clear = compared["funnel_position"].astype(str).str.endswith("998")
    withheld = int(table["suppressed"].astype(bool).sum())
    n = len(compared)
    text = (
        f"{int(clear.sum())} of {n} measure{'' if n == 1 else 's'} with {'an' if area[:1] in 'AEIOU' else 'a'} "
        f"{area} figure (the same measure pooled over {comparator_scope(area)}) "
        f"differ{'s' if n == 1 else ''} clearly from it"
    )
    if withheld:
        text += f"; {withheld} figure{' is' if withheld == 1 else 's are'} withheld"
    text += "."
    return text


def _fallbacks(ctx: ForceContext) -> dict:
    """For each headline measure with one: the same measure over every year pooled, as the
    release published it (``(label, value, low, high, n)`` in the finding's unit), or None."""

    def percent(found):
        if found is None:
            return None
        label, value, low, high, n = found
        scaled = [None if v is None else v / 100 for v in (value, low, high)]
        return (label, *scaled, n)

    return {
        "charge_rate": lambda: percent(pooled_estimate(ctx, "charge rate by cohort", "rate")),
        "charge_cif_365": lambda: percent(
            pooled_estimate(
                ctx, "charged within a year by cohort", "rate", n_name="charge rate by cohort"
            )
        ),
        "median_days_to_charge": lambda: pooled_median_to_charge(ctx),
    }


#: Columns of :func:`headline_fallbacks`.
FALLBACK_COLUMNS = ["force", "measure", "period", "pooled_over", "value", "ci_low", "ci_high", "n"]


def headline_fallbacks(ledger, forces: pd.DataFrame, rules=None) -> pd.DataFrame:
    """Every force's headline measures pooled over every year, as the protected release
    publishes them: what the landing page shows where a force's figure for its period alone
    is withheld, as the force report's summary does (:func:`fall_back`).

    Parameters
    ----------
    ledger
        The protected release (:class:`~soteria_research.release.Ledger`).
    forces
        ``force, subgroup, period``: each force's offence subgroup and report period.
    rules
        The disclosure rules (the settings' by default).

    Returns
    -------
    DataFrame
        :data:`FALLBACK_COLUMNS`, one row per force and measure with a published pooled
        figure; values in the findings' units (proportions, days), ``n`` the crimes behind.
    """
    from types import SimpleNamespace

    from soteria_research.release.publisher import RENDER, Publisher

    rows = []
    for force, subgroup, period in forces[["force", "subgroup", "period"]].itertuples(index=False):
        ctx = SimpleNamespace(
            force=force,
            subgroup=subgroup,
            period_label=period,
            publisher=Publisher(force, ledger, RENDER, rules),
        )
        for measure, pooled in _fallbacks(ctx).items():
            found = pooled()
            if found is None:
                continue
            label, value, low, high, n = found
            rows.append([force, measure, period, label, value, low, high, n])
    return pd.DataFrame(rows, columns=FALLBACK_COLUMNS)


def fall_back(rows: pd.DataFrame, ctx: ForceContext) -> pd.DataFrame:
    """Where a headline measure is withheld for the period alone, show the same measure
    over every year pooled (published through the release in its own section), saying so;
    no national figure or judgement, since the comparator is for the one period."""
    rows = rows.copy()
    for measure, pooled in _fallbacks(ctx).items():
        at = rows.index[(rows["measure"] == vocab.label("measure", measure))]
        if not len(at) or rows.loc[at[0], "value"] != WITHHELD:
            continue
        found = pooled()
        if found is None:
            continue
        label, value, low, high, n = found
        unit = MEASURES[measure].unit
        rows.loc[at[0], ["value", "interval", "national", "judgement"]] = [
            formatting.value(value, unit),
            formatting.interval(low, high, unit),
            "",
            f"Over {label} (n = {int(n):,}); {ctx.period_label} alone is withheld",
        ]
    return rows


def pillar_summary(ctx: ForceContext) -> Section:
    """The report's opening: each pillar's key measures, value, interval, national figure
    and a judgement in plain words, read from the published findings."""
    table = findings(ctx)
    if table.empty:
        return _no_data(TITLE, None, ctx)
    area = comparator_area(ctx)
    rows = fall_back(pillar_summary_table(table, area), ctx)
    caption = (
        f"Key measures by pillar. Intervals are 95%; comparator ({area}): the same measure "
        f"pooled over {comparator_scope(area)} for {ctx.period_label}; clearly: beyond the 99.8% "
        "funnel limit, somewhat: beyond the 95% limit; maturity is rated by the force (self) "
        "and by peer reviewers. Withheld: not shown by disclosure control "
        "(docs/disclosure.md); [c] marks a withheld value in the tables below."
    )
    header = f"Comparator: {area}"
    return Section(TITLE, None, _lead(table, ctx, area), [SummaryTable(rows, caption, header)])
