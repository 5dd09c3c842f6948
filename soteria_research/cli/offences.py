"""``soteria offences``: list the sexual offence codes and what they mean."""

from __future__ import annotations

import argparse

NAME = "offences"
HELP = "list the Home Office sexual offence codes, their descriptions and subgroups"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "value", nargs="?", help="an offence code or description in any form, to normalise"
    )


def run(args: argparse.Namespace) -> int:
    from soteria_research import normalise, reference

    if args.value:
        code = normalise.offence_code(args.value)
        row = reference.offences().set_index("code").loc[code]
        print(f"{code}\t{row['description']}\t{row['subgroup']}")
        return 0
    table = reference.offences()[["code", "description", "subgroup"]]
    aliases = reference.user_aliases()["offences"]
    table["your labels"] = table["code"].map(lambda c: "; ".join(aliases.get(c, [])))
    print(table.to_string(index=False))
    print(
        "\nA mapping may give any of these codes or descriptions (`codes.offence` maps other "
        f"labels); labels every mapping shares go in {reference.aliases_file()} under `offences:`."
    )
    return 0
