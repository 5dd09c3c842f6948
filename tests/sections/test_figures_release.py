"""Figures carry only published values: every count a force report's charts are drawn
from is a published cell of the release, and a withheld cell draws nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research import plots, synth
from soteria_research.ingest import clean_force
from soteria_research.release import Ledger, protect
from soteria_research.release.publisher import RENDER, Publisher
from soteria_research.sections import open_force
from soteria_research.sections.collect import FORCE_SECTIONS, _function, collect_force

#: Small forces at a small scale, so that the release withholds cells a chart could show.
FORCES = ("Durham", "Cleveland")
#: Charts of published Home Office statistics only (the force report's national picture).
PUBLIC = {"funnel_plot"}
#: Columns of a chart's data that hold counts of crimes.
COUNT_COLUMNS = ("numerator", "denominator", "n", "count", "crimes", "events")


def recorder(calls: list, name: str, function):
    """``function``, recording what it is given."""

    def record(*args, **kwargs):
        calls.append((name, args, kwargs))
        return function(*args, **kwargs)

    return record


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory):
    """Collect and protect the forces, then render every section with each plotting
    function replaced by a recorder of what it was given."""
    root = tmp_path_factory.mktemp("root")
    calls: dict[str, list[tuple[str, tuple, dict]]] = {f: [] for f in FORCES}
    periods: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
        patch.setenv("SOTERIA_KEY_FILE", str(root / "absent.key"))
        patch.setenv("SOTERIA_ROOT", str(root))
        synth.generate(root / "data" / "raw", forces=list(FORCES), scale=0.15)
        for force in FORCES:
            clean_force(root / "data" / "raw" / force.lower(), root / "data" / "processed")
        ledger = Ledger()
        for force in FORCES:
            collect_force(open_force(force, collect=ledger))
        protect(ledger)
        for force in FORCES:
            ctx = open_force(force, collect=Ledger())
            ctx.publisher = Publisher(force, ledger, RENDER, ctx.rules)
            periods[force] = ctx.period_label
            with pytest.MonkeyPatch.context() as drawing:
                for name in dir(plots):
                    function = getattr(plots, name)
                    if callable(function) and not name.startswith("_") and name.islower():
                        drawing.setattr(plots, name, recorder(calls[force], name, function))
                for module, name in FORCE_SECTIONS:
                    _function(module, name)(ctx)
    return ledger, calls, periods


def _published(ledger: Ledger, force: str) -> set[float]:
    return {c.value for c in ledger.cells.values() if c.unit == force and not c.withheld} | {0.0}


def _frames(args: tuple, kwargs: dict):
    for value in (*args, *kwargs.values()):
        if isinstance(value, pd.DataFrame):
            yield value
        elif isinstance(value, pd.Series):
            yield value.to_frame()


def test_the_report_draws_figures(drawn):
    _, calls, _ = drawn
    for force in FORCES:
        assert {name for name, *_ in calls[force]} >= {"outcome_distribution_bar"}, force


def test_every_count_a_chart_is_drawn_from_is_published(drawn):
    ledger, calls, _ = drawn
    checked = 0
    for force in FORCES:
        published = _published(ledger, force)
        for name, args, kwargs in calls[force]:
            if name in PUBLIC:
                continue
            for frame in _frames(args, kwargs):
                for column in frame.columns:
                    if column not in COUNT_COLUMNS:
                        continue
                    for value in pd.to_numeric(frame[column], errors="coerce").dropna():
                        checked += 1
                        assert float(value) in published, (force, name, column, value)
    assert checked > 10


def test_a_withheld_outcome_draws_no_bar(drawn):
    ledger, calls, periods = drawn
    withheld = 0
    for force in FORCES:
        bars = [a for name, a, _ in calls[force] if name == "outcome_distribution_bar"]
        assert len(bars) == 1
        shares = bars[0][0]
        cohort = shares[shares["basis"] == "cohort"]
        prefix = f"{force} | = | Rape | {periods[force]} | cohort | "
        for group, count in zip(cohort["outcome_group"], cohort["numerator"], strict=True):
            cell = ledger.cells[ledger.cells.resolve(prefix + group)]
            assert not cell.withheld and cell.value == count, (force, group)
        groups = {
            k.removeprefix(prefix)
            for k, c in ledger.cells.items()
            if k.startswith(prefix) and c.withheld
        }
        withheld += len(groups)
        assert not groups & set(cohort["outcome_group"]), force
        # each bar is its published count over the published total
        assert np.allclose(cohort["value"], cohort["numerator"] / cohort["denominator"])
    assert withheld, "the small forces withhold an outcome the chart could show"


def test_incidence_curves_step_only_at_published_horizons(drawn):
    ledger, calls, _ = drawn
    for force in FORCES:
        for name, args, _ in calls[force]:
            if name != "incidence_chart":
                continue
            curve = args[0]
            horizons = {
                float(k.split(" | ")[2])
                for k, c in ledger.cells.items()
                if k.startswith(f"{force} | cumulative incidence of charge | ")
                and k.endswith(" | rate")
                and not c.withheld
            }
            assert set(curve["time"].astype(float)) - {0.0} <= horizons, force
            shown = {
                round(c.value / 100, 9)
                for k, c in ledger.cells.items()
                if k.startswith(f"{force} | cumulative incidence of charge | ")
                and k.endswith(" | rate")
                and not c.withheld
            }
            assert {round(v, 9) for v in curve["value"]} - {0.0} <= shown, force


def test_maturity_ratings_are_the_findings_cells_of_the_release(drawn):
    """The self-assessment chart shows the ratings the release holds: every value and
    interval end is the cell of the force's finding (one quantity, one cell)."""
    from soteria_research.sections.summary import finding_key

    ledger, calls, _ = drawn
    for force in FORCES:
        charts = [args for name, args, _ in calls[force] if name == "self_peer_chart"]
        assert charts, f"{force}: the self-assessment section drew no chart"
        table = charts[0][0]
        assert len(table) and set(table["rater"]) == {"self", "peer"}
        for row in table.itertuples():
            period = f"self-assessment round {row.round}"
            for column in ("value", "ci_low", "ci_high"):
                key = finding_key(force, "Rape", period, row.measure, row.pillar, column)
                assert ledger.cells[key].value == pytest.approx(getattr(row, column)), key


def test_one_count_of_charged_crimes_wherever_a_report_shows_it(drawn):
    """The crimes of the period charged so far are one cell: the attrition's last stage,
    the outcomes table's cohort row and the national picture's case-level row (a withheld
    stage could otherwise be read off the case-level rate)."""
    from soteria_research.release.ledger import shared_key
    from soteria_research.sections.force import CHARGED_GROUP

    ledger, _, periods = drawn
    for force in FORCES:
        cell = ledger.cells[shared_key(force, "Rape", periods[force], "cohort", CHARGED_GROUP)]
        outputs = {place.split(" [")[0] for place in cell.places}
        assert {"attrition", "published vs case-level"} <= outputs, (force, cell.places)
