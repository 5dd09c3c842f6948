"""The sections of each report, in the notebooks' order, run to collect a release.

The release is built by running these sections in the ledger's collect pass (nothing is
drawn or written), for every force and then for the national report; the notebooks run
the same sections again in the render pass. A test keeps this list and the notebooks'
cells in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from soteria_research.release import Ledger, protect
from soteria_research.release.publisher import COLLECT, RENDER, Publisher

#: (module, function) of every force report cell, in order; ``findings`` feeds ``key_findings``.
FORCE_SECTIONS = (
    ("force", "data_quality"),
    ("force", "volumes"),
    ("force", "outcomes"),
    ("force", "censoring"),
    ("force", "attrition"),
    ("pillars", "timeliness"),
    ("pillars", "victim_engagement"),
    ("surveys", "victim_survey"),
    ("pillars", "repeat_suspects"),
    ("pillars", "digital_forensics"),
    ("surveys", "officer_survey"),
    ("pillars", "who_is_charged"),
    ("pillars", "self_assessment"),
    ("review", "case_file_review"),
    ("review_change", "case_file_review_change"),
    ("loop", "improvement_plan"),
    ("loop", "improvement_rounds"),
    ("summary", "national_picture"),
    ("summary", "findings"),
)

#: (function, argument) of every national report cell, in order; the function lives in
#: ``sections.national`` unless :data:`NATIONAL_MODULES` names another module.
NATIONAL_SECTIONS = (
    ("findings_table", None),
    ("funnel", "charge_rate"),
    ("funnel", "outcome_16_share"),
    ("funnel", "arrest_share"),
    ("funnel", "repeat_suspect_share"),
    ("repeat_across", None),
    ("funnel", "isva_share"),
    ("published_picture", None),
    ("maturity", None),
    ("survey_comparison", "victim"),
    ("survey_comparison", "officer"),
    ("review_comparison", None),
    ("trend", None),
    ("evaluation", None),
    ("learning", None),
    ("charge_model", None),
)


#: National sections kept outside ``sections/national.py`` (function -> module).
NATIONAL_MODULES = {
    "survey_comparison": "national_surveys",
    "review_comparison": "national_review",
    "evaluation": "national_loop",
    "learning": "national_loop",
}


def _function(module: str, name: str) -> Callable[..., Any]:
    from importlib import import_module

    return getattr(import_module(f"soteria_research.sections.{module}"), name)


def collect_force(ctx: Any) -> pd.DataFrame:
    """Run every force section in ``ctx`` (a collect-pass context); returns the raw findings."""
    for module, name in FORCE_SECTIONS:
        _function(module, name)(ctx)
    return ctx.cache.get("raw_findings", pd.DataFrame())


def collect_national(ctx: Any) -> None:
    """Run every national section in ``ctx`` (a collect-pass national context)."""
    for name, argument in NATIONAL_SECTIONS:
        function = _function(NATIONAL_MODULES.get(name, "national"), name)
        function(ctx) if argument is None else function(ctx, argument)


def single_force_release(ctx: Any) -> Ledger:
    """A release of one force on its own, for a session with no release built yet: the
    force's sections are collected and protected, then ``ctx`` renders from it."""
    ledger = Ledger()
    ctx.publisher = Publisher(ctx.force, ledger, COLLECT, ctx.rules)
    collect_force(ctx)
    protect(ledger, ctx.rules)
    ctx.cache.clear()
    ctx.log.entries.clear()
    ctx.publisher = Publisher(ctx.force, ledger, RENDER, ctx.rules)
    return ledger
