"""The version of the code and of the libraries results depend on.

Every report header, evidence row and run manifest carries these labels, so any number
can be traced back to the code that produced it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from soteria_research import __version__, digests, paths

#: Libraries whose versions can change results.
RECORDED_PACKAGES = (
    "pandas",
    "numpy",
    "statsmodels",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
    "pandera",
    "pyarrow",
)


@lru_cache(maxsize=4)
def _git_commit(folder: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", folder, "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


def code_version(package_dir: str | Path | None = None) -> dict[str, str | None]:
    """The version of the code: package version, git commit (or None) and source hash."""
    folder = Path(package_dir or paths.PACKAGE_DIR)
    return {
        "package_version": __version__,
        "git_commit": _git_commit(str(folder)),
        "source_hash": digests.code_digest(folder),
    }


def code_version_label(version: Mapping[str, str | None] | None = None) -> str:
    """A short label of the code version, e.g. ``0.1.0 (git 4ed1100, source 1a2b3c4d)``.

    This is the ``code_version`` recorded on every evidence row and in report headers.
    """
    version = version or code_version()
    parts = [f"git {version['git_commit'][:7]}"] if version.get("git_commit") else []
    parts.append(f"source {str(version['source_hash'])[:8]}")
    return f"{version['package_version']} ({', '.join(parts)})"


def package_versions(names: Sequence[str] = RECORDED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None when a package is not installed)."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


__all__ = ["RECORDED_PACKAGES", "code_version", "code_version_label", "package_versions"]
