"""Summaries of the outcomes table: per force or national, cohort or activity measure.

Pure functions: a loaded table (:func:`read_outcomes`) in, a new DataFrame out.
"""

from __future__ import annotations

import pandas as pd

from soteria_research import reference
from soteria_research.errors import DataError, ParameterError, UnknownValueError
from soteria_research.homeoffice.clean import financial_year

MEASURES = ("cohort", "activity")
BY = ("force", "national")
#: Label of the national row.
NATIONAL = "All forces"
#: What ``recorded`` (the denominator of every rate) counts on each measure.
DENOMINATORS = {
    "cohort": "offences recorded in the period",
    "activity": "outcomes assigned in the period",
}
#: Outcome types shown as their own columns (besides charged = 1 and pending = 0).
SHOWN_OUTCOMES = (14, 15, 16, 18)
_BTP = "British Transport Police"


def _choose(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ParameterError(f"Unknown {name} {value!r}; choose one of: {', '.join(allowed)}.")
    return value


def _select(
    table: pd.DataFrame, subgroup: str | None, year: str | None, include_btp: bool
) -> pd.DataFrame:
    """Rows of one offence subgroup (None: all sexual offences), year and force set."""
    groups = table["offence_group"].fillna("").str.casefold()
    sexual = table[groups.eq("sexual offences")]
    if sexual.empty:
        present = ", ".join(repr(g) for g in sorted(table["offence_group"].dropna().unique()))
        raise DataError(
            f"This looks like the outcomes table for offence group(s) {present or '(none)'}, "
            "not sexual offences: it holds no 'Sexual offences' rows to summarise."
        )
    rows = sexual
    if subgroup is not None:
        available = sorted(sexual["offence_subgroup"].dropna().unique())
        rows = sexual[sexual["offence_subgroup"].str.casefold().eq(subgroup.casefold())]
        if rows.empty:
            raise ParameterError(
                f"No rows of offence subgroup {subgroup!r}; the table holds: "
                f"{', '.join(available)} (or use no subgroup for all sexual offences)."
            )
    if year is not None:
        years = sorted(rows["financial_year"].unique())
        try:
            year = financial_year(year)
        except UnknownValueError as exc:
            raise ParameterError(str(exc)) from exc
        if year not in years:
            raise ParameterError(f"No rows for year {year!r}; the table holds {', '.join(years)}.")
        rows = rows[rows["financial_year"].eq(year)]
    return rows if include_btp else rows[rows["force"].ne(_BTP)]


def _counts(rows: pd.DataFrame, measure: str, by: str) -> pd.DataFrame:
    """Counts per (year, force) x outcome type. A type with no row counts 0; a type whose
    rows are all blank stays NA."""
    keys = ["financial_year", "force"]
    if by == "national":
        rows = rows.assign(force=NATIONAL)
    sums = rows.groupby([*keys, "outcome_type"])[measure].sum(min_count=1)
    wide = sums.unstack("outcome_type", fill_value=0)
    types = [int(t) for t in reference.outcomes()["type"]]
    return wide.reindex(columns=types, fill_value=0).astype("Int64")


def outcomes_summary(
    table: pd.DataFrame,
    subgroup: str | None = "Rape",
    measure: str = "cohort",
    by: str = "force",
    year: str | None = None,
    include_btp: bool = True,
) -> pd.DataFrame:
    """Outcome counts and the charge rate per force (or nationally) and financial year.

    Parameters
    ----------
    table : DataFrame
        A loaded outcomes table (:func:`read_outcomes`).
    subgroup : str or None
        Offence subgroup ("Rape", "Other sexual offences"); None for all sexual offences.
    measure : {"cohort", "activity"}
        ``cohort``: outcomes so far of offences recorded in the period; ``recorded`` is
        the number of offences recorded, the sum over every outcome type including 0.
        ``activity``: outcomes assigned in the period whatever year the offence was
        recorded; ``recorded`` is then the number of outcomes assigned in the period (the
        sum over every outcome type; the Home Office leaves type 0 blank on this measure,
        so ``pending`` is NA). Rates on the two measures are never comparable.
    by : {"force", "national"}
        One row per force (Home Office name), or one national row per year: the national
        row, labelled "All forces", is the sum of the counts of every force in the table
        (43 territorial forces and British Transport Police in the published file, or
        without BTP when ``include_btp`` is False), and its charge rate is the pooled rate
        (national charged / national recorded), not an average of force rates.
    year : str, optional
        Financial year such as "2017/18"; every year in the table when None.
    include_btp : bool
        Keep British Transport Police (in Home Office data, not a Home Office force).

    Returns
    -------
    DataFrame
        ``financial_year, force, subgroup, measure, denominator, recorded, charged,
        outcome_14, outcome_15, outcome_16, outcome_18, pending, charge_rate`` (percent,
        NA when nothing was recorded), ``negative_rows`` and ``blank_rows`` (source rows
        with a negative or blank count, kept as published), and ``n_forces`` for the
        national row.

    Examples
    --------
    >>> from soteria_research.homeoffice import published_outcomes
    >>> national = outcomes_summary(published_outcomes(), by="national", year="2017/18")
    >>> round(float(national["charge_rate"].iloc[0]), 2)
    4.15
    """
    _choose(measure, MEASURES, "measure")
    _choose(by, BY, "by")
    rows = _select(table, subgroup, year, include_btp)
    counts = _counts(rows, measure, by)
    out = pd.DataFrame(index=counts.index)
    labels = rows["offence_subgroup"].dropna().unique()
    out["subgroup"] = labels[0] if subgroup is not None else "All sexual offences"
    out["measure"] = measure
    out["denominator"] = DENOMINATORS[measure]
    out["recorded"] = counts.sum(axis=1, min_count=1).astype("Int64")
    out["charged"] = counts[reference.CHARGED]
    for kind in SHOWN_OUTCOMES:
        out[f"outcome_{kind}"] = counts[kind]
    out["pending"] = counts[reference.PENDING]
    recorded = out["recorded"].astype("Float64")
    out["charge_rate"] = (100 * out["charged"] / recorded).where(recorded > 0)
    keys = ["financial_year"] if by == "national" else ["financial_year", "force"]
    flags = rows.assign(blank=rows[measure].isna()).groupby(keys)
    quirks = pd.DataFrame(
        {"negative_rows": flags[f"{measure}_negative"].sum(), "blank_rows": flags["blank"].sum()}
    ).astype("Int64")
    if by == "national":
        quirks.index = pd.MultiIndex.from_arrays(
            [quirks.index, [NATIONAL] * len(quirks)], names=["financial_year", "force"]
        )
        quirks["n_forces"] = rows.groupby("financial_year")["force"].nunique().to_numpy()
    text = dict.fromkeys(["force", "subgroup", "measure", "denominator"], "string")
    return out.join(quirks).reset_index().astype(text)


def outcome_mix(
    table: pd.DataFrame,
    subgroup: str | None = "Rape",
    measure: str = "cohort",
    by: str = "national",
    year: str | None = None,
    include_btp: bool = True,
) -> pd.DataFrame:
    """Every outcome type's count and share (percent of ``recorded``), in long form.

    Parameters are those of :func:`outcomes_summary`. Returns ``financial_year, force,
    outcome_type, outcome_group, count, share``.
    """
    _choose(measure, MEASURES, "measure")
    _choose(by, BY, "by")
    counts = _counts(_select(table, subgroup, year, include_btp), measure, by)
    recorded = counts.sum(axis=1, min_count=1).astype("Float64")
    shares = counts.astype("Float64").div(recorded.where(recorded > 0), axis=0) * 100
    long = counts.stack().rename("count").to_frame().join(shares.stack().rename("share"))
    long = long.reset_index()
    groups = reference.outcomes().set_index("type")["group"]
    long.insert(3, "outcome_group", long["outcome_type"].map(groups).astype("string"))
    return long


def data_quirks(table: pd.DataFrame) -> pd.DataFrame:
    """Count the published quirks kept in a loaded table (negative and blank counts).

    Returns ``quirk, rows, meaning``; the rows are kept as published, never corrected.
    """
    quirks = [
        ("negative_cohort", int(table["cohort_negative"].sum()),
         "negative cohort counts (offences reclassified between quarters)"),
        ("negative_activity", int(table["activity_negative"].sum()),
         "negative activity counts (outcomes reclassified between quarters)"),
        ("blank_cohort", int(table["cohort"].isna().sum()), "cohort count left blank (NA)"),
        ("blank_activity", int(table["activity"].isna().sum()),
         "activity count left blank (NA), e.g. outcome type 0"),
    ]  # fmt: skip
    return pd.DataFrame(quirks, columns=["quirk", "rows", "meaning"]).astype(
        {"quirk": "string", "rows": "Int64", "meaning": "string"}
    )
