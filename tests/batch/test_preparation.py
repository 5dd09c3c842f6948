"""`soteria reports --prepare`: the synthetic default when empty, a clean only when needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from soteria_research import paths
from soteria_research.batch import preparation
from soteria_research.cli import clean as clean_cli
from soteria_research.cli import main
from soteria_research.cli import synth as synth_cli
from soteria_research.synth import has_extracts


@pytest.fixture
def prepared(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root holding one raw force folder and what its clean left, stamped."""
    monkeypatch.delenv("SOTERIA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(root / "no.key"))
    raw = root / "data" / "raw" / "durham"
    raw.mkdir(parents=True)
    (raw / "mapping.yaml").write_text("force: Durham\n")
    (raw / "extract.csv").write_text("ref,offence\n1,19C\n")
    out = root / "data" / "processed" / "durham"
    out.mkdir(parents=True)
    (out / "cases.parquet").write_bytes(b"cases")
    preparation.write_stamp(preparation.clean_inputs())
    return root


def _bump(path: Path, text: str | None = None) -> None:
    """Rewrite a file (same bytes unless ``text``) with a later modification time."""
    if text is not None:
        path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_the_stamp_holds_while_nothing_changes(prepared: Path) -> None:
    assert preparation.data_unchanged()
    stamp = preparation.read_stamp()
    assert stamp is not None
    assert set(stamp["inputs"]["raw"]) == {"durham/mapping.yaml", "durham/extract.csv"}
    assert "ingest/pipeline.py" in stamp["inputs"]["code"]
    assert "normalise.py" in stamp["inputs"]["code"]
    assert "settings.yaml" in stamp["inputs"]["config"]
    assert list(stamp["processed"]) == ["durham/cases.parquet"]
    assert stamp["processed"]["durham/cases.parquet"][0] == len(b"cases")


@pytest.mark.parametrize(
    "change",
    [
        "raw file touched",
        "raw file edited",
        "raw file added",
        "mapping removed",
        "config edited",
        "processed table removed",
        "processed table rewritten",
        "key set",
    ],
)
def test_any_change_means_a_clean(
    prepared: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = prepared / "data" / "raw" / "durham"
    out = prepared / "data" / "processed" / "durham"
    if change == "raw file touched":
        _bump(raw / "extract.csv")
    elif change == "raw file edited":
        _bump(raw / "extract.csv", "ref,offence\n1,19D\n")
    elif change == "raw file added":
        (raw / "self_assessment.xlsx").write_bytes(b"x")
    elif change == "mapping removed":
        (raw / "mapping.yaml").unlink()
    elif change == "config edited":
        settings = paths.config_dir() / "settings.yaml"
        _bump(settings, settings.read_text() + "\n# a comment\n")
    elif change == "processed table removed":
        (out / "cases.parquet").unlink()
    elif change == "processed table rewritten":
        _bump(out / "cases.parquet", "other")
    elif change == "key set":
        monkeypatch.setenv("SOTERIA_PSEUDONYM_KEY", "0123456789abcdef0123")
    assert not preparation.data_unchanged()


def test_no_stamp_or_an_unreadable_one_means_a_clean(prepared: Path) -> None:
    preparation.stamp_path().write_text("{not json")
    assert not preparation.data_unchanged()
    preparation.forget_stamp()
    assert not preparation.data_unchanged()


def test_the_stamp_never_holds_the_key(prepared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "a-secret-pseudonymisation-key-0123456789"
    monkeypatch.setenv("SOTERIA_PSEUDONYM_KEY", secret)
    path = preparation.write_stamp(preparation.clean_inputs())
    assert secret not in path.read_text()
    assert preparation.data_unchanged()


def test_has_extracts_agrees_with_the_generator(root: Path) -> None:
    raw = root / "data" / "raw"
    assert preparation.has_extracts(raw) is has_extracts(raw) is False
    (raw / "durham").mkdir(parents=True)
    assert preparation.has_extracts(raw) is has_extracts(raw) is False
    (raw / "durham" / "mapping.yaml").write_text("force: Durham\n")
    assert preparation.has_extracts(raw) is has_extracts(raw) is True


def _record(calls: list[str], name: str, code: int = 0):
    def run(args) -> int:
        calls.append(name)
        return code

    return run


def test_prepare_cleans_only_when_something_changed(
    prepared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(synth_cli, "run", _record(calls, "synth"))
    monkeypatch.setattr(clean_cli, "run", _record(calls, "clean"))
    from soteria_research.cli.reports import prepare

    assert prepare() == 0
    assert calls == []  # raw data held, nothing changed
    assert "cleaning skipped" in capsys.readouterr().out

    _bump(prepared / "data" / "raw" / "durham" / "extract.csv")
    assert prepare() == 0
    assert calls == ["clean"]
    assert preparation.data_unchanged()  # the successful clean was stamped
    assert prepare() == 0
    assert calls == ["clean"]


def test_a_failed_clean_is_not_stamped_and_stops_the_reports(
    prepared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(clean_cli, "run", _record(calls, "clean", code=1))
    _bump(prepared / "data" / "raw" / "durham" / "extract.csv")
    assert main(["reports", "--prepare"]) == 1
    assert calls == ["clean"]
    assert "the clean failed" in capsys.readouterr().err
    assert preparation.read_stamp() is None
    assert not (prepared / "reports" / "runs").exists()  # no report was started
    assert main(["reports", "--prepare"]) == 1
    assert calls == ["clean", "clean"]  # tried again, not skipped


def test_an_empty_raw_folder_gets_the_synthetic_default(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(synth_cli, "run", _record(calls, "synth"))
    monkeypatch.setattr(clean_cli, "run", _record(calls, "clean"))
    from soteria_research.cli.reports import prepare

    assert prepare() == 0
    assert calls == ["synth", "clean"]


def test_the_key_is_read_from_where_cleaning_reads_it(
    prepared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from soteria_research.ingest.pseudonymise import DEFAULT_KEY_ENV

    assert preparation.DEFAULT_KEY_ENV == DEFAULT_KEY_ENV
    key_file = prepared / "no.key"
    key_file.write_text("a-key-in-the-key-file-0123456789\n")
    assert not preparation.data_unchanged()  # a key file appeared
    preparation.write_stamp(preparation.clean_inputs())
    assert preparation.data_unchanged()
    key_file.write_text("another-key-in-the-key-file-01234\n")
    assert not preparation.data_unchanged()
