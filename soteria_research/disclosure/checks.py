"""Checks on analytical outputs: models, medians and percentiles, summary tables.

* A model may be published only with at least ``min_residual_df`` residual degrees of
  freedom (ACRO's ``safe_dof_threshold``; exactly the threshold passes).
* A median or percentile needs at least ``min_cases_for_median`` cases behind it and must
  not come from values that are all the same (then it would give every case's value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import PRIMARY, Protected
from soteria_research.errors import DataError, DisclosureError


@dataclass(frozen=True)
class Check:
    """Result of checking one output: publish it only when ``passed``."""

    name: str
    kind: str
    passed: bool
    reasons: tuple[str, ...]
    log_entry: dict[str, Any]

    def __bool__(self) -> bool:
        return self.passed

    def require(self) -> None:
        """Raise :class:`DisclosureError` when the output may not be published."""
        if not self.passed:
            raise DisclosureError(
                f"{self.kind} {self.name!r} may not be published: {'; '.join(self.reasons)}."
            )


def check_regression(result: Any, rules: Rules | None = None, *, name: str = "regression") -> Check:
    """Check a fitted model's residual degrees of freedom.

    Parameters
    ----------
    result
        A statsmodels results object (anything with ``df_resid``), or the number itself.
    rules
        Thresholds; the settings file by default.
    name
        Name of the output for the log.

    Examples
    --------
    >>> check_regression(9, Rules()).passed, check_regression(10, Rules()).passed
    (False, True)
    """
    rules = resolve(rules)
    dof = getattr(result, "df_resid", result)
    try:
        dof = float(dof)
    except (TypeError, ValueError):
        raise DataError(
            f"{name}: cannot read residual degrees of freedom from {type(result).__name__}; "
            "give a fitted statsmodels result or the number."
        ) from None
    passed = not rules.enabled or dof >= rules.min_residual_df
    reasons = () if passed else (f"residual degrees of freedom {dof:g} < {rules.min_residual_df}",)
    entry = make_entry(
        name,
        "regression",
        _status(rules, passed),
        rules,
        thresholds=("min_residual_df",),
        rules_applied=[f"at least {rules.min_residual_df} residual degrees of freedom"],
        summary="; ".join(reasons) or f"residual degrees of freedom {dof:g}",
        residual_df=dof,
    )
    return Check(name, "regression", passed, reasons, entry)


def _status(rules: Rules, passed: bool) -> str:
    if not rules.enabled:
        return "unchecked"
    return "pass" if passed else "withheld"


def median_failure(values: Any, rules: Rules) -> str:
    """Why a median or percentile of these values may not be published (empty if it may)."""
    series = pd.Series(values, dtype="Float64").dropna()
    if len(series) < rules.min_cases_for_median:
        return f"fewer than {rules.min_cases_for_median} cases"
    if series.nunique() == 1:
        return "all values are the same"
    return ""


@dataclass(frozen=True)
class Statistic:
    """A protected statistic: ``value`` is ``None`` (or all ``NA``) when withheld."""

    name: str
    value: Any
    n: int
    suppressed: bool
    reason: str
    log_entry: dict[str, Any]


def protect_percentiles(
    values: Any,
    q: Sequence[float] = (0.5,),
    rules: Rules | None = None,
    *,
    name: str = "percentiles",
) -> Statistic:
    """Percentiles (``q`` in 0-1) of ``values``, withheld when too few cases stand behind.

    Returns a :class:`Statistic` whose ``value`` is a Series indexed by ``q``.
    """
    rules = resolve(rules)
    series = pd.Series(values, dtype="Float64").dropna()
    reason = median_failure(series, rules) if rules.enabled else ""
    result = series.astype(float).quantile(list(q)) if len(series) else pd.Series(np.nan, q)
    result = result.astype("Float64")
    if reason:
        result[:] = pd.NA
    entry = make_entry(
        name,
        "statistic",
        _status(rules, not reason),
        rules,
        thresholds=("min_cases_for_median",),
        rules_applied=[
            f"at least {rules.min_cases_for_median} cases",
            "values not all the same",
        ],
        summary=reason or "enough cases",
    )
    return Statistic(name, result, len(series), bool(reason), reason, entry)


def protect_median(values: Any, rules: Rules | None = None, *, name: str = "median") -> Statistic:
    """The median of ``values``, or ``None`` when fewer than the minimum cases stand behind it.

    Examples
    --------
    >>> protect_median(range(9), Rules()).value is None
    True
    >>> protect_median(range(10), Rules()).value
    4.5
    """
    stat = protect_percentiles(values, (0.5,), rules, name=name)
    value = stat.value.iloc[0]
    value = None if pd.isna(value) else float(value)
    return Statistic(name, value, stat.n, stat.suppressed, stat.reason, stat.log_entry)


def protect_statistics(
    frame: pd.DataFrame,
    value_cols: Sequence[str],
    n_col: str,
    rules: Rules | None = None,
    *,
    name: str = "statistics",
) -> Protected:
    """Hide statistics (medians, percentiles, means) whose case count ``n_col`` is too small.

    The case count itself is hidden when it fails the minimum-count rule. The result has
    ``suppressed`` and ``suppression_reason`` columns.
    """
    rules = resolve(rules)
    missing = [c for c in (*value_cols, n_col) if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: no column(s) {', '.join(missing)} in {list(frame.columns)}.")
    n = pd.to_numeric(frame[n_col], errors="coerce").to_numpy(float, na_value=np.nan)
    fails_n = np.array([rules.count_fails(x) if np.isfinite(x) else True for x in n])
    few = ~np.isfinite(n) | (n < rules.min_cases_for_median) | fails_n
    hide = few & rules.enabled
    out = frame.copy()
    for col in value_cols:
        vals = pd.to_numeric(out[col], errors="coerce").to_numpy(float, na_value=np.nan)
        out[col] = pd.array(np.where(hide, np.nan, vals), dtype="Float64")
    out[n_col] = pd.array(np.where(hide & fails_n, np.nan, n), dtype="Float64").astype("Int64")
    reason = f"fewer than {rules.min_cases_for_median} cases"
    out["suppressed"] = pd.array(hide, dtype="boolean")
    out["suppression_reason"] = pd.array(np.where(hide, reason, ""), dtype="string")
    mask = pd.DataFrame(
        {col: np.where(hide, PRIMARY, "") for col in value_cols}, index=frame.index
    ).astype("string")
    cells = [
        {"row": str(row), "column": str(col), "suppression": PRIMARY, "reason": reason}
        for (row, col), mark in mask.stack().items()
        if mark
    ]
    entry = make_entry(
        name,
        "statistic",
        "unchecked" if not rules.enabled else ("protected" if hide.any() else "pass"),
        rules,
        thresholds=("min_cases_for_median", "min_cell_count"),
        rules_applied=[f"at least {rules.min_cases_for_median} cases behind each statistic"],
        summary=f"{int(hide.sum())} of {len(frame)} rows withheld",
        cells=cells,
    )
    return Protected(name, out, mask, entry, rules.method)
