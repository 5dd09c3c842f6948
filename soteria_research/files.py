"""Safe writes: every published file appears complete or not at all.

A file is written to a hidden temporary file in the same folder (``.<name>.<pid>.<tag>.tmp``)
and renamed over the target with :func:`os.replace`, which is atomic on one file system. A
run that is interrupted leaves at most a hidden ``.tmp`` file, never a half-written report
under its real name; :func:`remove_temp_files` clears those left by a killed run.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"


def temp_path(target: Path) -> Path:
    """A hidden temporary path beside ``target``, unique to this process and call."""
    target = Path(target)
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(3)}{TEMP_SUFFIX}")


def is_temp_file(path: Path) -> bool:
    """Whether ``path`` is a temporary file made by :func:`temp_path`."""
    name = Path(path).name
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it to ``target``, on failure delete it.

    Examples
    --------
    >>> with atomic_path(folder / "table.parquet") as tmp:  # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"Nothing was written to {tmp} for {target}.")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically; return the target path."""
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``target`` atomically; return the target path."""
    return write_text(target, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def move_into_place(source: str | Path, target: str | Path) -> Path:
    """Rename a finished file onto ``target`` (same file system), replacing it atomically.

    The source is first copied beside the target when the two folders are on different
    file systems, so the final step is always an atomic rename.
    """
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError:
        write_bytes(target, source.read_bytes())
        source.unlink()
    return target


def remove_temp_files(*folders: str | Path) -> list[Path]:
    """Delete temporary files left in ``folders`` (not recursive); return what was removed."""
    removed = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and is_temp_file(path):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
