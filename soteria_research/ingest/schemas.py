"""The canonical tables as pandera schemas: each class reads as the table's data dictionary.

Columns, types and meanings match ``docs/architecture.md``. Text is pandas ``string``,
flags nullable ``boolean``, counts ``Int64``, dates ``datetime64`` at day precision.
:func:`validate` checks a table against its schema (every failure at once) and raises
:class:`~soteria_research.errors.DataError` naming the columns and checks that failed,
never the values.
"""

from __future__ import annotations

import functools
from functools import partial

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
from pandera.engines.pandas_engine import DateTime
from pandera.errors import SchemaError, SchemaErrors
from pandera.typing.pandas import Series

from soteria_research import reference
from soteria_research.errors import DataError
from soteria_research.ingest.dates import DATE_FLAGS
from soteria_research.ingest.duplicates import RULES, repeated
from soteria_research.ingest.fields import in_threads

Text = Series[pd.StringDtype]
Count = Series[pd.Int64Dtype]
Flag = Series[pd.BooleanDtype]
Date = Series[DateTime]

HEX_WIDTH = 16
_HASH = rf"^[0-9a-f]{{{HEX_WIDTH}}}$"
_FLAGS = rf"^(({'|'.join(DATE_FLAGS)})(;({'|'.join(DATE_FLAGS)}))*)?$"
_OUTCOMES = reference.outcomes()
_SAMPLE = 4096  # values looked at to tell whether a column repeats its values


class CasesSchema(pa.DataFrameModel):
    """Canonical cases: one row per recorded crime, after cleaning (``cases.parquet``)."""

    force: Text = pa.Field(isin=reference.force_names(), description="Home Office force name")
    crime_id: Text = pa.Field(
        str_matches=_HASH, unique=True, description="keyed hash of force + crime reference"
    )
    victim_id: Text = pa.Field(
        str_matches=_HASH, nullable=True, description="keyed hash of force + victim reference"
    )
    suspect_id: Text = pa.Field(
        str_matches=_HASH, nullable=True, description="keyed hash of the suspect reference"
    )
    source_file: Text = pa.Field(description="file name within the force folder")
    source_row: Count = pa.Field(ge=1, description="row number as a spreadsheet shows it")
    offence_code: Text = pa.Field(
        isin=reference.offences()["code"].tolist(), description="Home Office offence code"
    )
    offence_subgroup: Text = pa.Field(
        isin=["Rape", "Other sexual offences"], description="Rape or Other sexual offences"
    )
    committed_date: Date = pa.Field(nullable=True, description="offence committed (from)")
    reported_date: Date = pa.Field(nullable=True, description="reported to the police")
    recorded_date: Date = pa.Field(description="recorded as a crime")
    financial_year: Text = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="financial year of recording, 2023/24"
    )
    victim_sex: Text = pa.Field(isin=list(reference.SEXES), description="victim sex")
    victim_age: Count = pa.Field(ge=0, le=120, nullable=True, description="age at offence")
    victim_age_band: Text = pa.Field(
        str_matches=r"^(\d+-\d+|\d+\+|unknown)$", description="age band, unknown when no age"
    )
    victim_ethnicity: Text = pa.Field(
        isin=list(reference.ETHNICITIES), description="victim ethnic group"
    )
    relationship: Text = pa.Field(
        isin=list(reference.RELATIONSHIPS), description="victim-suspect relationship"
    )
    arrested: Flag = pa.Field(nullable=True, description="suspect arrested or interviewed")
    arrest_date: Date = pa.Field(nullable=True, description="first arrest or interview")
    referred_to_cps: Flag = pa.Field(nullable=True, description="file referred to the CPS")
    cps_referral_date: Date = pa.Field(nullable=True, description="CPS referral")
    outcome_type: Count = pa.Field(
        isin=_OUTCOMES["type"].tolist(), description="Home Office outcome type, 0 = pending"
    )
    outcome_alternate: Flag = pa.Field(description="1A/2A/3A: outcome for an alternate offence")
    outcome_group: Text = pa.Field(
        isin=sorted(set(_OUTCOMES["group"])), description="Home Office outcome group"
    )
    outcome_date: Date = pa.Field(nullable=True, description="outcome assigned; NA if pending")
    charged: Flag = pa.Field(description="outcome_type == 1")
    victim_withdrawal_date: Date = pa.Field(nullable=True, description="victim withdrew support")
    isva_referred: Flag = pa.Field(nullable=True, description="referred to an ISVA")
    device_seized_date: Date = pa.Field(nullable=True, description="digital device(s) seized")
    device_returned_date: Date = pa.Field(nullable=True, description="digital device(s) returned")
    date_flags: Text = pa.Field(
        str_matches=_FLAGS, description="';'-separated date anomalies, empty when none"
    )
    extraction_date: Date = pa.Field(description="extract taken: pending outcomes censored here")
    data_source: Text = pa.Field(isin=["synthetic", "real"], description="synthetic or real")

    @pa.dataframe_check
    def charged_is_outcome_1(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        """``charged`` is exactly ``outcome_type == 1``."""
        return df["charged"].eq(df["outcome_type"].eq(1)).fillna(False)

    @pa.dataframe_check
    def alternate_only_for_1_to_3(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        """The alternate-offence flag exists only for outcome types 1, 2 and 3."""
        return ~df["outcome_alternate"] | df["outcome_type"].isin([1, 2, 3])

    class Config:
        strict = True
        ordered = True
        coerce = False


class DuplicatesSchema(CasesSchema):
    """Rows removed as duplicates: cases columns, the rule, and the source row kept."""

    crime_id: Text = pa.Field(str_matches=_HASH, description="same as the kept row's crime_id")
    duplicate_of_row: Count = pa.Field(
        ge=1, nullable=True, description="source_row of the row kept for the same crime"
    )
    rule: Text = pa.Field(isin=list(RULES), description="the duplicate rule that removed it")


class QuarantineSchema(pa.DataFrameModel):
    """Rows that could not be used, with where they are and why (no values from the row)."""

    force: Text = pa.Field(nullable=True, description="Home Office force name")
    source_file: Text = pa.Field(description="file name within the force folder")
    source_row: Count = pa.Field(ge=1, description="row number as a spreadsheet shows it")
    column: Text = pa.Field(description="canonical field at fault, or (row)")
    reason: Text = pa.Field(description="why the row could not be used")

    class Config:
        strict = True
        ordered = True


class AssessmentSchema(pa.DataFrameModel):
    """Self-assessment responses: one row per force, round and key question."""

    force: Text = pa.Field(isin=reference.force_names(), description="Home Office force name")
    round: Text = pa.Field(str_length={"min_value": 1}, description="assessment round label")
    pillar: Text = pa.Field(isin=reference.pillar_slugs(), description="Soteria pillar slug")
    theme_id: Text = pa.Field(description="theme id in the framework")
    theme: Text = pa.Field(description="theme name")
    question_id: Text = pa.Field(description="key question id")
    question: Text = pa.Field(description="key question text")
    scale_min: Count = pa.Field(description="lowest rating on the scale")
    scale_max: Count = pa.Field(description="highest rating on the scale")
    self_rating: Count = pa.Field(nullable=True, description="force's own rating; NA unanswered")
    peer_rating: Count = pa.Field(nullable=True, description="peer reviewer's rating")
    evidence: Text = pa.Field(nullable=True, description="free text: never published")
    actions: Text = pa.Field(nullable=True, description="free text: never published")
    owner: Text = pa.Field(nullable=True, description="free text: never published")

    @pa.dataframe_check
    def ratings_on_scale(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        """Ratings lie on the scale (or are NA)."""
        ok = pd.Series(True, index=df.index)
        for column in ("self_rating", "peer_rating"):
            inside = df[column].between(df["scale_min"], df["scale_max"])
            ok &= inside.fillna(True).astype(bool)
        return ok

    class Config:
        strict = True
        ordered = True
        unique = ("force", "round", "question_id")


class QualitySchema(pa.DataFrameModel):
    """The data-quality report: counts only, never record-level values."""

    force: Text = pa.Field(nullable=True, description="Home Office force name")
    section: Text = pa.Field(description="rows, completeness, quarantine, duplicates, ...")
    item: Text = pa.Field(description="what is counted")
    count: Count = pa.Field(ge=0, description="rows counted")
    total: Count = pa.Field(ge=0, nullable=True, description="rows the count is out of")
    share: Series[pd.Float64Dtype] = pa.Field(nullable=True, description="count / total")

    class Config:
        strict = True
        ordered = True


@functools.cache
def _passes(
    schema: type[pa.DataFrameModel],
) -> tuple[pa.DataFrameSchema, dict[str, pa.Column], list[str]]:
    """The schema without its column value and uniqueness checks (types, missing values,
    order and the table-wide checks, for every row), each checked column's value checks
    alone, and the columns whose values must be unique."""
    whole = schema.to_schema()
    values = {
        name: pa.Column(None, checks=column.checks, nullable=True, name=name)
        for name, column in whole.columns.items()
        if column.checks
    }
    unique = [name for name, column in whole.columns.items() if column.unique]
    changes = {name: {"checks": []} for name in values}
    for name in unique:
        changes.setdefault(name, {})["unique"] = False
    return whole.update_columns(changes), values, unique


def _is_hash_check(column: pa.Column) -> bool:
    """Whether a column's only value check is ``str_matches(_HASH)``."""
    checks = column.checks
    return (
        len(checks) == 1
        and checks[0].name == "str_matches"
        and checks[0].statistics == {"pattern": _HASH}
    )


def _repeated(values: pd.Series) -> int:
    """Rows whose value another row holds too (what pandera's uniqueness check counts).

    Texts all of one length up to 16 bytes (the ids) are compared as two 64-bit words,
    which costs a fraction of a hash table of texts.
    """
    n = len(values)
    if n and isinstance(values.dtype, pd.StringDtype) and not values.hasnans:
        offsets, data, _valid = _offsets(values)
        sizes = np.diff(offsets)
        width = int(sizes[0])
        if 0 < width <= 16 and (sizes == width).all():
            words = np.zeros((n, 16), dtype=np.uint8)
            words[:, :width] = data[offsets[0] : offsets[-1]].reshape(n, width)
            high, low = words.view(np.uint64).T
            mixed = (high * np.uint64(0x9E3779B97F4A7C15) ^ low).view(np.int64)
            maybe = np.flatnonzero(repeated(mixed))  # one sort; usually none
            if not len(maybe):
                return 0
            pairs = pd.DataFrame({"high": high[maybe], "low": low[maybe]})
            return int(pairs.duplicated(keep=False).sum())
    return int(values.duplicated(keep=False).sum())


def _offsets(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text column's Arrow offsets (64-bit), text bytes and valid mask, without copying
    the text."""
    arrow = pa_arrow.array(values.array)
    if isinstance(arrow, pa_arrow.ChunkedArray):
        arrow = arrow.combine_chunks()
    arrow = arrow.cast(pa_arrow.large_string())
    n = len(arrow)
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset :][: n + 1]
    data = arrow.buffers()[2]
    octets = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    valid = arrow.is_valid().to_numpy(zero_copy_only=False)
    return offsets, octets, valid


_ALL_ONES = np.uint64(0x0101010101010101)  # eight ``True`` bytes read as one word


def _not_hashes(values: pd.Series) -> int | None:
    """Rows whose value does not match ``_HASH`` (16 lower-case hexadecimal digits), read
    off the text bytes when every value is 16 bytes long; None otherwise (then pandera's
    own check decides)."""
    if not len(values) or not isinstance(values.dtype, pd.StringDtype):
        return None
    offsets, octets, valid = _offsets(values)
    sizes = np.diff(offsets)
    if (sizes == HEX_WIDTH).all():  # missing values take sixteen bytes too: skip them
        checked = valid
    elif (sizes[valid] == HEX_WIDTH).all() and not sizes[~valid].any():
        checked = slice(None)  # missing values take no bytes: the bytes are the values
    else:
        return None
    held = octets[offsets[0] : offsets[-1]].reshape(-1, HEX_WIDTH)
    # a byte is a digit when byte - "0" < 10 and a letter a-f when byte - "a" < 6 (unsigned)
    ok = ((held - np.uint8(48)) < 10) | ((held - np.uint8(97)) < 6)
    words = ok.view(np.uint64)  # two words per value: all sixteen bytes hold True
    return int(np.count_nonzero(((words[:, 0] & words[:, 1]) != _ALL_ONES)[checked]))


def _distinct(values: pd.Series) -> pd.Series:
    """The distinct non-missing values of a column (with its dtype), or all of them when a
    sample shows that most are distinct (finding the distinct values would cost more than
    the checks they spare)."""
    sample = values.iloc[:_SAMPLE].dropna()
    if len(values) > _SAMPLE and sample.nunique() > len(sample) // 2:
        return values.dropna() if values.hasnans else values
    distinct = pd.Series(values.unique(), dtype=values.dtype, name=values.name)
    return distinct.dropna()


def _failures(exc: SchemaErrors | SchemaError) -> pd.DataFrame | None:
    cases = getattr(exc, "failure_cases", None)
    if isinstance(cases, pd.DataFrame) and {"column", "check"} <= set(cases.columns):
        return cases
    return None


def validate(frame: pd.DataFrame, schema: type[pa.DataFrameModel], what: str) -> pd.DataFrame:
    """Check a table against its schema; :class:`DataError` lists every failed check.

    Types, missing values, uniqueness, column order and the table-wide checks are checked
    on every row; the checks of a column's values (``isin``, ``str_matches``, ``ge`` ...,
    each of one value at a time) on its distinct values (found side by side in threads),
    which gives the same verdict for a fraction of the work, and the pattern of the ids
    on the bytes of their text. The count of failing rows is that of the rows holding a
    failing value.

    Parameters
    ----------
    frame
        The table.
    schema
        One of the schema classes above.
    what
        How to name the table in the message (e.g. ``"cases for Durham"``).
    """
    table = frame.reset_index(drop=True)
    whole, value_checks, unique = _passes(schema)
    counts: dict[tuple[str, str], int] = {}
    mistyped: set[str] = set()
    try:
        whole.validate(table, lazy=True, inplace=True)
    except (SchemaErrors, SchemaError) as exc:
        cases = _failures(exc)
        if cases is None:
            raise DataError(
                f"The {what} do not fit {schema.__name__}:\n  {type(exc).__name__}"
            ) from None
        for (column, check), n in cases.groupby(["column", "check"], dropna=False).size().items():
            counts[(column, check)] = int(n)
            if str(check).startswith("dtype("):
                mistyped.add(column)
    for name in unique:
        if name in table and name not in mistyped and (n := _repeated(table[name])):
            counts[(name, "field_uniqueness")] = n
    checked = {
        name: c for name, c in value_checks.items() if name in table and name not in mistyped
    }
    hashes = {name: _not_hashes(table[name]) for name, c in checked.items() if _is_hash_check(c)}
    for name, n in hashes.items():
        if n:
            counts[(name, checked[name].checks[0].error)] = n
    rest = [name for name in checked if hashes.get(name) is None]
    found = in_threads({name: partial(_distinct, table[name]) for name in rest})
    for name in rest:
        check, distinct = checked[name], found[name]
        try:
            check.validate(distinct.to_frame(), lazy=True, inplace=True)
        except (SchemaErrors, SchemaError) as exc:
            cases = _failures(exc)
            for label, failing in cases.groupby("check", dropna=False)["failure_case"]:
                counts[(name, label)] = int(table[name].isin(failing.tolist()).sum())
    if counts:
        lines = [
            f"  {col}: {check} ({n} failing)" for (col, check), n in sorted(counts.items(), key=str)
        ]
        raise DataError(f"The {what} do not fit {schema.__name__}:\n" + "\n".join(lines))
    return frame
