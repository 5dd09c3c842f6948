"""Same seed, same bytes; and a force's files do not depend on which others are written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from soteria_research import synth

SMALL = {"forces": ["London, City of", "Gwent"], "scale": 0.2}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def all_forces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("all")
    synth.generate(out, scale=0.02)
    return out


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    synth.generate(tmp_path / "a", **SMALL)
    synth.generate(tmp_path / "b", **SMALL)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert first == second
    assert any(name.endswith("rasso_extract.xlsx") for name in first)
    assert any(name.endswith("self_assessment.xlsx") for name in first)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    synth.generate(tmp_path / "a", **SMALL)
    synth.generate(tmp_path / "b", seed=7, **SMALL)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert first["gwent/crime_extract.csv"] != second["gwent/crime_extract.csv"]


@pytest.mark.parametrize("force", ["Gwent", "London, City of", "Durham"])
def test_a_force_alone_equals_the_force_in_the_full_set(
    all_forces: Path, tmp_path: Path, force: str
) -> None:
    synth.generate(tmp_path, forces=[force], scale=0.02)
    alone = _hashes(tmp_path)
    full = _hashes(all_forces)
    assert alone
    assert all(full[name] == digest for name, digest in alone.items())


def test_full_set_has_a_folder_per_force(all_forces: Path) -> None:
    folders = [p for p in all_forces.iterdir() if (p / "mapping.yaml").is_file()]
    assert len(folders) == 43
    assert not (all_forces / "btp").exists()


def test_rewriting_replaces_earlier_synthetic_files(tmp_path: Path) -> None:
    synth.generate(tmp_path, forces=["Cleveland"], scale=0.1, years=2, first_year=2022)
    synth.generate(tmp_path, forces=["Cleveland"], scale=0.1, years=1, first_year=2023)
    extracts = sorted(p.name for p in (tmp_path / "cleveland").glob("sexual_offences_*.csv"))
    assert extracts == ["sexual_offences_2023-24.csv"]
