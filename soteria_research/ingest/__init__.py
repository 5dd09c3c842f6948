"""Ingest: any force's extract into the canonical tables, with nothing lost.

Raw extracts are read through a per-layout mapping (``docs/mapping.md``), cleaned,
pseudonymised, checked against the schemas and written to ``data/processed/<force>/``
as ``cases``, ``quarantine``, ``duplicates``, ``assessment`` and ``quality``.

>>> from soteria_research.ingest import clean_all, load_cases  # doctest: +SKIP
>>> summary = clean_all()  # doctest: +SKIP
>>> cases = load_cases("Durham")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

from soteria_research.ingest.clean import CleanResult, clean_cases
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

#: Names imported on first use: the schemas (pandera) and the workbooks (openpyxl) take a
#: second to import, which a `soteria clean` with nothing to do never needs.
_LAZY = {
    "read_assessment": "assessment",
    "write_assessment_template": "assessment",
    "framework_questions": "framework",
    "load_framework": "framework",
    **dict.fromkeys(
        (
            "AssessmentSchema",
            "CasesSchema",
            "DuplicatesSchema",
            "QualitySchema",
            "QuarantineSchema",
            "validate",
        ),
        "schemas",
    ),
}


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
