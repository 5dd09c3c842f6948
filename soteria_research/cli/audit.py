"""``soteria audit PATH...``: check published outputs for disclosure."""

from __future__ import annotations

import argparse

NAME = "audit"
HELP = (
    "check published outputs (HTML reports, evidence-base CSV/parquet/xlsx, JSON output "
    "logs) for small counts, recoverable suppressed cells and identifiers; exit 1 on a problem"
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


def run(args: argparse.Namespace) -> int:
    from soteria_research.disclosure.audit import audit_paths

    report = audit_paths(args.paths)
    for problem in report.problems[: args.max_problems]:
        print(problem)
    hidden = len(report.problems) - args.max_problems
    if hidden > 0:
        print(f"... and {hidden} more")
    summary = f"{report.files} file(s), {report.tables} table(s) checked"
    if report.ok:
        print(f"soteria audit: OK: {summary}, no disclosure problems found")
        return 0
    print(f"soteria audit: FAILED: {len(report.problems)} problem(s) in {summary}")
    return 1
