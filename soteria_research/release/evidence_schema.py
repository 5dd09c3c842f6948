"""The National Operating Model evidence base: one row per finding, as a pandera schema.

Imported lazily by :mod:`soteria_research.report.evidence`, so a notebook that saves its
findings does not pay for importing pandera until it does.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from soteria_research import reference
from soteria_research.release.ledger import NATIONAL

#: Where a force sits on the funnel plot of a measure across forces (missing: not placed),
#: on the default limits (0.95 and 0.998). Other ``funnel_limits`` give ``above<L>`` and
#: ``below<L>`` of their own levels, which :data:`FUNNEL_POSITION_PATTERN` accepts.
FUNNEL_POSITIONS = ("within", "above95", "below95", "above998", "below998")
FUNNEL_POSITION_PATTERN = r"^(within|(above|below)[0-9]+)$"

_FIGURES = ("value", "ci_low", "ci_high", "numerator", "denominator")
_HIDDEN = ("value", "ci_low", "ci_high", "numerator")

_text = pd.StringDtype()


class EvidenceSchema(pa.DataFrameModel):
    """A finding: one measure for one force and period, what it shows, where it came from."""

    force: Series[_text] = pa.Field(
        isin=[*reference.force_names(), NATIONAL],
        description="Home Office force name, or England and Wales for a national row (the "
        "programme's evaluation)",
    )
    period: Series[_text] = pa.Field(description="reporting period, e.g. 2023/24")
    pillar: Series[_text] = pa.Field(
        isin=reference.pillar_slugs(), description="Soteria pillar (slug) the measure evidences"
    )
    measure: Series[_text] = pa.Field(description="short name of the measure")
    definition: Series[_text] = pa.Field(description="what the measure counts, in words")
    basis: Series[_text] = pa.Field(
        nullable=True,
        description="cohort (offences recorded in the period) or activity (outcomes "
        "assigned in the period), or another stated basis",
    )
    unit: Series[_text] = pa.Field(
        nullable=True, description="how to read the value: proportion, days, rating or count"
    )
    value: Series[float] = pa.Field(nullable=True, description="the estimate")
    ci_low: Series[float] = pa.Field(nullable=True, description="lower confidence limit")
    ci_high: Series[float] = pa.Field(nullable=True, description="upper confidence limit")
    numerator: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=0, description="count the estimate is made from (top of the ratio)"
    )
    denominator: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=0, description="count the estimate is made from (bottom of the ratio)"
    )
    comparator_value: Series[float] = pa.Field(
        nullable=True,
        description="the same measure pooled over every force of the comparator's area",
    )
    comparator_area: Series[_text] = pa.Field(
        nullable=True,
        description="the area the comparator is pooled over: England and Wales, or the "
        "force's region (empty where there is no comparator value)",
    )
    funnel_position: Series[_text] = pa.Field(
        nullable=True,
        str_matches=FUNNEL_POSITION_PATTERN,
        description="within the funnel limits, or above/below a limit: above95, below998 "
        "(the 95% or 99.8% limits by default; the level is the settings' funnel_limits)",
    )
    spc_signal: Series[_text] = pa.Field(
        nullable=True, description="statistical process control signal in the trend, if any"
    )
    finding: Series[_text] = pa.Field(nullable=True, description="the finding in one line")
    reason: Series[_text] = pa.Field(
        nullable=True, description="why the value is missing when no estimate can be made"
    )
    suppressed: Series[bool] = pa.Field(description="figures withheld by disclosure control")
    suppression_reason: Series[_text] = pa.Field(
        nullable=True, description="why the figures were withheld"
    )
    run_id: Series[_text] = pa.Field(description="the `soteria reports` run that made the row")
    code_version: Series[_text] = pa.Field(description="package version, git commit, source hash")
    data_hash: Series[_text] = pa.Field(description="SHA-256 of the force's processed data")

    class Config:
        strict = True
        coerce = True
        unique = ["force", "period", "pillar", "measure", "basis"]  # noqa: RUF012 (UNIQUE_KEY)

    @pa.dataframe_check(error="ci_low <= value <= ci_high where all three are given")
    def interval_contains_value(cls, df: pd.DataFrame) -> pd.Series:  # noqa: N805
        low_ok = df["ci_low"].isna() | df["value"].isna() | (df["ci_low"] <= df["value"] + 1e-12)
        high_ok = df["ci_high"].isna() | df["value"].isna() | (df["value"] <= df["ci_high"] + 1e-12)
        return low_ok & high_ok

    @pa.dataframe_check(error="suppressed rows carry no value, interval or numerator")
    def suppressed_rows_hold_no_figures(cls, df: pd.DataFrame) -> pd.Series:  # noqa: N805
        # the denominator may stay: the release publishes it (it is withheld, and blank,
        # only when the release withholds it too)
        return ~df["suppressed"].astype(bool) | df[list(_HIDDEN)].isna().all(axis=1)

    @pa.dataframe_check(error="suppressed rows give a suppression_reason")
    def suppressed_rows_say_why(cls, df: pd.DataFrame) -> pd.Series:  # noqa: N805
        reason = df["suppression_reason"].fillna("").astype(str).str.strip()
        return ~df["suppressed"].astype(bool) | reason.ne("")

    @pa.dataframe_check(error="comparator_area is given exactly where comparator_value is")
    def comparator_names_its_area(cls, df: pd.DataFrame) -> pd.Series:  # noqa: N805
        area = df["comparator_area"].fillna("").astype(str).str.strip().ne("")
        return area == df["comparator_value"].notna()

    @pa.dataframe_check(error="a finding is one line")
    def finding_is_one_line(cls, df: pd.DataFrame) -> pd.Series:  # noqa: N805
        return ~df["finding"].fillna("").astype(str).str.contains("\n", regex=False)


#: Column names in order.
COLUMNS = list(EvidenceSchema.to_schema().columns)
#: Columns a findings frame may leave out (they are then left empty).
OPTIONAL = ("unit", "reason")
#: Column name -> description (the data dictionary of the About sheet).
DESCRIPTIONS = {name: col.description for name, col in EvidenceSchema.to_schema().columns.items()}
