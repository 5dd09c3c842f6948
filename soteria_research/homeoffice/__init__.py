"""The Home Office "Police recorded crime and outcomes open data tables".

Read the published outcomes table (CSV, gzipped CSV, ODS or Excel, with the Home
Office's headers or their snake_case forms), summarise it per force or nationally on the
cohort or activity measure, and line it up beside case-level figures.

>>> from soteria_research import homeoffice
>>> table = homeoffice.published_outcomes()            # the packaged 2017/18 copy
>>> rates = homeoffice.outcomes_summary(table, subgroup="Rape", measure="cohort")

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from soteria_research.homeoffice.clean import SEXUAL_OFFENCES, clean_outcomes
from soteria_research.homeoffice.headers import HEADERS, identify_table
from soteria_research.homeoffice.published import (
    PUBLISHED_FILE,
    compare_with_cases,
    published_outcomes,
    published_rape_rates,
)
from soteria_research.homeoffice.reader import read_outcomes, read_raw
from soteria_research.homeoffice.schema import OutcomesTable
from soteria_research.homeoffice.summary import data_quirks, outcome_mix, outcomes_summary

__all__ = [
    "HEADERS",
    "PUBLISHED_FILE",
    "SEXUAL_OFFENCES",
    "OutcomesTable",
    "clean_outcomes",
    "compare_with_cases",
    "data_quirks",
    "identify_table",
    "outcome_mix",
    "outcomes_summary",
    "published_outcomes",
    "published_rape_rates",
    "read_outcomes",
    "read_raw",
]
