"""Building the canonical cases columns from mapped source columns.

:func:`build` converts every mapped field (on its distinct values), derives the rest
(financial year, age band, outcome group, charged, offence subgroup, date flags) and
pseudonymises the references. It returns a :class:`Built` whose ``checks`` say which rows
must be quarantined and whose :meth:`Built.frame` gives the canonical table for any rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from soteria_research import settings
from soteria_research.errors import ConfigError
from soteria_research.ingest import dates, fields
from soteria_research.ingest.fields import STRING, Column, Lazy
from soteria_research.ingest.mapping import DATE_FIELDS, Mapping
from soteria_research.ingest.pseudonymise import HEX_DIGITS, pseudonym_codes
from soteria_research.ingest.siphash import hex_digits

#: Canonical cases columns, in table order (docs/architecture.md).
CASES_COLUMNS = (
    "force",
    "crime_id",
    "victim_id",
    "suspect_id",
    "source_file",
    "source_row",
    "offence_code",
    "offence_subgroup",
    "committed_date",
    "reported_date",
    "recorded_date",
    "financial_year",
    "victim_sex",
    "victim_age",
    "victim_age_band",
    "victim_ethnicity",
    "relationship",
    "arrested",
    "arrest_date",
    "referred_to_cps",
    "cps_referral_date",
    "outcome_type",
    "outcome_alternate",
    "outcome_group",
    "outcome_date",
    "charged",
    "victim_withdrawal_date",
    "isva_referred",
    "device_seized_date",
    "device_returned_date",
    "date_flags",
    "extraction_date",
    "data_source",
)
DEFAULT_AGE_BANDS = [0, 13, 16, 18, 25, 35, 50, 120]
_CATEGORIES = {"victim_sex": "sex", "victim_ethnicity": "ethnicity", "relationship": "relationship"}
_FLAGS = {"arrested": "arrest_date", "referred_to_cps": "cps_referral_date", "isva_referred": None}


def _bands(age_bands: list[int] | None) -> list[int]:
    if age_bands is not None:
        return list(age_bands)
    try:
        return list(settings.section("measures").get("age_bands") or DEFAULT_AGE_BANDS)
    except ConfigError:
        return DEFAULT_AGE_BANDS


def _ids(column: Column, key: bytes, prefixes: list[str], group: np.ndarray | None):
    """Pseudonym per row (NA where missing) and an integer key per (group, reference).

    ``column`` comes from :meth:`Column.references`: its texts are distinct, normalised
    references, or (hashed row by row) its ``digests`` are each row's pseudonym already and
    its ``codes`` (the same hashes) are the key.
    """
    if column.digests is not None:  # hashed row by row with the one prefix already
        rows = np.where(column.present, np.arange(len(column.codes)), -1)
        return Lazy(hex_digits(column.digests), rows), column.codes
    refs = column.texts.array
    if group is None or len(prefixes) == 1:
        hashed = pseudonym_codes(refs, key, prefixes[0])
        return Lazy(hashed, column.codes), column.codes
    size = len(refs) + 1
    crime_key = np.where(column.present, group * size + column.codes, -1)
    pairs, row_pair = np.unique(crime_key, return_inverse=True)
    hashes = np.zeros(len(pairs), dtype=f"S{HEX_DIGITS}")
    for number, prefix in enumerate(prefixes):
        chosen = (pairs >= 0) & (pairs // size == number)
        if chosen.any():
            hashes[chosen] = pseudonym_codes(refs.take(pairs[chosen] % size), key, prefix)
    index = np.where(pairs[row_pair.ravel()] >= 0, row_pair.ravel(), -1)
    return Lazy(hashes, index.astype(np.int64)), crime_key


def _rows_of(value, rows: np.ndarray):
    """One canonical column's values at the given row positions."""
    if isinstance(value, Lazy):
        return value.take(rows)
    if isinstance(value, np.ndarray):
        return value[rows]
    if isinstance(value, pd.api.extensions.ExtensionArray):
        return value.take(rows)
    if isinstance(value, str):  # one text for every row
        return pd.array([value], dtype=STRING).take(np.zeros(len(rows), np.intp))
    return np.full(len(rows), np.datetime64(value, "us"), dtype=dates.UNIT)  # one date


@dataclass
class Built:
    """Canonical columns for every input row, plus what quarantine and dedup need.

    ``values`` holds, per canonical column, a :class:`Lazy`, an extension array, a NumPy
    date array or a scalar (one value for every row).
    """

    values: dict[str, object] = field(default_factory=dict)
    checks: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    crime_key: np.ndarray | None = None
    marked: np.ndarray | None = None
    failures: list = field(default_factory=list)

    def frame(self, raw: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """The canonical cases table for the given row positions, in that order."""
        calls = {}
        for name in CASES_COLUMNS:
            value = raw[name].array if name in ("source_file", "source_row") else self.values[name]
            calls[name] = partial(_rows_of, value, rows)
        data = fields.in_threads(calls)  # one take per column, side by side
        return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), copy=False)

    def unrecognised(self, rows: np.ndarray) -> pd.DataFrame:
        """Counts of optional values set to unknown / NA among the given rows."""
        records = [(c, issue, int(mask[rows].sum())) for c, issue, mask in self.issues]
        records = [r for r in records if r[2] > 0]
        frame = pd.DataFrame(records, columns=["column", "issue", "count"])
        return frame.astype({"column": STRING, "issue": STRING, "count": "Int64"})


def failure_rule() -> tuple[float, int]:
    """``ingest.parse_failure_share`` and ``ingest.parse_failure_min_values``: a date column
    where more than that share of the values (and at least that many) fail to parse is an
    error, not a quarantine (defaults: one half, 3 values)."""
    try:
        section = settings.load().get("ingest", {})
    except ConfigError:
        section = {}
    return float(section.get("parse_failure_share", 0.5)), int(
        section.get("parse_failure_min_values", 3)
    )


def _dates(built: Built, columns: dict[str, Column], mapping: Mapping, n: int) -> None:
    nat = np.full(n, np.datetime64("NaT"), dtype=dates.UNIT)
    share, least = failure_rule()
    for name in DATE_FIELDS:
        if name not in columns:
            built.values[name] = nat
            continue
        parsed, unparsed, implausible = fields.date(columns[name], mapping.formats_for(name))
        built.values[name] = parsed
        failing = unparsed | implausible
        held = int(columns[name].present.sum())
        if failing.sum() >= least and failing.sum() > share * held:
            texts = columns[name].texts
            built.failures.append((name, failing, held, dates.suggest_format(texts)))
        if name == "recorded_date":
            built.checks.append((name, "missing value", ~columns[name].present))
            built.checks.append((name, "unparseable date", unparsed))
            built.checks.append((name, "date outside 1901-2099", implausible))
        else:
            built.issues.append((name, "unparseable date (set to missing)", unparsed))
            built.issues.append((name, "date outside 1901-2099 (set to missing)", implausible))


def _flags(built: Built, columns: dict[str, Column], mapping: Mapping, n: int) -> None:
    yes_no = mapping.codes.get("yes_no", {})
    for name, date_field in _FLAGS.items():
        if name in columns:
            values, unknown = fields.yes_no(columns[name], yes_no)
            built.issues.append((name, "unrecognised value (set to missing)", unknown))
        elif date_field in columns:  # only the date is held: a date means yes
            values = pd.array(~np.isnat(built.values[date_field]), dtype="boolean")
        else:
            values = pd.array(np.zeros(n, dtype=bool), dtype="boolean", copy=False)
            values[:] = pd.NA
        built.values[name] = values
    built.marked = np.zeros(n, dtype=bool)
    if "duplicate_flag" in columns:
        marked, _ = fields.yes_no(columns["duplicate_flag"], yes_no)
        built.marked = marked.take().to_numpy(dtype=bool, na_value=False)


def build(
    columns: dict[str, Column],
    mapping: Mapping,
    key: bytes,
    force_code: np.ndarray,
    force_list: list[str],
    age_bands: list[int] | None = None,
) -> Built:
    """Convert and derive every canonical column for all rows (see the module docstring)."""
    n = len(force_code)
    empty = Column.of(None, n, frozenset())
    get = lambda name: columns.get(name, empty)  # noqa: E731
    codes = mapping.codes
    built = Built()
    built.values["force"] = Lazy(pd.array(force_list, dtype=STRING), force_code)

    crime_prefixes = [f"{force}|" for force in force_list]
    group = force_code if len(force_list) > 1 else None
    ids = {name: get(name) for name in ("crime_ref", "victim_ref", "suspect_ref")}
    built.values["crime_id"], built.crime_key = _ids(ids["crime_ref"], key, crime_prefixes, group)
    built.values["victim_id"], _ = _ids(ids["victim_ref"], key, crime_prefixes, group)
    built.values["suspect_id"], _ = _ids(ids["suspect_ref"], key, ["suspect|"], None)

    offence, subgroup, unknown_offence = fields.offence(get("offence"), codes.get("offence", {}))
    built.values["offence_code"], built.values["offence_subgroup"] = offence, subgroup
    outcome = fields.outcome(get("outcome"), codes.get("outcome", {}))
    blank = ~get("outcome").present
    if mapping.blank_outcome is not None:  # the mapping says what a missing outcome means
        outcome["type"] = np.where(blank, mapping.blank_outcome.type, outcome["type"])
        outcome["alternate"] = np.where(
            blank, mapping.blank_outcome.alternate, outcome["alternate"]
        )
        blank = np.zeros(n, dtype=bool)
    kind = outcome["type"]
    built.values["outcome_type"] = pd.array(np.maximum(kind, 0), dtype="Int64")
    built.values["outcome_alternate"] = pd.array(outcome["alternate"], dtype="boolean")
    built.values["outcome_group"] = fields.outcome_groups(kind)
    built.values["charged"] = pd.array(kind == 1, dtype="boolean")

    _dates(built, columns, mapping, n)
    built.checks += [
        ("offence", "missing value", ~get("offence").present),
        ("offence", "unknown offence code", unknown_offence),
        ("outcome", "missing value", blank),
        ("outcome", "crime-recording code, not an outcome", outcome["recording_code"]),
        ("outcome", "unknown outcome code", outcome["unknown"]),
    ]
    built.values["financial_year"] = Lazy(*dates.financial_year(built.values["recorded_date"]))

    for name, kind_name in _CATEGORIES.items():
        values, unknown = fields.category(get(name), kind_name, codes.get(kind_name, {}))
        built.values[name] = values
        built.issues.append((name, "unrecognised value (set to unknown)", unknown))
    ages, bands, bad_age = fields.age(get("victim_age"), _bands(age_bands))
    built.values["victim_age"], built.values["victim_age_band"] = ages, bands
    built.issues.append(("victim_age", "not a whole number 0-120 (set to missing)", bad_age))
    _flags(built, columns, mapping, n)

    held = {k: built.values[k] for k in DATE_FIELDS if k in columns}
    built.values["date_flags"] = Lazy(*dates.date_flags(held, kind, mapping.extraction_date))
    built.values["extraction_date"] = mapping.extraction_date
    built.values["data_source"] = mapping.data_source
    return built
