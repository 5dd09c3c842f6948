"""`soteria offences` / `soteria outcomes` list the codes; user aliases live in config/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soteria_research import cli, normalise, paths, reference
from soteria_research.errors import ConfigError, UnknownValueError


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(paths.CHECKOUT_DIR / "config" / "settings.yaml", folder / "settings.yaml")
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(folder))
    return folder


def test_offences_lists_every_code(capsys) -> None:
    assert cli.main(["offences"]) == 0
    printed = capsys.readouterr().out
    for code in reference.offences()["code"]:
        assert (
            f"\n{code} " in printed or printed.lstrip().startswith(code) or f" {code} " in printed
        )
    assert "Rape of a female aged 16 and over" in printed
    assert cli.main(["offences", "019c"]) == 0
    assert capsys.readouterr().out.startswith("19C\tRape of a female aged 16 and over\tRape")


def test_outcomes_lists_every_type_and_normalises(capsys) -> None:
    assert cli.main(["outcomes", "--labels"]) == 0
    lines = capsys.readouterr().out.splitlines()
    types = [int(line[:2]) for line in lines if line[:2].strip().isdigit()]
    assert types == reference.outcomes()["type"].tolist()
    assert cli.main(["outcomes", "Outcome 16"]) == 0
    assert capsys.readouterr().out.startswith("16\tEvidential difficulties")


def test_messages_name_commands_that_exist_and_the_config_file() -> None:
    with pytest.raises(UnknownValueError) as caught:
        normalise.offence_code("99Z")
    assert "`soteria offences`" in str(caught.value)
    with pytest.raises(UnknownValueError) as caught:
        normalise.force_name("Hants & IOW")
    message = str(caught.value)
    assert "aliases.yaml" in message and "soteria_research/reference" not in message
    commands = {m.NAME for m in cli._commands()}
    assert {"offences", "outcomes", "forces"} <= commands


def test_user_aliases_are_merged(config: Path) -> None:
    (config / "aliases.yaml").write_text(
        "forces:\n  Hampshire: [Hants & IOW]\n"
        "outcomes:\n  '16': [NFA victim withdrew]\n  1A: [Charged other offence]\n"
        "offences:\n  19C: [Rape F 16+]\n"
    )
    assert normalise.force_name("HANTS & IOW") == "Hampshire"
    assert normalise.outcome("nfa - victim withdrew") == normalise.Outcome(16)
    assert normalise.outcome("Charged other offence") == normalise.Outcome(1, True)
    assert normalise.offence_code("rape f 16+") == "19C"
    assert normalise.force_name("Avon & Somerset") == "Avon and Somerset"  # packaged ones kept


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("forces:\n  Hampshir: [x]\n", "'Hampshir' is not a Home Office force name"),
        ("force:\n  Hampshire: [x]\n", "unknown: force"),
        ("forces: [a, b]\n", "`forces:` must hold"),
    ],
)
def test_bad_aliases_name_the_file(config: Path, text: str, message: str) -> None:
    (config / "aliases.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        normalise.force_name("Durham")
    assert "aliases.yaml" in str(caught.value)
