"""Every ingest test runs without a pseudonymisation key unless it sets one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    missing = tmp_path_factory.mktemp("keys") / "absent.key"
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(missing))
