"""Data completeness: how much of what the measures need is filled in.

Cohort basis: crimes recorded in the period. A field counts as complete when it is
present and not ``unknown``; conditional fields are judged only where they apply (an
outcome date only for crimes with an outcome, an arrest date only where arrested).
"""

from __future__ import annotations

import pandas as pd

from soteria_research.measures.frames import NO_CASES, flag, require_columns
from soteria_research.measures.intervals import proportion_estimates
from soteria_research.measures.periods import Period, cohort, resolve_period

#: Field -> condition on which it is expected (None: every crime).
KEY_FIELDS: dict[str, str | None] = {
    "committed_date": None,
    "reported_date": None,
    "victim_age": None,
    "victim_sex": None,
    "victim_ethnicity": None,
    "relationship": None,
    "isva_referred": None,
    "arrested": "suspect_identified",
    "arrest_date": "arrested",
    "outcome_date": "outcome_assigned",
}


def _applies(rows: pd.DataFrame, condition: str | None) -> pd.Series:
    if condition is None:
        return pd.Series(True, index=rows.index)
    if condition == "suspect_identified":
        return rows["suspect_id"].notna()
    if condition == "arrested":
        return flag(rows["arrested"])
    return rows["outcome_type"].ne(0).fillna(False).astype(bool)


def data_completeness(
    cases: pd.DataFrame,
    period: str | Period = "latest",
    fields: dict[str, str | None] | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Completeness of each key field, and overall (cohort basis).

    Definition: share of expected values present (not missing, not ``unknown``).
    Numerator: values present. Denominator: crimes recorded in the period on which the
    field is expected. The ``overall`` row pools every field (cells present / cells
    expected).

    Returns
    -------
    DataFrame
        ``field, measure, basis, period, numerator, denominator, value, ci_low, ci_high,
        reason``.
    """
    wanted = KEY_FIELDS if fields is None else fields
    require_columns(cases, ["financial_year", "suspect_id", "outcome_type", *wanted])
    resolved = resolve_period(cases, period)
    rows = cohort(cases, resolved)
    names, nums, dens = [], [], []
    for field, condition in wanted.items():
        expected = _applies(rows, condition)
        values = rows.loc[expected, field]
        present = values.notna()
        if pd.api.types.is_string_dtype(values.dtype):
            present &= values.str.lower().ne("unknown").fillna(False)
        names.append(field)
        nums.append(int(present.sum()))
        dens.append(int(expected.sum()))
    names.append("overall")
    nums.append(sum(nums))
    dens.append(sum(dens))
    est = proportion_estimates(nums, dens, confidence, method)
    if not len(rows):
        est["reason"] = NO_CASES
    head = pd.DataFrame({"field": names, "measure": "data_completeness", "basis": "cohort"})
    head["period"] = resolved.label
    return pd.concat([head, est], axis=1)
