"""The National Operating Model evidence base: save, gather and publish findings.

Each force report ends by saving its findings, after disclosure control, as
``<police_uk_id>.parquet`` with provenance (run id, code version, data hash). The national
step gathers every force's findings into ``reports/evidence/evidence_base.{parquet,csv,xlsx}``
(the workbook, written by :mod:`~soteria_research.report.workbook`, has an About sheet,
every finding long and wide, and one sheet per pillar). Rows follow
:class:`~soteria_research.release.evidence_schema.EvidenceSchema`; every write is atomic.

Examples
--------
In the force notebook, after ``protected, log = protect_evidence(findings)``:

>>> save_findings(protected, force, run_id, out_dir=output_dir)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from soteria_research import files, paths, reference
from soteria_research.release.findings import (
    PROVENANCE,
    UNIQUE_KEY,
    findings_dir,
    gather_findings,
    save_findings,
    validate_findings,
)

EVIDENCE_STEM = "evidence_base"
__all__ = [
    "EVIDENCE_STEM",
    "PROVENANCE",
    "UNIQUE_KEY",
    "evidence_dir",
    "findings_dir",
    "gather_findings",
    "save_findings",
    "validate_findings",
    "write_evidence",
]


def evidence_dir() -> Path:
    """``reports/evidence/``: the published evidence base."""
    return paths.reports_dir() / "evidence"


def pillar_sheet_name(slug: str) -> str:
    """Excel sheet name of a pillar: its label, e.g. ``Repeat suspects``."""
    from soteria_research.report import workbook

    return workbook.pillar_sheet_name(slug)


def about_table(frame: pd.DataFrame, generated: str | None = None) -> pd.DataFrame:
    """The About sheet: what the evidence base is, its provenance and its data dictionary."""
    from soteria_research.release.evidence_schema import DESCRIPTIONS

    generated = generated or dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = [
        ("about", "title", "Operation Soteria: National Operating Model evidence base"),
        ("about", "generated", generated),
        ("about", "forces", str(frame["force"].nunique())),
        ("about", "periods", ", ".join(sorted(frame["period"].dropna().unique()))),
        ("about", "rows", str(len(frame))),
        ("about", "rows suppressed", str(int(frame["suppressed"].sum()))),
        ("about", "runs", ", ".join(sorted(frame["run_id"].dropna().unique()))),
        ("about", "code versions", ", ".join(sorted(frame["code_version"].dropna().unique()))),
        (
            "about",
            "disclosure",
            "Figures are published after disclosure control; withheld figures are blank, "
            "marked as withheld (suppressed = TRUE) with the reason (suppression_reason).",
        ),
    ]
    rows += [("column", name, text) for name, text in DESCRIPTIONS.items()]
    for pillar in reference.pillars().itertuples(index=False):
        rows.append(
            ("pillar sheet", pillar_sheet_name(pillar.slug), f"{pillar.slug}: {pillar.name}")
        )
    return pd.DataFrame(rows, columns=["section", "item", "value"])


def _write_excel(frame: pd.DataFrame, target: Path, generated: str | None) -> None:
    from soteria_research.report import workbook

    workbook.write_workbook(frame, about_table(frame, generated), target)


def write_evidence(
    frame: pd.DataFrame, out_dir: str | Path | None = None, generated: str | None = None
) -> dict[str, Path]:
    """Publish the evidence base as parquet, CSV and an Excel workbook, each atomically.

    The workbook holds an About sheet, every finding long (*Findings*) and wide (*Force by
    measure*), and one sheet per pillar (headers only when a pillar has no findings).
    Returns format -> path.
    """
    valid = validate_findings(frame, "The evidence base")
    out = Path(out_dir or evidence_dir())
    written = {"parquet": out / f"{EVIDENCE_STEM}.parquet", "csv": out / f"{EVIDENCE_STEM}.csv"}
    with files.atomic_path(written["parquet"]) as tmp:
        valid.to_parquet(tmp, index=False)
    with files.atomic_path(written["csv"]) as tmp:
        valid.to_csv(tmp, index=False, float_format="%.6g")
    written["xlsx"] = out / f"{EVIDENCE_STEM}.xlsx"
    _write_excel(valid, written["xlsx"], generated)
    return written
