"""Force report: the change in the case-file review between the last two review rounds.

A force that reviewed two samples of its case files (two review rounds, see
:mod:`soteria_research.ingest.review`) gets one table: each pillar's design-weighted share
of yes codings over its yes/no items in each round, the change with its 95% interval
(:func:`soteria_research.measures.review_rounds.review_round_change`, independent
samples) and the cases coded on the pillar in each round. The cases are published as
counts, so disclosure control protects them; the shares and the change rest on both
rounds' counts, so a withheld count withholds them. The finding is worded from the
published values only. A force with one round gets one line saying so.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from soteria_research import formatting
from soteria_research.disclosure import render_table_html
from soteria_research.measures.review_rounds import review_round_change
from soteria_research.sections.display import Section, pillar_name
from soteria_research.sections.review import SAMPLE, SAMPLED, review_data
from soteria_research.sections.review_tables import publish_statistics

TITLE = "Case-file review: change between rounds"
NAME = "case-file review: change between rounds"
CACHE = "case_file_review_change"
VALUES = ["share_from", "share_to", "change", "ci_low", "ci_high"]


def round_change(ctx, data) -> pd.DataFrame:
    """The change between the last two rounds, per pillar (computed once per context)."""
    if CACHE not in ctx.cache:
        ctx.cache[CACHE] = review_round_change(
            data.rounds[-2], data.rounds[-1], data.items, ctx.measures["confidence_level"]
        )
    return ctx.cache[CACHE]


def _columns(before: int, after: int) -> tuple[str, str]:
    return f"cases coded, round {before}", f"cases coded, round {after}"


def _points(value: float) -> str:
    """A change in percentage points, signed: ``0.1256`` -> ``+12.6``."""
    shown = formatting.rounded(value * 100, formatting.PERCENT_DECIMALS)
    return f"+{shown}" if shown > 0 else str(shown)


def _change_text(row: pd.Series) -> str | None:
    if pd.isna(row["change"]):
        return None
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return _points(row["change"])
    return f"{_points(row['change'])} ({_points(row['ci_low'])} to {_points(row['ci_high'])})"


def sampled_years(cases: pd.DataFrame, sample: pd.DataFrame) -> str:
    """The financial years of the crimes a round sampled, in words ("2021/22", "2021/22 to
    2022/23"), or "" when none of its crimes is in the cases.

    >>> cases = pd.DataFrame({"crime_id": ["a", "b", "c"],
    ...                       "financial_year": ["2021/22", "2022/23", "2023/24"]})
    >>> sampled_years(cases, pd.DataFrame({"crime_id": ["a", "b"]}))
    '2021/22 to 2022/23'
    """
    if "financial_year" not in cases.columns or "crime_id" not in sample.columns:
        return ""
    years = sorted(
        cases.loc[cases["crime_id"].isin(sample["crime_id"]), "financial_year"]
        .dropna()
        .astype(str)
        .unique()
    )
    if not years:
        return ""
    return years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"


def _round_words(number: int, years: str) -> str:
    return f"round {number}" + (f" (crimes recorded in {years})" if years else "")


def change_view(ctx, protected, before: int, after: int, years: tuple[str, str] = ("", "")):
    """The published table in words: counts, the two shares (%) and the change (points);
    the caption names the years of the crimes each round sampled (``years``)."""
    table, mask = protected.table, protected.mask
    counts = list(_columns(before, after))
    view, marks = table[counts].copy(), mask[counts].copy()
    for column, label in (("share_from", before), ("share_to", after)):
        shown = f"round {label}, % yes"
        view[shown] = [formatting.percent(v, missing=pd.NA) for v in table[column]]
        marks[shown] = mask[column]
    shown = "change, percentage points (95% interval)"
    view[shown] = [_change_text(row) or pd.NA for _, row in table.iterrows()]
    marks[shown] = mask["change"]
    view.index = pd.Index([pillar_name(p) for p in view.index], name="pillar")
    marks.index = view.index
    caption = (
        f"Share of case files coded yes on each pillar's yes/no items, review "
        f"{_round_words(before, years[0])} and {_round_words(after, years[1])} "
        "(design-weighted %; change with its 95% interval)"
    )
    relabelled = dataclasses.replace(protected, table=view, mask=marks.fillna(""))
    return render_table_html(relabelled, caption, count_columns=counts, rules=ctx.rules)


def change_sentence(table: pd.DataFrame, before: int, after: int) -> str:
    """The finding from the published values (``table``: pillar slug index, ``VALUES``)."""
    rounds = f"review rounds {before} and {after}"
    published = table.dropna(subset=["change", "ci_low", "ci_high"])
    withheld = len(table) - len(published)
    if published.empty:
        return f"The change between {rounds} is not published: too few case files coded."
    moved = published[(published["ci_low"] > 0) | (published["ci_high"] < 0)]
    parts = [
        f"on {pillar_name(p).lower()} it {'rose' if r['change'] > 0 else 'fell'} from "
        f"{formatting.percent(r['share_from'])} to {formatting.percent(r['share_to'])} "
        f"({_change_text(r)} points)"
        for p, r in moved.iterrows()
    ]
    if moved.empty:
        text = (
            f"Between {rounds} no pillar's share of case files coded yes changed beyond chance "
            "(every 95% interval spans zero)"
        )
    else:
        count = formatting.plural(len(moved), "pillar")
        text = (
            f"Between {rounds} the share of case files coded yes changed beyond chance on "
            f"{count}: {'; '.join(parts)}"
        )
        if len(published) > len(moved):
            text += "; the others did not change beyond chance"
    if withheld:
        text += f" ({formatting.plural(withheld, 'pillar')} withheld: too few cases coded)"
    return text + "."


def case_file_review_change(ctx) -> Section:
    """Change in each pillar's share of yes codings between the last two review rounds."""
    data = review_data(ctx)
    if data is None or data.review.empty:
        return Section(TITLE, None, f"{ctx.force} has no coded case-file review to compare.")
    if len(data.rounds) < 2:
        return Section(
            TITLE, None, f"{ctx.force} has one case-file review round: no change to show yet."
        )
    before, after = len(data.rounds) - 1, len(data.rounds)
    found = round_change(ctx, data).set_index("pillar")
    first, second = _columns(before, after)
    frame = found.rename(columns={"cases_from": first, "cases_to": second})
    frame = frame[[first, second, *VALUES]].astype(float)
    reasons = {p: str(r) for p, r in found["reason"].fillna("").items()}
    protected = publish_statistics(
        ctx, frame, NAME, [first, second], VALUES, reasons, lambda r, c: None
    )
    pub, sampled = ctx.publisher, ctx.publisher.key(SAMPLE, SAMPLED, "cases")
    if sampled in pub.ledger.cells:  # the latest round's coded cases are part of its sample
        for pillar in frame.index:
            pub.gap(f"{NAME}: {pillar}, not coded", sampled, pub.key(NAME, pillar, second))
    years = tuple(sampled_years(ctx.cases, sample) for _, sample in data.rounds[-2:])
    html = change_view(ctx, protected, before, after, years)
    return Section(TITLE, None, change_sentence(protected.table, before, after), [html])


__all__ = ["case_file_review_change", "change_sentence", "round_change", "sampled_years"]
