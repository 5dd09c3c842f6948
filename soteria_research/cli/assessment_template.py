"""``soteria assessment-template``: the self-assessment workbook a force team fills in."""

from __future__ import annotations

import argparse

NAME = "assessment-template"
HELP = "write the self-assessment Excel workbook for a force to fill in"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", required=True, metavar="NAME", help="the force, any name variant"
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="workbook to write (default self_assessment_<force id>_round<R>.xlsx here)",
    )
    parser.add_argument("--round", default="1", metavar="R", help="assessment round (default 1)")
    parser.add_argument(
        "--framework",
        metavar="FILE",
        help="framework YAML (default config/self_assessment_framework.yaml)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from soteria_research import normalise, paths
    from soteria_research.ingest import processed, write_assessment_template

    force = normalise.force_name(args.force)
    folder = processed.police_uk_id(force)
    out = Path(args.out or f"self_assessment_{folder}_round{args.round}.xlsx")
    written = write_assessment_template(force, out, args.framework, args.round)
    print(
        f"Wrote {written} for {force}, round {args.round}. When it is filled in, save it as "
        f"{paths.raw_dir() / folder}/self_assessment*.xlsx and run `soteria clean`."
    )
    return 0
