"""``soteria synth``: write the calibrated synthetic extracts into ``data/raw/``."""

from __future__ import annotations

import argparse

NAME = "synth"
HELP = "write the calibrated synthetic extracts, mappings and self-assessments into data/raw/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", help="folder of force folders (default data/raw/)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: settings)")
    parser.add_argument(
        "--first-year",
        type=int,
        metavar="YYYY",
        help="first financial year, 2021 = 2021/22 (default: settings)",
    )
    parser.add_argument(
        "--years", type=int, metavar="N", help="number of financial years (default: settings, 3)"
    )
    parser.add_argument(
        "--forces",
        nargs="+",
        metavar="NAME",
        help="forces to write, any known name variant (default: all 43)",
    )
    parser.add_argument("--btp", action="store_true", help="include British Transport Police")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="F",
        help="volume multiplier, greater than 0 (default 1.0: real volumes)",
    )
    parser.add_argument(
        "--extraction-date",
        metavar="YYYY-MM-DD",
        help="day the extracts were taken (default: settings)",
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the folder already holds a force folder with a mapping.yaml",
    )


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from soteria_research import paths, synth

    out = Path(args.out) if args.out else paths.raw_dir()
    if args.if_empty and synth.has_extracts(out):
        print(f"soteria synth: {out} already holds extracts; nothing written.")
        return 0
    start = time.perf_counter()
    summary = synth.generate(
        out,
        seed=args.seed,
        first_year=args.first_year,
        years=args.years,
        forces=args.forces,
        include_btp=True if args.btp else None,
        scale=args.scale,
        extraction_date=args.extraction_date,
    )
    seconds = time.perf_counter() - start
    print(
        f"Wrote {len(summary)} force folder{'s' if len(summary) != 1 else ''} to {out}: "
        f"{summary['rows'].sum():,} rows "
        f"({summary['rapes'].sum():,} rapes, {summary['other_sexual'].sum():,} other sexual "
        f"offences) in {seconds:.1f} s."
    )
    print(summary.groupby("layout")["force"].count().rename("forces").to_string())
    return 0
