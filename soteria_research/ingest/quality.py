"""The data-quality report of a force: a tidy table of counts, never record-level values.

One row per thing counted, in sections:

* ``rows``: input rows, and how many went to cases, quarantine and duplicates;
* ``completeness``: per canonical field, the clean rows holding a value (``unknown``
  counts as no value for the category fields);
* ``quarantine``: rows quarantined, by field and reason;
* ``duplicates``: rows removed, by rule;
* ``date_flags``: clean rows carrying each date anomaly;
* ``unrecognised``: optional values that were not understood (set to unknown / NA);
* ``assessment``: problems found in the self-assessment workbook(s);
* ``history``: with an outcome history, its rows, those used, and those quarantined by
  field and reason (they are in the quarantine table too, under the history file).
"""

from __future__ import annotations

import pandas as pd

from soteria_research.ingest.cases import CASES_COLUMNS

QUALITY_COLUMNS = ("force", "section", "item", "count", "total", "share")
SECTIONS = (
    "rows",
    "completeness",
    "quarantine",
    "duplicates",
    "date_flags",
    "unrecognised",
    "assessment",
    "history",
)
_UNKNOWN_IS_EMPTY = ("victim_sex", "victim_ethnicity", "relationship", "victim_age_band")
_NOT_COUNTED = ("force", "source_file", "source_row", "date_flags", "data_source")


def completeness(cases: pd.DataFrame) -> pd.DataFrame:
    """Clean rows holding a value, per canonical field (``item``, ``count``, ``total``)."""
    total = len(cases)
    rows = []
    for column in CASES_COLUMNS:
        if column in _NOT_COUNTED or column not in cases:
            continue
        held = cases[column].notna()
        if column in _UNKNOWN_IS_EMPTY:
            held &= cases[column].ne("unknown").fillna(False)
        rows.append((column, int(held.sum()), total))
    return pd.DataFrame(rows, columns=["item", "count", "total"])


def _counts(values: pd.Series, total: int | None) -> pd.DataFrame:
    counts = values.value_counts(sort=False).sort_index()
    return pd.DataFrame(
        {"item": counts.index.astype(str), "count": counts.to_numpy(), "total": total}
    )


def _flags(cases: pd.DataFrame) -> pd.Series:
    flags = cases["date_flags"].dropna()
    return flags[flags.ne("")].str.split(";").explode()


def quality_report(
    cases: pd.DataFrame,
    quarantine: pd.DataFrame,
    duplicates: pd.DataFrame,
    unrecognised: pd.DataFrame | None = None,
    assessment_problems: pd.DataFrame | None = None,
    force: str | None = None,
    history_rows: int | None = None,
    history_quarantine: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the data-quality report (see the module docstring for the sections).

    Parameters
    ----------
    cases, quarantine, duplicates
        The three tables cleaning produced (input rows = the sum of their lengths).
    unrecognised
        ``CleanResult.unrecognised``: ``column``, ``issue``, ``count``.
    assessment_problems
        Problems from :func:`~soteria_research.ingest.assessment.read_assessment`
        (a ``problem`` column is counted).
    force
        Home Office force name for the ``force`` column.
    history_rows, history_quarantine
        With an outcome history: its row count and its quarantined rows.

    Returns
    -------
    DataFrame
        ``force``, ``section``, ``item``, ``count``, ``total`` (what the count is out of,
        NA where not meaningful) and ``share`` (count / total).
    """
    inputs = len(cases) + len(quarantine) + len(duplicates)
    parts = [
        pd.DataFrame(
            {
                "item": ["input rows", "clean", "quarantined", "duplicates"],
                "count": [inputs, len(cases), len(quarantine), len(duplicates)],
                "total": inputs,
            }
        ).assign(section="rows"),
        completeness(cases).assign(section="completeness"),
    ]
    if len(quarantine):
        reasons = quarantine["column"].astype(str) + ": " + quarantine["reason"].astype(str)
        parts.append(_counts(reasons, inputs).assign(section="quarantine"))
    if len(duplicates):
        parts.append(_counts(duplicates["rule"].astype(str), inputs).assign(section="duplicates"))
    if len(cases):
        parts.append(_counts(_flags(cases).astype(str), len(cases)).assign(section="date_flags"))
    if unrecognised is not None and len(unrecognised):
        items = unrecognised["column"].astype(str) + ": " + unrecognised["issue"].astype(str)
        part = pd.DataFrame(
            {"item": items, "count": unrecognised["count"].to_numpy(), "total": len(cases)}
        )
        parts.append(part.assign(section="unrecognised"))
    if assessment_problems is not None and len(assessment_problems):
        problems = assessment_problems["problem"].astype(str)
        parts.append(_counts(problems, None).assign(section="assessment"))
    if history_rows is not None:
        held = history_quarantine if history_quarantine is not None else quarantine.iloc[0:0]
        used = history_rows - len(held)
        counts = pd.DataFrame(
            {"item": ["history rows", "status rows used"], "count": [history_rows, used]}
        )
        parts.append(counts.assign(total=history_rows, section="history"))
        if len(held):
            reasons = "quarantined: " + held["column"].astype(str) + ": " + held["reason"]
            parts.append(_counts(reasons.astype(str), history_rows).assign(section="history"))
    report = pd.concat([p for p in parts if len(p)], ignore_index=True)
    report["force"] = force
    report = report.astype(
        {
            "force": "string",
            "section": "string",
            "item": "string",
            "count": "Int64",
            "total": "Int64",
        }
    )
    report["share"] = report["count"].astype("Float64") / report["total"].astype("Float64")
    report["share"] = report["share"].where(report["total"].fillna(0) > 0)
    return report[list(QUALITY_COLUMNS)].reset_index(drop=True)
