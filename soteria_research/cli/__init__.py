"""The ``soteria`` command line: a thin layer over the Python API.

Each subcommand is a module in this package with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; modules are found by name, so a new
subcommand is a new file. Errors raised on purpose (``SoteriaError``) are printed as one
clear message with exit code 1; argument mistakes get argparse's usage message (exit 2).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from soteria_research import __version__, logs
from soteria_research.errors import SoteriaError


def _commands() -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="soteria",
        description=(
            "Soteria research workbench: synthetic data, ingest and cleaning, measures, "
            "disclosure-safe force reports and the National Operating Model evidence base."
        ),
        epilog="Run `soteria COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"soteria {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _commands():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``soteria``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.verbose)
    try:
        return int(args._run(args) or 0)
    except SoteriaError as exc:
        print(f"soteria {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"soteria {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
