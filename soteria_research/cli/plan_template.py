"""``soteria plan-template``: the improvement plan workbook a force fills in."""

from __future__ import annotations

import argparse

NAME = "plan-template"
HELP = "write a force's improvement plan workbook, seeded from its flagged findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", required=True, metavar="NAME", help="the force, any name variant"
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="workbook to write (default improvement_plan_<force id>.xlsx here)",
    )
    parser.add_argument(
        "--findings",
        metavar="FILE",
        help="findings (parquet or CSV with force, measure, pillar, funnel_position, "
        "spc_signal...; default reports/evidence/evidence_base.parquet when it exists)",
    )


def _findings(path, force: str):
    import pandas as pd

    from soteria_research.errors import DataError

    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_parquet(path)
    missing = [c for c in ("force", "measure", "pillar") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: the findings lack column(s) {', '.join(missing)}; give the evidence base "
            "(reports/evidence/evidence_base.parquet) or a table with those columns."
        )
    return frame[frame["force"].astype(str) == force]


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from soteria_research import normalise, paths
    from soteria_research.ingest import processed
    from soteria_research.ingest.plan_template import (
        GAP_MEASURES,
        plan_rows,
        write_plan_template,
    )

    force = normalise.force_name(args.force)
    folder = processed.police_uk_id(force)
    source = Path(args.findings) if args.findings else None
    default = paths.reports_dir() / "evidence" / "evidence_base.parquet"
    if source is None and default.is_file():
        source = default
    if source is not None and not source.is_file():
        from soteria_research.errors import DataError

        raise DataError(f"{source}: no such findings file; omit --findings for a blank plan.")
    findings = _findings(source, force) if source else pd.DataFrame(columns=["measure", "pillar"])
    rows = plan_rows(findings)
    out = Path(args.out or f"improvement_plan_{folder}.xlsx")
    written = write_plan_template(force, rows, out)
    gaps = int(rows["linked_measures"].eq("|".join(GAP_MEASURES)).sum()) if len(rows) else 0
    seeded = (
        f"{len(rows)} flagged finding(s) from {source} ({gaps} pillar maturity gap(s))"
        if source
        else "no findings (blank)"
    )
    print(
        f"Wrote {written} for {force}: {seeded}. When it is filled in, run "
        f"`soteria plan-ingest {written} --force {folder}`."
    )
    return 0
