"""Shared values and helpers of the batch tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
FORCE_NB = NOTEBOOKS / "force_tiny.ipynb"
FAILING_NB = NOTEBOOKS / "force_failing.ipynb"
SLOW_NB = NOTEBOOKS / "force_slow.ipynb"
NATIONAL_NB = NOTEBOOKS / "national_tiny.ipynb"


def write_cases(root: Path, slug: str, name: str, n: int = 40, every: int = 8) -> Path:
    """A tiny cases table for one force (only the columns the tiny notebooks read)."""
    folder = root / "data" / "processed" / slug
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "force": [name] * n,
            "crime_id": [f"{i:016x}" for i in range(n)],
            "charged": [i % every == 0 for i in range(n)],
            "data_source": ["synthetic"] * n,
        }
    )
    frame.to_parquet(folder / "cases.parquet", index=False)
    return folder
