"""Ingest: any force's extract into the canonical tables, with nothing lost.

Raw extracts are read through a per-layout mapping (``docs/mapping.md``), cleaned,
pseudonymised, checked against the schemas and written to ``data/processed/<force>/``
as ``cases``, ``quarantine``, ``duplicates``, ``assessment`` and ``quality``.

>>> from soteria_research.ingest import clean_all, load_cases  # doctest: +SKIP
>>> summary = clean_all()  # doctest: +SKIP
>>> cases = load_cases("Durham")  # doctest: +SKIP
"""

from soteria_research.ingest.assessment import read_assessment, write_assessment_template
from soteria_research.ingest.clean import CleanResult, clean_cases
from soteria_research.ingest.framework import framework_questions, load_framework
from soteria_research.ingest.mapping import FileSpec, Mapping, load_mapping, parse_mapping
from soteria_research.ingest.pipeline import clean_all, clean_force
from soteria_research.ingest.processed import (
    force_folder,
    load_assessment,
    load_cases,
    load_duplicates,
    load_quality,
    load_quarantine,
    load_table,
    processed_forces,
)
from soteria_research.ingest.pseudonymise import (
    crime_pseudonym,
    resolve_key,
    suspect_pseudonym,
)
from soteria_research.ingest.quality import quality_report
from soteria_research.ingest.readers import read_extract
from soteria_research.ingest.schemas import (
    AssessmentSchema,
    CasesSchema,
    DuplicatesSchema,
    QualitySchema,
    QuarantineSchema,
    validate,
)

__all__ = [
    "AssessmentSchema",
    "CasesSchema",
    "CleanResult",
    "DuplicatesSchema",
    "FileSpec",
    "Mapping",
    "QualitySchema",
    "QuarantineSchema",
    "clean_all",
    "clean_cases",
    "clean_force",
    "crime_pseudonym",
    "force_folder",
    "framework_questions",
    "load_assessment",
    "load_cases",
    "load_duplicates",
    "load_framework",
    "load_mapping",
    "load_quality",
    "load_quarantine",
    "load_table",
    "parse_mapping",
    "processed_forces",
    "quality_report",
    "read_assessment",
    "read_extract",
    "resolve_key",
    "suspect_pseudonym",
    "validate",
    "write_assessment_template",
]
