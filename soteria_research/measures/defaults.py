"""Thresholds of the measures, read from the ``measures`` section of the settings.

Every measure takes its thresholds as arguments so a user can override them; these are
the values used when a caller passes none. A key missing from the settings file falls
back to the default below, so an older settings file keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Defaults of every key the measures read from ``settings.section("measures")``.
DEFAULTS: dict[str, Any] = {
    "confidence_level": 0.95,
    "interval_method": "wilson",
    "funnel_limits": [0.95, 0.998],
    "funnel_method": "exact",
    "funnel_overdispersion": True,
    "spc_run_length": 7,
    "spc_trend_length": 7,
    "min_events_per_parameter": 10,
    "repeat_links": "all_sexual_offences",
    "charge_model_horizon_days": 365,
    "age_bands": [0, 13, 16, 18, 25, 35, 50, 120],
    "horizons_days": [90, 180, 365, 730],
    "evaluation_follow_up_days": 90,
    "evaluation_bootstrap": 999,
    "evaluation_seed": 20230710,
    "evaluation_min_forces": 5,
    "plan_window_quarters": 4,
    "learning_top_forces": 3,
}


def measure_settings(settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the measure thresholds, defaults filled in for absent keys.

    Parameters
    ----------
    settings
        The ``measures`` section, or the whole settings mapping (its ``measures``
        section is used), or None to read the project settings file.

    Returns
    -------
    dict
        A fresh dict holding every key of :data:`DEFAULTS`.
    """
    if settings is None:
        from soteria_research import settings as project_settings

        settings = project_settings.section("measures")
    if "measures" in settings and isinstance(settings["measures"], Mapping):
        settings = settings["measures"]
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in settings.items() if v is not None})
    return merged
