"""Figures of the improvement loop: key measures by quarter with the actions marked.

Built like :mod:`soteria_research.plots` (no pyplot; the figure is returned, never shown
or saved here): an XmR chart of a share by quarter, with a dotted vertical line and the
action's ID at the quarter each linked action started, so a reader sees whether a change
in the measure came before or after the action.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from soteria_research.plots import fit_title

_ACTION = "#0072B2"
_WITHHELD = "#D55E00"
_SIGNAL = {"high": ("^", "#E69F00"), "low": ("v", "#0072B2")}


def key_measure_chart(
    chart: pd.DataFrame,
    starts: Sequence[tuple[object, str]],
    title: str,
    ylabel: str,
) -> Figure:
    """XmR chart of a share by quarter (:func:`~soteria_research.measures.spc.xmr`, with
    quarter starts as points and values as proportions) marked with action starts.

    Parameters
    ----------
    chart : pandas.DataFrame
        The XmR chart: point (quarter start), value, mean, limits, signals.
    starts : sequence of (date, label)
        Start date and ID of each action linked to the measure.
    title, ylabel : str
    """
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    x = pd.to_datetime(chart["point"])
    ax.plot(x, chart["value"], color="#444444", marker="o", markersize=4, lw=1)
    ax.plot(x, chart["mean"], color="black", lw=1)
    for column in ("upper_limit", "lower_limit"):
        ax.plot(x, chart[column], color="black", ls="--", lw=1)
    for side, (marker, colour) in _SIGNAL.items():
        hit = chart["signals"].fillna("").str.contains(f":{side}").to_numpy()
        ax.scatter(x[hit], chart.loc[hit, "value"], marker=marker, s=60, color=colour,
                   edgecolor="black", zorder=3)  # fmt: skip
    top = float(chart[["value", "upper_limit"]].max().max())
    shown = [(pd.Timestamp(d), label) for d, label in starts if x.min() <= pd.Timestamp(d)]
    for day, label in shown:
        ax.axvline(day, color=_ACTION, ls=":", lw=1.2)
        ax.annotate(label, (day, top), rotation=90, fontsize=7, color=_ACTION,
                    ha="right", va="top")  # fmt: skip
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Quarter of recording")
    ax.set_ylabel(ylabel)
    fit_title(ax, title)
    ax.legend(
        handles=[
            Line2D([], [], color="black", label="mean"),
            Line2D([], [], color="black", ls="--", label="process limits"),
            Line2D([], [], marker="^", color=_SIGNAL["high"][1], ls="", label="signal: high"),
            Line2D([], [], marker="v", color=_SIGNAL["low"][1], ls="", label="signal: low"),
            Line2D([], [], color=_ACTION, ls=":", label="linked action started"),
        ],
        loc="best",
        fontsize=8,
    )
    return fig


def event_study_chart(
    events: pd.DataFrame, title: str, label: str, withheld: Sequence[str] = ()
) -> Figure:
    """Effects by quarters since joining with their intervals (points, percentage points).

    ``events`` is indexed by event-time label (``"-2"``, ``"+0"``...) with ``estimate``,
    ``ci_low`` and ``ci_high`` in percentage points: the published estimates only.
    ``withheld`` names the event times whose estimate disclosure control withheld; each
    is marked on the chart by the word "withheld" at its place (not left as a gap a reader
    could take for no estimate), and the title says how many.
    """
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    x = [int(str(i)) for i in events.index]
    est = events["estimate"].astype(float).to_numpy()
    low = events["ci_low"].astype(float).to_numpy()
    high = events["ci_high"].astype(float).to_numpy()
    ax.errorbar(x, est, yerr=[est - low, high - est], fmt="o", color="black",
                ecolor="#555555", capsize=3, label="estimate and 95% interval")  # fmt: skip
    ax.axhline(0, color="black", lw=1)
    ax.axvline(-0.5, color=_ACTION, ls=":", lw=1.2, label="joined the programme")
    hidden = [int(str(w)) for w in withheld]
    for position in hidden:
        ax.annotate("withheld", (position, 0), rotation=90, fontsize=8, color=_WITHHELD,
                    ha="center", va="bottom", xytext=(0, 4), textcoords="offset points")  # fmt: skip
    if hidden:
        ax.set_xlim(min(x + hidden) - 0.8, max(x + hidden) + 0.8)
        title += f" ({len(hidden)} withheld by disclosure control, marked)"
    ax.set_xlabel("Quarters since joining (negative: before)")
    ax.set_ylabel(f"Change in {label.lower()} (percentage points)")
    fit_title(ax, title)
    ax.legend(loc="best", fontsize=8)
    fig.alt_text = (
        f"Chart. {title}: {len(x)} published estimate(s) with their 95% intervals, by "
        "quarters since joining"
        + (
            f"; withheld (marked in words): {', '.join(f'{h:+d}' for h in hidden)}."
            if hidden
            else "."
        )
    )
    return fig
