"""Figures: returned not shown, titled and labelled, one palette that reads in greyscale."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from soteria_research import plots, reference
from soteria_research.measures import (
    attrition,
    charge_model,
    funnel_curve,
    funnel_positions,
    incidence_curve,
    maturity,
    outcome_distribution,
    xmr,
)
from soteria_research.measures.survival import cumulative_incidence
from soteria_research.measures.timeliness import days_to_event

matplotlib.use("Agg")


def _cases(n: int = 600, seed: int = 2) -> pd.DataFrame:
    """Small canonical cases frame: random outcomes, recorded 2022/23 to 2023/24."""
    rng = np.random.default_rng(seed)
    recorded = pd.Timestamp("2022-04-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    types = rng.choice([0, 1, 14, 15, 16, 18, 20], n, p=[0.3, 0.1, 0.1, 0.2, 0.2, 0.05, 0.05])
    outcome = (recorded + pd.to_timedelta(rng.integers(0, 300, n), unit="D")).where(types != 0)
    groups = reference.outcomes().set_index("type")["group"]
    year = recorded.year - (recorded.month < 4)
    return pd.DataFrame(
        {
            "force": rng.choice(["Kent", "Essex", "Durham"], n),
            "crime_id": [f"c{i}" for i in range(n)],
            "suspect_id": np.where(types == 18, None, "s"),
            "financial_year": [f"{y}/{(y + 1) % 100:02d}" for y in year],
            "recorded_date": recorded,
            "reported_date": recorded,
            "committed_date": recorded - pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "relationship": rng.choice(["stranger", "intimate", "acquaintance"], n),
            "victim_age_band": rng.choice(["18-24", "25-34"], n),
            "offence_subgroup": "Rape",
            "arrested": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            "referred_to_cps": pd.array(rng.random(n) < 0.3, dtype="boolean"),
            "outcome_type": pd.array(types, dtype="Int64"),
            "outcome_group": types.astype(object),
            "outcome_date": outcome,
            "extraction_date": pd.Timestamp("2024-06-30"),
        }
    ).assign(outcome_group=lambda f: f["outcome_type"].map(groups))


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    return _cases()


@pytest.fixture(scope="module")
def assessment() -> pd.DataFrame:
    rows = [
        {
            "force": f,
            "round": "2023",
            "pillar": p,
            "theme_id": "T",
            "theme": "T",
            "self_rating": r,
            "peer_rating": max(r - 1, 1),
            "scale_min": 1,
            "scale_max": 4,
        }
        for f in ("Kent", "Essex")
        for p in reference.pillar_slugs()
        for r in (2, 3)
    ]
    frame = pd.DataFrame(rows)
    for column in ("self_rating", "peer_rating", "scale_min", "scale_max"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _check(fig: Figure, title: str) -> None:
    assert isinstance(fig, Figure)
    texts = [ax.get_title() for ax in fig.axes] + [
        fig._suptitle.get_text() if fig._suptitle else ""
    ]
    assert title in texts
    main = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_xlabel() or ax.get_ylabel() for ax in main)
    fig.canvas.draw()  # renders without error


def test_figures_are_returned_not_shown(cases) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.spc_chart(xmr([1.0, 2, 3, 2, 8]), "Charges rose in March", "Charges (n)")
    assert plt.get_fignums() == before


def test_spc_chart(cases) -> None:
    chart = xmr([5.0, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 20])
    fig = plots.spc_chart(chart, "One month above the upper limit", "Charges (n)")
    _check(fig, "One month above the upper limit")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Charges (n)"
    # the signal point is drawn with an up-triangle as well as in colour
    assert any(len(c.get_offsets()) == 1 for c in ax.collections)


def test_funnel_plot(cases) -> None:
    units = (
        cases.groupby("force")["outcome_type"]
        .agg(numerator=lambda s: int((s == 1).sum()), denominator="size")
        .reset_index()
    )
    placed = funnel_positions(units)
    curve = funnel_curve(placed["target"].iloc[0], units["denominator"].max() * 1.2)
    fig = plots.funnel_plot(
        placed, curve, "All three forces within the limits", "Charge rate (%)", highlight="Kent"
    )
    _check(fig, "All three forces within the limits")
    assert "denominator" in fig.axes[0].get_xlabel()


def test_outcome_distribution_bar_uses_the_palette(cases) -> None:
    dist = pd.concat(
        [
            outcome_distribution(cases, "2023/24", basis, level="group")
            for basis in ("cohort", "activity")
        ]
    )
    fig = plots.outcome_distribution_bar(dist, "Most crimes end without a charge")
    _check(fig, "Most crimes end without a charge")
    assert len(fig.axes) == 2
    bars = fig.axes[0].patches
    charged = plots.OUTCOME_STYLE["Charged/Summonsed"]
    victim = plots.OUTCOME_STYLE["Evidential difficulties (victim does not support action)"]
    colours = {to_hex(b.get_facecolor()) for b in bars}
    assert to_hex(charged[0]) in colours and to_hex(victim[0]) in colours
    assert any(b.get_hatch() for b in bars)


def test_palette_is_distinct_in_colour_and_pattern() -> None:
    styles = list(plots.OUTCOME_STYLE.values())
    assert len({s[0] for s in styles}) == len(styles)
    assert len({s[1] for s in styles}) == len(styles)  # hatches tell them apart in greyscale
    assert len({s[2] for s in styles}) == len(styles)
    for group in reference.outcomes()["group"].unique():
        assert group in plots.OUTCOME_STYLE
    for group in plots.CAUSE_GROUP.values():
        assert group in plots.OUTCOME_STYLE


def test_attrition_chart(cases) -> None:
    fig = plots.attrition_chart(attrition(cases, "2023/24"), "Few crimes reach a charge")
    _check(fig, "Few crimes reach a charge")


def test_incidence_chart_colours_follow_the_palette(cases) -> None:
    curve = incidence_curve(cases, "all")
    naive = cumulative_incidence(cases, "all", [365])
    fig = plots.incidence_chart(
        curve,
        "Charges keep coming after a year",
        naive,
        causes=["charge", "victim_does_not_support"],
        max_days=600,
    )
    _check(fig, "Charges keep coming after a year")
    lines = fig.axes[0].get_lines()
    charge_colour = to_hex(plots.OUTCOME_STYLE["Charged/Summonsed"][0])
    assert sum(to_hex(line.get_color()) == charge_colour for line in lines) == 2
    assert "Days since recording" in fig.axes[0].get_xlabel()


def test_time_to_event_chart(cases) -> None:
    days = days_to_event(cases, "2023/24", "charge", "activity")
    fig = plots.time_to_event_chart(days, "Half of charges take over 150 days")
    _check(fig, "Half of charges take over 150 days")
    empty = plots.time_to_event_chart(days.iloc[0:0], "No charges in the period")
    _check(empty, "No charges in the period")


def test_forest_plot(cases) -> None:
    result = charge_model(cases, predictors=["relationship"], min_events_per_parameter=5)
    assert not result.refused
    fig = plots.forest_plot(result.table, "No relationship group differs clearly")
    _check(fig, "No relationship group differs clearly")
    assert fig.axes[0].get_xscale() == "log"


def test_self_peer_chart_and_heatmap(assessment) -> None:
    table = maturity(assessment)
    fig = plots.self_peer_chart(table[table["force"] == "Kent"], "Peers rate Kent lower")
    _check(fig, "Peers rate Kent lower")
    heat = plots.maturity_heatmap(table, "Maturity is even across pillars")
    _check(heat, "Maturity is even across pillars")
    assert any(t.get_text() == "2.5" for t in heat.axes[0].texts)


def test_outcome_legend() -> None:
    handles = plots.outcome_legend()
    assert len(handles) == len(plots.OUTCOME_STYLE)


# -- readable figures: words, greyscale, no overlaps, sensible axes, alternative text ---------


def _renderer(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def _placed(values: dict[str, tuple[int, int]], target: float = 0.1) -> pd.DataFrame:
    units = pd.DataFrame(
        [(name, n, d) for name, (n, d) in values.items()],
        columns=["force", "numerator", "denominator"],
    )
    return funnel_positions(units, target=target)


@pytest.fixture(scope="module")
def crowded() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forces beyond the limits, several close together, and one very small force."""
    values = {f"Force {i}": (60 + i, 300 + 2 * i) for i in range(6)}  # about 20%, crowded
    values |= {"Low A": (5, 400), "Low B": (6, 410), "Tiny": (1, 4), "Big": (300, 3000)}
    values["Mid"] = (42, 300)  # between the 95% and 99.8% limits
    placed = _placed(values)
    return placed, funnel_curve(0.1, 3300)


def test_funnel_legend_in_words_with_hollow_and_filled_markers(crowded) -> None:
    placed, curve = crowded
    fig = plots.funnel_plot(placed, curve, "Six forces charge more", "Charge rate", highlight="Big")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any(code in " ".join(legend) for code in ("above95", "above998", "within"))
    assert any(t.startswith("Above the 99.8% limit") for t in legend)
    assert "99.8% limits" in legend and "95% limits (dashed)" in legend
    # 95% markers are hollow and 99.8% markers filled: told apart without colour
    fills = {
        c.get_label().split(" (")[0]: to_hex(c.get_facecolor()[0])
        for c in ax.collections
        if len(c.get_facecolor())
    }
    assert fills["Above the 95% limit"] == "#ffffff"
    assert fills["Above the 99.8% limit"] != "#ffffff"
    # the legend sits below the axes, outside the data
    renderer = _renderer(fig)
    assert ax.get_legend().get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0


def test_funnel_labels_do_not_overlap_and_small_force_shows(crowded) -> None:
    placed, curve = crowded
    fig = plots.funnel_plot(placed, curve, "Labels apart", "Charge rate")
    ax = fig.axes[0]
    renderer = _renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) >= 6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    assert ax.get_xlim()[0] < 0 < 4  # the force with 4 crimes is not hidden on the axis


def test_peer_rating_of_one_still_draws_a_bar() -> None:
    rows = []
    for pillar in reference.pillar_slugs()[:2]:
        for rater, value in (("self", 2.0), ("peer", 1.0)):
            rows.append(
                {
                    "pillar": pillar,
                    "rater": rater,
                    "value": value,
                    "ci_low": value,
                    "ci_high": value,
                    "scale_min": 1,
                    "scale_max": 4,
                }
            )
    fig = plots.self_peer_chart(pd.DataFrame(rows), "Peers rate lower")
    heights = sorted(round(p.get_height(), 6) for p in fig.axes[0].patches)
    assert heights[0] == 1.0  # a rating of 1.0 is a bar of height 1 from zero
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["self-assessed", "peer-reviewed"]


def test_odds_ratio_axis_labels_several_ticks_and_terms_in_words(cases) -> None:
    result = charge_model(cases, predictors=["relationship"], min_events_per_parameter=5)
    fig = plots.forest_plot(result.table, "Odds by relationship")
    ax = fig.axes[0]
    fig.canvas.draw()
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "1" in shown and len(shown) >= 3
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(t.startswith("Victim-suspect relationship: ") for t in labels)


def test_incidence_curve_reaches_the_horizon_quoted(cases) -> None:
    curve = incidence_curve(cases, "all")
    short = curve[curve["time"] <= 200]
    fig = plots.incidence_chart(short, "Charges within a year", causes=["charge"], max_days=365)
    assert fig.axes[0].get_xlim()[1] >= 365
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Charged (censoring-aware)" in legend and "no estimate this far yet" in legend


def test_trend_legend_sits_outside_the_data() -> None:
    fig = plots.spc_chart(xmr([5.0, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 20]), "Rise", "Crimes (n)")
    ax = fig.axes[0]
    renderer = _renderer(fig)
    assert ax.get_legend().get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0


def test_every_figure_says_what_it_shows(cases, assessment, crowded) -> None:
    placed, curve = crowded
    table = maturity(assessment)
    figures = {
        "funnel": plots.funnel_plot(placed, curve, "Funnel", "Charge rate", highlight="Big"),
        "spc": plots.spc_chart(xmr([1.0, 2, 3, 2, 8]), "Trend", "Charges (n)"),
        "attrition": plots.attrition_chart(attrition(cases, "2023/24"), "Attrition"),
        "heatmap": plots.maturity_heatmap(table, "Heat"),
        "self-peer": plots.self_peer_chart(table[table["force"] == "Kent"], "Ratings"),
    }
    for name, fig in figures.items():
        text = plots.alt_text(fig)
        assert len(text) > 40, name
        assert "_" not in text, (name, text)
    assert "11 forces" in plots.alt_text(figures["funnel"])
    assert "Big is circled" in plots.alt_text(figures["funnel"])
    bare = Figure()
    ax = bare.subplots()
    ax.set_title("Bare")
    ax.set_xlabel("x things")
    assert plots.alt_text(bare) == "Chart. Bare; across: x things."


#: A finding as long as the longest a report writes into a chart's title.
LONG = (
    "Suspect arrested or interviewed by quarter of recording: only common-cause variation; "
    "special-cause signals: a point "
    "outside the process limits, a run of eight on one side of the mean, two of three beyond "
    "two sigma"
)


def _inside(fig: Figure) -> None:
    """Every artist of ``fig`` lies inside its canvas: the figure is saved at its own size
    (no second pass crops it to a tight box), so anything beyond the edge would be cut."""
    box = fig.get_tightbbox(_renderer(fig))
    width, height = fig.get_size_inches()
    slack = 0.02  # inches: anti-aliasing of an edge
    assert box.x0 >= -slack and box.y0 >= -slack, (box, width, height)
    assert box.x1 <= width + slack and box.y1 <= height + slack, (box, width, height)


def test_every_figure_keeps_a_long_title_inside_the_image(cases, assessment, crowded) -> None:
    from soteria_research import plots_loop

    placed, curve = crowded
    table = maturity(assessment)
    chart = xmr([0.2, 0.3, 0.25, 0.22, 0.4, 0.3, 0.28, 0.31]).assign(
        point=pd.date_range("2022-04-01", periods=8, freq="QS")
    )
    events = pd.DataFrame(
        {"estimate": [0.5, -1.0, 2.0], "ci_low": [-1.0, -3.0, 0.5], "ci_high": [2.0, 1.0, 3.5]},
        index=["-1", "+0", "+1"],
    )
    dist = pd.concat(
        [outcome_distribution(cases, "2023/24", b, level="group") for b in ("cohort", "activity")]
    )
    result = charge_model(cases, predictors=["relationship"], min_events_per_parameter=5)
    figures = {
        "spc": plots.spc_chart(xmr([5.0, 6, 5, 6, 5, 20]), LONG, "Charges (n)"),
        "funnel": plots.funnel_plot(placed, curve, LONG, "Charge rate", highlight="Big"),
        "outcomes": plots.outcome_distribution_bar(dist, LONG),
        "attrition": plots.attrition_chart(attrition(cases, "2023/24"), LONG),
        "incidence": plots.incidence_chart(incidence_curve(cases, "all"), LONG),
        "time": plots.time_to_event_chart(
            days_to_event(cases, "2023/24", "charge", "activity"), LONG
        ),
        "forest": plots.forest_plot(result.table, LONG),
        "self-peer": plots.self_peer_chart(table[table["force"] == "Kent"], LONG),
        "heatmap": plots.maturity_heatmap(table, LONG),
        "key measure": plots_loop.key_measure_chart(
            chart, [(pd.Timestamp("2023-01-01"), "A001")], LONG, "Share (%)"
        ),
        "event study": plots_loop.event_study_chart(events, LONG, "Charge rate", ["+2"]),
    }
    for name, fig in figures.items():
        try:
            _inside(fig)
        except AssertionError as exc:
            raise AssertionError(f"{name}: drawn past the image's edge {exc}") from None
        # the title is wrapped, never shortened: every word is still there, and in words
        titles = [ax.get_title() for ax in fig.axes] + [fig.get_suptitle()]
        shown = next(" ".join(t.split()) for t in titles if t.startswith(LONG[:20]))
        assert shown.startswith(LONG), name
        assert LONG in plots.alt_text(fig), name  # lines joined, no word broken at a hyphen


def test_point_labels_are_placed_the_same_however_fast_the_machine(crowded, monkeypatch) -> None:
    """adjustText moves labels for a time unless told a number of steps: on a busy machine
    the same figure came out differently. A clock that races must change nothing."""
    import adjustText

    from soteria_research.sections.display import figure_png

    placed, curve = crowded

    def draw() -> bytes:
        return figure_png(plots.funnel_plot(placed, curve, "Funnel", "Rate", highlight="Big"))

    calm = draw()
    ticks = iter(range(10**6))
    monkeypatch.setattr(adjustText, "timer", lambda: 0.7 * next(ticks))  # 0.7 s a step
    assert draw() == calm
