"""Content hashes of everything a report depends on.

A report is re-run when one of these hashes changes, never because a timestamp moved:
re-writing a file with the same bytes changes nothing, editing one byte changes the hash.
All hashes are SHA-256 hex digests.

| input | hash of |
|---|---|
| data | every file in the force's ``data/processed/<police_uk_id>/`` folder |
| notebook | the type and source of every cell (stored outputs and metadata are ignored) |
| code | every file of the package (``.py`` and reference files), caches excluded |
| config | every file in the config folder (settings and the framework) |
| external | every file in ``data/external/`` (published data a report may compare against) |
| parameters | the notebook parameters that shape a report (not the run id or folders) |
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from soteria_research import paths

#: Digest of a folder or file that does not exist (distinct from an empty folder).
MISSING = "missing"

_CHUNK = 1 << 20
_SKIP_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p in _SKIP_DIRS for p in parts):
            continue
        if path.is_file() and path.suffix != ".pyc":
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def tree_digest(folder: str | Path) -> str:
    """SHA-256 over the relative names and contents of every file under ``folder``.

    Hidden files and folders and Python caches are ignored. A missing folder gives
    :data:`MISSING`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return MISSING
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(f"{path.relative_to(folder).as_posix()}\0{file_digest(path)}\n".encode())
    return digest.hexdigest()


def notebook_digest(path: str | Path) -> str:
    """SHA-256 of a notebook's cell types and sources.

    Outputs, execution counts and metadata do not count, so re-saving a notebook with new
    outputs (as nbval or JupyterLab do) does not make every report re-run.
    """
    path = Path(path)
    if not path.is_file():
        return MISSING
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    digest = hashlib.sha256()
    for cell in cells:
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        digest.update(f"{cell.get('cell_type', '')}\0{text}\0".encode())
    return digest.hexdigest()


def code_digest(package_dir: str | Path | None = None) -> str:
    """SHA-256 of the package source and reference files."""
    return tree_digest(package_dir or paths.PACKAGE_DIR)


def config_digest() -> str:
    """SHA-256 of the config folder (``settings.yaml`` and the framework files)."""
    return tree_digest(paths.config_dir())


def external_digest() -> str:
    """SHA-256 of ``data/external/`` (published data the reports may compare against)."""
    return tree_digest(paths.external_dir())


def force_data_digest(police_uk_id: str) -> str:
    """SHA-256 of one force's processed data folder (``data/processed/<police_uk_id>/``)."""
    return tree_digest(paths.processed_dir() / police_uk_id)


def params_digest(params: Mapping[str, object]) -> str:
    """SHA-256 of a parameter mapping, independent of key order."""
    return text_digest(json.dumps(dict(params), sort_keys=True, default=str))


def text_digest(text: str) -> str:
    """SHA-256 of a string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combine(components: Mapping[str, str]) -> str:
    """One digest of several named digests (the key a task's state is stored under)."""
    return params_digest(components)
