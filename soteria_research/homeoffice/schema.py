"""The loaded outcomes table as a schema: a data dictionary that is also checked.

One row per financial year, quarter, force, offence code and outcome type, as the Home
Office publishes it. Validation is lazy: every failure is collected and reported at once.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from soteria_research import reference
from soteria_research.errors import DataError

_FORCES = reference.force_names()
_OUTCOME_TYPES = [int(t) for t in reference.outcomes()["type"]]
#: The rows that identify one published count.
KEY = ("financial_year", "financial_quarter", "force", "offence_code", "outcome_type")


class OutcomesTable(pa.DataFrameModel):
    """Home Office outcomes open data, one row per published pair of counts."""

    financial_year: Series[pd.StringDtype] = pa.Field(str_matches=r"^\d{4}/\d{2}$")
    """Financial year, April to March, written ``2017/18``."""
    financial_quarter: Series[pd.Int64Dtype] = pa.Field(isin=[1, 2, 3, 4])
    """Quarter of the financial year (1 = April-June)."""
    force: Series[pd.StringDtype] = pa.Field(isin=_FORCES)
    """Home Office force name (normalised through the reference data)."""
    offence_code: Series[pd.StringDtype] = pa.Field(str_length={"min_value": 1})
    """Home Office offence code (``19C``)."""
    offence_description: Series[pd.StringDtype] = pa.Field(nullable=True)
    offence_group: Series[pd.StringDtype] = pa.Field(nullable=True)
    """Home Office offence group ("Sexual offences")."""
    offence_subgroup: Series[pd.StringDtype] = pa.Field(nullable=True)
    """"Rape" or "Other sexual offences" for the sexual offences group."""
    offence_code_expired: Series[pd.StringDtype] = pa.Field(nullable=True)
    """As published; blank (NA) for codes still in use."""
    outcome_type: Series[pd.Int64Dtype] = pa.Field(isin=_OUTCOME_TYPES)
    """Home Office outcome type, 0 = not yet assigned an outcome."""
    outcome_description: Series[pd.StringDtype] = pa.Field(nullable=True)
    outcome_group: Series[pd.StringDtype] = pa.Field(nullable=True)
    cohort: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    """"Force outcomes for offences recorded in quarter" (the cohort measure); may be
    negative where offences were reclassified between quarters."""
    activity: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    """"Force outcomes recorded in quarter" (the activity measure); blank (NA) where the
    Home Office publishes no figure, e.g. for outcome type 0."""
    cohort_negative: Series[pd.BooleanDtype]
    """True where the cohort count is below zero (kept, not corrected)."""
    activity_negative: Series[pd.BooleanDtype]
    """True where the activity count is below zero (kept, not corrected)."""
    source_row: Series[pd.Int64Dtype] = pa.Field(ge=1)
    """Row of the source file as a spreadsheet shows it (header row of a CSV = 1)."""

    class Config:
        strict = True
        ordered = True
        unique: ClassVar[list[str]] = list(KEY)


#: Column order of the loaded table.
COLUMNS: tuple[str, ...] = tuple(OutcomesTable.to_schema().columns)
#: Pandas dtype of each column (text is the nullable ``string`` dtype, with NA).
DTYPES: dict[str, str] = {
    name: {"Int64": "Int64", "boolean": "boolean"}.get(str(column.dtype), "string")
    for name, column in OutcomesTable.to_schema().columns.items()
}


def validate(table: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Validate against :class:`OutcomesTable`, reporting every failure at once.

    Raises
    ------
    DataError
        One line per failing column and check, with the number of rows and the first
        source rows.
    """
    try:
        return OutcomesTable.validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        unique = cases["check"].astype(str).eq("multiple_fields_uniqueness")
        keep = ~unique | ~cases["index"].duplicated()  # one line for a key, not one per column
        cases, unique = cases[keep].copy(), unique[keep]
        cases.loc[unique, "column"] = "key (" + ", ".join(KEY) + ")"
        lines = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            index = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
            rows = table["source_row"].reindex(index.unique()[:3]).dropna().astype(int)
            where = f" (source rows {', '.join(map(str, rows))})" if len(rows) else ""
            lines.append(f"  {column}: {check}: {len(group)} row(s){where}")
        if unique.any():
            lines.append("  Rows with the same key would be counted twice: remove the copies.")
        raise DataError(
            f"{source}: the outcomes table does not fit its schema:\n" + "\n".join(lines)
        ) from exc
