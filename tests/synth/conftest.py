"""Small synthetic data sets shared by the synth tests (generated once a session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteria_research import synth

from .support import LAYOUT_FORCES

SMALL = {"forces": LAYOUT_FORCES, "scale": 0.3}
NATIONAL_SCALE = 0.3


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four forces, one of each layout, written to disk at 30% of real volumes."""
    out = tmp_path_factory.mktemp("raw")
    synth.generate(out, **SMALL)
    return out


@pytest.fixture(scope="session")
def small_cases() -> pd.DataFrame:
    """The canonical records behind ``small_dir``."""
    return synth.cases(**SMALL)


@pytest.fixture(scope="session")
def national_options() -> synth.Options:
    return synth.make_options(scale=NATIONAL_SCALE)


@pytest.fixture(scope="session")
def national() -> pd.DataFrame:
    """All 43 forces at 30% of real volumes, not written."""
    return synth.cases(scale=NATIONAL_SCALE)
