"""Evidence-base rows: each finding is checked against the counts behind it.

A findings frame has one row per finding. The columns the rules read are:

``numerator``, ``denominator``
    Counts behind a rate or proportion (either may be missing for a plain count).
``cases``
    Number of cases behind a statistic that is not a rate (a median, a percentile).
``value`` and interval columns (``ci_low``, ``ci_high``, any ``ci_*``, ``lower``, ``upper``)
    What is hidden when the counts fail.

A row whose numerator, complement (denominator - numerator) or denominator is small, or
whose cases are fewer than ``min_cases_for_median``, has its value, interval and counts
set to missing, its ``finding`` text replaced (``funnel_position`` and ``spc_signal``
cleared), ``suppressed`` set and a ``suppression_reason``, as the evidence schema
(``report.evidence_schema``) requires. With ``lines``,
rows that share those columns' values (e.g. every force for one measure and period) are
taken as the parts of a published total and protected against differencing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rates import SECONDARY_ROW_REASON, row_suppression, small_reason
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import round_to_base
from soteria_research.errors import DataError

NUMERATOR, DENOMINATOR, CASES = "numerator", "denominator", "cases"
LABEL_COLUMNS = ("measure", "force", "period", "pillar", "group", "category")
INTERVAL_NAMES = ("ci_low", "ci_high", "lower", "upper")

#: Text columns replaced on a withheld row: a finding in words would repeat its figures, and
#: a funnel position or SPC signal says where the hidden rate lies.
WITHHELD_TEXT = {
    "finding": "Withheld by disclosure control.",
    "funnel_position": None,
    "spc_signal": None,
}


def _counts(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (values < 0) | (np.isfinite(values) & (values != np.round(values)))
    if bad.any():
        row = frame.index[int(np.argmax(bad))]
        raise DataError(f"{name}, row {row!r}, column {column!r}: not a whole, non-negative count.")
    return values


def value_columns(frame: pd.DataFrame) -> list[str]:
    """The columns hidden with a failing finding: ``value`` and its interval."""
    return [
        c for c in frame.columns if c == "value" or str(c).startswith("ci_") or c in INTERVAL_NAMES
    ]


def protect_evidence(
    findings: pd.DataFrame,
    rules: Rules | None = None,
    *,
    lines: Sequence[str] | None = None,
    value_cols: Sequence[str] | None = None,
    name: str = "evidence base",
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Protect evidence-base findings row by row (and across ``lines`` groups).

    Parameters
    ----------
    findings
        One row per finding (columns described in the module docstring).
    rules
        Thresholds; the settings file by default. With ``method: round`` failing values
        are still hidden (an exact rate beside a rounded count would undo the rounding)
        and the published counts are rounded.
    lines
        Columns whose shared values mark rows adding up to a published total.
    value_cols
        Columns hidden with a failing row; ``value`` and interval columns by default.
    name
        Name of the output for the log.

    Returns
    -------
    (DataFrame, list of dict)
        The protected copy, with ``suppressed`` and ``suppression_reason``, and its log
        entries.
    """
    rules = resolve(rules)
    num = _counts(findings, NUMERATOR, name)
    den = _counts(findings, DENOMINATOR, name)
    cases = _counts(findings, CASES, name)
    both = np.isfinite(num) & np.isfinite(den)
    if (num[both] > den[both]).any():
        row = findings.index[int(np.argmax(both & (num > den)))]
        raise DataError(f"{name}, row {row!r}: numerator exceeds denominator.")
    n = len(findings)
    primary, hide = np.zeros(n, bool), np.zeros(n, bool)
    if rules.enabled:
        groups = [np.flatnonzero(both)]
        if lines:
            keyed = findings.loc[both, list(lines)].astype("string").fillna("")
            groups = [np.flatnonzero(both)[i] for i in keyed.groupby(list(lines)).indices.values()]
        for rows in (g for g in groups if len(g)):
            _, _, primary[rows], hide[rows] = row_suppression(
                num[rows], den[rows], rules, bool(lines)
            )
        fails = np.vectorize(rules.count_fails, otypes=[bool])
        alone = (np.isfinite(num) & ~both & fails(np.nan_to_num(num))) | (
            np.isfinite(den) & ~both & fails(np.nan_to_num(den))
        )
        few = np.isfinite(cases) & (
            (cases < rules.min_cases_for_median) | fails(np.nan_to_num(cases))
        )
        primary |= alone | few
        hide |= primary
    prior = (
        findings["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in findings.columns
        else np.zeros(n, bool)
    )
    gone = hide | prior
    out = findings.copy()
    rounding = rules.enabled and rules.method == "round"
    for column, values in ((NUMERATOR, num), (DENOMINATOR, den), (CASES, cases)):
        if column in out.columns:
            shown = round_to_base(values, rules.rounding_base) if rounding else values
            out[column] = pd.array(np.where(gone, np.nan, shown), dtype="Float64").astype("Int64")
    for column in value_cols if value_cols is not None else value_columns(findings):
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(float, na_value=np.nan)
        out[column] = pd.array(np.where(gone, np.nan, values), dtype="Float64")
    for column, text in WITHHELD_TEXT.items():
        if column in out.columns:
            out[column] = out[column].astype("string").mask(pd.Series(gone, out.index), text)
    earlier = out["suppression_reason"] if "suppression_reason" in out.columns else None
    reasons = np.where(primary, small_reason(rules), np.where(hide, SECONDARY_ROW_REASON, ""))
    if earlier is not None:
        reasons = np.where(reasons == "", earlier.fillna("").astype(str).to_numpy(), reasons)
    out["suppressed"] = pd.array(gone, dtype="boolean")
    out["suppression_reason"] = pd.array(reasons, dtype="string")
    return out, [_entry(name, findings, primary, hide, rules, lines)]


def _label(frame: pd.DataFrame, i: int) -> str:
    present = [c for c in LABEL_COLUMNS if c in frame.columns]
    if not present:
        return str(frame.index[i])
    return "; ".join(f"{c}={frame[c].iloc[i]}" for c in present)


def _entry(name, findings, primary, hide, rules: Rules, lines) -> dict[str, Any]:
    cells = [
        {
            "row": _label(findings, i),
            "column": "value",
            "suppression": "primary" if primary[i] else "secondary",
            "reason": small_reason(rules) if primary[i] else SECONDARY_ROW_REASON,
        }
        for i in np.flatnonzero(hide)
    ]
    applied = [
        f"minimum count {rules.min_cell_count} on numerator, denominator and their difference",
        f"at least {rules.min_cases_for_median} cases behind other statistics",
        "values and intervals hidden with their counts",
    ]
    if lines:
        applied.append(f"secondary suppression across rows sharing {', '.join(lines)}")
    if rules.enabled and rules.method == "round":
        applied.append(f"published counts rounded to base {rules.rounding_base}")
    status = "unchecked" if not rules.enabled else ("protected" if hide.any() else "pass")
    return make_entry(
        name,
        "evidence base",
        status,
        rules,
        thresholds=("min_cell_count", "zeros_disclosive", "min_cases_for_median", "method"),
        rules_applied=applied,
        summary=f"{int(hide.sum())} of {len(findings)} findings suppressed",
        cells=cells,
        rows=len(findings),
    )
