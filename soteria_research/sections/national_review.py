"""National report: the case-file reviews of the deep-dive forces side by side.

Reads each force's review findings (the evidence-base rows the force reports publish) back
from the release, so every figure shown is the force's own published value, withheld
where the force's report withholds it: the share of files coded yes on each yes/no item,
reviewers' agreement (Gwet's AC1) and the odds ratio of charge where it was estimated.
"""

from __future__ import annotations

import pandas as pd

from soteria_research.disclosure import Protected, render_table_html
from soteria_research.sections.display import Section
from soteria_research.sections.summary import finding_key

TITLE = "Case-file reviews across the deep-dive forces"
#: Measure family -> (label, scale, digits) of the comparison tables.
FAMILIES = {
    "review_yes_share": ("Share of case files coded yes (design-weighted %)", 100.0, 1),
    "review_ac1": ("Agreement between reviewers (Gwet's AC1)", 1.0, 2),
    "review_charge_odds_ratio": ("Odds ratio of charge, yes against no", 1.0, 2),
}


def split_measure(measure: str) -> tuple[str, str]:
    """(family, item id) of a review measure code (``review_ac1_sf03`` -> ``review_ac1``,
    ``SF03``); ("", "") for any other measure."""
    for family in FAMILIES:
        if measure.startswith(f"{family}_"):
            return family, measure[len(family) + 1 :].upper()
    return "", ""


def review_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The review findings of every force (``measure`` of a review family), with their
    ``family`` and ``item``."""
    if findings.empty or "measure" not in findings.columns:
        return findings.iloc[0:0].assign(family=pd.Series(dtype=str), item=pd.Series(dtype=str))
    parts = [split_measure(str(m)) for m in findings["measure"]]
    named = [
        str(d).split(": ", 1)[0] if isinstance(d, str) and d.upper().startswith(p[1]) else p[1]
        for d, p in zip(findings.get("definition", [None] * len(parts)), parts, strict=True)
    ]
    out = findings.assign(family=[p[0] for p in parts], item=named)
    return out[out["family"] != ""]


def _published(ctx, row, column: str) -> float | None:
    key = finding_key(
        row["force"], ctx.subgroup, row["period"], row["measure"], row["pillar"], column
    )
    return ctx.publisher.value_of(key) if key in ctx.publisher.ledger.cells else None


def _cell(ctx, row, scale: float, digits: int) -> str | None:
    value = _published(ctx, row, "value")
    if value is None:
        return None
    low, high = _published(ctx, row, "ci_low"), _published(ctx, row, "ci_high")
    text = f"{scale * value:.{digits}f}"
    if low is not None and high is not None:
        text += f" ({scale * low:.{digits}f} to {scale * high:.{digits}f})"
    return text


def comparison_table(ctx, rows: pd.DataFrame, family: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items by force: the published value and interval as text (NA where withheld or not
    estimated) and a mask marking the withheld ones."""
    _, scale, digits = FAMILIES[family]
    chosen = rows[rows["family"] == family]
    items = list(dict.fromkeys(chosen["item"]))
    forces = sorted(chosen["force"].unique())
    table = pd.DataFrame(pd.NA, index=pd.Index(items, name="item"), columns=forces, dtype=object)
    mask = pd.DataFrame("", index=table.index, columns=forces)
    for row in chosen.to_dict("records"):
        item = row["item"]
        text = _cell(ctx, row, scale, digits)
        table.at[item, row["force"]] = text if text is not None else pd.NA
        estimable = not (isinstance(row.get("reason"), str) and row["reason"])
        mask.at[item, row["force"]] = "withheld" if text is None and estimable else ""
    return table, mask


def review_comparison(ctx) -> Section:
    """Shares, agreement and association of the case-file reviews, force by force."""
    rows = review_rows(ctx.findings)
    if rows.empty:
        return Section(TITLE, None, "No deep-dive force has returned a case-file review.")
    items = []
    for family, (label, _, _) in FAMILIES.items():
        table, mask = comparison_table(ctx, rows, family)
        if table.empty:
            continue
        protected = Protected(f"{TITLE}: {family}", table, mask, {"kind": "comparison"})
        items.append(render_table_html(protected, label, count_columns=[], rules=ctx.rules))
    forces = rows["force"].nunique()
    finding = (
        f"{forces} deep-dive force{'s' if forces != 1 else ''} returned a case-file review; "
        + _spread(ctx, rows)
    )
    return Section(TITLE, None, finding, items)


def _spread(ctx, rows: pd.DataFrame) -> str:
    """The yes/no item whose published shares differ most between forces, and the items
    whose odds ratio of charge excludes 1 in some force."""
    shares = rows[rows["family"] == "review_yes_share"]
    values = pd.Series(
        [_published(ctx, r, "value") for r in shares.to_dict("records")], index=shares.index
    ).astype(float)
    shares = shares.assign(shown=values).dropna(subset=["shown"])
    parts = []
    if shares["force"].nunique() >= 2:
        span = shares.groupby("item")["shown"].agg(lambda v: v.max() - v.min())
        widest = span.idxmax()
        one = shares[shares["item"] == widest]
        top, low = one.loc[one["shown"].idxmax()], one.loc[one["shown"].idxmin()]
        parts.append(
            f"the share of files coded yes differs most on {widest}, from {100 * low['shown']:.1f}% "
            f"({low['force']}) to {100 * top['shown']:.1f}% ({top['force']})"
        )
    odds = rows[rows["family"] == "review_charge_odds_ratio"]
    flagged = {}
    for r in odds.to_dict("records"):
        low, high = _published(ctx, r, "ci_low"), _published(ctx, r, "ci_high")
        if low is not None and high is not None and (low > 1 or high < 1):
            flagged.setdefault(r["item"], []).append(r["force"])
    if flagged:
        parts.append(
            "the odds of charge differ with the practice beyond chance for "
            + "; ".join(
                f"{item} in {len(f)} of {odds['force'].nunique()} forces"
                for item, f in flagged.items()
            )
        )
    else:
        parts.append("no practice item goes with charge beyond chance in any force")
    return "; ".join(parts) + "."


__all__ = ["comparison_table", "review_comparison", "review_rows"]
