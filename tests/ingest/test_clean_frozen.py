"""Cleaning gives, to the byte, the tables it gave before it was made faster.

Three messy extracts (``messy.py``: one force in two files, a regional file with a force
column, crimes with an outcome history) are cleaned and validated, and each output table is
compared with a digest frozen from the cleaning code before its speed-ups: the same rows
clean, quarantined (with the same field and reason) and removed as duplicates (with the same
rule), and the same pseudonyms. Counts per reason are frozen beside the digests so that a
failure says what moved. Refreeze (``python -m tests.ingest.test_clean_frozen``) only when
a change of output is intended, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from soteria_research.ingest import schemas
from soteria_research.ingest.clean import clean_cases
from soteria_research.ingest.history import attach_history
from soteria_research.ingest.mapping import load_mapping
from soteria_research.ingest.readers import read_extract, read_history

from . import messy
from .support import KEY

FROZEN = Path(__file__).parent / "fixtures" / "messy_frozen.json"
SCENARIOS = {
    "avon-and-somerset": (messy.single, "Avon and Somerset"),
    "durham": (messy.regional, "Durham"),
    "durham-history": (messy.history, "Durham"),
}


def _digest(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, date_format="%Y-%m-%d", na_rep="<NA>")
    dtypes = ",".join(f"{c}:{t}" for c, t in frame.dtypes.astype(str).items())
    return hashlib.sha256(f"{dtypes}\n{text}".encode()).hexdigest()


def summarise(root: Path, name: str) -> dict:
    """Clean and validate one messy force folder; digests and counts of its tables."""
    make, force = SCENARIOS[name]
    folder = root / name
    make(folder)
    mapping = load_mapping(folder / "mapping.yaml")
    raw = read_extract(mapping)
    history = read_history(mapping)
    cleaning, extra = mapping, None
    if history is not None:
        attached = attach_history(raw, history, mapping, force)
        raw, cleaning, extra = attached.raw, attached.mapping, attached.quarantine
    result = clean_cases(raw, cleaning, KEY, expected_force=force)
    assert result.rows == len(raw)
    schemas.validate(result.cases, schemas.CasesSchema, "cases")
    schemas.validate(result.quarantine, schemas.QuarantineSchema, "quarantine")
    schemas.validate(result.duplicates, schemas.DuplicatesSchema, "duplicates")
    tables = {
        "cases": result.cases,
        "quarantine": result.quarantine,
        "duplicates": result.duplicates,
        "unrecognised": result.unrecognised,
    }
    if extra is not None:
        tables["history_quarantine"] = extra
    quarantine = result.quarantine
    reasons = (quarantine["column"] + ": " + quarantine["reason"]).value_counts()
    return {
        "rows": {k: len(v) for k, v in tables.items()},
        "quarantine": {str(k): int(v) for k, v in sorted(reasons.items())},
        "duplicates": {
            str(k): int(v) for k, v in sorted(result.duplicates["rule"].value_counts().items())
        },
        "sha256": {k: _digest(v) for k, v in tables.items()},
    }


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_outputs_are_unchanged(tmp_path: Path, name: str) -> None:
    frozen = json.loads(FROZEN.read_text(encoding="utf-8"))[name]
    found = summarise(tmp_path, name)
    assert found["rows"] == frozen["rows"]
    assert found["quarantine"] == frozen["quarantine"]
    assert found["duplicates"] == frozen["duplicates"]
    assert found["sha256"] == frozen["sha256"]


def test_the_extracts_are_messy(tmp_path: Path) -> None:
    """The frozen extracts hold every kind of row a real export does."""
    frozen = json.loads(FROZEN.read_text(encoding="utf-8"))
    single, regional = frozen["avon-and-somerset"], frozen["durham"]
    assert set(single["duplicates"]) == {
        "marked_in_source",
        "exact_duplicate",
        "same_crime_reference",
    }
    for reason in (
        "(row): blank row",
        "(row): wrong number of fields",
        "crime_ref: missing value",
        "recorded_date: unparseable date",
        "recorded_date: date outside 1901-2099",
        "offence: unknown offence code",
        "outcome: crime-recording code, not an outcome",
        "outcome: unknown outcome code",
        "outcome: missing value",
    ):
        assert single["quarantine"].get(reason, 0) > 0, reason
    for reason in ("unknown force", "another force's record", "missing value"):
        assert regional["quarantine"].get(f"force: {reason}", 0) > 0, reason
    assert frozen["durham-history"]["rows"]["history_quarantine"] > 0


def freeze(root: Path) -> None:
    """Write the digests of the current code's outputs (see the module docstring)."""
    frozen = {name: summarise(root, name) for name in SCENARIOS}
    FROZEN.write_text(json.dumps(frozen, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        freeze(Path(tmp))
    sys.exit(0)
