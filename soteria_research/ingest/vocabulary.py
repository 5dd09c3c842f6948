"""The words of the mapping format: canonical fields, keys, and the default missing values.

Kept apart from the mapping reader so that every stage can name fields without it.
"""

from __future__ import annotations

#: Canonical fields a mapping must name a source column for.
REQUIRED_FIELDS = ("crime_ref", "offence", "recorded_date", "outcome")
#: Canonical date fields.
DATE_FIELDS = (
    "committed_date",
    "reported_date",
    "recorded_date",
    "arrest_date",
    "cps_referral_date",
    "outcome_date",
    "victim_withdrawal_date",
    "device_seized_date",
    "device_returned_date",
)
#: Canonical yes/no fields.
FLAG_FIELDS = ("arrested", "referred_to_cps", "isva_referred", "duplicate_flag")
#: Every canonical field a source column can feed.
SOURCE_FIELDS = (
    *REQUIRED_FIELDS,
    "victim_ref",
    "suspect_ref",
    "victim_sex",
    "victim_age",
    "victim_ethnicity",
    "relationship",
    *(f for f in DATE_FIELDS if f != "recorded_date"),
    *FLAG_FIELDS,
)
TOP_KEYS = (
    "layout",
    "force",
    "force_column",
    "data_source",
    "extraction_date",
    "files",
    "columns",
    "dates",
    "codes",
    "missing_values",
    "notes",
    "provenance",
    "pending_when_blank",
    "history",
)
FILE_KEYS = ("path", "format", "encoding", "delimiter", "sheet", "header_row", "role", "columns")
#: What a file holds: one row per crime, or one row per status change of a crime.
FILE_ROLES = ("crimes", "history")
#: Canonical fields an outcome-history file can feed (``crime_ref`` is the join key).
HISTORY_FIELDS = ("crime_ref", "outcome", "outcome_date")
HISTORY_KEYS = ("interim_statuses", "tie_break")
CODE_KINDS = ("offence", "outcome", "sex", "ethnicity", "relationship", "yes_no")
DATE_KEYS = ("formats", "per_column")
#: strptime directives a date format may use (``%%`` is a literal percent sign).
DATE_DIRECTIVES = frozenset("aAbBcdfHIjmMpSUwWxXyYzZGuV%")
EXCEL_SERIAL = "excel_serial"
DATA_SOURCES = ("synthetic", "real")
#: Spreadsheet error strings and placeholders always read as missing (compared case-blind).
DEFAULT_MISSING = (
    "",
    "#VALUE!",
    "#N/A",
    "#REF!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "NULL",
    "N/A",
    "NA",
    "NaN",
    "None",
    "nil",
)


def fold(text: str) -> str:
    """The form code-map keys and source values are matched in: trimmed, case-blind."""
    return " ".join(str(text).split()).casefold()
