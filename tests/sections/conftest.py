"""Shared synthetic data for the section tests: a deep-dive force with two case-file review
rounds and another force, generated and cleaned once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteria_research import synth
from soteria_research.ingest import clean_force

#: The deep-dive force (with review rounds) and a force without a review.
DEEP, OTHER = "Durham", "Cleveland"


@pytest.fixture(scope="session")
def review_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root holding both forces' raw and processed data."""
    root = tmp_path_factory.mktemp("review-root")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
        patch.setenv("SOTERIA_KEY_FILE", str(root / "absent.key"))
        synth.generate(root / "data" / "raw", forces=[DEEP, OTHER], scale=0.3)
        for folder in ("durham", "cleveland"):
            clean_force(root / "data" / "raw" / folder, root / "data" / "processed")
    return root


@pytest.fixture
def review_root(review_source: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """:func:`review_source` as the project root of one test."""
    monkeypatch.setenv("SOTERIA_ROOT", str(review_source))
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(review_source / "absent.key"))
    return review_source
