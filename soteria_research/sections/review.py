"""Force report: the case-file review of a deep dive, pillar by pillar.

What reviewers found in a sample of the force's case files (design-weighted share of each
response with its interval, responses pooled so that each share stands on enough cases),
how far two reviewers agreed (Cohen's kappa, Gwet's AC1, Krippendorff's alpha) and whether
a yes/no practice item goes with charge (odds ratio, only where the events allow). Every
number goes through the release; the counts carry their relations (the responses of an
item add up to the cases coded on it, which are part of the sample) so the whole-release
check holds. A force without a returned review gets one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pandas as pd

from soteria_research.errors import DataError
from soteria_research.measures.review import (
    first_codings,
    pool_responses,
    review_agreement,
    review_charge_association,
    review_days,
    review_prevalence,
)
from soteria_research.release import shared_key
from soteria_research.sections.display import Section, pillar_name
from soteria_research.sections.force import _pct
from soteria_research.sections.review_tables import (
    AGREEMENT_LABELS,
    publish_statistics,
    statistic_view,
)
from soteria_research.sections.summary import finding_key
from soteria_research.sections.tables import count_table, rate_table

CACHE, ESTIMATES = "case_file_review", "case_file_review_estimates"
TITLE = "Case-file review"
SAMPLE = "case-file review sample"
SAMPLED, CODED, DOUBLE = "case files sampled", "coded by a reviewer", "coded by two reviewers"
OUTCOME, CHARGED = "with an outcome assigned", "charged"
#: Evidence-base measure families (the item id is added: ``review_yes_share_sf01``).
YES_SHARE, CHARGE_ODDS, AGREEMENT = "review_yes_share", "review_charge_odds_ratio", "review_ac1"


@dataclass
class ReviewData:
    """A force's processed review tables, the outcome of each case and the coding frame.

    ``review``, ``sample`` and ``quarantine`` are the latest review round's (what the
    section shows); ``rounds`` holds every round's (review, sample), earliest first.
    """

    review: pd.DataFrame
    sample: pd.DataFrame
    quarantine: pd.DataFrame
    outcomes: pd.DataFrame
    items: pd.DataFrame
    rounds: list[tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=list)

    @classmethod
    def from_tables(
        cls, tables: dict[str, pd.DataFrame], cases: pd.DataFrame, items: pd.DataFrame | None = None
    ) -> ReviewData:
        """From :func:`~soteria_research.ingest.review.load_review`'s tables and the cases."""
        from soteria_research.ingest.review import ROUND, latest_round

        if items is None:
            from soteria_research.ingest.review_framework import (
                load_review_framework,
                review_items,
            )

            items = review_items(load_review_framework())
        outcomes = cases[["crime_id", "outcome_type", "charged"]].drop_duplicates("crime_id")
        latest = latest_round(tables)
        review, sample = tables["review"], tables["review_sample"]
        if ROUND in sample.columns and sample[ROUND].notna().any():
            numbers = sorted(sample[ROUND].dropna().unique())
            rounds = [(review[review[ROUND] == n], sample[sample[ROUND] == n]) for n in numbers]
        else:
            rounds = [(review, sample)]
        return cls(
            latest["review"],
            latest["review_sample"],
            latest["review_quarantine"],
            outcomes,
            items,
            [(r.reset_index(drop=True), s.reset_index(drop=True)) for r, s in rounds],
        )

    def item(self, item_id: str) -> SimpleNamespace:
        """An item of the coding frame, as attributes (``pillar``, ``item``, ``response``...)."""
        row = self.items.set_index("item_id").loc[item_id]
        return SimpleNamespace(item_id=item_id, **row.to_dict())

    @property
    def period(self) -> str:
        """The findings' period: ``case-file review <year of the last review>``."""
        dates = pd.to_datetime(self.review.get("review_date"), errors="coerce")
        year = dates.dt.year.max() if dates is not None and len(dates) else None
        return "case-file review" + ("" if year is None or pd.isna(year) else f" {int(year)}")


def review_data(ctx) -> ReviewData | None:
    """The force's review (None when it has none), read once per context."""
    if CACHE not in ctx.cache:
        from soteria_research import ingest
        from soteria_research.ingest.review import load_review

        try:
            tables = load_review(ctx.force)
        except DataError:
            ctx.cache[CACHE] = None
            return None
        try:  # every offence of the sample, not only the report's subgroup
            cases = ingest.load_cases(ctx.force)
        except DataError:
            cases = ctx.cases
        ctx.cache[CACHE] = ReviewData.from_tables(tables, cases)
    return ctx.cache[CACHE]


def estimates(ctx, data: ReviewData) -> dict[str, pd.DataFrame]:
    """Prevalence (pooled responses), days, agreement and association, computed once."""
    if ESTIMATES not in ctx.cache:
        confidence = ctx.measures["confidence_level"]
        pooled, items = pool_responses(data.review, data.items, ctx.rules.min_cell_count)
        ctx.cache[ESTIMATES] = {
            "prevalence": review_prevalence(pooled, data.sample, items, confidence),
            "days": review_days(data.review, data.sample, data.items, confidence),
            "agreement": review_agreement(data.review, data.items, confidence),
            "association": review_charge_association(
                data.review, data.sample, data.outcomes, data.items, confidence
            ),
        }
    return ctx.cache[ESTIMATES]


def review_key(ctx, data: ReviewData, family: str, pillar: str, item_id: str, column: str) -> str:
    """The shared key of a review count that is also an evidence-base finding's count."""
    measure = f"{family}_{item_id.lower()}"
    return finding_key(ctx.force, ctx.subgroup, data.period, measure, pillar, column)


def coded_key(ctx, data: ReviewData, item) -> str:
    """The key of the number of cases coded on an item (a yes/no item's finding denominator)."""
    if item.response == "yes_no":
        return review_key(ctx, data, YES_SHARE, item.pillar, item.item_id, "denominator")
    return shared_key(ctx.force, ctx.subgroup, data.period, "review coded", item.item_id)


def sample_counts(data: ReviewData) -> pd.DataFrame:
    """Cases sampled, coded, coded twice, with an outcome and charged (one column)."""
    first = first_codings(data.review)
    codings = data.review.groupby("crime_id")["reviewer"].nunique()
    outcomes = data.sample[["crime_id"]].merge(data.outcomes, on="crime_id", how="left")
    assigned = outcomes["outcome_type"].notna() & outcomes["outcome_type"].fillna(0).ne(0)
    counts = {
        SAMPLED: len(data.sample),
        CODED: int(first["crime_id"].nunique()),
        DOUBLE: int((codings >= 2).sum()),
        OUTCOME: int(assigned.sum()),
        CHARGED: int((assigned & outcomes["charged"].fillna(False).astype(bool)).sum()),
    }
    frame = pd.DataFrame({"cases": list(counts.values())}, index=list(counts))
    frame.index.name = "case files"
    return frame


#: (whole, part) rows of the sample table: each part is a subset of its whole.
NESTED = ((SAMPLED, CODED), (CODED, DOUBLE), (SAMPLED, OUTCOME), (OUTCOME, CHARGED))


def _sample_table(ctx, data: ReviewData):
    shown, rendered = count_table(
        ctx,
        sample_counts(data),
        SAMPLE,
        f"Case files in the review sample of {ctx.force}",
        margins=False,
    )
    pub = ctx.publisher
    for whole, part in NESTED:
        pub.gap(f"{SAMPLE}: {whole}, not {part}", pub.key(SAMPLE, whole, "cases"),
                pub.key(SAMPLE, part, "cases"))  # fmt: skip
    return shown.table["cases"], rendered


def _prevalence_tables(ctx, data: ReviewData, table: pd.DataFrame) -> tuple[list, pd.DataFrame]:
    """One rate table per pillar; returns the renderings and the published shares."""
    pub, sampled = ctx.publisher, ctx.publisher.key(SAMPLE, SAMPLED, "cases")
    rendered, published = [], []
    for pillar, rows in table.groupby("pillar", sort=False):
        labels = [f"{i} {t}: {r}" for i, t, r in zip(rows["item_id"], rows["item"],
                                                     rows["response"], strict=True)]  # fmt: skip
        frame = rows.set_index(pd.Index(labels, name="item: response"))
        item_of = dict(zip(frame.index, frame["item_id"], strict=True))
        answer = dict(zip(frame.index, frame["response"], strict=True))

        def den(r, c, item_of=item_of):
            return coded_key(ctx, data, data.item(item_of[r]))

        def num(r, c, item_of=item_of, answer=answer):
            item = data.item(item_of[r])
            if item.response == "yes_no" and answer[r] == "yes":
                return review_key(ctx, data, YES_SHARE, item.pillar, item.item_id, "numerator")
            return None

        name = f"case-file review: {pillar}"
        shown, html = rate_table(
            ctx,
            frame.rename(columns={"cases": "numerator"})[
                ["numerator", "denominator", "estimate", "ci_low", "ci_high"]
            ],
            name,
            f"{pillar_name(pillar)}: share of case files (design-weighted %, 95% interval)",
            estimate="estimate",
            labels={"numerator": "cases", "denominator": "coded", "rate": "%"},
            num_keys=num,
            den_keys=den,
        )
        for item_id, group in frame.groupby("item_id", sort=False):
            whole = coded_key(ctx, data, data.item(item_id))
            if pub.collecting:
                parts = [num(r, "") or pub.key(name, r, "numerator") for r in group.index]
                pub.ledger.total(whole, parts, "the responses of an item add up to its cases")
            pub.gap(f"case-file review: {item_id}, not coded", sampled, whole)
        rendered.append(html)
        published.append(shown.table.assign(item_id=frame["item_id"], response=frame["response"]))
    return rendered, pd.concat(published) if published else pd.DataFrame()


def _days_table(ctx, data: ReviewData, days: pd.DataFrame):
    if days.empty:
        return None
    pub = ctx.publisher
    labels = [f"{i} {t}" for i, t in zip(days["item_id"], days["item"], strict=True)]
    frame = days.set_index(pd.Index(labels, name="item"))[["cases", "estimate", "ci_low",
                                                          "ci_high"]]  # fmt: skip
    frame = frame.rename(columns={"estimate": "mean days"}).astype({"cases": float})
    name = "case-file review: days"
    protected = pub.statistics(frame, name, ["mean days", "ci_low", "ci_high"], "cases")
    ctx.log.add(protected.log_entry)
    for row in frame.index:
        pub.gap(f"{name}: {row}, not coded", pub.key(SAMPLE, SAMPLED, "cases"),
                pub.key(name, row, "cases"))  # fmt: skip
    return statistic_view(
        ctx, protected, {"mean days": ("ci_low", "ci_high")}, "cases",
        "Days recorded in the case files (design-weighted mean, 95% interval)", digits=0,
    )  # fmt: skip


def _agreement_table(ctx, data: ReviewData, agreement: pd.DataFrame):
    pub = ctx.publisher
    shown = agreement[agreement["statistic"].isin(list(AGREEMENT_LABELS))]
    if shown.empty:
        return None, pd.DataFrame()
    order = list(dict.fromkeys(shown["item_id"]))
    frame = pd.DataFrame(index=pd.Index(order, name="item_id"))
    frame["cases coded twice"] = shown.groupby("item_id")["cases"].max().astype(float)
    for statistic in AGREEMENT_LABELS:
        rows = shown[shown["statistic"] == statistic].set_index("item_id")
        for part in ("estimate", "ci_low", "ci_high"):
            frame[f"{statistic} {part}"] = rows[part].reindex(order).astype(float)
    ids = {f"{i} {data.item(i).item}": i for i in order}
    frame.index = pd.Index(list(ids), name="item")
    name = "case-file review: agreement"

    def n_key(r, c):
        item = data.item(ids[r])
        if item.response == "days":
            return None
        return review_key(ctx, data, AGREEMENT, item.pillar, item.item_id, "denominator")

    values = [c for c in frame.columns if c != "cases coded twice"]
    protected = pub.statistics(
        frame, name, values, "cases coded twice", min_cases=min_double_coded(), n_keys=n_key
    )
    ctx.log.add(protected.log_entry)
    for row, item_id in ids.items():  # kappa and AC1 are not estimated for days: not withheld
        if data.item(item_id).response == "days":
            protected.mask.loc[row, frame.columns.str.startswith(("cohen", "gwet"))] = ""
    for row in frame.index:
        pub.gap(f"{name}: {row}, not coded twice", pub.key(SAMPLE, DOUBLE, "cases"),
                n_key(row, "") or pub.key(name, row, "cases coded twice"))  # fmt: skip
    intervals = {f"{s} estimate": (f"{s} ci_low", f"{s} ci_high") for s in AGREEMENT_LABELS}
    view = statistic_view(
        ctx, protected, intervals, "cases coded twice",
        "Agreement between reviewers on the cases coded twice (95% intervals)", digits=2,
        labels={f"{s} estimate": label for s, label in AGREEMENT_LABELS.items()},
    )  # fmt: skip
    return view, protected.table


def min_double_coded() -> int:
    """Agreement is not estimated on fewer cases coded twice (``review.min_double_coded``)."""
    from soteria_research import settings

    return int(settings.section("review")["min_double_coded"])


def association_reasons(association: pd.DataFrame, minimum: int) -> dict[str, str]:
    """Why an item's odds ratio may not be published (item id -> reason; "" when it may)."""
    cells = ["yes_charged", "yes_not_charged", "no_charged", "no_not_charged"]
    out = {}
    for row in association.itertuples(index=False):
        if row.refused:
            out[row.item_id] = (
                "a cell of the 2x2 table is empty" if "empty" in str(row.reason)
                else "too few charged (or not charged) cases for one parameter"
            )  # fmt: skip
        elif min(int(getattr(row, c)) for c in cells) < minimum:
            out[row.item_id] = f"a cell of the 2x2 table holds fewer than {minimum} cases"
        else:
            out[row.item_id] = ""
    return out


def _association_table(ctx, data: ReviewData, association: pd.DataFrame):
    """Odds ratios of charge, yes against no, where the events allow; and a sentence."""
    if association.empty:
        return None, ""
    pub = ctx.publisher
    reasons = association_reasons(association, ctx.rules.min_cell_count)
    ids = {f"{i} {t}": i for i, t in zip(association["item_id"], association["item"],
                                         strict=True)}  # fmt: skip
    frame = association.set_index(pd.Index(list(ids), name="item"))[
        ["odds_ratio", "ci_low", "ci_high"]
    ].astype(float)
    name, outcome = "case-file review: charge", pub.key(SAMPLE, OUTCOME, "cases")
    for row in frame.index if pub.collecting else ():
        # each finding's denominator is the sample's cases with an outcome: one cell
        item = data.item(ids[row])
        key = review_key(ctx, data, CHARGE_ODDS, item.pillar, item.item_id, "denominator")
        pub.number(key, pub.value_of(outcome), count=True, key=key)
        pub.ledger.same(outcome, key, "a finding's count is the sample table's cell")
    protected = publish_statistics(
        ctx, frame, name, [], ["odds_ratio", "ci_low", "ci_high"],
        {r: reasons[i] for r, i in ids.items()}, lambda r, c: None, depends=[outcome],
    )  # fmt: skip
    html = statistic_view(
        ctx, protected, {"odds_ratio": ("ci_low", "ci_high")}, None,
        "Odds of charge when the file shows the practice (yes against no), case files with an "
        "outcome, design-weighted (95% interval)", digits=2, labels={"odds_ratio": "odds ratio"},
    )  # fmt: skip
    table = protected.table
    found = table[(table["ci_low"] > 1) | (table["ci_high"] < 1)]
    if len(found):
        first = found.index[0]
        side = "higher" if found.at[first, "odds_ratio"] > 1 else "lower"
        sentence = (
            f"files recording '{quote(data.item(ids[first]).item)}' had {side} odds of charge "
            f"(odds ratio {found.at[first, 'odds_ratio']:.2f}, 95% interval "
            f"{found.at[first, 'ci_low']:.2f} to {found.at[first, 'ci_high']:.2f})"
        )
    elif table["odds_ratio"].notna().any():
        sentence = "no practice item went with charge beyond chance (every interval spans 1)"
    else:
        sentence = "the association of practice with charge is not estimated: too few events"
    return html, sentence


def case_file_review(ctx) -> Section:
    """The force's case-file review: sample, shares by pillar, agreement, association."""
    data = review_data(ctx)
    if data is None:
        return Section(
            TITLE, None,
            f"No case-file review has been returned for {ctx.force} (reviews are read in the "
            "deep-dive forces; see docs/review.md).",
        )  # fmt: skip
    if data.review.empty:
        return Section(TITLE, None, f"{ctx.force}'s review workbook holds no coded case yet.")
    found = estimates(ctx, data)
    counts, sample_html = _sample_table(ctx, data)
    shares_html, shares = _prevalence_tables(ctx, data, found["prevalence"])
    days_html = _days_table(ctx, data, found["days"])
    agreement_html, agreement = _agreement_table(ctx, data, found["agreement"])
    association_html, association = _association_table(ctx, data, found["association"])
    finding = review_sentence(ctx, data, counts, shares, agreement, association)
    items = [sample_html, *shares_html, days_html, agreement_html, association_html]
    if len(data.quarantine):
        items.append(
            "Some cells or rows of the returned workbook(s) were set aside; each is listed with "
            "what to correct in review_quarantine.parquet."
        )
    return Section(TITLE, None, finding, [i for i in items if i is not None])


def quote(text: str) -> str:
    """An item's text inside a sentence (first letter small, acronyms kept)."""
    return text[:1].lower() + text[1:]


def _count(value) -> str:
    return "[withheld]" if value is None or pd.isna(value) else f"{int(value):,}"


def review_sentence(ctx, data, counts, shares, agreement, association) -> str:
    """The finding: sample, most and least common practice, agreement, association."""
    parts = [
        f"{_count(counts.get(SAMPLED))} case files were sampled and "
        f"{_count(counts.get(DOUBLE))} coded by two reviewers"
    ]
    items = data.items.set_index("item_id")["item"]
    yes = shares[(shares["response"] == "yes") & shares["%"].notna()] if len(shares) else shares
    if len(yes) >= 2:
        top, low = yes["%"].idxmax(), yes["%"].idxmin()
        parts.append(
            f"files most often recorded '{quote(items[yes.at[top, 'item_id']])}' "
            f"({_pct(yes.at[top, '%'])}) and least often "
            f"'{quote(items[yes.at[low, 'item_id']])}' ({_pct(yes.at[low, '%'])})"
        )
    ac1 = agreement.get("gwet_ac1 estimate") if len(agreement) else None
    if ac1 is not None and ac1.notna().any():
        worst = ac1.idxmin()
        parts.append(f"reviewers agreed least on {worst.split(' ', 1)[0]} (AC1 {ac1[worst]:.2f})")
    parts.append(association)
    return "; ".join(p for p in parts if p) + "."


__all__ = [
    "ReviewData",
    "case_file_review",
    "estimates",
    "review_data",
    "sample_counts",
]
