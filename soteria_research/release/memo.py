"""Measures computed once, in the release stage, and read back when the reports render.

The release stage's collect pass computes every section's measures; the render pass runs
the same sections again to draw them from the protected ledger. A measure that costs
seconds and is a pure function of its arguments (a force's own responses and the settings,
say) is kept from the first pass so the second reads it instead of computing it again.

Only the measure is kept, never a disclosure decision: what the render pass shows of it
still goes through the ledger. Entries live under ``data/release/memo/`` (internal, like
the ledger), named by a digest of the measure's name, the code and config, and the
pickled arguments, so a changed input, setting or code finds nothing and computes afresh.
The release stage empties the folder before it collects.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from soteria_research import digests, files, paths

T = TypeVar("T")


def memo_dir() -> Path:
    """``data/release/memo/``: the measures the last release stage kept."""
    return paths.release_dir() / "memo"


def clear() -> None:
    """Forget every kept measure (the release stage does this before it collects)."""
    shutil.rmtree(memo_dir(), ignore_errors=True)


@functools.cache
def _code_and_config() -> bytes:
    return f"{digests.code_digest()}:{digests.config_digest()}".encode()


def entry_name(name: str, *args: object) -> str:
    """The file name of ``name`` computed from ``args``: a digest of the name, the code,
    the config and the arguments' pickled bytes."""
    digest = hashlib.sha256(_code_and_config())
    digest.update(name.encode())
    digest.update(pickle.dumps(args, protocol=5))
    return f"{name}-{digest.hexdigest()[:32]}.pkl"


def remembered(
    name: str,
    compute: Callable[..., T],
    *args: object,
    keep: bool,
    key: tuple[object, ...] | None = None,
) -> T:
    """``compute(*args)``, read from the memo when the release stage kept it.

    ``keep`` writes the result for the render pass (the release stage's collect pass).
    ``key``, when given, names the inputs in place of the arguments' bytes (e.g. a
    digest of a force's crimes, where pickling them would cost more than a small
    computation). An entry that cannot be read is
    computed again.
    """
    path = memo_dir() / entry_name(name, *(args if key is None else key))
    if path.is_file():
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
    value = compute(*args)
    if keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        files.write_bytes(path, pickle.dumps(value, protocol=5))
    return value
