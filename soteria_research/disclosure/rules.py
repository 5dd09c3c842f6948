"""The disclosure rule set and its thresholds.

The rules and their defaults are those of the ACRO output-checking tool (``acro/default.yaml``)
that UK trusted research environments use, which follow the SDC handbook for output
checkers: a minimum frequency of 10, dominance by the N-K rule (the two largest contributors
may not exceed 90% of a total) and the p% rule (p = 10%), at least 10 residual degrees of
freedom for a model, and at least 10 at risk for survival tables. Thresholds are read from
the ``disclosure`` section of ``config/settings.yaml``; every function that applies a rule
takes an optional :class:`Rules` so that tests and users can override them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from soteria_research import settings as settings_module
from soteria_research.errors import ConfigError

logger = logging.getLogger(__name__)

METHODS = ("suppress", "round")

#: The GSS shorthand for a value withheld to protect confidentiality.
SUPPRESSED_MARKER = "[c]"
#: Marker of a cell with nothing to show (not applicable, or not estimable): never a withheld one.
NOT_APPLICABLE_MARKER = "–"


@dataclass(frozen=True)
class Rules:
    """Thresholds of the disclosure rules (ACRO defaults unless the settings say otherwise).

    Attributes
    ----------
    enabled
        Apply the rules at all (``False`` only for development on synthetic data).
    min_cell_count
        Smallest count that may be published; ``count < min_cell_count`` fails.
    zeros_disclosive
        Treat zero counts as disclosive (suppress them like small counts).
    nk_n, nk_k
        Dominance: the ``nk_n`` largest contributors may not exceed ``nk_k`` of a total.
    p_percent
        p% rule: the total less the two largest contributors must be at least ``p_percent``
        of the largest.
    min_residual_df
        Least residual degrees of freedom of a published model.
    min_survival_at_risk
        Least number at risk, and least number of events in a published step, of a
        survival table or curve.
    min_cases_for_median
        Least number of cases behind a published median or percentile.
    rounding_base
        Base that counts are rounded to when ``method`` is ``"round"``.
    method
        ``"suppress"`` (primary and secondary suppression) or ``"round"``.
    protection_width
        Narrowest interval a reader may be left with for a withheld count, given every
        relation a release exposes; None means the minimum cell count.
    """

    enabled: bool = True
    min_cell_count: int = 10
    zeros_disclosive: bool = True
    nk_n: int = 2
    nk_k: float = 0.9
    p_percent: float = 0.1
    min_residual_df: int = 10
    min_survival_at_risk: int = 10
    min_cases_for_median: int = 10
    rounding_base: int = 5
    method: str = "suppress"
    protection_width: int | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any] | Path | str | None = None, **overrides: Any
    ) -> Rules:
        """Read the rules from the settings file (or a mapping), then apply ``overrides``.

        Parameters
        ----------
        settings
            ``None`` reads ``config/settings.yaml``; a path reads that settings file; a
            mapping is either the whole settings (with a ``disclosure`` section) or the
            section itself. Keys absent from the section take the ACRO defaults.
        **overrides
            Field values that replace those read, e.g. ``min_cell_count=5``.

        Examples
        --------
        >>> Rules.from_settings({"min_cell_count": 5}).min_cell_count
        5
        """
        if settings is None or isinstance(settings, (str, Path)):
            path = Path(settings) if settings is not None else None
            section: Mapping[str, Any] = settings_module.section("disclosure", path)
        elif isinstance(settings.get("disclosure"), Mapping):
            section = settings["disclosure"]
        else:
            section = settings
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigError(
                f"settings disclosure: unknown key(s) {', '.join(unknown)}; "
                f"valid keys are {', '.join(sorted(known))}. Check the spelling."
            )
        values = {**dict(section), **overrides}
        rules = cls(**values)
        if not rules.enabled:
            logger.warning("disclosure control is disabled in the settings: outputs are unchecked")
        return rules

    def replace(self, **changes: Any) -> Rules:
        """A copy with some thresholds changed, e.g. ``rules.replace(method="round")``."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The thresholds as a plain dict (for the output log)."""
        return dataclasses.asdict(self)

    def count_fails(self, count: float) -> bool:
        """Whether a published count of this size would fail the minimum-count rule.

        >>> rules = Rules(zeros_disclosive=False)
        >>> [rules.count_fails(n) for n in (0, 9, 10)]
        [False, True, False]
        """
        if count == 0:
            return self.zeros_disclosive
        return count < self.min_cell_count

    def count_reason(self, count: float) -> str:
        """Why a count fails (empty when it passes)."""
        if count == 0:
            return "zero count (zeros are disclosive)" if self.zeros_disclosive else ""
        if count < self.min_cell_count:
            return f"count below {self.min_cell_count}"
        return ""

    @property
    def nk_k_exact(self) -> Fraction:
        """``nk_k`` as an exact fraction, so that a boundary like 90% compares exactly."""
        return Fraction(str(self.nk_k))

    @property
    def p_percent_exact(self) -> Fraction:
        """``p_percent`` as an exact fraction."""
        return Fraction(str(self.p_percent))


def _validate(rules: Rules) -> None:
    def fail(key: str, value: Any, what: str) -> None:
        raise ConfigError(
            f"settings disclosure.{key} = {value!r}: {what}. Fix config/settings.yaml."
        )

    if not isinstance(rules.enabled, bool):
        fail("enabled", rules.enabled, "must be true or false")
    if not isinstance(rules.zeros_disclosive, bool):
        fail("zeros_disclosive", rules.zeros_disclosive, "must be true or false")
    for key in (
        "min_cell_count",
        "nk_n",
        "min_residual_df",
        "min_survival_at_risk",
        "min_cases_for_median",
        "rounding_base",
    ):
        value = getattr(rules, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(key, value, "must be a whole number of at least 1")
    for key in ("nk_k", "p_percent"):
        value = getattr(rules, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            fail(key, value, "must be a fraction between 0 and 1 (e.g. 0.9 for 90%)")
    width = rules.protection_width
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        fail("protection_width", width, "must be a whole number of at least 1 (or left out)")
    if rules.method not in METHODS:
        fail("method", rules.method, f"must be one of {', '.join(METHODS)}")


def resolve(rules: Rules | None) -> Rules:
    """The rules to apply: those given, else those in the settings file."""
    return rules if rules is not None else Rules.from_settings()
