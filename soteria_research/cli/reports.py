"""``soteria reports``: build the force reports, the evidence base and the national report.

A thin wrapper over :func:`soteria_research.batch.runner.run_reports`. Only what changed
is rebuilt (judged by content hashes); ``--rerun`` rebuilds everything. The exit code is 1
when any report failed, 130 after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

NAME = "reports"
HELP = "build every force report, the national report and the evidence base (incremental)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--forces",
        nargs="+",
        metavar="NAME",
        help="only these forces (any known name variant); default every force with data",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="notebooks run at once (default: reports.jobs in the settings, 0 = one per core)",
    )
    parser.add_argument(
        "--rerun", action="store_true", help="rebuild everything, even what has not changed"
    )
    parser.add_argument(
        "--period", metavar="P", help='reporting period, e.g. "2023/24" (default: latest)'
    )
    parser.add_argument(
        "--no-national",
        action="store_true",
        help="do not run the national notebook (the evidence base is still updated)",
    )


def run(args: argparse.Namespace) -> int:
    from soteria_research.batch.runner import RunInterrupted, run_reports

    try:
        summary = run_reports(
            forces=args.forces,
            jobs=args.jobs,
            rerun=args.rerun,
            period=args.period,
            national=not args.no_national,
        )
    except RunInterrupted as exc:
        print(
            "soteria reports: interrupted; finished reports are kept, unfinished ones were "
            "not written, and the run can be started again.",
            file=sys.stderr,
        )
        return 128 + exc.signum
    print(summary.format())
    return summary.exit_code
