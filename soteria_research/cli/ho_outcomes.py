"""``soteria ho-outcomes``: summarise a Home Office outcomes open data file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

NAME = "ho-outcomes"
HELP = (
    "summarise a Home Office outcomes open data file (CSV, .csv.gz, ODS or Excel) per force "
    "or nationally: recorded, charged, outcomes 14/15/16/18, pending and the charge rate"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the outcomes open data file")
    parser.add_argument(
        "--subgroup",
        default="Rape",
        help="offence subgroup, e.g. Rape or 'Other sexual offences'; 'all' for all sexual "
        "offences (default: Rape)",
    )
    parser.add_argument(
        "--measure",
        choices=["cohort", "activity"],
        default="cohort",
        help="cohort: outcomes of offences recorded in the period (recorded = offences "
        "recorded); activity: outcomes assigned in the period (recorded = outcomes "
        "assigned) (default: cohort)",
    )
    parser.add_argument(
        "--by", choices=["force", "national"], default="force", help="one row per force or "
        "one national row per year (default: force)"
    )  # fmt: skip
    parser.add_argument("--year", help="financial year, e.g. 2017/18 (default: every year)")
    parser.add_argument(
        "--exclude-btp", action="store_true", help="leave out British Transport Police"
    )
    parser.add_argument("--decimals", type=int, default=2, help="charge rate decimals (2)")
    parser.add_argument("--out", type=Path, help="write the CSV here instead of to stdout")


def run(args: argparse.Namespace) -> int:
    from soteria_research.errors import ExtractError
    from soteria_research.homeoffice import read_outcomes
    from soteria_research.homeoffice.summary import outcomes_summary

    table = read_outcomes(args.file)
    subgroup = None if args.subgroup.casefold() in ("all", "none") else args.subgroup
    summary = outcomes_summary(
        table,
        subgroup=subgroup,
        measure=args.measure,
        by=args.by,
        year=args.year,
        include_btp=not args.exclude_btp,
    )
    summary["charge_rate"] = summary["charge_rate"].round(args.decimals)
    if args.out is None:
        try:
            summary.to_csv(sys.stdout, index=False, lineterminator="\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early, e.g. `| head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        summary.to_csv(args.out, index=False)
    except OSError as exc:
        raise ExtractError(f"{args.out}: cannot write the summary ({exc}).") from exc
    print(f"wrote {len(summary)} row(s) to {args.out}", file=sys.stderr)
    return 0
