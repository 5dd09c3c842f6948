"""Getting the data ready for a run: the synthetic default when there is none, then cleaning.

``soteria reports --prepare`` (what ``make reports`` runs) does in one process what
``soteria synth --if-empty`` and ``soteria clean`` do, and skips the cleaning altogether
when nothing it depends on changed since the last clean that ended without an error. That
is judged from a **data stamp** (``data/processed/.clean-stamp.json``): the size and
modification time of every file of ``data/raw/``, of the cleaning code (the ``ingest``
package, the reference tables and the bottom modules it builds on) and of the config
folder, a keyed fingerprint of the pseudonymisation key (never the key), and the size and
modification time of every processed file the clean left. Any difference, a missing or
unreadable stamp, or a clean that failed for any force means ``soteria clean`` runs, and
it then compares content hashes force by force (``ingest.fingerprint``), as ``git
status`` does after a quick look at sizes and times. ``soteria clean`` (``make
clean-data``) always makes that content check itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

from soteria_research import files, paths, settings
from soteria_research.errors import SoteriaError

log = logging.getLogger(__name__)

STAMP_NAME = ".clean-stamp.json"
#: The variable that holds the key when the settings name none (as ``ingest.pseudonymise``).
DEFAULT_KEY_ENV = "SOTERIA_PSEUDONYM_KEY"
VERSION = 1
#: The file in a force folder that says it holds an extract (as ``synth.has_extracts``).
MAPPING_FILE = "mapping.yaml"
#: Folders of the package the cleaning depends on, besides its top-level modules.
CLEAN_CODE = ("ingest", "reference")
_SKIP = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})


def stamp_path(processed: Path | None = None) -> Path:
    """``data/processed/.clean-stamp.json``."""
    return (processed or paths.processed_dir()) / STAMP_NAME


def has_extracts(raw: Path | None = None) -> bool:
    """Whether ``raw`` holds a force folder with a mapping (the synthetic default is then
    not written); the same test as :func:`soteria_research.synth.has_extracts`, without
    importing the generator."""
    folder = raw or paths.raw_dir()
    return folder.is_dir() and any(folder.glob(f"*/{MAPPING_FILE}"))


def file_stats(folder: Path, *, recursive: bool = True) -> dict[str, list[int]]:
    """Relative path -> ``[size, mtime_ns]`` of every file under ``folder`` (Python caches
    and the stamp itself left out); ``{}`` when the folder is missing."""
    found: dict[str, list[int]] = {}
    stack = [(folder, "")]
    while stack:
        here, prefix = stack.pop()
        try:
            entries = list(os.scandir(here))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = entry.name
            if name in _SKIP or name == STAMP_NAME or name.endswith(".pyc"):
                continue
            if entry.is_dir(follow_symlinks=True):
                if recursive:
                    stack.append((Path(entry.path), f"{prefix}{name}/"))
            elif entry.is_file(follow_symlinks=True):
                stat = entry.stat(follow_symlinks=True)
                found[prefix + name] = [stat.st_size, stat.st_mtime_ns]
    return dict(sorted(found.items()))


def _key_fingerprint() -> str:
    """A keyed fingerprint of the pseudonymisation key as configured (the variable named by
    ``pseudonymisation.key_env``, else the key file; ``ingest.pseudonymise`` reads the same
    two), never the key itself; ``none`` when neither is set, ``error`` when unreadable.
    Read here rather than through ``ingest``, which would import the whole cleaning code."""
    try:
        env = str(settings.section("pseudonymisation").get("key_env") or DEFAULT_KEY_ENV)
    except SoteriaError:
        env = DEFAULT_KEY_ENV
    value = os.environ.get(env, "").strip()
    try:
        if not value and paths.key_file().is_file():
            value = paths.key_file().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return "error"
    if not value:
        return "none"
    return hmac.new(value.encode("utf-8"), b"soteria data stamp", hashlib.sha256).hexdigest()[:16]


def clean_inputs(raw: Path | None = None) -> dict[str, Any]:
    """Sizes and times of everything a clean reads, and the key's fingerprint."""
    package = paths.PACKAGE_DIR
    code = file_stats(package, recursive=False)
    for name in CLEAN_CODE:
        code |= {f"{name}/{k}": v for k, v in file_stats(package / name).items()}
    return {
        "raw": file_stats(raw or paths.raw_dir()),
        "code": code,
        "config": file_stats(paths.config_dir()),
        "key": _key_fingerprint(),
    }


def data_stamp(inputs: dict[str, Any], processed: Path | None = None) -> dict[str, Any]:
    """The stamp of a clean: its inputs (taken before it started) and what it left."""
    return {
        "version": VERSION,
        "inputs": inputs,
        "processed": file_stats(processed or paths.processed_dir()),
    }


def read_stamp(processed: Path | None = None) -> dict[str, Any] | None:
    """The stamp of the last clean, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(stamp_path(processed).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


def data_unchanged(raw: Path | None = None, processed: Path | None = None) -> bool:
    """Whether the raw data, the cleaning code, the config, the key and the processed
    tables are exactly as the last successful clean left them (sizes and times)."""
    stamp = read_stamp(processed)
    if stamp is None:
        return False
    if stamp.get("processed") != file_stats(processed or paths.processed_dir()):
        return False
    return stamp.get("inputs") == clean_inputs(raw)


def write_stamp(inputs: dict[str, Any], processed: Path | None = None) -> Path:
    """Record a clean that ended without an error (``inputs`` from before it started)."""
    return files.write_json(stamp_path(processed), data_stamp(inputs, processed))


def forget_stamp(processed: Path | None = None) -> None:
    """Remove the stamp: the next ``--prepare`` cleans (a clean failed or was asked for)."""
    stamp_path(processed).unlink(missing_ok=True)
