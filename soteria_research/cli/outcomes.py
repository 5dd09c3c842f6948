"""``soteria outcomes``: list the Home Office outcome types and the labels understood."""

from __future__ import annotations

import argparse

NAME = "outcomes"
HELP = "list the Home Office outcome types (0 = pending), their groups and known labels"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("value", nargs="?", help="an outcome label in any form, to normalise")
    parser.add_argument(
        "--labels", action="store_true", help="also list the force labels understood per type"
    )


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from soteria_research import normalise, paths, reference

    if args.value:
        found = normalise.outcome(args.value)
        alternate = " (alternate offence)" if found.alternate else ""
        print(f"{found.type}{alternate}\t{reference.outcome_group(found.type)}")
        return 0
    table = reference.outcomes()[["type", "description", "group"]]
    if args.labels:
        labels = pd.read_csv(paths.REFERENCE_DIR / "outcome_labels.csv", dtype=str)
        packaged = labels.groupby(labels["type"].astype(int))["label"].agg("; ".join)
        table["labels"] = table["type"].map(packaged).fillna("")
    aliases = reference.user_aliases()["outcomes"]
    table["your labels"] = table["type"].map(
        lambda t: "; ".join(v for k, vs in aliases.items() if k.rstrip("aA") == str(t) for v in vs)
    )
    for row in table.itertuples(index=False):
        line = f"{row.type:>2}  {row.description[:90]:<90}  {row.group}"
        extra = [x for x in (getattr(row, "labels", ""), row[-1]) if x]
        print(line + (f"  [{'; '.join(extra)}]" if extra else ""))
    print(
        "\nAlso understood: numbers (16, 16.0), OC16, Outcome 16, 1A/2A/3A (alternate offence, "
        "counted under 1/2/3) and labels ending (OC14). A mapping maps other labels under "
        f"`codes.outcome`; labels every mapping shares go in {reference.aliases_file()} under "
        "`outcomes:`."
    )
    return 0
