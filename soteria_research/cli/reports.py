"""``soteria reports``: build the force reports, the evidence base and the national report.

A thin wrapper over :func:`soteria_research.batch.runner.run_reports`. Only what changed
is rebuilt (judged by content hashes); ``--rerun`` rebuilds everything. The exit code is 1
when any report failed, 130 after Ctrl-C and 143 after SIGTERM.

``--prepare`` first does what ``soteria synth --if-empty`` and ``soteria clean`` do, in the
same process (what ``make reports`` runs): the synthetic default when ``data/raw/`` holds no
extracts, then a clean unless the data stamp says nothing changed since the last one
(:mod:`soteria_research.batch.preparation`). Heavy modules are imported only when there is
work for them.
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
        help="only these forces' reports (any known name variant; default every force with "
        "data); the release still holds every force with data, and another force's report "
        "is built again when what it may show changes",
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
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="first write the synthetic default when data/raw/ holds no extracts and clean "
        "data/raw/ when it, the cleaning code or the config changed (`make reports`)",
    )


def prepare() -> int:
    """``soteria synth --if-empty`` then ``soteria clean`` when anything they read changed;
    returns the clean's exit code (0 when skipped)."""
    from soteria_research import paths
    from soteria_research.batch import preparation
    from soteria_research.cli import build_parser

    def command(*argv: str) -> int:
        args = build_parser().parse_args(list(argv))
        return int(args._run(args) or 0)

    raw, processed = paths.raw_dir(), paths.processed_dir()
    if not preparation.has_extracts(raw):
        command("synth", "--if-empty")
    if preparation.data_unchanged(raw, processed):
        print(
            f"{raw}: unchanged since the last clean (sizes and times of the extracts, the "
            "cleaning code, the config and the processed tables); cleaning skipped. "
            "`soteria clean` checks the content."
        )
        return 0
    inputs = preparation.clean_inputs(raw)
    preparation.forget_stamp(processed)
    code = command("clean")
    if code == 0:
        preparation.write_stamp(inputs, processed)
    return code


def run(args: argparse.Namespace) -> int:
    if args.prepare and (code := prepare()):
        print(
            "soteria reports: the clean failed for some data (see above); fix it, or run "
            "`soteria reports` without --prepare to report on the processed data as it stands.",
            file=sys.stderr,
        )
        return code
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
