"""The published Home Office context recomputed from the packaged open-data file: each
force's published rape charge rate, the national figure, and where the published figures
sit on the funnel (Spiegelhalter 2005), in the force reports and the national report.

The Home Office file is read here with pandas alone (its own headers: the cohort measure
is "Force outcomes for offences recorded in quarter"; rape is the Offence Subgroup
"Rape"; every quarter and outcome type summed, negative reclassification rows included).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from . import recompute as ref
from .conftest import FORCE, FORCES, SUBGROUP
from .recompute_surveys import settings
from .test_reference_release import SEP

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

ROOT = Path(__file__).resolve().parents[2]
HO_FILE = ROOT / "soteria_research" / "reference" / "published"
HO_FILE = HO_FILE / "ho-outcomes-open-data-2017-18-sexual-offences.csv.gz"
YEAR = "2017/18"
COHORT = "Force outcomes for offences recorded in quarter"
WORDS = {"within": "within the 95% limits", "above95": "above the 95% limit",
         "below95": "below the 95% limit", "above998": "above the 99.8% limit",
         "below998": "below the 99.8% limit"}  # fmt: skip


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    """Per force: rapes recorded in 2017/18 (cohort) and those charged or summonsed."""
    raw = pd.read_csv(HO_FILE, dtype=str)
    rape = raw[(raw["Offence Subgroup"] == "Rape") & (raw["Financial Year"] == "2017/18")]
    counts = pd.to_numeric(rape[COHORT])
    charged = counts.where(rape["Outcome Type"].astype(int) == 1, 0)
    out = pd.DataFrame({"force": rape["Force Name"], "recorded": counts, "charged": charged})
    return out.groupby("force", as_index=False).sum()


@pytest.fixture(scope="module")
def funnel(published) -> dict:
    target = published["charged"].sum() / published["recorded"].sum()
    rate = (published["charged"] / published["recorded"]).to_numpy()
    n = published["recorded"].to_numpy(float)
    disp = ref.overdispersion(rate, n, target)
    tau2 = disp["tau2"] if settings()["measures"]["funnel_overdispersion"] else 0.0
    places = {
        f: ref.position(r, size, target, tau2)
        for f, r, size in zip(published["force"], rate, n, strict=True)
    }
    return {"target": target, "places": places, **disp}


def test_the_national_published_figure(published):
    """The figures the README of the packaged file quotes (Rape Monitoring Group: 4.2%)."""
    assert published["recorded"].sum() == 53_931
    assert published["charged"].sum() == 2_238
    assert len(published) == 44


@pytest.mark.parametrize("force", FORCES)
def test_each_force_publishes_its_home_office_figures(release, published, force):
    own = published.set_index("force").loc[force]
    row = f"Home Office published, {YEAR}"
    for column in ("crimes recorded", "charged"):
        cell = release.ledger.lookup(SEP.join((force, "published vs case-level", row, column)))
        want = own["recorded" if column == "crimes recorded" else "charged"]
        assert not cell.withheld and cell.value == want, (force, column, cell.value, want)


def test_the_force_finding_places_the_published_rate(release, published, funnel, monkeypatch):
    """Durham's national-picture finding: its published rate, the national rate, its
    place on the funnel and the over-dispersion, as recomputed."""
    from soteria_research.sections import open_force
    from soteria_research.sections.summary import national_picture

    monkeypatch.setenv("SOTERIA_ROOT", str(release.root))
    finding = national_picture(open_force(FORCE, "latest", "national", SUBGROUP)).finding
    own = published.set_index("force").loc[FORCE]
    rate = 100 * own["charged"] / own["recorded"]
    assert f"charge rate was {rate:.1f}% ({WORDS[funnel['places'][FORCE]]}; " in finding, finding
    assert f"national {100 * funnel['target']:.1f}%" in finding, finding
    assert f"over-dispersion phi {funnel['phi']:.2f}" in finding, finding


def test_the_national_published_picture(release, published, funnel, monkeypatch):
    from soteria_research.sections.national import open_national, published_picture

    monkeypatch.setenv("SOTERIA_ROOT", str(release.root))
    ctx = open_national("latest", subgroup=SUBGROUP, findings=release.evidence)
    finding = published_picture(ctx).finding
    outside = sum(p != "within" for p in funnel["places"].values())
    recorded, charged = published["recorded"].sum(), published["charged"].sum()
    assert f"({charged:,} of {recorded:,})" in finding, finding
    assert f"{outside} of {len(published)} forces lie outside the 95% limits" in finding, finding
    assert f"phi {funnel['phi']:.2f}" in finding and np.isfinite(funnel["tau2"]), finding
