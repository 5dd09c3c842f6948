"""Fixtures for the batch tests: a project root in a temporary folder with tiny data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soteria_research import digests

from .helpers import REPO, write_cases


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SOTERIA_ROOT and the config folder in tmp_path (a copy of the checkout's config)."""
    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(config))
    return tmp_path


@pytest.fixture
def two_forces(root: Path) -> Path:
    """Processed data for Durham and Cleveland."""
    write_cases(root, "durham", "Durham", n=40, every=8)
    write_cases(root, "cleveland", "Cleveland", n=60, every=6)
    return root


@pytest.fixture
def pinned_code(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pin the hash of the package code for one test.

    The checkout's code does not change during a test, but a file saved in it while a test
    runs would otherwise count as a code change and make every report re-run.
    """
    original = digests.code_digest
    digest = original()
    monkeypatch.setattr(
        digests,
        "code_digest",
        lambda package_dir=None: original(package_dir) if package_dir else digest,
    )
    return digest
