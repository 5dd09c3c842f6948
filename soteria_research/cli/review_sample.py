"""``soteria review-sample``: draw a force's case-file review sample and write its workbook."""

from __future__ import annotations

import argparse

NAME = "review-sample"
HELP = "draw a stratified random sample of a force's cases and write the review workbook"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", required=True, metavar="NAME", help="the force, any name variant"
    )
    parser.add_argument("--size", type=int, metavar="N", help="cases to draw (default: settings)")
    parser.add_argument(
        "--strata",
        nargs="*",
        metavar="COLUMN",
        help="cases columns whose combinations are the strata (default: settings, "
        "outcome_group financial_year; none for a simple random sample)",
    )
    parser.add_argument(
        "--allocation",
        choices=("equal", "proportional"),
        help="cases per stratum: equal or proportional to its size (default: settings)",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: settings)")
    parser.add_argument(
        "--double-coding-share",
        type=float,
        metavar="F",
        help="share of the sample coded by a second reviewer (default: settings)",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="workbook (default review_<force id>.xlsx here)"
    )
    parser.add_argument(
        "--framework",
        metavar="FILE",
        help="review framework (default config/review_framework.yaml)",
    )
    parser.add_argument(
        "--with-references",
        action="store_true",
        help="add the force's own crime references (needs the pseudonymisation key and the "
        "raw extract in data/raw/): the workbook is then SENSITIVE and stays with the force",
    )


def _references(force: str, sample):
    from soteria_research import paths
    from soteria_research.errors import ParameterError
    from soteria_research.ingest import load_mapping, processed, read_extract, resolve_key
    from soteria_research.ingest.review_sample import crime_references

    folder = paths.raw_dir() / processed.police_uk_id(force)
    mapping_file = folder / "mapping.yaml"
    if not mapping_file.is_file():
        raise ParameterError(
            f"--with-references needs the force's raw extract and its mapping in {folder}/; "
            "run it where the force keeps its own data."
        )
    mapping = load_mapping(mapping_file)
    column = mapping.columns.get("crime_ref")
    if column is None:
        raise ParameterError(f"{mapping_file}: maps no crime_ref column, so no reference to add.")
    raw = read_extract(mapping)
    return crime_references(sample, raw[column], force, resolve_key(mapping.data_source))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from soteria_research import normalise, settings
    from soteria_research.ingest import load_cases, processed
    from soteria_research.ingest.review_framework import load_review_framework
    from soteria_research.ingest.review_sample import draw_review_sample
    from soteria_research.ingest.review_workbook import SENSITIVE_NOTE, write_review_workbook

    config = settings.section("review")
    force = normalise.force_name(args.force)
    framework = load_review_framework(args.framework)
    strata = list(config["strata"] if args.strata is None else args.strata)
    design = {
        "seed": args.seed if args.seed is not None else int(config["seed"]),
        "size": args.size if args.size is not None else int(config["sample_size"]),
        "strata": ", ".join(strata) or "none",
        "allocation": args.allocation or str(config["allocation"]),
        "double-coding share": (
            args.double_coding_share
            if args.double_coding_share is not None
            else float(config["double_coding_share"])
        ),
    }
    sample = draw_review_sample(
        load_cases(force),
        design["size"],
        strata,
        design["seed"],
        design["allocation"],
        design["double-coding share"],
    )
    references = _references(force, sample) if args.with_references else None
    out = Path(args.out or f"review_{processed.police_uk_id(force)}.xlsx")
    written = write_review_workbook(sample, framework, out, design=design, references=references)
    strata_count = sample["stratum"].nunique()
    double = int(sample["double_coded"].sum())
    print(
        f"Wrote {written} for {force}: {len(sample)} cases from {strata_count} strata "
        f"(seed {design['seed']}), {double} marked for a second coding."
    )
    if references is not None:
        print(SENSITIVE_NOTE)
    print(
        "When it is coded, save it as data/raw/"
        f"{processed.police_uk_id(force)}/review*.xlsx and run `soteria clean`."
    )
    return 0
