"""What a reader of a force report knows one quantity to be, wherever it is printed.

The report prints many counts more than once: the charged count of the cohort is a cell of the
outcomes table, a stage of the attrition table, a key finding ("58 of 10,040"), an evidence
row and a sentence's percentage. These tables say which printed cells are one quantity
(:data:`SAME`), which count a subset of another (:data:`SUBSETS`: the records in one and
not the other are a count a reader learns), and which sentences print a share of two of them
(:data:`SENTENCES`). A reference is ``(caption, row, column)``, each a regular expression
searched in the labels; ``{period}`` stands for the report's period.
"""

from __future__ import annotations

import re

KEY = r"^Key findings for"
NUM, DEN = r"^n \(numerator\)$", r"^n \(denominator\)$"
OUTCOMES = r"^Outcomes of"
STAGES = r"reaching each stage"
BY_YEAR = r"^Charge rate by year"
SURVIVAL = r"^Charged within each time"

Ref = tuple[str, str, str]

SAME: dict[str, list[Ref]] = {
    "recorded": [
        (OUTCOMES, r"^Total$", r"cohort"),
        (STAGES, r"^Recorded$", r"^crimes$"),
        (STAGES, r".", r"^recorded$"),
        (KEY, r"^recorded_crimes$", NUM),
        (KEY, r"^(charge_rate|no_suspect_share|pending_share|outcome_16_share)$", DEN),
        (KEY, r"^(victim_does_not_support_share|victim_withdrawal_share|isva_share)$", DEN),
        # every row's base, except a row that names another ("devices returned (of seized)")
        (r"Crimes recorded in .* \(%\)$", r"^(?!.*\(of (?!crimes recorded\)))", r"^of$"),
        (r"published figures beside", r"^case-level", r"^crimes recorded$"),
    ],
    "charged (cohort)": [
        (OUTCOMES, r"^Charged/Summonsed$", r"cohort"),
        (STAGES, r"^Charged or summonsed$", r"^crimes$"),
        (KEY, r"^charge_rate$", NUM),
        (r"published figures beside", r"^case-level", r"^charged$"),
    ],
    "assigned": [(OUTCOMES, r"^Total$", r"activity"), (KEY, r"^charge_share_activity$", DEN)],
    "charged (activity)": [
        (OUTCOMES, r"^Charged/Summonsed$", r"activity"),
        (KEY, r"^charge_share_activity$", NUM),
    ],
    "pending": [(OUTCOMES, r"^Not yet assigned", r"cohort"), (KEY, r"^pending_share$", NUM)],
    "outcome 16": [(r"\(%\)$", r"^Outcome 16", r"^crimes$"), (KEY, r"^outcome_16_share$", NUM)],
    "outcomes 14 + 16": [
        (r"\(%\)$", r"^Outcomes 14 \+ 16", r"^crimes$"),
        (OUTCOMES, r"^Evidential difficulties \(victim does not support", r"cohort"),
        (KEY, r"^victim_does_not_support_share$", NUM),
    ],
    "isva": [(r"\(%\)$", r"ISVA", r"^crimes$"), (KEY, r"^isva_share$", NUM)],
    "suspect identified": [
        (STAGES, r"^Suspect identified$", r"^crimes$"),
        (r"with a suspect identified", r".", r"^with a suspect$"),
        (KEY, r"^(arrest_share|repeat_suspect_share)$", DEN),
    ],
    "repeat suspect": [
        (r"with a suspect identified", r"linked", r"^crimes$"),
        (KEY, r"^repeat_suspect_share$", NUM),
    ],
    "referred": [(STAGES, r"^Referred to the CPS$", r"^crimes$")],
    "survival cohort": [(SURVIVAL, r".", r"^crimes$"), (KEY, r"^charge_cif_365$", DEN)],
    "charged in 365 days": [(SURVIVAL, r"^365$", r"^charged$"), (KEY, r"^charge_cif_365$", NUM)],
    "timed to charge": [
        (r"^Days between dates", r"^recording to charge$", r"^crimes$"),  # not the pooled row
        (KEY, r"^median_days_to_charge$", DEN),
    ],
    "devices seized": [
        (r"\(%\)$", r"^devices seized", r"^crimes$"),
        (r"\(%\)$", r"^devices returned", r"^of$"),
    ],
    "devices returned": [(r"\(%\)$", r"^devices returned", r"^crimes$")],
    "devices returned in the period": [
        (r"^Device turnaround", r"seizure to return", r"^crimes$"),
        (KEY, r"^median_device_turnaround_days$", DEN),
    ],
    "withdrawal timed": [
        (r"^Days between dates", r"victim withdrawal", r"^crimes$"),
        (r"^When victims withdrew", r"victim withdrawal", r"^crimes$"),
    ],
    "extract rows": [(r"^Extract rows", r"^input rows$", r"^rows$")],
    "clean rows": [(r"^Extract rows", r"^clean$", r"^rows$")],
    "year charged": [(BY_YEAR, r"^{period}$", r"^charged so far$")],
    "year crimes": [(BY_YEAR, r"^{period}$", r"^crimes$")],
}

#: ``(part, whole)``: ``part`` counts a subset of the records ``whole`` counts.
SUBSETS: list[tuple[str, str]] = [
    ("year crimes", "recorded"),
    ("survival cohort", "recorded"),
    ("year charged", "charged (cohort)"),
    ("timed to charge", "charged (activity)"),
    ("outcome 16", "outcomes 14 + 16"),
    ("devices returned", "devices seized"),
]

_PCT = r"(?P<pct>\d+(?:\.\d+)?)%"
_COUNT = r"\d{1,3}(?:,\d{3})+|\d+"
_N = rf"(?P<n>{_COUNT})"

#: ``(pattern, numerator, denominator)``: a sentence printing a share of two quantities
#: (``pct``; ``n``, if present, prints the denominator).
SENTENCES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(rf"{_PCT} of {_N} extract rows were usable"), "clean rows", "extract rows"),
    (
        re.compile(rf"{_PCT} of \w+ crimes recorded in \S+ have been charged so far.*n = {_N}"),
        "charged (cohort)",
        "recorded",
    ),
    (re.compile(rf"naive rate so far: {_PCT}"), "year charged", "year crimes"),
    (re.compile(rf"case-level rate for \S+ is {_PCT}"), "charged (cohort)", "recorded"),
    (re.compile(rf"{_PCT} of crimes recorded in \S+ have been referred"), "referred", "recorded"),
    (re.compile(rf"{_PCT} of crimes recorded in \S+ are still pending"), "pending", "recorded"),
    (re.compile(rf"In {_PCT} of crimes recorded in .*outcome 16\)"), "outcome 16", "recorded"),
    (re.compile(rf"{_PCT} of victims were referred to an ISVA"), "isva", "recorded"),
    (
        re.compile(rf"{_PCT} of crimes with an identified suspect involve a suspect linked"),
        "repeat suspect",
        "suspect identified",
    ),
]

#: A sentence giving the events of the charge model: the charges of every year together.
EVENTS = re.compile(rf"(?:(?P<crimes>{_COUNT}) crimes, )?(?P<events>{_COUNT}) events")

#: ``(national reference, force group)``: a national cell is the sum of a group over forces.
NATIONAL_SUMS: list[tuple[Ref, str]] = [
    ((r"^All forces", r"another crime of the same force", r"^crimes$"), "repeat suspect"),
    (
        (r"^All forces", r"another crime of the same force", r"^with a suspect$"),
        "suspect identified",
    ),
]
