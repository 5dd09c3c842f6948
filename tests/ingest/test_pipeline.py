"""The run: folders to processed tables, reproducibly, atomically, with nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from soteria_research import cli
from soteria_research.errors import DataError, MappingError, ReconciliationError
from soteria_research.ingest import (
    clean_all,
    clean_force,
    load_assessment,
    load_cases,
    load_quality,
    load_quarantine,
    pipeline,
    processed,
)
from soteria_research.ingest.clean import CleanResult

from .support import MAPPING, make_force, row

ROWS = [row(1), row(2, Outcome="OC99"), row(1), row(3, Recorded="#VALUE!"), row(4)]


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    make_force(tmp_path / "raw", ROWS)
    make_force(
        tmp_path / "raw",
        [row(7)],
        folder="cleveland",
        mapping=MAPPING.replace("Durham", "Cleveland"),
    )
    return tmp_path / "raw"


def test_clean_force_writes_the_five_tables(raw: Path, tmp_path: Path) -> None:
    summary = clean_force(raw / "durham", tmp_path / "out")
    assert {
        k: summary[k] for k in ("force", "input_rows", "clean", "quarantined", "duplicates")
    } == {
        "force": "Durham",
        "input_rows": 5,
        "clean": 2,
        "quarantined": 2,
        "duplicates": 1,
    }
    folder = tmp_path / "out" / "durham"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t}.parquet" for t in processed.TABLES] + ["provenance.json"]
    )
    record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert record["force"] == "Durham" and record["files"][0]["sha256"]
    cases = load_cases("Durham Constabulary", tmp_path / "out")
    assert len(cases) == 2 and str(cases["force"].dtype) == "string"
    assert len(load_quarantine("durham", tmp_path / "out")) == 2
    assert load_assessment("Durham", tmp_path / "out").empty
    quality = load_quality("Durham", tmp_path / "out")
    rows = quality[quality["section"] == "rows"].set_index("item")["count"]
    assert rows.to_dict() == {"input rows": 5, "clean": 2, "quarantined": 2, "duplicates": 1}


def test_rerun_gives_identical_files(raw: Path, tmp_path: Path) -> None:
    clean_force(raw / "durham", tmp_path / "a")
    clean_force(raw / "durham", tmp_path / "b")
    for table in processed.TABLES:
        first = (tmp_path / "a" / "durham" / f"{table}.parquet").read_bytes()
        second = (tmp_path / "b" / "durham" / f"{table}.parquet").read_bytes()
        assert first == second, table


def test_a_failed_run_leaves_the_previous_tables(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    clean_force(raw / "durham", out)
    before = {p.name: p.read_bytes() for p in (out / "durham").iterdir()}
    make_force(raw, [*ROWS, row(8)])  # new input, so a finished run would change the files
    written = []
    real_write = processed._write_parquet

    def fail_on_third(frame: pd.DataFrame, path: Path) -> None:
        written.append(path)
        if len(written) == 3:
            raise OSError("disk full")
        real_write(frame, path)

    monkeypatch.setattr(processed, "_write_parquet", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        clean_force(raw / "durham", out)
    after = {p.name: p.read_bytes() for p in (out / "durham").iterdir()}
    assert after == before  # same files, same bytes, no temporary files left


def test_rows_that_do_not_add_up_stop_the_run(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.clean_cases

    def lose_a_row(*args, **kwargs) -> CleanResult:
        result = real(*args, **kwargs)
        return CleanResult(
            result.cases.iloc[1:], result.quarantine, result.duplicates, result.unrecognised
        )

    monkeypatch.setattr(pipeline, "clean_cases", lose_a_row)
    with pytest.raises(ReconciliationError, match="5 input rows but 1 clean"):
        clean_force(raw / "durham", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_tables_say_to_run_clean(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"durham/cases.parquet is missing. Run `soteria clean`"):
        load_cases("Durham", tmp_path)
    with pytest.raises(DataError, match="No processed cases tables in"):
        load_cases(None, tmp_path)


@pytest.mark.parametrize("jobs", [1, 3])
def test_clean_all_goes_on_past_a_failing_force(raw: Path, tmp_path: Path, jobs: int) -> None:
    bad = make_force(raw, [row(1)], folder="kent", mapping=MAPPING.replace("Durham", "Kent"))
    (bad / "mapping.yaml").write_text(MAPPING.replace("Durham", "Kent").replace("files:", "file:"))
    summary = clean_all(raw, tmp_path / "out", progress=False, jobs=jobs)
    assert summary.set_index("folder")["status"].to_dict() == {
        "cleveland": "ok",
        "durham": "ok",
        "kent": "failed",
    }
    message = summary.set_index("folder").loc["kent", "message"]
    assert "unknown key 'file'" in message and "Did you mean 'files'" in message
    assert processed.processed_forces(tmp_path / "out") == [
        "Cleveland",
        "Durham",
    ]  # reference order
    assert len(load_cases(None, tmp_path / "out")) == 3
    chosen = clean_all(raw, tmp_path / "other", forces=["Cleveland Police"], progress=False)
    assert chosen["force"].tolist() == ["Cleveland"]


def test_forces_cleaned_side_by_side_give_the_tables_of_one_by_one(
    raw: Path, tmp_path: Path
) -> None:
    alone = clean_all(raw, tmp_path / "alone", progress=False, jobs=1)
    pooled = clean_all(raw, tmp_path / "pooled", progress=False, jobs=2)
    assert pooled["folder"].tolist() == ["cleveland", "durham"]
    pd.testing.assert_frame_equal(
        alone.drop(columns="message"), pooled.drop(columns="message"), check_dtype=True
    )
    for table in processed.TABLES:
        for folder in ("cleveland", "durham"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(tmp_path / "alone" / folder / f"{table}.parquet"),
                pd.read_parquet(tmp_path / "pooled" / folder / f"{table}.parquet"),
            )


def test_jobs_default_to_the_setting_then_the_cores() -> None:
    assert pipeline.clean_jobs(3) == 3
    assert pipeline.clean_jobs(0) >= 1
    assert pipeline.clean_jobs() >= 1


def test_folder_and_mapping_must_agree(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1)], folder="kent")
    with pytest.raises(MappingError, match="Copy-pasted mapping"):
        clean_force(folder, tmp_path / "out")


def test_cli_clean_prints_a_summary_and_fails_loudly(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = cli.main(["clean", "--raw", str(raw), "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert (
        "Cleaned 2 forces" in printed
        and "6 rows in, 3 clean, 2 quarantined, 1 duplicates" in printed
    )
    code = cli.main(["clean", "--raw", str(raw), "--out", str(out), "--forces", "Kent"])
    assert code == 1
    assert "No folder for Kent" in capsys.readouterr().err
    (raw / "durham" / "extract.csv").write_text("")
    code = cli.main(["clean", "--raw", str(raw), "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "durham: " in printed and "the file is empty" in printed
    assert "previous processed tables are unchanged" in printed


def test_no_force_folders(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"No force folders in .*soteria synth"):
        clean_all(tmp_path / "empty", tmp_path / "out", progress=False)
