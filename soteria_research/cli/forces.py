"""``soteria forces``: list the forces, or normalise a name."""

from __future__ import annotations

import argparse

NAME = "forces"
HELP = "list the 43 forces and BTP with their ids, or normalise a force name"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a force name in any known variant")


def run(args: argparse.Namespace) -> int:
    from soteria_research import normalise, reference

    if args.name:
        print(normalise.force_name(args.name))
        return 0
    table = reference.forces()[["name", "police_uk_id", "pfa_code", "region", "soteria_phase"]]
    print(table.to_string(index=False))
    extra = reference.user_aliases()["forces"]
    held = f" ({sum(map(len, extra.values()))} of yours loaded)" if extra else ""
    print(
        f"\nOther names for a force go under `forces:` in {reference.aliases_file()}{held}; "
        "`soteria forces NAME` shows how a name is read."
    )
    return 0
