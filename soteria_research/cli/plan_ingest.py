"""``soteria plan-ingest``: read a filled improvement plan into the processed tables."""

from __future__ import annotations

import argparse

NAME = "plan-ingest"
HELP = "check a filled improvement plan and write it to data/processed/<force>/plan.parquet"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the filled plan workbook (.xlsx)")
    parser.add_argument(
        "--force", required=True, metavar="NAME", help="the force, any name variant"
    )


def run(args: argparse.Namespace) -> int:
    import sys

    from soteria_research import normalise
    from soteria_research.ingest.plan import NO_ACTION, ingest_plan
    from soteria_research.measures.catalogue import MEASURES
    from soteria_research.measures.panel import PANEL_MEASURES

    force = normalise.force_name(args.force)
    result = ingest_plan(args.file, force, known_measures=[*MEASURES, *PANEL_MEASURES])
    for line in result.problems:
        print(line, file=sys.stderr)
    unplanned = int(result.quarantine["reason"].eq(NO_ACTION).sum())
    print(
        f"{force}: {len(result.plan)} action(s) written; {len(result.problems)} problem(s) "
        f"kept out with their reasons; {unplanned} finding(s) without an action."
    )
    return 1 if result.problems else 0
