"""Figures of the measures: matplotlib figures returned, never shown or saved here.

Every function takes the frame a measure returns and a ``title`` that states the
finding (a chart's title says what it shows, not what it is). Outcome groups have one
colour *and* one hatch or marker across every chart (:data:`OUTCOME_STYLE`), so the
charts read in greyscale; axes are labelled with their units. Figures are built without
pyplot, so nothing is drawn on screen or kept in pyplot's figure list; a notebook shows
the returned figure as a cell's result.

Legends name things in words (the vocabulary's labels, never codes); limits differ by line
style and positions by marker and fill as well as colour; point labels are moved apart
(adjustText) so they do not overlap. Every figure carries an alternative text saying what
it shows (:func:`alt_text`), which the reports give the image.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, PercentFormatter

from soteria_research import formatting, reference
from soteria_research.reference import vocabulary as vocab

#: Okabe-Ito colours (safe for colour-blind readers) and greys.
_OI = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}

#: Outcome group -> (colour, hatch, marker, line style), the same in every chart.
OUTCOME_STYLE: dict[str, tuple[str, str, str, str]] = {
    "Charged/Summonsed": (_OI["blue"], "", "o", "-"),
    "Evidential difficulties (victim does not support action)": (_OI["red"], "//", "s", "--"),
    "Evidential difficulties (suspect identified; victim supports action)": (
        _OI["orange"],
        "\\\\",
        "^",
        "-.",
    ),
    "Investigation complete – no suspect identified": (_OI["sky"], "..", "D", ":"),
    "Not yet assigned an outcome": ("#BBBBBB", "xx", "x", (0, (1, 1))),
    "Out-of-court (formal)": (_OI["green"], "++", "P", (0, (5, 1))),
    "Out-of-court (informal)": (_OI["yellow"], "--", "v", (0, (3, 1, 1, 1))),
    "Prosecution prevented or not in the public interest": (_OI["purple"], "oo", "*", "-"),
    "Taken into consideration": ("#555555", "||", "h", "--"),
    "Responsibility for further investigation transferred to another body": (
        "#777777",
        "**",
        "<",
        "-.",
    ),
    "Further investigation to support formal action not in the public interest – police decision": (
        "#999999",
        "O",
        ">",
        ":",
    ),
    "Diversionary, educational or intervention activity": ("#333333", "...", "p", "-"),
    "Other outcomes": ("#666666", "x", "X", (0, (2, 2))),
}

#: Competing-risk cause -> outcome group whose style it takes.
CAUSE_GROUP = {
    "charge": "Charged/Summonsed",
    "victim_does_not_support": "Evidential difficulties (victim does not support action)",
    "victim_supports_difficulties": (
        "Evidential difficulties (suspect identified; victim supports action)"
    ),
    "no_suspect": "Investigation complete – no suspect identified",
    "other": "Other outcomes",
}
_SIGNAL = {"high": ("^", _OI["orange"]), "low": ("v", _OI["blue"])}
#: Competing-risk cause -> words for a legend.
CAUSE_WORDS = {
    "charge": "Charged",
    "victim_does_not_support": "Victim does not support action",
    "victim_supports_difficulties": "Evidential difficulties, victim supports",
    "no_suspect": "No suspect identified",
    "other": "Other outcomes",
}
#: Funnel position -> (marker, colour, filled): beyond 99.8% filled, beyond 95% hollow.
FUNNEL_MARKERS = {
    "within": ("o", "#BBBBBB", True),
    "above95": ("^", _OI["orange"], False),
    "below95": ("v", _OI["blue"], False),
    "above998": ("^", _OI["red"], True),
    "below998": ("v", _OI["purple"], True),
}
#: Odds-ratio ticks a log axis may label, so every tick in range carries its value.
_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20, 50, 100)


def alt_text(figure: Figure) -> str:
    """What ``figure`` shows, in a sentence or two, for an image's alternative text.

    Figures made here say what they show; any other figure is described from its titles
    and axis labels.
    """
    given = getattr(figure, "alt_text", "")
    if given:
        return given
    parts = []
    for ax in figure.axes:
        if ax.get_label() == "<colorbar>":
            continue
        words = [" ".join(ax.get_title().split()), ax.get_xlabel() and f"across: {ax.get_xlabel()}"]
        words.append(ax.get_ylabel() and f"up: {ax.get_ylabel()}")
        parts.append("; ".join(w for w in words if w))
    title = " ".join(figure._suptitle.get_text().split()) if figure._suptitle else ""
    return "Chart. " + ". ".join(p for p in [title, *parts] if p) + "."


def _describe(figure: Figure, text: str) -> Figure:
    figure.alt_text = text
    return figure


def fit_title(target: Figure | object, text: str, **kwargs: object) -> None:
    """``text`` as the title of the figure of ``target`` (a figure, or one of its axes),
    wrapped onto as many lines as it needs to fit the figure's width.

    Figures are saved at their own size (:func:`soteria_research.sections.display.figure_png`
    draws each once, with no second pass to crop it to what it holds). The constrained
    layout makes room for a title of several lines, but not for one wider than the figure,
    and an axes' title is centred on the axes, which long tick labels push off centre: a
    long finding would run past the image's edge and be cut. So the title is the
    figure's, centred on it, and wrapped to its width; the figure grows by the lines added.
    """
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    figure = target if isinstance(target, Figure) else target.get_figure()
    points = FontProperties(
        size=kwargs.get("fontsize", rcParams["figure.titlesize"])
    ).get_size_in_points()
    # characters of DejaVu Sans average under 0.6 em; leave a margin for the padding
    width = max(20, int(figure.get_figwidth() * 72 * 0.9 / (0.6 * points)))
    wrapped = textwrap.fill(" ".join(text.split()), width, break_on_hyphens=False)
    figure.suptitle(wrapped, **kwargs)
    # each line past the first makes the figure taller, so the data keep their room
    extra = wrapped.count("\n") * 1.2 * points / 72
    figure.set_figheight(figure.get_figheight() + extra)


def _legend_below(ax, handles=None, ncol: int = 3, **kwargs) -> None:
    """A legend under the axes, outside the data."""
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=ncol,
        fontsize=8,
        frameon=False,
        **kwargs,
    )


#: Steps adjustText takes to move labels apart. A fixed number, so a figure is the same
#: on any machine and in any run: by default it moves them for one second, which drew a
#: crowded funnel differently from one run to the next (and took the whole second).
SEPARATE_STEPS = 250


def _separate(ax, texts: list) -> None:
    """Move point labels apart so none overlaps another (adjustText), with a thin leader."""
    if len(texts) < 2:
        return
    from adjustText import adjust_text

    adjust_text(
        texts,
        ax=ax,
        iter_lim=SEPARATE_STEPS,
        arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5},
    )


def _figure(width: float = 8, height: float = 4.5) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _style(group: str) -> tuple[str, str, str, str]:
    return OUTCOME_STYLE.get(group, OUTCOME_STYLE["Other outcomes"])


def spc_chart(chart: pd.DataFrame, title: str, ylabel: str, percent: bool = False) -> Figure:
    """XmR chart of :func:`soteria_research.measures.spc.xmr`'s output.

    Points with a special-cause signal are drawn with a triangle (up: above the mean or
    rising; down: below or falling) as well as colour.
    """
    fig, ax = _figure()
    x = chart["point"]
    ax.plot(x, chart["value"], color="#444444", marker="o", markersize=4, lw=1, label="value")
    ax.plot(x, chart["mean"], color="black", lw=1, label="mean")
    for column, style in (("upper_limit", "--"), ("lower_limit", "--")):
        ax.plot(x, chart[column], color="black", ls=style, lw=1)
    for column in ("upper_2sigma", "lower_2sigma"):
        ax.plot(x, chart[column], color="#999999", ls=":", lw=0.8)
    for side, (marker, colour) in _SIGNAL.items():
        hit = chart["signals"].fillna("").str.contains(f":{side}")
        ax.scatter(
            x[hit],
            chart.loc[hit, "value"],
            marker=marker,
            s=60,
            color=colour,
            edgecolor="black",
            zorder=3,
            label=f"signal ({side})",
        )
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Month")
    ax.set_ylabel(ylabel)
    fit_title(ax, title)
    _legend_below(
        ax,
        [
            Line2D([], [], color="#444444", marker="o", markersize=4, lw=1, label="value"),
            Line2D([], [], color="black", label="mean"),
            Line2D([], [], color="black", ls="--", label="process limits (3 sigma)"),
            Line2D([], [], color="#999999", ls=":", label="two sigma"),
            Line2D([], [], marker="^", color=_OI["orange"], ls="", label="signal: high"),
            Line2D([], [], marker="v", color=_OI["blue"], ls="", label="signal: low"),
        ],
        ncol=6,
    )
    flagged = int(chart["signals"].fillna("").ne("").sum())
    return _describe(
        fig,
        f"{title}. XmR chart of {ylabel.lower()} over {len(chart)} points, with the mean and "
        f"process limits; {flagged} point{'s' if flagged != 1 else ''} with a special-cause "
        "signal.",
    )


def funnel_plot(
    units: pd.DataFrame,
    curve: pd.DataFrame,
    title: str,
    ylabel: str,
    label: str = "force",
    highlight: str | None = None,
) -> Figure:
    """Funnel plot of :func:`~soteria_research.measures.funnel.funnel_positions` units
    against :func:`~soteria_research.measures.funnel.funnel_curve` limits.

    Units outside the limits are labelled; ``highlight`` names one unit to mark.
    """
    fig, ax = _figure(8, 5)
    target = float(units["target"].iloc[0])
    ax.axhline(target, color="black", lw=1, label=f"national rate ({formatting.percent(target)})")
    for name, style, words in (("95", "--", "95% limits (dashed)"), ("998", "-", "99.8% limits")):
        if f"upper{name}" in curve:
            ax.plot(curve["n"], curve[f"upper{name}"], color="#555555", ls=style, lw=1, label=words)
            ax.plot(curve["n"], curve[f"lower{name}"], color="#555555", ls=style, lw=1)
    texts = []
    for position, (marker, colour, filled) in FUNNEL_MARKERS.items():
        part = units[units["position"] == position]
        if part.empty:
            continue
        ax.scatter(
            part["denominator"].astype(float),
            part["value"],
            marker=marker,
            s=45 if filled else 55,
            facecolor=colour if filled else "white",
            edgecolor="black" if filled else colour,
            linewidths=0.6 if filled else 1.6,
            label=f"{vocab.label('funnel_position', position)} ({len(part)})",
            zorder=3,
            clip_on=False,
        )
        if position != "within":
            texts += [
                ax.text(float(row["denominator"]), row["value"], str(row[label]), fontsize=7)
                for _, row in part.iterrows()
            ]
    if highlight is not None and highlight in set(units[label]):
        row = units[units[label] == highlight].iloc[0]
        ax.scatter(
            [float(row["denominator"])],
            [row["value"]],
            s=160,
            facecolor="none",
            edgecolor="black",
            lw=2,
            zorder=4,
            label=f"{highlight} (circled)",
            clip_on=False,
        )
    sizes = units["denominator"].astype(float)
    sizes = sizes[sizes > 0]
    if len(sizes):
        smallest = curve[curve["n"] >= sizes.min()].iloc[:1]
        top = max(units["value"].max(), *(smallest.filter(like="upper").max(axis=1).tolist()))
        ax.set_ylim(0, min(1.0, top * 1.15))
        right = max(sizes.max(), curve["n"].max()) * 1.02
        ax.set_xlim(-0.02 * right, right)  # a small force's marker stays clear of the axis
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 0 else ""))
    ax.set_xlabel("Crimes in the denominator (n)")
    ax.set_ylabel(ylabel)
    fit_title(ax, title)
    _legend_below(ax, ncol=3)
    _separate(ax, texts)
    placed = units["position"].value_counts()
    where = "; ".join(
        f"{int(placed[p])} {vocab.label('funnel_position', p).lower()}"
        for p in FUNNEL_MARKERS
        if p in placed.index
    )
    marked = f" {highlight} is circled." if highlight in set(units[label]) else ""
    return _describe(
        fig,
        f"{title}. Funnel plot of {len(units)} {label}s against the national rate of "
        f"{formatting.percent(target)}, with 95% and 99.8% limits: {where}.{marked}",
    )


def outcome_distribution_bar(
    distribution: pd.DataFrame, title: str, drop_empty: bool = True
) -> Figure:
    """Horizontal bars of :func:`~soteria_research.measures.outcomes.outcome_distribution`
    at group level, one panel per basis (cohort, activity), with interval whiskers.
    Groups with no crimes on any basis are left out unless ``drop_empty`` is False."""
    if drop_empty:
        used = distribution.groupby("outcome_group")["numerator"].sum()
        distribution = distribution[distribution["outcome_group"].isin(used[used > 0].index)]
    bases = list(dict.fromkeys(distribution["basis"]))
    fig = Figure(
        figsize=(9, 1.2 + 0.45 * distribution["outcome_group"].nunique()), layout="constrained"
    )
    axes = np.atleast_1d(fig.subplots(1, len(bases), sharey=True))
    groups = list(dict.fromkeys(distribution["outcome_group"]))
    for ax, basis in zip(axes, bases, strict=True):
        part = distribution[distribution["basis"] == basis].set_index("outcome_group")
        part = part.reindex(groups)
        y = np.arange(len(groups))
        for i, group in enumerate(groups):
            colour, hatch, _, _ = _style(group)
            value = part.loc[group, "value"]
            ax.barh(
                i,
                0 if pd.isna(value) else value,
                color=colour,
                hatch=hatch,
                edgecolor="black",
                lw=0.5,
            )
        err = np.vstack([part["value"] - part["ci_low"], part["ci_high"] - part["value"]])
        ax.errorbar(part["value"], y, xerr=np.nan_to_num(err), fmt="none", color="black", lw=1)
        ax.set_yticks(y, [textwrap.fill(g, 34) for g in groups], fontsize=7)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        denominator = part["denominator"].dropna()
        n = int(denominator.iloc[0]) if len(denominator) else 0
        ax.set_xlabel(
            f"Share of {'crimes recorded' if basis == 'cohort' else 'outcomes assigned'}"
            f" (%, n={n:,})"
        )
        ax.set_title(f"{vocab.label('basis', basis)} basis", fontsize=9)
    fit_title(fig, title)
    return _describe(
        fig,
        f"{title}. Horizontal bars with 95% intervals: the share of crimes in each of "
        f"{len(groups)} outcome groups, on the {' and '.join(bases)} basis.",
    )


def attrition_chart(table: pd.DataFrame, title: str) -> Figure:
    """Attrition funnel of :func:`~soteria_research.measures.attrition.attrition`: crimes
    reaching each stage, labelled with the count and the share of recorded crimes."""
    fig, ax = _figure(8, 3.5)
    table = table.sort_values("order")
    y = np.arange(len(table))
    shades = ["#DDDDDD", "#BBBBBB", "#999999", "#666666", _OI["blue"]]
    hatches = ["", "..", "//", "xx", ""]
    for i, (_, row) in enumerate(table.iterrows()):
        count = int(row["numerator"]) if pd.notna(row["numerator"]) else 0
        ax.barh(i, count, color=shades[i % 5], hatch=hatches[i % 5], edgecolor="black", lw=0.5)
        share = "" if pd.isna(row["value"]) else f" ({formatting.percent(row['value'])})"
        ax.annotate(
            f"{count:,}{share}",
            (count, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, table["stage_label"])
    ax.invert_yaxis()
    ax.set_xlabel("Crimes (n)")
    fit_title(ax, title)
    ax.margins(x=0.2)
    stages = ", ".join(
        f"{r.stage_label} {formatting.count(r.numerator)}" for r in table.itertuples()
    )
    return _describe(fig, f"{title}. Bars of crimes reaching each stage: {stages}.")


def incidence_chart(
    curve: pd.DataFrame,
    title: str,
    naive: pd.DataFrame | None = None,
    causes: Sequence[str] = ("charge",),
    max_days: float | None = None,
) -> Figure:
    """Cumulative incidence by days since recording (with interval bands).

    ``curve`` comes from :func:`~soteria_research.measures.survival.incidence_curve`;
    ``naive`` (optional) from ``cumulative_incidence``: its naive rate is drawn beside
    each curve as a dotted horizontal line.
    """
    fig, ax = _figure()
    last = 0.0
    for cause in causes:
        part = curve[curve["cause_id"] == cause]
        if max_days is not None:
            part = part[part["time"] <= max_days]
        colour, _, marker, style = _style(CAUSE_GROUP.get(cause, "Other outcomes"))
        name = CAUSE_WORDS.get(cause, vocab.label("measure", cause))
        last = max(last, float(part["time"].max()) if len(part) else 0.0)
        ax.step(
            part["time"],
            part["value"],
            where="post",
            color=colour,
            ls=style,
            lw=1.5,
            marker=marker,
            markersize=4,
            label=f"{name} (censoring-aware)",
        )
        ax.fill_between(
            part["time"], part["ci_low"], part["ci_high"], step="post", color=colour, alpha=0.2
        )
        if naive is not None:
            rate = naive.loc[naive["cause"] == cause, "naive_value"]
            if len(rate):
                ax.axhline(
                    float(rate.iloc[0]),
                    color=colour,
                    ls=":",
                    lw=1.2,
                    marker=marker,
                    markevery=[0],
                    label=f"{name} (naive rate so far)",
                )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    horizon = max(last, float(max_days or 0))
    ax.set_xlim(0, horizon * 1.03 if horizon else None)
    if max_days is not None and last < max_days:
        ax.axvspan(last, max_days, color="#EEEEEE", zorder=0, label="no estimate this far yet")
    ax.set_xlabel("Days since recording")
    ax.set_ylabel("Cumulative incidence (% of crimes recorded)")
    fit_title(ax, title)
    _legend_below(ax, ncol=2)
    words = ", ".join(CAUSE_WORDS.get(c, c) for c in causes)
    return _describe(
        fig,
        f"{title}. Step curves of the share of crimes with each outcome ({words}) by days "
        f"since recording, up to {formatting.days(horizon)}, with 95% bands"
        + (" and the naive rate so far as a dotted line." if naive is not None else "."),
    )


def time_to_event_chart(days: pd.DataFrame, title: str, event: str = "charge") -> Figure:
    """Histogram of :func:`~soteria_research.measures.timeliness.days_to_event` with the
    median marked."""
    fig, ax = _figure()
    values = days["days"].dropna().astype(float)
    values = values[values >= 0]
    if len(values):
        ax.hist(
            values,
            bins=min(40, max(5, len(values) // 5)),
            color=_OI["blue"],
            edgecolor="black",
            hatch="//",
            lw=0.5,
        )
        median = float(values.median())
        ax.axvline(median, color="black", ls="--", label=f"median {formatting.days(median)}")
        ax.legend(fontsize=8)
    ax.set_xlabel(f"Days from recording to {event.replace('_', ' ')}")
    ax.set_ylabel(f"Crimes (n={len(values):,})")
    fit_title(ax, title)
    return _describe(
        fig,
        f"{title}. Histogram of days from recording to {event.replace('_', ' ')} for "
        f"{formatting.count(len(values))} crimes, the median marked by a dashed line.",
    )


def forest_plot(table: pd.DataFrame, title: str) -> Figure:
    """Odds ratios with intervals (log scale) of
    :func:`~soteria_research.measures.model.charge_model` (intercept left out)."""
    rows = table[table["variable"] != "(intercept)"].reset_index(drop=True)
    fig, ax = _figure(8, 1 + 0.35 * max(len(rows), 1))
    y = np.arange(len(rows))
    ax.errorbar(
        rows["odds_ratio"],
        y,
        xerr=[rows["odds_ratio"] - rows["ci_low"], rows["ci_high"] - rows["odds_ratio"]],
        fmt="s",
        color="black",
        ecolor="#555555",
        capsize=2,
    )
    ax.axvline(1, color="black", ls="--", lw=1)
    labels = [
        f"{vocab.label('model_variable', r.variable)}: {r.level} (vs {r.reference})"
        for r in rows.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ends = pd.concat([rows["ci_low"], rows["ci_high"], pd.Series([1.0])]).astype(float)
    ends = ends[np.isfinite(ends) & (ends > 0)]
    low, high = float(ends.min()) / 1.15, float(ends.max()) * 1.15
    ax.set_xlim(low, high)
    ticks = [t for t in _RATIO_TICKS if low <= t <= high]
    if len(ticks) > 7:  # keep every tick readable: 1 and a spread either side
        ticks = sorted({1, *ticks[:: len(ticks) // 6 + 1]})
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Odds ratio of charge (log scale; 1 = no difference)")
    fit_title(ax, title)
    clear = int(((rows["ci_low"] > 1) | (rows["ci_high"] < 1)).sum())
    return _describe(
        fig,
        f"{title}. Odds ratios of charge with 95% intervals on a log scale for {len(rows)} "
        f"characteristics, against a dashed line at 1 (no difference); {clear} of them have "
        "an interval that excludes 1.",
    )


def _pillar_names() -> dict[str, str]:
    return vocab.labels("pillar")


def self_peer_chart(table: pd.DataFrame, title: str) -> Figure:
    """Self vs peer maturity per pillar of one force, from
    :func:`~soteria_research.measures.assessment.maturity` (pillar level)."""
    fig, ax = _figure(8, 4)
    slugs = [s for s in reference.pillar_slugs() if s in set(table["pillar"])]
    x = np.arange(len(slugs))
    low, high = float(table["scale_min"].min()), float(table["scale_max"].max())
    for offset, rater, colour, hatch, words in (
        (-0.2, "self", _OI["blue"], "", "self-assessed"),
        (0.2, "peer", "#BBBBBB", "//", "peer-reviewed"),
    ):
        part = table[table["rater"] == rater].set_index("pillar").reindex(slugs)
        ax.bar(  # from zero, so the lowest rating still draws a bar
            x + offset,
            part["value"].fillna(0),
            width=0.4,
            color=colour,
            hatch=hatch,
            edgecolor="black",
            lw=0.5,
            label=words,
        )
        err = np.vstack([part["value"] - part["ci_low"], part["ci_high"] - part["value"]])
        ax.errorbar(
            x + offset, part["value"], yerr=np.nan_to_num(err), fmt="none", color="black", lw=1
        )
    names = _pillar_names()
    ax.set_xticks(x, [textwrap.fill(names.get(s, s), 22) for s in slugs], fontsize=7)
    ax.set_ylim(0, high + 0.2)
    ax.set_yticks(np.arange(0, high + 1))
    ax.axhline(low, color="#777777", lw=0.6, ls=":")
    ax.set_ylabel(f"Mean rating (scale {low:g}-{high:g})")
    fit_title(ax, title)
    _legend_below(ax, ncol=2, title="Rating (lines: 95% interval)", title_fontsize=8)
    return _describe(
        fig,
        f"{title}. Paired bars of the mean self-assessed and peer-reviewed maturity rating "
        f"(scale {low:g} to {high:g}) for {len(slugs)} pillars, with 95% intervals.",
    )


def maturity_heatmap(table: pd.DataFrame, title: str, rater: str = "self") -> Figure:
    """Forces by pillars: mean maturity from
    :func:`~soteria_research.measures.assessment.maturity`, each cell annotated with its
    value so the map reads in greyscale."""
    part = table[table["rater"] == rater]
    grid = part.pivot_table(index="force", columns="pillar", values="value", aggfunc="first")
    slugs = [s for s in reference.pillar_slugs() if s in grid.columns]
    grid = grid.reindex(columns=slugs)
    fig, ax = _figure(9, 2.2 + 0.3 * len(grid))
    low, high = float(table["scale_min"].min()), float(table["scale_max"].max())
    image = ax.imshow(
        grid.to_numpy(dtype=float), cmap="cividis", vmin=low, vmax=high, aspect="auto"
    )
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        text = formatting.rating(value)
        shade = "white" if not np.isnan(value) and value < (low + high) / 2 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=shade)
    names = _pillar_names()
    ax.set_xticks(
        range(len(slugs)),
        [textwrap.fill(names.get(s, s), 20) for s in slugs],
        fontsize=7,
    )
    ax.set_yticks(range(len(grid)), grid.index, fontsize=8)
    ax.set_xlabel("Pillar")
    ax.set_ylabel("Force")
    fig.colorbar(image, ax=ax, label=f"Mean {rater} rating\n(scale {low:g}-{high:g})")
    fit_title(ax, title)
    return _describe(
        fig,
        f"{title}. Grid of {len(grid)} forces by {len(slugs)} pillars, each cell the mean "
        f"{rater} rating (scale {low:g} to {high:g}) written in it; a dash where not rated.",
    )


def outcome_legend() -> list[Patch]:
    """Legend handles of the outcome-group palette (colour and hatch)."""
    return [
        Patch(facecolor=c, hatch=h, edgecolor="black", label=g)
        for g, (c, h, _, _) in OUTCOME_STYLE.items()
    ]
