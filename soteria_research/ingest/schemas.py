"""The canonical tables as pandera schemas: each class reads as the table's data dictionary.

Columns, types and meanings match ``docs/architecture.md``. Text is pandas ``string``,
flags nullable ``boolean``, counts ``Int64``, dates ``datetime64`` at day precision.
:func:`validate` checks a table against its schema (every failure at once) and raises
:class:`~soteria_research.errors.DataError` naming the columns and checks that failed,
never the values.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.engines.pandas_engine import DateTime
from pandera.errors import SchemaError, SchemaErrors
from pandera.typing.pandas import Series

from soteria_research import reference
from soteria_research.errors import DataError
from soteria_research.ingest.dates import DATE_FLAGS
from soteria_research.ingest.duplicates import RULES

Text = Series[pd.StringDtype]
Count = Series[pd.Int64Dtype]
Flag = Series[pd.BooleanDtype]
Date = Series[DateTime]

_HASH = r"^[0-9a-f]{16}$"
_FLAGS = rf"^(({'|'.join(DATE_FLAGS)})(;({'|'.join(DATE_FLAGS)}))*)?$"
_OUTCOMES = reference.outcomes()


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


def validate(frame: pd.DataFrame, schema: type[pa.DataFrameModel], what: str) -> pd.DataFrame:
    """Check a table against its schema; :class:`DataError` lists every failed check.

    Parameters
    ----------
    frame
        The table.
    schema
        One of the schema classes above.
    what
        How to name the table in the message (e.g. ``"cases for Durham"``).
    """
    try:
        schema.validate(frame.reset_index(drop=True), lazy=True)
    except (SchemaErrors, SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        if isinstance(cases, pd.DataFrame) and {"column", "check"} <= set(cases.columns):
            counts = cases.groupby(["column", "check"], dropna=False).size()
            lines = [f"  {col}: {check} ({n} failing)" for (col, check), n in counts.items()]
        else:
            lines = [f"  {type(exc).__name__}"]
        raise DataError(f"The {what} do not fit {schema.__name__}:\n" + "\n".join(lines)) from None
    return frame
