"""The run manifest records code version, packages, settings, inputs and outputs."""

from __future__ import annotations

import re
from pathlib import Path

from soteria_research import __version__, versions
from soteria_research.batch import manifest


def test_code_version_and_label() -> None:
    version = versions.code_version()
    assert version["package_version"] == __version__
    assert re.fullmatch(r"[0-9a-f]{64}", version["source_hash"])
    assert version["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", version["git_commit"])
    label = versions.code_version_label(version)
    assert label.startswith(f"{__version__} (") and version["source_hash"][:8] in label


def test_label_without_git() -> None:
    version = {"package_version": "1.2.3", "git_commit": None, "source_hash": "ab" * 32}
    assert versions.code_version_label(version) == "1.2.3 (source abababab)"


def test_manifest_holds_what_a_reader_needs(root: Path) -> None:
    version = {"package_version": "1.2.3", "git_commit": "c" * 40, "source_hash": "ab" * 32}
    built = manifest.build_manifest(
        "20240701-100000-abcd",
        "2024-07-01T10:00:00+01:00",
        status="ok",
        settings={"disclosure": {"min_cell_count": 10}},
        parameters={"period": "2023/24", "forces": ["Durham"]},
        inputs={"durham": {"data": "d" * 64}},
        tasks=[{"name": "Durham", "status": "ok"}],
        outputs={"forces/durham.html": "e" * 64},
        version=version,
        finished="2024-07-01T10:01:00+01:00",
    )
    path = manifest.write_manifest(built)
    assert path == root / "reports" / "runs" / "20240701-100000-abcd" / "manifest.json"
    read = manifest.read_manifest(path)
    assert read["code_version"]["label"] == f"1.2.3 (git {'c' * 7}, source abababab)"
    assert set(read["packages"]) == set(versions.RECORDED_PACKAGES)
    assert read["packages"]["pandas"] and read["packages"]["papermill"]
    assert read["settings"]["disclosure"]["min_cell_count"] == 10
    assert read["inputs"]["durham"]["data"] == "d" * 64
    assert read["outputs"] == {"forces/durham.html": "e" * 64}
    assert (read["started"], read["finished"]) == (
        "2024-07-01T10:00:00+01:00",
        "2024-07-01T10:01:00+01:00",
    )
    assert manifest.latest_manifest()["run_id"] == "20240701-100000-abcd"


def test_run_ids_sort_by_time() -> None:
    ids = [manifest.new_run_id() for _ in range(3)]
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", i) for i in ids)
    assert sorted(ids, key=lambda i: i[:15]) == ids
