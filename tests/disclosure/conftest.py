"""Fixtures of the disclosure tests."""

from __future__ import annotations

import pytest

from soteria_research.disclosure import Rules


@pytest.fixture
def rules() -> Rules:
    """The project's rule set: ACRO thresholds, zeros publishable."""
    return Rules(zeros_disclosive=False)
