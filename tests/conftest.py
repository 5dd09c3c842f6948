"""Settings for every test under tests/."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _kept_measures_stay_out_of_the_checkout(tmp_path_factory):
    """A test that runs a section in the collect pass without a project root of its own
    keeps its measures (``release.memo``) in a temporary folder, not in the checkout's
    ``data/release/`` (session-wide, so module fixtures that collect are covered too)."""
    from soteria_research.release import memo

    spare = tmp_path_factory.getbasetemp() / "kept-measures"
    own = memo.memo_dir
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memo, "memo_dir", lambda: own() if os.environ.get("SOTERIA_ROOT") else spare)
        yield
