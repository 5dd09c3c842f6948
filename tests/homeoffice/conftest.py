"""Shared fixtures: the packaged Home Office file, read two independent ways."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest

from soteria_research import homeoffice

COHORT = "Force outcomes for offences recorded in quarter"
ACTIVITY = "Force outcomes recorded in quarter"


@pytest.fixture(scope="session")
def raw_rows() -> list[dict[str, str]]:
    """The packaged file through the csv module only (no package code)."""
    with gzip.open(homeoffice.PUBLISHED_FILE, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def published() -> pd.DataFrame:
    return homeoffice.published_outcomes()


def _write_subset(
    rows: list[dict[str, str]],
    path: Path,
    forces: set[str],
    codes: set[str],
    snake_case: bool = False,
) -> Path:
    chosen = [r for r in rows if r["Force Name"] in forces and r["Offence Code"] in codes]
    header = list(rows[0])
    names = [h.lower().replace(" ", "_") for h in header] if snake_case else header
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows([r[h] for h in header] for r in chosen)
    return path


@pytest.fixture(scope="session")
def write_subset(raw_rows):
    """Write rows of some forces and offence codes as CSV (headers as published or snake_case)."""

    def write(path: Path, forces: set[str], codes: set[str], snake_case: bool = False) -> Path:
        return _write_subset(raw_rows, path, forces, codes, snake_case)

    return write
