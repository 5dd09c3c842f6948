"""The command line writes plain text to pipes: no colour codes, no progress bars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONTROL = ("\x1b[", "\r")


def soteria(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "SOTERIA_ROOT": str(root), **env}
    environ.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )


@pytest.mark.slow
def test_commands_print_no_control_codes_into_a_pipe(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["forces"],
        ["forces", "avon"],
        ["synth", "--forces", "Durham", "--scale", "0.05"],
        ["clean"],
    ):
        result = soteria(tmp_path, *args)
        for code in CONTROL:
            assert code not in result.stdout + result.stderr, (args, code)
    assert "Did you mean: 'Avon and Somerset'" in soteria(tmp_path, "forces", "avon").stderr


@pytest.mark.parametrize("no_color", [None, "1"])
def test_make_help_has_no_colour_in_a_pipe(no_color: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = no_color
    out = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and "\x1b" not in out.stdout
    assert "  reports " in out.stdout and "  lab " in out.stdout
