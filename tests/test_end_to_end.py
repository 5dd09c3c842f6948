"""End to end: synthetic extracts -> clean -> reports -> audit, through the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("end_to_end")]

FORCES = ["Durham", "Gwent"]


def soteria(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOTERIA_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    for args in (
        ["synth", "--forces", *FORCES, "--scale", "0.5"],
        ["clean"],
        ["reports", "--jobs", "2"],
    ):
        result = soteria(root, *args)
        assert result.returncode == 0, (
            f"soteria {args[0]} failed:\n{result.stdout}\n{result.stderr}"
        )
    return root


def test_every_force_gets_a_report_and_the_national_report(root: Path) -> None:
    reports = root / "reports"
    for slug in ("durham", "gwent"):
        page = (reports / "forces" / f"{slug}.html").read_text(encoding="utf-8")
        assert "Force report" in page and "Key findings" in page
        assert "Traceback" not in page
        # the attrition's stage counts are cumulative: the page says so, beside the summary's
        # arrest share, which is counted differently
        assert "A crime counts at a stage when it reached that stage or a later one" in page
    national = (reports / "national" / "national_evidence.html").read_text(encoding="utf-8")
    assert "National evidence" in national
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "forces/durham.html" in index and "national/national_evidence.html" in index


def test_reports_carry_no_code_and_state_their_provenance(root: Path) -> None:
    page = (root / "reports" / "forces" / "durham.html").read_text(encoding="utf-8")
    assert "open_force(" not in page and "import " not in page
    assert "synthetic" in page.lower()


def test_evidence_base_is_published_in_three_formats(root: Path) -> None:
    evidence = root / "reports" / "evidence"
    frame = pd.read_parquet(evidence / "evidence_base.parquet")
    # the forces' rows and the national report's own (evaluation, learning table)
    assert set(frame["force"]) - {"England and Wales"} == {"Durham", "Gwent"}
    assert {"pillar", "measure", "value", "suppressed", "run_id", "data_hash"} <= set(frame.columns)
    assert (evidence / "evidence_base.csv").is_file()
    sheets = pd.ExcelFile(evidence / "evidence_base.xlsx").sheet_names
    assert "About" in sheets and len(sheets) >= 7


def test_audit_passes_on_everything_published(root: Path) -> None:
    result = soteria(root, "audit", str(root / "reports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_second_run_with_nothing_changed_runs_nothing(root: Path) -> None:
    result = soteria(root, "reports")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    manifests = sorted((root / "reports" / "runs").glob("*/manifest.json"))
    last = json.loads(manifests[-1].read_text())
    assert last["run_id"]


def test_audit_fails_on_a_planted_disclosive_table(root: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted.html"
    planted.write_text(
        '<table><thead><tr><th>age band</th><th data-sdc="count">victims</th></tr></thead>'
        "<tbody><tr><th>13-15</th><td>2</td></tr></tbody></table>",
        encoding="utf-8",
    )
    result = soteria(root, "audit", str(planted))
    assert result.returncode == 1
    assert "planted.html" in result.stdout + result.stderr


def test_the_release_leaves_no_withheld_count_recoverable(root: Path) -> None:
    """The whole release, attacked with every relation it holds, pins no withheld count."""
    from soteria_research.disclosure import Rules
    from soteria_research.release import intervals, protection_width
    from soteria_research.release.store import load_release

    os.environ["SOTERIA_ROOT"] = str(root)
    try:
        ledger = load_release(root / "data" / "release")
    finally:
        os.environ.pop("SOTERIA_ROOT", None)
    found = intervals(ledger)
    assert len(found), "a release of two small forces withholds something"
    width = protection_width(Rules.from_settings())
    assert ((found["high"] - found["low"]) >= width).all()
    units = {c.unit for c in ledger.cells.values()}
    assert {"Durham", "Gwent", "England and Wales"} <= units


def test_every_count_a_force_report_shows_is_a_published_ledger_value(root: Path) -> None:
    """No table reaches a report around the release: each count shown is a published cell."""
    import re

    from soteria_research.release.store import load_release

    ledger = load_release(root / "data" / "release")
    for force, slug in (("Durham", "durham"), ("Gwent", "gwent")):
        published = {
            c.value for c in ledger.cells.values() if c.unit == force and not c.withheld
        } | {c.value for c in ledger.cells.values() if not c.withheld and c.unit != force}
        page = (root / "reports" / "forces" / f"{slug}.html").read_text(encoding="utf-8")
        shown = 0
        for table in re.findall(r'<table class="sdc-table".*?</table>', page, flags=re.S):
            heads = re.findall(r"<th([^>]*scope=\"col\"[^>]*)>", table)
            counts = [i for i, h in enumerate(heads) if "count" in h]
            for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
                cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
                for i in counts:
                    text = cells[i].replace(",", "") if i < len(cells) else ""
                    if re.fullmatch(r"\d+", text):
                        shown += 1
                        assert float(text) in published, (slug, text)
        assert shown > 20


def _national_rows(root: Path) -> pd.DataFrame:
    """The national report's own evidence rows (evaluation, learning table)."""
    return pd.read_parquet(root / "reports" / "national" / "national.findings.parquet")


def test_key_findings_are_the_evidence_rows(root: Path) -> None:
    evidence = pd.read_parquet(root / "reports" / "evidence" / "evidence_base.parquet")
    # the national report's rows about a force (its place in the learning table) are not
    # the force's own findings
    evidence = evidence[~evidence["measure"].isin(set(_national_rows(root)["measure"]))]
    for slug, force in (("durham", "Durham"), ("gwent", "Gwent")):
        rendered = pd.read_parquet(root / "reports" / "findings" / f"{slug}.parquet")
        rows = evidence[evidence["force"] == force].reset_index(drop=True)
        columns = ["measure", "numerator", "denominator", "value", "suppressed", "finding"]
        order = ["measure", "pillar", "period"]  # a measure may have a row per pillar
        pd.testing.assert_frame_equal(
            rows.sort_values(order)[columns].reset_index(drop=True),
            rendered.sort_values(order)[columns].reset_index(drop=True),
            check_dtype=False,
        )


def _with_root(root: Path):
    """Read the run's own processed data and release (SOTERIA_ROOT set for the call)."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        os.environ["SOTERIA_ROOT"] = str(root)
        try:
            yield
        finally:
            os.environ.pop("SOTERIA_ROOT", None)

    return scope()


def test_every_finding_sentence_is_made_from_its_own_row(root: Path) -> None:
    """Each evidence-base sentence quotes its own row's published columns, and no other."""
    from soteria_research import formatting, ingest
    from soteria_research.measures import finding_texts, measure_settings, position_words
    from soteria_research.measures.catalogue import CENSORING_AWARE, MEASURES
    from soteria_research.measures.wording import WITHHELD

    evidence = pd.read_parquet(root / "reports" / "evidence" / "evidence_base.parquet")
    s = measure_settings()
    with _with_root(root):
        own = evidence[~evidence["measure"].isin(set(_national_rows(root)["measure"]))]
        for force, rows in own.groupby("force"):  # the national rows: tests/sections
            texts = finding_texts(rows, ingest.load_assessment(force), force, s)
            assert rows["finding"].tolist() == texts
    checked = 0
    for row in evidence.to_dict("records"):
        if row["measure"] not in MEASURES:
            continue  # a survey scale, review item or change between rounds: its own module
        text, unit = row["finding"], MEASURES[row["measure"]].unit
        if row["suppressed"]:
            assert text == WITHHELD
            continue
        assert "nan" not in text
        if pd.isna(row["value"]):
            assert "not available" in text
            continue
        if unit == "proportion":
            assert f": {formatting.percent(row['value'])}" in text
            if pd.notna(row["numerator"]) and row["measure"] not in CENSORING_AWARE:
                assert f"{int(row['numerator']):,} of {int(row['denominator']):,}" in text
        if pd.notna(row["comparator_value"]) and unit == "proportion":
            area = row["comparator_area"]
            named = f"comparator ({area}, pooled over every force) "
            assert f"{named}{formatting.percent(row['comparator_value'])}" in text
            assert text.count("pooled over every force") == 1, text
        elif pd.isna(row["comparator_value"]):
            assert pd.isna(row["comparator_area"]) and "comparator" not in text
        words = position_words(row["funnel_position"], s["funnel_limits"])
        assert (words in text) if words else ("limit" not in text)
        checked += 1
    assert checked > 20 and evidence["funnel_position"].notna().sum() > 5


def test_national_funnels_place_forces_as_the_evidence_base_does(root: Path) -> None:
    """The national funnels' target is every force pooled before protection (Aalen-Johansen
    for the censoring-aware measure) and their positions are the evidence base's."""
    from soteria_research import ingest, measures
    from soteria_research.release import NATIONAL
    from soteria_research.release.store import load_release
    from soteria_research.sections.national import FUNNEL_MEASURES
    from soteria_research.sections.summary import comparator_key

    evidence = pd.read_parquet(root / "reports" / "evidence" / "evidence_base.parquet")
    s = measures.measure_settings()
    with _with_root(root):
        ledger = load_release(root / "data" / "release")
        cases = ingest.load_cases()
    cases = cases[cases["offence_subgroup"] == "Rape"]
    period = measures.resolve_period(cases, "latest").label

    def cell(measure: str, column: str) -> float:
        return ledger.cells[comparator_key("Rape", period, NATIONAL, measure, column)].value

    cif = measures.cumulative_incidence(cases, period, [365])
    assert cell("charge_cif_365", "value") == pytest.approx(
        cif.loc[cif["cause"] == "charge", "value"].iloc[0]
    )
    placed_any = 0
    for measure in FUNNEL_MEASURES:
        rows = evidence[(evidence["measure"] == measure) & (evidence["period"] == period)]
        assert cell(measure, "numerator") == rows["numerator"].sum() or rows["suppressed"].any()
        assert cell(measure, "denominator") >= rows["denominator"].sum()
        shown = rows.dropna(subset=["numerator", "denominator", "funnel_position"])
        if shown.empty:
            continue
        tau2 = cell(measure, "tau2") if s["funnel_overdispersion"] else 0.0
        units = shown[["force", "numerator", "denominator"]].astype(
            {"numerator": float, "denominator": float}
        )
        placed = measures.funnel_positions(
            units, cell(measure, "value"), s["funnel_limits"], s["funnel_method"], tau2=tau2
        )
        assert placed["position"].tolist() == shown["funnel_position"].tolist()
        placed_any += len(placed)
    assert placed_any
    page = (root / "reports" / "national" / "national_evidence.html").read_text(encoding="utf-8")
    assert "Forces by funnel position" in page and "over-dispersion phi" in page


def test_the_evidence_base_takes_in_the_national_reports_rows(root: Path) -> None:
    """The evaluation and learning rows the national report writes are in the evidence base
    (the national report runs first), in every format."""
    from soteria_research.batch.worker import NATIONAL_FINDINGS
    from soteria_research.sections.summary import NATIONAL_FINDINGS as WRITTEN

    assert NATIONAL_FINDINGS == WRITTEN
    rows = root / "reports" / "national" / NATIONAL_FINDINGS
    assert rows.is_file(), "the national report wrote its evidence rows"
    national = pd.read_parquet(rows)
    assert len(national) and set(national["force"]) <= {"England and Wales", *FORCES}
    assert "England and Wales" in set(national["force"])  # the evaluation
    key = ["force", "period", "pillar", "measure"]
    evidence = pd.read_parquet(root / "reports" / "evidence" / "evidence_base.parquet")
    shown = evidence.merge(national[key].drop_duplicates(), on=key)
    assert len(shown) == len(national)
    csv = pd.read_csv(root / "reports" / "evidence" / "evidence_base.csv")
    assert csv["measure"].isin(set(national["measure"])).sum() == len(national)


def _published_from_one_release(root: Path) -> dict[str, str]:
    """The stored release's units; every force report on disk was built from its cells."""
    release = json.loads((root / "data" / "release" / "release.json").read_text())
    units = release["units"]
    built = json.loads((root / "reports" / ".state.json").read_text())["forces"]
    assert sorted(built) == ["durham", "gwent"]
    for slug, entry in built.items():
        assert entry["inputs"]["release"] == units[slug.title()], slug
    return units


def test_a_run_of_one_force_keeps_the_one_release_of_every_force(
    root: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "root"
    shutil.copytree(root, copy)
    before = _published_from_one_release(copy)
    gwent = (copy / "reports" / "forces" / "gwent.html").read_text(encoding="utf-8")

    result = soteria(copy, "reports", "--forces", "Durham", "--rerun")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _published_from_one_release(copy) == before  # both forces, the same cells
    assert (copy / "reports" / "forces" / "gwent.html").read_text(encoding="utf-8") == gwent

    # Durham's data changes: the release is protected again over both forces, and Gwent's
    # published report is built again if what it may show moved
    cases = copy / "data" / "processed" / "durham" / "cases.parquet"
    frame = pd.read_parquet(cases)
    frame.iloc[: len(frame) - 37].to_parquet(cases, index=False)
    result = soteria(copy, "reports", "--forces", "Durham")
    assert result.returncode == 0, result.stdout + result.stderr
    after = _published_from_one_release(copy)
    assert set(after) == set(before) and after["Durham"] != before["Durham"]
    audit = soteria(copy, "audit", str(copy / "reports"))
    assert audit.returncode == 0, audit.stdout + audit.stderr
