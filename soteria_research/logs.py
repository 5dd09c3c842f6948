"""Logging set-up for the command line.

Modules log through ``logging.getLogger(__name__)``. Messages carry counts, file names,
row numbers and column names, never record-level values from case data.
"""

from __future__ import annotations

import logging


def configure(verbose: bool = False) -> None:
    """Send package logs to stderr at INFO (DEBUG when verbose)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("matplotlib", "papermill", "traitlets", "fontTools", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
