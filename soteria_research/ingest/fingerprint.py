"""What a force's processed tables depend on, as one hash: the key of incremental cleaning.

A force is cleaned again only when its **clean key** changes: the SHA-256 of its mapping,
of every file the mapping reads and of its self-assessment workbooks, the cleaning code
version (the ingest package, the normalisers and the reference tables, the user aliases,
the ``ingest`` settings, age bands and pseudonym scheme, and the self-assessment framework), and a keyed fingerprint
of the pseudonymisation key (never the key itself). ``provenance.json`` records the key
beside the tables, so a ``soteria clean`` in which nothing changed reads a few files,
hashes them and stops. A file whose size and modification time are those recorded last
time keeps its recorded hash (as ``git status`` does), so an unchanged run reads no data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache
from pathlib import Path

from soteria_research import paths, settings

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _code_files() -> list[Path]:
    package = paths.PACKAGE_DIR
    files = sorted((package / "ingest").glob("*.py"))
    files += [package / "normalise.py", package / "errors.py"]
    files += [*sorted(paths.REFERENCE_DIR.glob("*.csv")), paths.REFERENCE_DIR / "__init__.py"]
    config = paths.config_dir()
    files += [config / "aliases.yaml", config / "self_assessment_framework.yaml"]
    return [f for f in files if f.is_file()]


@lru_cache(maxsize=4)
def _code_version(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for path, _size, _mtime in stamp:
        digest.update(str(Path(path).name).encode() + b"\0" + Path(path).read_bytes())
    return digest.hexdigest()


def code_version() -> str:
    """Hash of the code, reference data and settings cleaning depends on."""
    stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in _code_files())
    try:
        data = settings.load()  # the settings that change the processed tables
        chosen = {
            "ingest": data.get("ingest"),
            "age_bands": (data.get("measures") or {}).get("age_bands"),
            "pseudonym_scheme": (data.get("pseudonymisation") or {}).get("scheme"),
        }
    except Exception:  # a broken settings file is reported by cleaning itself
        chosen = {}
    text = json.dumps(chosen, sort_keys=True, default=str)
    return hashlib.sha256((_code_version(stamp) + text).encode()).hexdigest()


def key_fingerprint(key: bytes) -> str:
    """A keyed hash that changes with the pseudonymisation key but does not reveal it."""
    return hmac.new(key, b"soteria clean key fingerprint", hashlib.sha256).hexdigest()[:16]


def file_record(path: Path, known: dict[str, dict] | None = None) -> dict:
    """``name``, ``bytes``, ``mtime_ns`` and ``sha256`` of a file; the hash is taken from
    ``known`` (records of the last clean, by name) when size and time are unchanged."""
    stat = path.stat()
    record = {"name": path.name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    old = (known or {}).get(path.name)
    if old and old.get("bytes") == stat.st_size and old.get("mtime_ns") == stat.st_mtime_ns:
        return {**record, "sha256": old["sha256"]}
    return {**record, "sha256": file_sha256(path)}


def clean_key(
    mapping_path: Path,
    inputs: list[Path],
    key: bytes,
    code: str,
    known: dict[str, dict] | None = None,
) -> tuple[str, list]:
    """The clean key of a force and the records (:func:`file_record`) of its inputs.

    ``known`` holds the input records of the last clean, by file name.
    """
    records = [file_record(p, known) for p in inputs]
    parts = {
        "mapping": file_sha256(mapping_path),
        "files": [(r["name"], r["sha256"]) for r in records],
        "code": code,
        "key": key_fingerprint(key),
    }
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest(), records
