"""Data quality, control charts and the improvement plan, recomputed independently.

Only pandas, numpy, scipy and statsmodels: nothing here imports ``soteria_research``.

* Data quality: every row of the raw extract is clean, quarantined (with its reason) or
  a removed duplicate; the date-order flags are counted on the clean crimes.
* XmR charts as the package documents them (``measures/spc.py``; NHS "Making Data
  Count"): centre line the mean, limits ``mean +/- 2.66 mean(moving range)``; rules: a
  point outside the limits, 7 or more points on one side of the mean (a point on the mean
  ends a run), 7 or more points each higher (lower) than the one before (a repeat ends a
  trend), two of three consecutive points beyond two sigma on the same side.
* The improvement plan: actions by pillar and status, open actions past their due date at
  the extraction date, and each linked measure pooled over up to ``plan_window_quarters``
  quarters before and after the action's start quarter, with Newcombe's hybrid score
  interval of the difference (statsmodels ``confint_proportions_2indep``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

CONF = 0.95
RULES = ("outside_limits", "run", "trend", "two_of_three")
STATUSES = ("planned", "in progress", "done", "stopped")
OPEN = ("planned", "in progress")


# -- data quality --------------------------------------------------------------------------
def raw_rows(path: Path) -> int:
    """Data rows of a raw extract (csv, any delimiter the sniffer finds)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    dialect = csv.Sniffer().sniff(text[:5000], delimiters=",;|\t")
    rows = [r for r in csv.reader(text.splitlines(), dialect) if any(c.strip() for c in r)]
    return len(rows) - 1


def quality_rows(folder: Path, raw: list[Path], cases: pd.DataFrame) -> dict[str, float]:
    """The data-quality rows table: row counts (over every raw extract file), quarantine
    reasons, duplicates, date flags."""
    quarantine = pd.read_parquet(folder / "quarantine.parquet")
    duplicates = pd.read_parquet(folder / "duplicates.parquet")
    out = {
        "input rows": float(sum(raw_rows(path) for path in raw)),
        "clean": float(len(cases)),
        "quarantined": float(len(quarantine)),
        "duplicates": float(len(duplicates)),
    }
    reasons = quarantine["column"].astype(str) + ": " + quarantine["reason"].astype(str)
    out.update(reasons.value_counts().astype(float).to_dict())
    if len(duplicates):
        out["exact_duplicate"] = float(len(duplicates))
    out.update(date_flags(cases))
    return out


def date_flags(cases: pd.DataFrame) -> dict[str, float]:
    """Clean crimes whose dates are out of order (kept, counted)."""
    charged = cases["outcome_type"].eq(1).fillna(False)
    flags = {
        "charge_before_report": charged & cases["outcome_date"].lt(cases["reported_date"]),
        "outcome_before_recording": cases["outcome_date"].lt(cases["recorded_date"]),
        "reported_before_committed": cases["reported_date"].lt(cases["committed_date"]),
    }
    return {name: float(hit.fillna(False).sum()) for name, hit in flags.items()}


# -- control charts ------------------------------------------------------------------------
def xmr(values: list[float], run: int = 7, trend: int = 7) -> dict:
    """Limits and the (rule, side) flags of each point."""
    x = np.asarray(values, float)
    n = len(x)
    mean = x.mean()
    mr_bar = np.mean(np.abs(np.diff(x)))
    sigma = 2.66 / 3 * mr_bar  # the documented constant: 2.66 = 3 / 1.128, rounded
    upper, lower = mean + 3 * sigma, mean - 3 * sigma
    flags: list[set] = [set() for _ in range(n)]
    for i, v in enumerate(x):
        if v > upper:
            flags[i].add(("outside_limits", "high"))
        elif v < lower:
            flags[i].add(("outside_limits", "low"))
    side = np.sign(x - mean)
    i = 0
    while i < n:  # runs on one side of the mean
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        if side[i] != 0 and j - i + 1 >= run:
            for k in range(i, j + 1):
                flags[k].add(("run", "high" if side[i] > 0 else "low"))
        i = j + 1
    for k in range(n):  # trends: points each higher (lower) than the one before
        for direction, label in ((1, "high"), (-1, "low")):
            length = 1
            start = k
            while start > 0 and np.sign(x[start] - x[start - 1]) == direction:
                start -= 1
            end = k
            while end + 1 < n and np.sign(x[end + 1] - x[end]) == direction:
                end += 1
            length = end - start + 1
            if length >= trend:
                flags[k].add(("trend", label))
    two_up, two_down = mean + 2 * sigma, mean - 2 * sigma
    for k in range(n - 2):
        for beyond, label in ((x > two_up, "high"), (x < two_down, "low")):
            window = beyond[k : k + 3]
            if window.sum() >= 2:
                for m in range(k, k + 3):
                    if beyond[m]:
                        flags[m].add(("two_of_three", label))
    return {"mean": mean, "mr_bar": mr_bar, "upper": upper, "lower": lower, "flags": flags}


def summary(chart: dict, inside: list[bool] | None = None) -> str:
    """``rule:side; ...`` in the documented order among the points ``inside``, or none."""
    found = set()
    for k, point in enumerate(chart["flags"]):
        if inside is None or inside[k]:
            found |= point
    ordered = [f"{r}:{s}" for r in RULES for s in ("high", "low") if (r, s) in found]
    return "; ".join(ordered) if ordered else "none"


def last_whole_month(cases: pd.DataFrame) -> pd.Timestamp:
    extraction = pd.Timestamp(cases["extraction_date"].min())
    following = extraction + pd.Timedelta(days=1)
    return (following.to_period("M") - 1).start_time


def monthly_counts(cases: pd.DataFrame) -> pd.Series:
    """Crimes recorded per month, gaps zero, up to the last whole month."""
    month = cases["recorded_date"].dt.to_period("M")
    counts = month.value_counts()
    stop = min(last_whole_month(cases).to_period("M"), counts.index.max())
    grid = pd.period_range(counts.index.min(), stop, freq="M")
    return counts.reindex(grid, fill_value=0).sort_index()


def quarterly_counts(cases: pd.DataFrame) -> pd.Series:
    quarter = cases["recorded_date"].dt.to_period("Q")
    counts = quarter.value_counts()
    grid = pd.period_range(counts.index.min(), counts.index.max(), freq="Q")
    return counts.reindex(grid, fill_value=0).sort_index()


def monthly_charge_share(cases: pd.DataFrame) -> pd.Series:
    """Outcomes assigned per month that are charges, over all outcomes assigned."""
    done = cases[cases["outcome_type"].ne(0).fillna(False) & cases["outcome_date"].notna()]
    month = done["outcome_date"].dt.to_period("M")
    frame = pd.DataFrame({"m": month, "hit": done["outcome_type"].eq(1).astype(int)})
    counts = frame.groupby("m")["hit"].agg(["sum", "size"])
    stop = min(last_whole_month(cases).to_period("M"), counts.index.max())
    grid = pd.period_range(counts.index.min(), stop, freq="M")
    counts = counts.reindex(grid, fill_value=0)
    return (counts["sum"] / counts["size"].replace(0, np.nan)).dropna()


def signal_in_year(series: pd.Series, year: str) -> str:
    """The evidence base's ``spc_signal``: the rules triggered among the year's months."""
    chart = xmr(series.to_list())
    start = pd.Timestamp(int(year[:4]), 4, 1)
    end = pd.Timestamp(int(year[:4]) + 1, 3, 31)
    inside = [start <= p.start_time <= end for p in series.index]
    return summary(chart, inside)


# -- the improvement plan ------------------------------------------------------------------
def actions_by_status(plan: pd.DataFrame) -> dict[str, float]:
    out = {}
    for pillar, part in plan.groupby("pillar"):
        for status in STATUSES:
            out[f"{pillar}: {status}"] = float((part["status"] == status).sum())
        out[f"{pillar}: all actions"] = float(len(part))
    return out


def overdue(plan: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, float]:
    late = plan[plan["status"].isin(OPEN) & (plan["due_date"] < as_of)]
    return {str(r.action_id): float((as_of - r.due_date).days) for r in late.itertuples()}


def followed_quarters(cases: pd.DataFrame, follow_up: int) -> set[str]:
    """Quarters whose every crime has had ``follow_up`` days by the extraction date."""
    extraction = pd.Timestamp(cases["extraction_date"].max())
    quarter = cases["recorded_date"].dt.to_period("Q")
    last = cases.groupby(quarter)["recorded_date"].max()
    return {str(q) for q, day in last.items() if day + pd.Timedelta(days=follow_up) <= extraction}


def linked_change(
    plan: pd.DataFrame, quarters: dict, followed: set[str], window: int
) -> dict[str, dict]:
    """``<action>: <measure>`` -> pooled before/after counts, shares (%) and the change."""
    out = {}
    available = sorted({q for q, _ in quarters})
    for action in plan.itertuples(index=False):
        start = pd.Timestamp(action.start_date).to_period("Q")
        for measure in filter(None, str(action.linked_measures).split("|")):
            usable = [
                q
                for q in available
                if quarters[(q, "recorded")] > 0
                and (measure == "isva_share" or q in followed)
                and (q, measure) in quarters
            ]
            period = {q: pd.Period(q, freq="Q") for q in usable}
            before = [q for q in usable if start - window <= period[q] < start]
            after = [q for q in usable if start < period[q] <= start + window]
            if not before or not after:
                continue
            row = {}
            for side, chosen in (("before", before), ("after", after)):
                row[f"{side} numerator"] = sum(quarters[(q, measure)] for q in chosen)
                row[f"{side} denominator"] = sum(quarters[(q, "recorded")] for q in chosen)
                row[f"{side} value"] = 100 * row[f"{side} numerator"] / row[f"{side} denominator"]
            low, high = confint_proportions_2indep(
                row["after numerator"], row["after denominator"],
                row["before numerator"], row["before denominator"],
                method="newcomb", alpha=1 - CONF,
            )  # fmt: skip
            row["change"] = row["after value"] - row["before value"]
            row["ci_low"], row["ci_high"] = 100 * low, 100 * high
            out[f"{action.action_id}: {measure}"] = row
    return out


# -- self-assessment rounds ----------------------------------------------------------------
def round_key(label: str) -> tuple:
    import re

    return tuple(int(part) for part in re.findall(r"\d+", str(label)))


def paired_change(before: np.ndarray, after: np.ndarray) -> dict[str, float]:
    """Mean of ``after - before`` with its paired t interval (degenerate when every change
    is the same) and the Wilcoxon signed-rank p (NaN when nothing changed)."""
    from scipy import stats

    diff = after - before
    n = len(diff)
    out = {"mean_from": before.mean(), "mean_to": after.mean(), "value": diff.mean(),
           "pairs": float(n), "improved": float((diff > 0).sum()),
           "worsened": float((diff < 0).sum())}  # fmt: skip
    if np.all(diff == diff[0]):
        out.update(ci_low=diff[0], ci_high=diff[0])
    else:
        half = stats.t.ppf(0.5 + CONF / 2, n - 1) * diff.std(ddof=1) / np.sqrt(n)
        out.update(ci_low=diff.mean() - half, ci_high=diff.mean() + half)
    out["wilcoxon_p_value"] = stats.wilcoxon(diff).pvalue if np.any(diff != 0) else np.nan
    return out


def last_two_rounds(assessment: pd.DataFrame) -> tuple[str, str]:
    rounds = sorted(assessment["round"].astype(str).unique(), key=round_key)
    return rounds[-2], rounds[-1]


def force_round_change(assessment: pd.DataFrame) -> dict[str, dict]:
    """Pillar -> the paired change in self rating, question by question, between the
    force's last two rounds."""
    first, last = last_two_rounds(assessment)
    out = {}
    for pillar, part in assessment.groupby("pillar"):
        wide = part.pivot_table("self_rating", "question_id", "round", aggfunc="first")
        pairs = wide[[first, last]].astype(float).dropna()
        out[str(pillar)] = paired_change(pairs[first].to_numpy(), pairs[last].to_numpy())
    return out


def national_round_change(assessments: pd.DataFrame, first: str, last: str) -> dict[str, dict]:
    """Pillar -> the paired change across forces of each force's mean self rating."""
    ratings = assessments.assign(r=assessments["self_rating"].astype("Float64").astype(float))
    means = ratings.groupby(["pillar", "force", "round"])["r"].mean().unstack("round")
    out = {}
    for pillar in sorted(set(ratings["pillar"].astype(str))):
        pairs = means.loc[pillar][[first, last]].dropna()
        out[pillar] = paired_change(pairs[first].to_numpy(), pairs[last].to_numpy())
    return out


# -- the programme's evaluation ------------------------------------------------------------
def joining_quarters(phases_csv: Path, forces: list[str]) -> dict[str, pd.Period]:
    """Each force's first programme start (the programme phases table), as a quarter."""
    phases = pd.read_csv(phases_csv)
    first = phases[phases["force"].isin(forces)].groupby("force")["start_date"].min()
    return {f: pd.Timestamp(d).to_period("Q") for f, d in first.items()}


def staggered(
    panels: dict[str, dict], measure: str, join: dict[str, pd.Period]
) -> tuple[dict, dict]:
    """Callaway and Sant'Anna (2021) group-time effects, forces weighted equally, with the
    forces not yet joined at ``t`` (and at the base quarter) as controls; the base is the
    quarter before joining (before ``t`` for the placebo effects before joining).

    ``panels``: force -> {(quarter, "recorded" | measure): count}. Returns the event-time
    and the cohort aggregations, each ``label -> {estimate, numerator, denominator,
    forces}`` (cohort: the mean over its quarters since joining; event time: the mean over
    cohorts weighted by their forces), shares in percent."""
    share, count = {}, {}
    for force, cells in panels.items():
        for (quarter, name), n in cells.items():
            if name == "recorded" and n > 0:
                q = pd.Period(quarter, freq="Q")
                share[(force, q)] = 100 * cells[(quarter, measure)] / n
                count[(force, q)] = (cells[(quarter, measure)], n)
    quarters = sorted({q for _, q in share})
    effects = []
    for g in sorted(set(join.values())):
        cohort = [f for f in join if join[f] == g]
        for t in quarters:
            base = g - 1 if t >= g else t - 1
            if base not in quarters or t == base:
                continue
            controls = [f for f in join if join[f] > max(t, base) and join[f] != g]
            if not controls or not all((f, t) in share and (f, base) in share
                                       for f in cohort + controls):  # fmt: skip
                continue
            att = np.mean([share[(f, t)] - share[(f, base)] for f in cohort]) - np.mean(
                [share[(f, t)] - share[(f, base)] for f in controls]
            )
            effects.append((g, t, att, cohort))
    event: dict = {}
    for g, t, att, cohort in effects:
        row = event.setdefault((t - g).n, {"sum": 0.0, "weight": 0, "numerator": 0,
                                           "denominator": 0, "forces": set()})  # fmt: skip
        row["sum"] += att * len(cohort)
        row["weight"] += len(cohort)
        row["numerator"] += sum(count[(f, t)][0] for f in cohort)
        row["denominator"] += sum(count[(f, t)][1] for f in cohort)
        row["forces"] |= set(cohort)
    by_event = {
        (f"+{e}" if e >= 0 else str(e)): {"estimate": r["sum"] / r["weight"],
                                          "numerator": r["numerator"],
                                          "denominator": r["denominator"],
                                          "forces": len(r["forces"])}
        for e, r in event.items()
    }  # fmt: skip
    by_cohort = {}
    for g in sorted({g for g, *_ in effects}):
        after = [(t, att, cohort) for gg, t, att, cohort in effects if gg == g and t >= g]
        if after:
            cohort = after[0][2]
            by_cohort[g] = {
                "estimate": float(np.mean([att for _, att, _ in after])),
                "numerator": sum(count[(f, t)][0] for t, _, _ in after for f in cohort),
                "denominator": sum(count[(f, t)][1] for t, _, _ in after for f in cohort),
                "forces": len(cohort),
                "last": max(t for t, _, _ in after),
            }
    return by_event, by_cohort
