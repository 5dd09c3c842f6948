"""Content hashes: they move when content moves, and only then."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from soteria_research import digests


def _tree(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("x\n1\n")
    (folder / "sub" / "b.txt").write_text("hello")
    return folder


def test_tree_digest_follows_content_not_timestamps(tmp_path: Path) -> None:
    folder = _tree(tmp_path / "d")
    before = digests.tree_digest(folder)
    os.utime(folder / "a.csv", (1, 1))  # a new timestamp, same bytes
    (folder / "sub" / "b.txt").write_text("hello")  # rewritten, same bytes
    assert digests.tree_digest(folder) == before
    (folder / "sub" / "b.txt").write_text("hellp")
    assert digests.tree_digest(folder) != before


def test_tree_digest_sees_added_and_renamed_files(tmp_path: Path) -> None:
    folder = _tree(tmp_path / "d")
    before = digests.tree_digest(folder)
    (folder / "a.csv").rename(folder / "c.csv")
    renamed = digests.tree_digest(folder)
    assert renamed != before
    (folder / "new.txt").write_text("")
    assert digests.tree_digest(folder) not in (before, renamed)


def test_tree_digest_ignores_hidden_files_and_caches(tmp_path: Path) -> None:
    folder = _tree(tmp_path / "d")
    before = digests.tree_digest(folder)
    (folder / ".a.csv.123.abc.tmp").write_text("half written")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (folder / "sub" / "x.pyc").write_bytes(b"\0")
    assert digests.tree_digest(folder) == before


def test_missing_and_empty_folders_differ(tmp_path: Path) -> None:
    assert digests.tree_digest(tmp_path / "absent") == digests.MISSING
    (tmp_path / "empty").mkdir()
    assert digests.tree_digest(tmp_path / "empty") != digests.MISSING


def test_notebook_digest_ignores_outputs_and_metadata(tmp_path: Path) -> None:
    cell = new_code_cell("x = 1\nx", execution_count=3)
    cell.outputs = [new_output("execute_result", data={"text/plain": "1"}, execution_count=3)]
    nb = new_notebook(cells=[cell])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    before = digests.notebook_digest(path)

    data = json.loads(path.read_text())
    data["cells"][0]["outputs"] = []
    data["cells"][0]["execution_count"] = None
    data["metadata"]["papermill"] = {"duration": 1.0}
    path.write_text(json.dumps(data))
    assert digests.notebook_digest(path) == before

    data["cells"][0]["source"] = "x = 2\nx"
    path.write_text(json.dumps(data))
    assert digests.notebook_digest(path) != before


def test_code_digest_covers_source_and_reference_files(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "reference").mkdir(parents=True)
    (package / "m.py").write_text("A = 1\n")
    (package / "reference" / "forces.csv").write_text("name\nDurham\n")
    before = digests.code_digest(package)
    (package / "reference" / "forces.csv").write_text("name\nDurham\nGwent\n")
    after_reference = digests.code_digest(package)
    (package / "m.py").write_text("A = 2\n")
    assert len({before, after_reference, digests.code_digest(package)}) == 3


def test_params_digest_ignores_key_order() -> None:
    one = digests.params_digest({"force": "Durham", "period": "2023/24"})
    assert one == digests.params_digest({"period": "2023/24", "force": "Durham"})
    assert one != digests.params_digest({"force": "Durham", "period": "2022/23"})
