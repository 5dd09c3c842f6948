"""Survival tables and curves (time to charge, time to outcome...).

A Kaplan-Meier table has one row per time with the number at risk, the events and often
the censored; each step of the curve is ``events / at risk`` at that time, so a step of
one event is one case. A table or curve may be published when every row has at least
``min_survival_at_risk`` at risk, and events (and censored, where given) that are zero or
at least that many. :func:`protect_survival` makes a table publishable by merging steps
until each carries enough events (and censored), and by ending the curve where fewer than
the threshold remain at risk. Give ``times`` (e.g. every 30 days) to publish on a fixed
grid instead of at the times of individual events.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from soteria_research.disclosure.checks import Check, _status
from soteria_research.disclosure.outputlog import make_entry
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.disclosure.suppression import Protected
from soteria_research.errors import DataError

ALIASES = {
    "time": ("time", "timeline", "surv_times", "days", "t"),
    "at_risk": ("at_risk", "n_risk", "num_at_risk", "n_at_risk", "risk"),
    "events": ("events", "n_events", "n_event", "num_events", "observed", "event"),
    "censored": ("censored", "n_censored", "num_censored", "censor"),
    "survival": ("survival", "surv_prob", "estimate", "km_estimate", "survival_function"),
}


def survival_columns(table: pd.DataFrame, required: Sequence[str] = ()) -> dict[str, str]:
    """Map the roles (time, at_risk, events, censored, survival) to the table's columns."""
    found = {}
    for role, names in ALIASES.items():
        match = next((c for c in table.columns if str(c).lower() in names), None)
        if match is not None:
            found[role] = match
    missing = [role for role in required if role not in found]
    if missing:
        raise DataError(
            f"survival table: no column for {', '.join(missing)} "
            f"(accepted names: {', '.join(ALIASES[missing[0]])}); columns: {list(table.columns)}."
        )
    return found


def check_survival(
    table: pd.DataFrame, rules: Rules | None = None, *, name: str = "survival table"
) -> Check:
    """Check every row of a survival table (or the table behind a curve).

    Examples
    --------
    >>> t = pd.DataFrame({"time": [1, 2], "at_risk": [40, 30], "events": [10, 9]})
    >>> check_survival(t, Rules()).reasons
    ('1 row(s) with 1-9 events (first at time 2)',)
    """
    rules = resolve(rules)
    cols = survival_columns(table, ("at_risk", "events"))
    limit = rules.min_survival_at_risk
    reasons = []
    for role, what in (("at_risk", "at risk"), ("events", "events"), ("censored", "censored")):
        if role not in cols:
            continue
        values = pd.to_numeric(table[cols[role]], errors="coerce").to_numpy(float)
        bad = values < limit if role == "at_risk" else (values > 0) & (values < limit)
        bad |= np.isnan(values)
        if bad.any():
            first = table[cols["time"]].iloc[int(np.argmax(bad))] if "time" in cols else ""
            label = f"fewer than {limit} {what}" if role == "at_risk" else f"1-{limit - 1} {what}"
            reasons.append(f"{int(bad.sum())} row(s) with {label} (first at time {first})")
    passed = not rules.enabled or not reasons
    entry = make_entry(
        name,
        "survival table",
        _status(rules, passed),
        rules,
        thresholds=("min_survival_at_risk",),
        rules_applied=[f"at least {limit} at risk; events and censored 0 or at least {limit}"],
        summary="; ".join(reasons) or "every row passes",
    )
    return Check(name, "survival table", passed, tuple(reasons) if rules.enabled else (), entry)


def _on_grid(rows: pd.DataFrame, cols: dict[str, str], times: Sequence[float]) -> pd.DataFrame:
    """Aggregate raw rows into the intervals ending at each grid time."""
    t = rows[cols["time"]].to_numpy(float)
    out = []
    previous = -np.inf
    for g in sorted(times):
        inside = (t > previous) & (t <= g)
        later = t > previous
        if not later.any():
            break
        record = {cols["time"]: g, cols["at_risk"]: rows[cols["at_risk"]][later].iloc[0]}
        for role in ("events", "censored"):
            if role in cols:
                record[cols[role]] = rows[cols[role]][inside].sum()
        if "survival" in cols:
            upto = t <= g
            record[cols["survival"]] = rows[cols["survival"]][upto].iloc[-1] if upto.any() else 1.0
        out.append(record)
        previous = g
    return pd.DataFrame(out, columns=list(rows.columns))


def _coarsen(rows: pd.DataFrame, cols: dict[str, str], limit: int) -> pd.DataFrame:
    """Merge consecutive rows until each has enough events (and censored)."""
    kept = []
    start_risk = None
    events = censored = 0.0
    for _, row in rows.iterrows():
        if start_risk is None:
            start_risk = row[cols["at_risk"]]
            if start_risk < limit:
                break
        events += row[cols["events"]]
        censored += row[cols["censored"]] if "censored" in cols else 0.0
        if events >= limit and (censored == 0 or censored >= limit):
            record = row.copy()
            record[cols["at_risk"]] = start_risk
            record[cols["events"]] = events
            if "censored" in cols:
                record[cols["censored"]] = censored
            kept.append(record)
            start_risk, events, censored = None, 0.0, 0.0
    return pd.DataFrame(kept, columns=rows.columns)


def protect_survival(
    table: pd.DataFrame,
    rules: Rules | None = None,
    *,
    name: str = "survival table",
    by: Sequence[str] = (),
    times: Sequence[float] | None = None,
) -> Protected:
    """Make a survival table publishable: merge small steps, end where few remain at risk.

    Parameters
    ----------
    table
        One row per time (per group), with time, at risk, events, optionally censored and
        the survival estimate (column names as in :data:`ALIASES`).
    rules
        Thresholds; the settings file by default.
    name
        Name of the output for the log.
    by
        Group columns (one curve per group).
    times
        Publish at these times (e.g. ``range(0, 721, 30)``) instead of at event times.

    Returns
    -------
    Protected
        ``table`` is the coarsened table: each row is an interval ending at its time, with
        the number at risk at its start, its events (and censored) and the survival at
        its end. Plot the curve from it as steps.
    """
    rules = resolve(rules)
    cols = survival_columns(table, ("time", "at_risk", "events"))
    groups = table.groupby(list(by), sort=False) if by else [((), table)]
    parts = []
    for key, rows in groups:
        rows = rows.sort_values(cols["time"])
        if times is not None:
            rows = _on_grid(rows, cols, times)
            for column, value in zip(by, key, strict=True):
                rows[column] = value
        parts.append(_coarsen(rows, cols, rules.min_survival_at_risk) if rules.enabled else rows)
    out = pd.concat(parts, ignore_index=True) if parts else table.iloc[0:0]
    mask = pd.DataFrame("", index=out.index, columns=out.columns, dtype="string")
    entry = make_entry(
        name,
        "survival table",
        "unchecked" if not rules.enabled else ("protected" if len(out) < len(table) else "pass"),
        rules,
        thresholds=("min_survival_at_risk",),
        rules_applied=[
            f"steps merged until each has at least {rules.min_survival_at_risk} events",
            f"curve ends where fewer than {rules.min_survival_at_risk} remain at risk",
        ],
        summary=f"{len(table)} rows published as {len(out)} intervals",
        grid=times is not None,
    )
    return Protected(name, out, mask, entry, "suppress")
