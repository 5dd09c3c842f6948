"""Measure settings: the settings file's values, defaults for absent keys."""

from __future__ import annotations

from soteria_research.measures.defaults import DEFAULTS, measure_settings


def test_defaults_fill_absent_keys() -> None:
    got = measure_settings({"confidence_level": 0.9})
    assert got["confidence_level"] == 0.9
    assert got["spc_run_length"] == DEFAULTS["spc_run_length"]


def test_whole_settings_mapping_is_accepted() -> None:
    got = measure_settings({"measures": {"interval_method": "beta"}, "disclosure": {}})
    assert got["interval_method"] == "beta"


def test_project_settings_file_is_read() -> None:
    got = measure_settings()
    assert set(DEFAULTS) <= set(got)
    assert 0 < got["confidence_level"] < 1
