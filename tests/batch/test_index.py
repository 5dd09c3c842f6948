"""The landing page lists reports, their status and the last run."""

from __future__ import annotations

from pathlib import Path

from soteria_research.batch import state
from soteria_research.report import index


def _state(root: Path) -> dict:
    built = state.empty_state()
    for slug, name in (("durham", "Durham"), ("cleveland", "Cleveland")):
        built["forces"][slug] = state.record_success(
            None,
            name=name,
            key="k",
            inputs={},
            run_id="run-1",
            finished="2024-07-01T10:00:00+01:00",
            outputs={f"forces/{slug}.html": "h", f"findings/{slug}.parquet": "f"},
        )
    built["forces"]["durham"] = state.record_failure(
        built["forces"]["durham"],
        name="Durham",
        run_id="run-2",
        finished="2024-07-02T09:00:00+01:00",
        status="failed",
        error="ValueError: planted failure",
        notebook="runs/run-2/notebooks/durham.ipynb",
    )
    evidence = root / "reports" / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "evidence_base.xlsx").write_bytes(b"x" * 2000)
    built["evidence"] = {"outputs": {"evidence/evidence_base.xlsx": "x"}}
    built["last_run"] = {
        "run_id": "run-2",
        "started": "2024-07-02T08:59:00+01:00",
        "finished": "2024-07-02T09:01:00+01:00",
        "status": "failed",
        "counts": {"ok": 1, "failed": 1},
        "manifest": "runs/run-2/manifest.json",
    }
    return built


def test_index_lists_reports_failures_downloads_and_last_run(root: Path) -> None:
    path = index.write_index(_state(root))
    page = path.read_text()
    assert path == root / "reports" / "index.html"
    assert page.index(">Cleveland<") < page.index(">Durham<")  # reference order
    assert '<a href="forces/cleveland.html">Cleveland</a>' in page
    assert "failed in run run-2: ValueError: planted failure" in page
    assert '<a href="runs/run-2/notebooks/durham.ipynb">executed notebook</a>' in page
    assert "the report shown is from 2024-07-01 10:00" in page
    assert '<a href="evidence/evidence_base.xlsx">Evidence base: Excel workbook</a> (2 kB)' in page
    assert "Last run run-2: <strong>failed</strong>" in page
    assert "2024-07-02 09:01" in page and "1 ok, 1 failed" in page
    assert '<a href="runs/run-2/manifest.json">Run manifest</a>' in page
    assert "The national report has not been built." in page


def test_empty_index(root: Path) -> None:
    page = index.write_index(state.empty_state()).read_text()
    assert "No force report has been built." in page
    assert "never run" in page


def _evidence(root: Path) -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "force": ["Durham", "Durham", "Durham", "Cleveland", "Cleveland", "Durham"],
            "period": ["2023/24", "2023/24", "2023/24", "2023/24", "2023/24", "2022/23"],
            "pillar": ["data_performance", "suspect_focus", "suspect_focus"] * 2,
            "measure": [
                "recorded_crimes",
                "charge_rate",
                "median_days_to_charge",
                "recorded_crimes",
                "charge_rate",
                "charge_rate",
            ],
            "unit": ["count", "proportion", "days", "count", "proportion", "proportion"],
            "value": [1234.0, 0.0415, 394.5, 850.0, np.nan, 0.9],
            "ci_low": [np.nan, 0.031, 350.0, np.nan, np.nan, 0.8],
            "ci_high": [np.nan, 0.052, 420.0, np.nan, np.nan, 0.95],
            "suppressed": [False, False, False, False, True, False],
        }
    )
    folder = root / "reports" / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "evidence_base.parquet", index=False)


def _forces_table(page: str) -> str:
    return page[page.index('<table id="forces">') : page.index("</table>", page.index("forces"))]


def test_index_explains_itself_and_groups_forces_by_region(two_forces: Path) -> None:
    built = _state(two_forces)
    built["forces"]["gwent"] = state.record_success(
        None,
        name="Gwent",
        key="k",
        inputs={},
        run_id="run-1",
        finished="2024-07-01T10:00:00+01:00",
        outputs={"forces/gwent.html": "h"},
    )
    _evidence(two_forces)
    page = index.write_index(built).read_text()
    assert "The Soteria research workbench" in page and "force leads" in page
    assert "Synthetic data." in page  # the tiny cases say synthetic
    table = _forces_table(page)
    assert table.index(">North East<") < table.index(">Cleveland<") < table.index(">Durham<")
    assert table.index(">Durham<") < table.index(">Wales<") < table.index(">Gwent<")
    assert table.count('<tr class="region">') == 2
    # headline figures, by the one precision rule, from the latest period only
    assert ">Crimes recorded</th>" in table and ">Charge rate (naive)</th>" in table
    assert ", days</th>" not in table  # the cells say "days" themselves
    assert 'title="95% interval 3.1% to 5.2%">4.2%</td>' in table
    assert ">395 days</td>" in table and ">1,234</td>" in table and "90.0%" not in table
    assert 'title="withheld by disclosure control">[c]</td>' in table  # Cleveland's rate
    assert "Charged within a year" not in table  # no such figure: no column
    # the filter box and what the statuses mean
    assert 'id="force-filter"' in page and "<script>" in page
    assert 'data-search="durham north east durham constabulary' in table
    statuses = page[page.index('id="statuses"') :]
    for status in ("ok", "failed", "up to date", "skipped"):
        assert f"<dt>{status}</dt>" in statuses
    assert "Last attempt</strong> is what happened" in statuses
    assert '(<a href="#statuses">what the statuses mean</a>)' in page


def test_index_without_evidence_or_synthetic_data(root: Path) -> None:
    page = index.write_index(_state(root)).read_text()
    assert "Synthetic data." not in page  # no processed data: source unknown
    assert "<th>Force</th><th>Last attempt</th><th>Built</th>" in page


def test_data_source_of_forces(two_forces: Path) -> None:
    from soteria_research.report import source

    assert source.data_source(["durham", "cleveland"]) == "synthetic"
    assert source.data_source(["gwent"]) == "unknown"


def test_a_withheld_headline_shows_the_release_figure_pooled_over_every_year(
    two_forces: Path,
) -> None:
    """Where the release withholds a force's figure for its period alone, the landing page
    shows what the force report's summary shows: the same measure pooled over every year,
    marked and labelled, never the withheld figure."""
    import pandas as pd

    from soteria_research import paths

    built = _state(two_forces)
    _evidence(two_forces)
    pooled = pd.DataFrame(
        {
            "force": ["Cleveland", "Durham"],
            "measure": ["charge_rate", "charge_rate"],
            "period": ["2023/24", "2023/24"],
            "pooled_over": ["all 3 years (2021/22 to 2023/24)"] * 2,
            "value": [0.0107, 0.019],
            "ci_low": [0.0068, 0.014],
            "ci_high": [0.0168, 0.025],
            "n": [1684.0, 2415.0],
        }
    )
    paths.headline_fallbacks_file().parent.mkdir(parents=True, exist_ok=True)
    pooled.to_parquet(paths.headline_fallbacks_file(), index=False)
    table = _forces_table(index.write_index(built).read_text())
    assert "[c]" not in table  # Cleveland's 2023/24 rate is withheld: its pooled rate shows
    assert '>1.1%<sup class="pooled-mark">p</sup></td>' in table
    assert "over all 3 years (2021/22 to 2023/24) (n = 1,684; 95% interval 0.7% to 1.7%); " \
        "2023/24 alone is withheld" in table  # fmt: skip
    assert "1.9%" not in table  # Durham's own 2023/24 rate is published: no pooled figure
