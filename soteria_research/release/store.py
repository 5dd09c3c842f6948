"""Where a release's ledger is kept between its build and the reports that render it.

The ledger holds withheld values as well as published ones, so it is internal: it lives
under ``data/release/`` (beside the processed data, never under ``reports/``), is written
atomically, and carries a digest of everything it was built from so a stale ledger is
never rendered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from soteria_research import files, paths
from soteria_research.errors import DataError
from soteria_research.release.ledger import Ledger

CELLS, RELATIONS, STAMP = "cells.parquet", "relations.parquet", "release.json"
ALIASES = "aliases.parquet"


def release_dir() -> Path:
    """``data/release/``: the protected ledger of the latest release (internal)."""
    return paths.release_dir()


def save_release(ledger: Ledger, stamp: dict[str, Any], folder: Path | None = None) -> Path:
    """Write the ledger and its stamp (inputs digest, summary) atomically."""
    folder = Path(folder or release_dir())
    folder.mkdir(parents=True, exist_ok=True)
    cells = ledger.frame()
    relations = ledger.relations_frame()
    with files.atomic_path(folder / CELLS) as tmp:
        cells.to_parquet(tmp, index=False)
    with files.atomic_path(folder / RELATIONS) as tmp:
        relations.to_parquet(tmp, index=False)
    aliases = pd.DataFrame(
        sorted(ledger.cells.aliases.items()), columns=["alias", "key"], dtype="string"
    )
    with files.atomic_path(folder / ALIASES) as tmp:
        aliases.to_parquet(tmp, index=False)
    files.write_json(folder / STAMP, stamp)
    return folder


def read_stamp(folder: Path | None = None) -> dict[str, Any] | None:
    path = Path(folder or release_dir()) / STAMP
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_release(folder: Path | None = None) -> Ledger:
    """The protected ledger of the latest release."""
    folder = Path(folder or release_dir())
    if not (folder / CELLS).is_file():
        raise DataError(
            f"No release in {folder}: run `soteria reports` (or `make reports`) to build one."
        )
    cells = pd.read_parquet(folder / CELLS)
    relations = pd.read_parquet(folder / RELATIONS) if (folder / RELATIONS).is_file() else None
    if relations is None or relations.empty:
        relations = pd.DataFrame(columns=["keys", "coefs", "sense", "rhs", "why"])
    ledger = Ledger.from_frames(cells, relations)
    if (folder / ALIASES).is_file():
        aliases = pd.read_parquet(folder / ALIASES)
        ledger.cells.aliases.update(zip(aliases["alias"], aliases["key"], strict=True))
    return ledger
