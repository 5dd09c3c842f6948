"""The force notebook's last steps on real processed data: measures, disclosure, evidence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteria_research import paths, reference
from soteria_research.cli import main
from soteria_research.disclosure.evidence import protect_evidence
from soteria_research.measures.findings import force_findings
from soteria_research.report import evidence


@pytest.mark.slow
def test_findings_protected_then_saved_then_published(root: Path) -> None:
    assert main(["synth", "--forces", "Durham", "--scale", "0.2"]) == 0
    assert main(["clean"]) == 0
    folder = paths.processed_dir() / "durham"
    cases = pd.read_parquet(folder / "cases.parquet")
    assessment = pd.read_parquet(folder / "assessment.parquet")

    protected, log = protect_evidence(force_findings(cases, assessment, "Durham"))
    path = evidence.save_findings(protected, "Durham", "run-1")
    written = evidence.write_evidence(evidence.gather_findings())

    published = pd.read_parquet(written["parquet"])
    assert len(published) == len(protected) and log
    withheld = published[published["suppressed"]]
    assert withheld[["value", "ci_low", "ci_high", "numerator", "denominator"]].isna().all().all()
    assert (withheld["suppression_reason"].str.len() > 0).all()
    assert set(published["pillar"]) <= set(reference.pillar_slugs())
    assert path.name == "durham.parquet"
