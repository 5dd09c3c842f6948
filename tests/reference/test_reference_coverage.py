"""Every figure the deep-dive force's report and the national report publish belongs to a
table the reference suite recomputes: a new output fails here until a recomputation (or a
stated reason it has none) is added.

The evidence base is covered row by row by its own tests (its case measures, survey,
review, self-assessment and round rows).
"""

from __future__ import annotations

import re

import pytest

from .conftest import FORCE
from .test_reference_release import NATIONAL, SEP, keys

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

#: Pattern of the key after ``<unit> | `` -> the test that recomputes it.
FORCE_OUTPUTS = {
    r"= \| \w+ \| \d{4}/\d{2} \| finding \| ": "test_the_force_findings_are_recomputed",
    r"= \| \w+ \| \d{4}/\d{2} \| cohort \| ": "test_the_force_report_tables_are_recomputed",
    r"= \| \w+ \| quarter \| ": "test_the_force_report_tables_are_recomputed",
    r"= \| \w+ \| self-assessment round \S+ \| finding \| ": "test_the_self_assessment_...",
    r"= \| \w+ \| self-assessment rounds .* \| finding \| ": "test_the_force_round_change",
    r"= \| \w+ \| case-file review \d* \| finding \| review_yes_share_": "test_the_case_file_...",
    r"= \| \w+ \| case-file review \d* \| finding \| review_ac1_": "test_agreement_...",
    r"= \| \w+ \| case-file review \d* \| finding \| review_charge_odds_": "test_odds_ratios_...",
    r"= \| \w+ \| case-file review \d* \| review coded \| ": "test_every_response_share_...",
    r"= \| \w+ \| survey .* \| finding \| survey_": "test_the_survey_findings_...",
    r"= \| survey \| ": "test_respondents_per_wave",
    r"(victim|officer) survey (scales|change|groups|answers)": "test_reference_surveys",
    r"(Days between dates|When victims withdrew|Device turnaround|Time between repeat)": "tables",
    r"(digital forensics|attrition|outcomes by group|recorded crimes by (month|quarter)) \| ": "",
    r"(charge rate by cohort|charged within a year by cohort|cumulative incidence) ": "",
    r"(victim engagement|repeat suspects|data quality: completeness) \| ": "",
    r"(arrest_share|charge_share|isva_share) by quarter \| ": "",
    r"self-assessment agreement: ": "test_the_self_assessment_is_recomputed",
    r"data quality: rows \| ": "test_every_extract_row_is_accounted_for",
    r"case-file review": "test_reference_review",
    r"(plan actions|plan overdue days): ": "test_the_improvement_plan_tables",
    r"linked measures before and after \| ": "test_linked_measures_before_and_after",
    r"maturity change \S+ to \S+: ": "test_the_force_round_change",
    r"published vs case-level \| ": "test_each_force_publishes_its_home_office_figures",
}
NATIONAL_OUTPUTS = {
    r"= \| \w+ \| \d{4}/\d{2} \| comparator \| ": "test_the_national_comparators_...",
    r"= \| survey \| \w+ \| latest \| respondents": "test_the_national_survey_comparison",
    r"(victim|officer) survey across forces: means \| ": "test_the_national_survey_comparison",
    r"national recorded crimes by month \| ": "test_national_sums_are_the_forces",
    r"repeat suspects, national \| ": "test_national_repeat_suspects_link_every_force",
    r"maturity change across forces ": "test_the_national_round_change_and_learning_table",
    r"learning table ": "test_the_national_round_change_and_learning_table",
    r"mean maturity over forces: ": "test_the_national_maturity_means_are_the_forces_latest_...",
    r"evaluation by (phase|quarters since joining): \w+( \| [^|]+ \| (numerator|denominator|"
    r"estimate)$|: .*: forces \| )": "test_the_evaluation_is_recomputed",
    r"= \| \w+ \| .* \| finding \| programme_effect_\w+ \| \w+ \| (value|numerator|"
    r"denominator)$": "test_the_evaluation_is_recomputed",
    r"(evaluation by .* \| (ci_low|ci_high)$|= \| .* \| programme_effect_.* \| (ci_low|ci_high)$)": (
        "test_every_interval_end_is_recomputed"
    ),
}
#: Published and not recomputed, with the reason (kept honest: each must still exist).
NOT_RECOMPUTED: dict[str, str] = {}


def uncovered(ledger, unit: str, patterns: dict[str, str]) -> list[str]:
    every = [*patterns, *NOT_RECOMPUTED]
    out = []
    for key in keys(ledger):
        head, _, rest = key.partition(SEP)
        if head == unit and not any(re.match(p, rest) for p in every):
            out.append(key)
    return out


def test_every_force_report_figure_is_recomputed(release):
    assert not uncovered(release.ledger, FORCE, FORCE_OUTPUTS)


def test_every_national_report_figure_is_recomputed(release):
    assert not uncovered(release.ledger, NATIONAL, NATIONAL_OUTPUTS)


@pytest.mark.parametrize("pattern", [*FORCE_OUTPUTS, *NATIONAL_OUTPUTS, *NOT_RECOMPUTED])
def test_every_pattern_still_names_a_published_figure(release, pattern):
    """A pattern no key matches any more is stale: its table was renamed or dropped."""
    found = any(
        re.match(pattern, key.partition(SEP)[2])
        for key in keys(release.ledger)
        if key.partition(SEP)[0] in (FORCE, NATIONAL)
    )
    assert found, pattern
