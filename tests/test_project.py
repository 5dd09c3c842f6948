"""The project's own promises: layout, pinned dependencies, environment.yml, CLI."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from soteria_research import cli, settings

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)) :].replace(" ", "")


def test_layout_from_the_design_brief() -> None:
    for path in [
        "notebooks",
        "soteria_research",
        "data/raw",
        "data/processed",
        "reports",
        "tests",
        "environment.yml",
        "README.md",
        "pyproject.toml",
        "Makefile",
        ".ci/run",
        "config/settings.yaml",
    ]:
        assert (ROOT / path).exists(), path


def test_environment_yml_agrees_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): _spec(r) for r in project["dependencies"]}
    wanted |= {_name(r): _spec(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {
        _name(d): _spec(d)
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in {"python", "pip"}
    }
    assert listed == wanted


def test_constraints_pin_what_determines_results() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_name(name)] = version.strip()
    for package in [
        "pandas",
        "numpy",
        "statsmodels",
        "scipy",
        "matplotlib",
        "seaborn",
        "pyarrow",
        "pandera",
        "papermill",
        "nbconvert",
        "nbval",
    ]:
        assert package in pins, f"{package} is not pinned in constraints.txt"
    assert pins["pandas"].startswith("3.")
    major, minor = (int(x) for x in pins["matplotlib"].split(".")[:2])
    assert (major, minor) < (3, 13)


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import version

    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for package in ["pandas", "numpy", "statsmodels", "matplotlib", "seaborn"]:
        assert version(package) == pins[package].strip(), package


def test_settings_file_loads_and_copies_are_independent() -> None:
    first = settings.load()
    first["disclosure"]["min_cell_count"] = -1
    assert settings.load()["disclosure"]["min_cell_count"] == 10


def test_make_help_lists_every_target() -> None:
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)
    targets = {line.split()[0] for line in text.splitlines() if line.strip()}
    assert {"reports", "test", "lab", "help", "setup"} <= targets


def test_cli_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in [
        "forces",
        "synth",
        "clean",
        "reports",
        "audit",
        "ho-outcomes",
        "assessment-template",
    ]:
        assert command in out, command


def test_cli_wrong_argument_is_a_message_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", "no-such-command"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_force_suggests() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "soteria_research.cli", "forces", "Avon and Somersett"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Did you mean: 'Avon and Somerset'" in result.stderr
    assert "Traceback" not in result.stderr
