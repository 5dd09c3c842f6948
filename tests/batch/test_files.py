"""Atomic writes: a file is complete under its name, or not there at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteria_research import files


def test_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    files.write_text(target, "old")
    files.write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_failure_while_writing_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous complete report")
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("<html><body>half of a rep")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "previous complete report"
    assert list(tmp_path.iterdir()) == [target]


def test_failure_before_first_write_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_remove_temp_files_removes_only_temporaries(tmp_path: Path) -> None:
    keep = tmp_path / "durham.html"
    keep.write_text("x")
    hidden = tmp_path / ".gitkeep"
    hidden.write_text("")
    stale = files.temp_path(keep)
    stale.write_text("half")
    assert files.is_temp_file(stale) and not files.is_temp_file(keep)
    assert files.remove_temp_files(tmp_path, tmp_path / "absent") == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitkeep", "durham.html"]
