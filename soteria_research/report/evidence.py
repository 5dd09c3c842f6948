"""The National Operating Model evidence base: save, gather and publish findings.

Each force report ends by saving its findings, after disclosure control, as
``<police_uk_id>.parquet`` with provenance (run id, code version, data hash). The national
step gathers every force's findings into ``reports/evidence/evidence_base.{parquet,csv,xlsx}``
(the workbook, written by :mod:`~soteria_research.report.workbook`, has an About sheet,
every finding long and wide, and one sheet per pillar). Rows follow
:class:`~soteria_research.report.evidence_schema.EvidenceSchema`; every write is atomic.

Examples
--------
In the force notebook, after ``protected, log = protect_evidence(findings)``:

>>> save_findings(protected, force, run_id, out_dir=output_dir)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from soteria_research import normalise, paths, reference
from soteria_research.errors import DataError
from soteria_research.report import files

EVIDENCE_STEM = "evidence_base"
PROVENANCE = ("run_id", "code_version", "data_hash")
#: Columns that identify a finding (one row each).
UNIQUE_KEY = ("force", "period", "pillar", "measure", "basis")


def __getattr__(name: str) -> Any:
    """``EvidenceSchema``, ``COLUMNS`` and ``DESCRIPTIONS``, imported on first use."""
    if name in ("EvidenceSchema", "COLUMNS", "DESCRIPTIONS", "FUNNEL_POSITIONS"):
        from soteria_research.report import evidence_schema

        return getattr(evidence_schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def findings_dir() -> Path:
    """``reports/findings/``: the latest findings of each force."""
    return paths.reports_dir() / "findings"


def evidence_dir() -> Path:
    """``reports/evidence/``: the published evidence base."""
    return paths.reports_dir() / "evidence"


def validate_findings(frame: pd.DataFrame, source: str = "findings") -> pd.DataFrame:
    """Check ``frame`` against the evidence schema, returning a coerced copy.

    Optional columns left out (``unit``, ``reason``) are added empty, and a
    ``funnel_position`` of ``"NA"`` (not placed on a funnel plot) becomes missing.

    Raises
    ------
    DataError
        Listing every failed check with its column and row numbers (values are not shown:
        they may be figures that disclosure control withheld).
    """
    from pandera.errors import SchemaErrors

    from soteria_research.report.evidence_schema import COLUMNS, OPTIONAL, EvidenceSchema

    extra = [c for c in frame.columns if c not in COLUMNS]
    missing = [c for c in COLUMNS if c not in frame.columns and c not in OPTIONAL]
    if extra or missing:
        raise DataError(
            f"{source}: the evidence base has the columns {', '.join(COLUMNS)} "
            f"({' and '.join(OPTIONAL)} may be left out). Missing: {', '.join(missing) or 'none'}; "
            f"not allowed: {', '.join(extra) or 'none'}."
        )
    frame = frame.reindex(columns=COLUMNS)
    position = frame["funnel_position"].astype("string")
    frame["funnel_position"] = position.mask(position.isin(["NA", ""]))  # "NA": not placed
    try:
        valid = EvidenceSchema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.copy()
        whole = cases["schema_context"].ne("Column")  # a check across columns
        cases["where"] = cases["column"].astype("string").mask(whole, "").fillna("")
        lines = []
        for (where, check), group in cases.groupby(["where", "check"], sort=False):
            rows = sorted({int(i) for i in group["index"].dropna()})[:10]
            label = f"column {where}" if where else "rows"
            if check == "multiple_fields_uniqueness":
                check = f"one row per {', '.join(UNIQUE_KEY)} (not unique)"
            lines.append(f"  {label}: {check} failed on {f'rows {rows}' if rows else 'the frame'}")
        raise DataError(
            f"{source} does not fit the evidence schema:\n" + "\n".join(lines)
        ) from None
    return valid.reset_index(drop=True)


def save_findings(
    findings: pd.DataFrame,
    force: str,
    run_id: str,
    data_hash: str | None = None,
    code_version: str | None = None,
    *,
    out_dir: str | Path | None = None,
) -> Path:
    """Save a force's findings, with provenance, as ``<out_dir>/<police_uk_id>.parquet``.

    Parameters
    ----------
    findings
        The force's findings after disclosure control: every evidence column except the
        provenance ones (``force`` may be left out). Not changed.
    force
        The force, in any known variant of its name.
    run_id
        The run that made the findings (the notebook's ``run_id`` parameter).
    data_hash, code_version
        Provenance; by default the hash of the force's processed data folder and the
        current code version label.
    out_dir
        Where to write; by default ``reports/findings/``. Batch runs pass a staging folder
        and move the file into place when the whole report has succeeded.

    Returns
    -------
    Path
        The file written.
    """
    from soteria_research.batch import hashing, manifest, plan

    name = normalise.force_name(force)
    slug = plan.police_uk_id(name)
    frame = findings.copy()
    if "force" in frame.columns:
        others = sorted(set(frame["force"].dropna().astype(str)) - {name})
        if others:
            raise DataError(f"Findings for {name} hold rows of other forces: {', '.join(others)}.")
    frame["force"] = name
    frame["run_id"] = run_id
    frame["code_version"] = code_version or manifest.code_version_label()
    frame["data_hash"] = data_hash or hashing.force_data_digest(slug)
    valid = validate_findings(frame, f"Findings for {name}")
    target = Path(out_dir or findings_dir()) / f"{slug}.parquet"
    with files.atomic_path(target) as tmp:
        valid.to_parquet(tmp, index=False)
    return target


def gather_findings(directory: str | Path | None = None) -> pd.DataFrame:
    """Every force's findings in ``directory`` (default ``reports/findings/``), validated.

    Rows are in reference order of force, then pillar order, then measure.
    """
    directory = Path(directory or findings_dir())
    sources = sorted(p for p in directory.glob("*.parquet") if not files.is_temp_file(p))
    if not sources:
        raise DataError(
            f"No findings in {directory}. Run the force reports first (`soteria reports`)."
        )
    frame = pd.concat([pd.read_parquet(p) for p in sources], ignore_index=True)
    frame = validate_findings(frame, f"Findings in {directory}")
    force_order = {name: i for i, name in enumerate(reference.force_names())}
    pillar_order = {slug: i for i, slug in enumerate(reference.pillar_slugs())}
    order = pd.DataFrame(
        {
            "f": frame["force"].map(force_order),
            "p": frame["pillar"].map(pillar_order),
            "m": frame["measure"],
        }
    ).sort_values(["f", "p", "m"], kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


def pillar_sheet_name(slug: str) -> str:
    """Excel sheet name of a pillar: its label, e.g. ``Repeat suspects``."""
    from soteria_research.report import workbook

    return workbook.pillar_sheet_name(slug)


def about_table(frame: pd.DataFrame, generated: str | None = None) -> pd.DataFrame:
    """The About sheet: what the evidence base is, its provenance and its data dictionary."""
    from soteria_research.report.evidence_schema import DESCRIPTIONS

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
