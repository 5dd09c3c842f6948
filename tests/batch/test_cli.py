"""`soteria reports` on the command line: clear errors before any kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteria_research.cli import main


def test_unknown_force_is_refused_with_suggestions(
    two_forces: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reports", "--forces", "Durhm"]) == 1
    err = capsys.readouterr().err
    assert "Unknown force 'Durhm'" in err and "Did you mean: 'Durham'" in err
    assert not (two_forces / "reports" / "runs").exists()


def test_no_processed_data_says_run_clean(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports"]) == 1
    assert "soteria clean" in capsys.readouterr().err


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["reports", "--help"])
    out = capsys.readouterr().out
    for option in ("--forces", "--jobs", "--rerun", "--period", "--no-national"):
        assert option in out
