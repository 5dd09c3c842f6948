"""Column headers of the Home Office open data tables, and telling the tables apart.

The outcomes open data table is published with headers such as "Force Name" and
"Force outcomes for offences recorded in quarter"; copies often carry them in
snake_case (``force_name``). Both fold to the same key. Other Home Office open data
tables share some headers (a recorded-crime table has "Force Name" and "Offence Code"
but no outcomes), so a file is checked against their signatures before it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from soteria_research.errors import ExtractError

#: Home Office header (as published) -> column of the loaded table.
HEADERS: dict[str, str] = {
    "Financial Year": "financial_year",
    "Financial Quarter": "financial_quarter",
    "Force Name": "force",
    "Offence Description": "offence_description",
    "Offence Group": "offence_group",
    "Offence Subgroup": "offence_subgroup",
    "Offence Code": "offence_code",
    "Offence Code Expired": "offence_code_expired",
    "Outcome Description": "outcome_description",
    "Outcome Group": "outcome_group",
    "Outcome Type": "outcome_type",
    "Force outcomes for offences recorded in quarter": "cohort",
    "Force outcomes recorded in quarter": "activity",
}

#: Headers a file must hold; the others are filled from the reference data when absent.
REQUIRED = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Code",
    "Outcome Type",
    "Force outcomes for offences recorded in quarter",
    "Force outcomes recorded in quarter",
)

#: Other Home Office open data tables: (description, header keys that identify it).
OTHER_TABLES: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "the police recorded crime open data table by Community Safety Partnership "
        "(offence counts, no outcomes)",
        frozenset({"csp_name", "number_of_offences"}),
    ),
    (
        "the police recorded crime open data table by police force area "
        "(offence counts, no outcomes)",
        frozenset({"force_name", "number_of_offences"}),
    ),
    (
        "a police recorded crime table (offence counts, no outcomes)",
        frozenset({"number_of_offences"}),
    ),
    ("the police powers and procedures arrests open data table", frozenset({"arrests"})),
    (
        "the police powers and procedures stop and search open data table",
        frozenset({"legislation", "reason_for_search"}),
    ),
    ("the police workforce open data table", frozenset({"worker_type", "fte"})),
)


def header_key(text: object) -> str:
    """Fold a header to snake_case: ``"Force Name"`` and ``" force_name "`` -> ``force_name``."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).casefold()).strip("_")


_BY_KEY: dict[str, str] = {header_key(h): col for h, col in HEADERS.items()}
# The loaded table's own column names are accepted too, so a saved copy reads back.
_BY_KEY.update({col: col for col in HEADERS.values()})
_OTHER_KEYS = frozenset().union(*(keys for _, keys in OTHER_TABLES))


def header_score(cells: Iterable[object]) -> tuple[int, int]:
    """How much a row looks like a header: (outcomes headers, other tables' headers)."""
    keys = {header_key(c) for c in cells if c is not None and str(c).strip()}
    return len(keys & set(_BY_KEY)), len(keys & _OTHER_KEYS)


def identify_table(columns: Iterable[object]) -> str | None:
    """Name the other Home Office table these headers belong to, or None.

    >>> identify_table(["Force Name", "Offence Code", "Number of Offences"])
    'the police recorded crime open data table by police force area (offence counts, no outcomes)'
    """
    keys = {header_key(c) for c in columns}
    for description, signature in OTHER_TABLES:
        if signature <= keys:
            return description
    return None


def match_columns(columns: Iterable[object], source: str) -> dict[str, str]:
    """Map a file's headers to the loaded table's columns, or explain why they do not fit.

    Parameters
    ----------
    columns : iterable
        Headers as found in the file.
    source : str
        File (and sheet) named in error messages.

    Returns
    -------
    dict
        Header as found -> column of the loaded table (unknown headers are left out).

    Raises
    ------
    ExtractError
        When a required column is missing: names the other Home Office table the file
        looks like, or the missing columns and the columns that were found.
    """
    found = [str(c) for c in columns]
    mapping: dict[str, str] = {}
    for header in found:
        column = _BY_KEY.get(header_key(header))
        if column and column not in mapping.values():
            mapping[header] = column
    missing = [h for h in REQUIRED if HEADERS[h] not in mapping.values()]
    if not missing:
        return mapping
    listed = ", ".join(repr(f) for f in found[:30]) + (" ..." if len(found) > 30 else "")
    other = identify_table(found)
    if other and "cohort" not in mapping.values() and "activity" not in mapping.values():
        raise ExtractError(
            f"{source}: this looks like {other}, not the Home Office outcomes open data "
            f"table (it has no outcome columns). Columns found: {listed}. Download the "
            "'Police recorded crime and outcomes open data tables' outcomes file instead."
        )
    raise ExtractError(
        f"{source}: missing required column(s) {', '.join(repr(m) for m in missing)} "
        f"of the Home Office outcomes open data table. Columns found: {listed}. Headers "
        "may be as published ('Force Name') or in snake_case ('force_name')."
    )
