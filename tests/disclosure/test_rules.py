"""The rule set: read from the settings, validated, overridable."""

from __future__ import annotations

import pytest
import yaml

from soteria_research.disclosure import Rules
from soteria_research.errors import ConfigError


def test_settings_file_gives_the_acro_thresholds():
    rules = Rules.from_settings()
    assert rules.min_cell_count == 10
    assert (rules.nk_n, rules.nk_k, rules.p_percent) == (2, 0.9, 0.1)
    assert rules.min_residual_df == rules.min_survival_at_risk == rules.min_cases_for_median == 10
    assert rules.rounding_base == 5
    assert rules.method == "suppress"


def test_thresholds_follow_a_changed_settings_file(tmp_path):
    settings = {
        "synthetic": {},
        "pseudonymisation": {},
        "measures": {},
        "reports": {},
        "disclosure": {"min_cell_count": 5, "method": "round", "zeros_disclosive": True},
    }
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    rules = Rules.from_settings(path)
    assert (rules.min_cell_count, rules.method, rules.zeros_disclosive) == (5, "round", True)
    assert rules.nk_k == 0.9  # absent keys keep the ACRO default


def test_a_mapping_and_overrides_are_accepted():
    rules = Rules.from_settings({"disclosure": {"min_cell_count": 7}}, rounding_base=10)
    assert (rules.min_cell_count, rules.rounding_base) == (7, 10)
    assert Rules().replace(method="round").method == "round"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("min_cell_count", 0),
        ("min_cell_count", 2.5),
        ("nk_k", 1.5),
        ("p_percent", 0),
        ("method", "blur"),
        ("zeros_disclosive", "yes"),
    ],
)
def test_invalid_thresholds_are_refused_with_the_key_named(key, value):
    with pytest.raises(ConfigError, match=key):
        Rules.from_settings({key: value})


def test_a_misspelt_key_is_refused():
    with pytest.raises(ConfigError, match="min_cell_cont"):
        Rules.from_settings({"min_cell_cont": 5})


@pytest.mark.parametrize(("count", "fails"), [(0, False), (1, True), (9, True), (10, False)])
def test_count_rule_at_the_threshold(count, fails):
    assert Rules(zeros_disclosive=False).count_fails(count) is fails


def test_zeros_fail_only_when_disclosive():
    assert Rules(zeros_disclosive=True).count_fails(0)
    assert not Rules(zeros_disclosive=False).count_fails(0)
