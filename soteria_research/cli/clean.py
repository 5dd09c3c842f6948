"""``soteria clean``: clean every force's raw extract into the canonical tables."""

from __future__ import annotations

import argparse

NAME = "clean"
_SHOWN = 25
HELP = "clean data/raw/ into the canonical tables in data/processed/ (parquet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", metavar="DIR", help="folder of force folders (default data/raw/)")
    parser.add_argument(
        "--out", metavar="DIR", help="folder for the processed tables (default data/processed/)"
    )
    parser.add_argument(
        "--forces",
        nargs="+",
        metavar="NAME",
        help="forces to clean, any name variant (default all)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="forces cleaned side by side (default ingest.jobs in the settings; 0 = all cores)",
    )
    parser.add_argument(
        "--full",
        "--force-all",
        action="store_true",
        dest="full",
        help="clean every force again, even those whose extract, mapping and the cleaning "
        "code are unchanged since the last clean",
    )


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    import pandas as pd

    from soteria_research import paths
    from soteria_research.ingest import clean_all

    raw = Path(args.raw) if args.raw else paths.raw_dir()
    out = Path(args.out) if args.out else paths.processed_dir()
    start = time.perf_counter()
    summary = clean_all(
        raw, out, args.forces, progress=not args.no_progress, full=args.full, jobs=args.jobs
    )
    seconds = time.perf_counter() - start
    done = summary[summary["status"] == "ok"]
    unchanged = summary[summary["status"] == "unchanged"]
    failed = summary[summary["status"] == "failed"]
    if len(done):
        columns = ["force", "input_rows", "clean", "quarantined", "duplicates", "date_flagged"]
        with pd.option_context("display.width", 120):
            print(done[columns].to_string(index=False))
        print(
            f"\nCleaned {len(done)} force{'s' if len(done) != 1 else ''} into {out} in "
            f"{seconds:.1f} s: {int(done['input_rows'].sum()):,} rows in, "
            f"{int(done['clean'].sum()):,} clean, {int(done['quarantined'].sum()):,} "
            f"quarantined, {int(done['duplicates'].sum()):,} duplicates (every row accounted "
            "for). Quarantine reasons are in each force's quarantine.parquet and quality.parquet."
        )
    if len(unchanged):
        print(
            f"\n{len(unchanged)} force{'s' if len(unchanged) != 1 else ''} unchanged since the "
            f"last clean (extract, mapping and cleaning code), skipped in {seconds:.2f} s. "
            "`soteria clean --full` cleans them again."
        )
    for row in summary[summary["status"] != "failed"].itertuples(index=False):
        for line in filter(None, str(row.warnings or "").split(" | ")):
            print(f"warning: {row.folder}: {line}")
    for row in failed.itertuples(index=False):
        print(f"soteria clean: error: {row.folder}: {row.message}")
    _print_assessment_problems(done, out)
    from soteria_research.ingest.survey import clean_all_surveys, summary_lines

    surveys = clean_all_surveys(raw, out, args.forces)
    print("\n".join(summary_lines(surveys)))
    failed_surveys = int((surveys["status"] != "ok").sum())
    if len(failed):
        names = ", ".join(failed["folder"])
        print(
            f"\n{len(failed)} of {len(summary)} force(s) failed ({names}); their previous "
            "processed tables are unchanged. Fix each error above and run `soteria clean` again."
        )
        return 1
    return 1 if failed_surveys else 0


def _print_assessment_problems(done, out) -> None:
    """Each problem of an accepted self-assessment, as ``file, sheet!cell: what is wrong``."""
    from soteria_research.ingest import load_quality
    from soteria_research.ingest.assessment import problem_lines

    for row in done[done["assessment_problems"].fillna(0) > 0].itertuples(index=False):
        lines = problem_lines(load_quality(row.force, out))
        print(
            f"\n{row.force}: the self-assessment was read with {len(lines)} problem(s); "
            "correct the workbook and send it again:"
        )
        for line in lines[:_SHOWN]:
            print(f"  {line}")
        if len(lines) > _SHOWN:
            print(f"  ... and {len(lines) - _SHOWN} more (section 'assessment' of quality.parquet)")
