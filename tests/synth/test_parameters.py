"""Bad parameters get a clear message; the command line is a thin wrapper."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteria_research import cli, synth
from soteria_research.errors import ParameterError, UnknownValueError


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"years": 0}, "number of years must be 1 or more"),
        ({"years": -2}, "number of years must be 1 or more"),
        ({"scale": 0}, "scale must be a number greater than zero"),
        ({"scale": -1.0}, "scale must be a number greater than zero"),
        ({"first_year": 2010}, "before the outcomes framework began"),
        ({"first_year": 2024, "years": 3}, "starts after the extraction date"),
        ({"seed": -1}, "seed must be zero or more"),
        ({"years": 1.5}, "must be a whole number"),
        ({"extraction_date": "30/06/2024"}, "use YYYY-MM-DD"),
        ({"forces": []}, "No forces given"),
    ],
)
def test_bad_parameters(tmp_path: Path, parameters: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        synth.generate(tmp_path, **parameters)
    assert not any(tmp_path.iterdir())


def test_unknown_force_suggests_close_names(tmp_path: Path) -> None:
    with pytest.raises(UnknownValueError, match="Did you mean: 'Durham'"):
        synth.generate(tmp_path, forces=["Durhm"])


def test_real_data_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "durham"
    folder.mkdir()
    (folder / "extract.csv").write_text("real extract")
    with pytest.raises(ParameterError, match="did not write"):
        synth.generate(tmp_path, forces=["Durham"], scale=0.05)
    assert (folder / "extract.csv").read_text() == "real extract"


def test_british_transport_police_when_asked(tmp_path: Path) -> None:
    summary = synth.generate(tmp_path, forces=["BTP"], scale=0.05)
    assert summary["police_uk_id"].tolist() == ["btp"]
    assert summary["other_sexual"].iloc[0] > 10 * summary["rapes"].iloc[0]
    assert (tmp_path / "btp" / "mapping.yaml").is_file()


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["synth", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in [
        "--out",
        "--seed",
        "--first-year",
        "--years",
        "--forces",
        "--btp",
        "--scale",
        "--if-empty",
    ]:
        assert option in out


def test_cli_wrong_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["synth", "--scale", "many"])
    assert exit_info.value.code == 2
    assert "invalid float value" in capsys.readouterr().err


def test_cli_bad_value_is_one_clear_line(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert cli.main(["synth", "--out", str(tmp_path), "--years", "-1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "soteria synth: error: The number of years must be 1 or more, got -1."


def test_cli_writes_then_if_empty_does_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["synth", "--out", str(tmp_path), "--forces", "City of London", "--scale", "0.2"]
    assert cli.main(args) == 0
    assert "Wrote 1 force folder to" in capsys.readouterr().out
    before = (tmp_path / "city-of-london" / "mapping.yaml").stat().st_mtime_ns
    assert cli.main([*args, "--seed", "5", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert "already holds extracts; nothing written" in out
    assert len(out.strip().splitlines()) == 1
    assert (tmp_path / "city-of-london" / "mapping.yaml").stat().st_mtime_ns == before
