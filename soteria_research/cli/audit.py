"""``soteria audit PATH...``: check published outputs for disclosure."""

from __future__ import annotations

import argparse
import time

NAME = "audit"
HELP = (
    "check published outputs (HTML reports, evidence-base CSV/parquet/xlsx, figure data, JSON "
    "output logs) for small counts, identifiers and withheld cells a reader can work out from "
    "what is published (by linear programming over the whole release); exit 1 on a problem"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    parser.add_argument(
        "--max-problems",
        type=int,
        default=200,
        metavar="N",
        help="list at most N problems (all are counted; default 200)",
    )
    parser.add_argument(
        "--protection-width",
        type=float,
        default=None,
        metavar="W",
        help="a withheld cell narrowed to an interval narrower than W is a problem "
        "(default: disclosure.protection_width, else the minimum cell count)",
    )
    parser.add_argument(
        "--no-attack",
        action="store_true",
        help="check file by file only; skip the linear-programming attack on the release",
    )


def run(args: argparse.Namespace) -> int:
    from soteria_research.disclosure.audit import audit_paths

    start = time.perf_counter()
    report = audit_paths(args.paths, attack=not args.no_attack, width=args.protection_width)
    for problem in report.problems[: args.max_problems]:
        print(problem)
    hidden = len(report.problems) - args.max_problems
    if hidden > 0:
        print(f"... and {hidden} more")
    seconds = time.perf_counter() - start
    summary = f"{report.files} file(s), {report.tables} table(s) checked in {seconds:.1f} s"
    if report.ok:
        print(f"soteria audit: OK: {summary}, no disclosure problems found")
        return 0
    print(
        f"soteria audit: FAILED: {len(report.problems)} problem(s) in {summary} "
        f"({report.exposures} withheld value(s) or small difference(s) a reader can work out)"
    )
    return 1
