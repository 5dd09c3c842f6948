"""Building the canonical cases columns from mapped source columns.

:func:`build` converts every mapped field (on its distinct values), derives the rest
(financial year, age band, outcome group, charged, offence subgroup, date flags) and
pseudonymises the references. It returns a :class:`Built` whose ``checks`` say which rows
must be quarantined and whose :meth:`Built.frame` gives the canonical table for any rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from soteria_research import settings
from soteria_research.errors import ConfigError
from soteria_research.ingest import dates, fields
from soteria_research.ingest.fields import STRING, Column
from soteria_research.ingest.mapping import DATE_FIELDS, Mapping
from soteria_research.ingest.pseudonymise import pseudonyms

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
    """Pseudonym per row (NA where missing) and an integer key per (group, normalised ref)."""
    texts = pa.array(column.texts.array, type=pa.string())
    refs = pc.utf8_upper(pc.replace_substring_regex(texts, pattern=r"[\t\n\f\r ]+", replacement=""))
    ref_codes, distinct = pd.factorize(pd.Series(pd.arrays.ArrowStringArray(refs)))
    row_ref = column.spread(ref_codes.astype(np.int64), -1)
    group = np.zeros(len(row_ref), dtype=np.int64) if group is None else group
    crime_key = np.where(row_ref >= 0, group * (len(distinct) + 1) + row_ref, -1)
    if len(prefixes) == 1:
        hashed = pd.array(pseudonyms(distinct.tolist(), key, prefixes[0]), dtype=STRING)
        return hashed.take(row_ref, allow_fill=True), crime_key
    pairs, row_pair = np.unique(crime_key, return_inverse=True)
    hashes = np.full(len(pairs), None, dtype=object)
    for number, prefix in enumerate(prefixes):
        chosen = (pairs >= 0) & (pairs // (len(distinct) + 1) == number)
        refs_in = distinct[pairs[chosen] % (len(distinct) + 1)].tolist()
        hashes[chosen] = pseudonyms(refs_in, key, prefix)
    return pd.array(hashes[row_pair.ravel()], dtype=STRING), crime_key


@dataclass
class Built:
    """Canonical columns for every input row, plus what quarantine and dedup need."""

    values: dict[str, object]
    checks: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    crime_key: np.ndarray | None = None
    outcome_date: np.ndarray | None = None
    marked: np.ndarray | None = None

    def frame(self, raw: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """The canonical cases table for the given row positions, in that order."""
        whole = len(rows) == len(raw) and bool(np.all(rows == np.arange(len(raw))))
        data = {}
        for name in CASES_COLUMNS:
            value = raw[name].array if name in ("source_file", "source_row") else self.values[name]
            if isinstance(value, (str, pd.Timestamp)) or value is None:
                data[name] = value
            elif not whole:
                data[name] = value[rows] if isinstance(value, np.ndarray) else value.take(rows)
            else:
                data[name] = value
        frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
        for name, dtype in (("force", STRING), ("data_source", STRING)):
            frame[name] = frame[name].astype(dtype)
        frame["extraction_date"] = frame["extraction_date"].astype(dates.UNIT)
        return frame

    def unrecognised(self, rows: np.ndarray) -> pd.DataFrame:
        """Counts of optional values set to unknown / NA among the given rows."""
        records = [(c, issue, int(mask[rows].sum())) for c, issue, mask in self.issues]
        records = [r for r in records if r[2] > 0]
        frame = pd.DataFrame(records, columns=["column", "issue", "count"])
        return frame.astype({"column": STRING, "issue": STRING, "count": "Int64"})


def _dates(built: Built, columns: dict[str, Column], mapping: Mapping, n: int) -> None:
    nat = np.full(n, np.datetime64("NaT"), dtype=dates.UNIT)
    for name in DATE_FIELDS:
        if name not in columns:
            built.values[name] = nat
            continue
        parsed, unparsed, implausible = fields.date(columns[name], mapping.formats_for(name))
        built.values[name] = parsed
        if name == "recorded_date":
            built.checks.append((name, "missing value", ~columns[name].present))
            built.checks.append((name, "unparseable date", unparsed))
            built.checks.append((name, "date outside 1901-2099", implausible))
        else:
            built.issues.append((name, "unparseable date (set to missing)", unparsed))
            built.issues.append((name, "date outside 1901-2099 (set to missing)", implausible))


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
    built = Built(values={"force": np.asarray(force_list, dtype=object)[force_code]})
    built.values["force"] = pd.array(built.values["force"], dtype=STRING)

    crime_prefixes = [f"{force}|" for force in force_list]
    group = force_code if len(force_list) > 1 else None
    built.values["crime_id"], built.crime_key = _ids(get("crime_ref"), key, crime_prefixes, group)
    built.values["victim_id"], _ = _ids(get("victim_ref"), key, crime_prefixes, group)
    built.values["suspect_id"], _ = _ids(get("suspect_ref"), key, ["suspect|"], None)

    offence, unknown_offence = fields.offence(get("offence"), codes.get("offence", {}))
    built.values["offence_code"] = offence
    built.values["offence_subgroup"] = fields.offence_subgroup(offence)
    outcome = fields.outcome(get("outcome"), codes.get("outcome", {}))
    kind = outcome["type"]
    built.values["outcome_type"] = pd.array(np.where(kind >= 0, kind, 0), dtype="Int64")
    built.values["outcome_alternate"] = pd.array(outcome["alternate"], dtype="boolean")
    built.values["outcome_group"] = fields.outcome_groups(kind)
    built.values["charged"] = pd.array(kind == 1, dtype="boolean")

    _dates(built, columns, mapping, n)
    built.checks += [
        ("offence", "missing value", ~get("offence").present),
        ("offence", "unknown offence code", unknown_offence),
        ("outcome", "missing value", ~get("outcome").present),
        ("outcome", "crime-recording code, not an outcome", outcome["recording_code"]),
        ("outcome", "unknown outcome code", outcome["unknown"]),
    ]
    built.outcome_date = built.values["outcome_date"]
    built.values["financial_year"] = dates.financial_year(built.values["recorded_date"])

    for name, kind_name in _CATEGORIES.items():
        values, unknown = fields.category(get(name), kind_name, codes.get(kind_name, {}))
        built.values[name] = values
        built.issues.append((name, "unrecognised value (set to unknown)", unknown))
    ages, bad_age = fields.age(get("victim_age"))
    built.values["victim_age"] = ages
    built.values["victim_age_band"] = fields.age_bands(ages, _bands(age_bands))
    built.issues.append(("victim_age", "not a whole number 0-120 (set to missing)", bad_age))

    yes_no = codes.get("yes_no", {})
    for name, date_field in _FLAGS.items():
        if name in columns or date_field is None or date_field not in columns:
            values, unknown = fields.yes_no(get(name), yes_no)
            built.issues.append((name, "unrecognised value (set to missing)", unknown))
            if name not in columns:
                values = pd.array([pd.NA] * n, dtype="boolean")
        else:  # only the date is held: a date means yes
            values = pd.array(~np.isnat(built.values[date_field]), dtype="boolean")
        built.values[name] = values
    marked, _ = fields.yes_no(get("duplicate_flag"), yes_no)
    built.marked = marked.to_numpy(dtype=bool, na_value=False)

    built.values["date_flags"] = dates.date_flags(
        {k: built.values[k] for k in DATE_FIELDS if k in columns}, kind, mapping.extraction_date
    )
    built.values["extraction_date"] = mapping.extraction_date
    built.values["data_source"] = mapping.data_source
    return built
