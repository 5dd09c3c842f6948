"""Each careless mistake is one clear line, the other forces are cleaned, nothing is half-written;
blank outcomes can mean pending; two-digit years pivot; unchanged forces are not cleaned again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteria_research import cli
from soteria_research.errors import ExtractError, MappingError
from soteria_research.ingest import clean_all, clean_force, load_cases, load_quarantine
from soteria_research.ingest.clean import clean_cases
from soteria_research.ingest.dates import parse_texts

from .support import KEY, MAPPING, make_force, mapping_of, raw_frame, row

ROWS = [row(n) for n in range(1, 11)]


def two_forces(root: Path, durham_mapping: str = MAPPING, **durham) -> Path:
    """Cleveland (good) and Durham (as given) under ``root``."""
    make_force(root, ROWS, folder="cleveland", mapping=MAPPING.replace("Durham", "Cleveland"))
    make_force(root, durham.pop("rows", ROWS), folder="durham", mapping=durham_mapping, **durham)
    return root


def run_clean(raw: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = cli.main(["clean", "--raw", str(raw), "--out", str(out), "--no-progress", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def error_lines(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if line.startswith("soteria clean: error")]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            {"durham_mapping": MAPPING.replace('"%d/%m/%Y", ', '"%d/%q/%Y", ')},
            r"mapping.yaml, line \d+: dates.formats: '%q' in '%d/%q/%Y' is not a date directive",
        ),
        (
            {"encoding": "utf-16"},
            r"extract.csv: the file starts with a UTF-16 byte-order mark but the mapping says "
            r"encoding: utf-8. Set `encoding: utf-16`",
        ),
        (
            {
                "durham_mapping": MAPPING.replace(
                    "  - path: extract.csv\n", "  - path: extract.csv\n    encoding: utf-16\n"
                )
            },
            r"extract.csv: the mapping says encoding: utf-16 but the file has no utf-16 "
            r"byte-order mark and reads as utf-8. Set `encoding: utf-8`",
        ),
        (
            {"encoding": "utf-16-le"},
            r"extract.csv: the file looks like utf-16-le .* Set `encoding: utf-16-le`",
        ),
        (
            {
                "rows": [row(n, Recorded=f"0{n % 9 + 1}/05/23") for n in range(1, 11)],
                "durham_mapping": MAPPING.replace(
                    '"%d/%m/%Y", "%Y-%m-%d", excel_serial', '"%d/%m/%Y"'
                ),
            },
            r"extract.csv, row 2, column 'Recorded' \(recorded_date\): 10 of 10 dates do not read "
            r"with dates.formats \['%d/%m/%Y'\].*They read as '%d/%m/%y'",
        ),
        (
            {"rows": [row(n, Committed=f"{n % 9 + 1}st May 2023") for n in range(1, 11)]},
            r"column 'Committed' \(committed_date\): 10 of 10 dates do not read",
        ),
    ],
    ids=[
        "bad-directive",
        "utf16-undeclared",
        "utf8-declared-utf16",
        "utf16-no-bom",
        "four-digit-for-two",
        "optional-date-wrong-format",
    ],
)
def test_a_mistake_is_one_line_and_the_other_forces_are_cleaned(
    tmp_path: Path, capsys, setup: dict, expected: str
) -> None:
    raw = two_forces(tmp_path / "raw", **setup)
    code, printed = run_clean(raw, tmp_path / "out", capsys)
    assert code == 1
    errors = error_lines(printed)
    assert len(errors) == 1 and errors[0].startswith("soteria clean: error: durham: ")
    assert __import__("re").search(expected, errors[0]), errors[0]
    assert "Traceback" not in printed
    assert "1 of 2 force(s) failed (durham)" in printed
    assert len(load_cases("Cleveland", tmp_path / "out")) == 10
    assert not (tmp_path / "out" / "durham").exists()  # nothing half-written


def test_a_failing_force_keeps_its_previous_tables(tmp_path: Path, capsys) -> None:
    raw = two_forces(tmp_path / "raw")
    out = tmp_path / "out"
    assert run_clean(raw, out, capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in (out / "durham").iterdir()}
    (raw / "durham" / "mapping.yaml").write_text(MAPPING.replace("%d/%m/%Y", "%d/%m/%q"))
    assert run_clean(raw, out, capsys)[0] == 1
    assert {p.name: p.read_bytes() for p in (out / "durham").iterdir()} == before


def test_an_unexpected_error_is_one_line_too(tmp_path: Path, monkeypatch) -> None:
    raw = two_forces(tmp_path / "raw")
    from soteria_research.ingest import pipeline

    real = pipeline.clean_cases

    def broken(raw_frame, mapping, *args, **kwargs):
        if mapping.force == "Durham":
            raise ValueError("something\nnobody planned")
        return real(raw_frame, mapping, *args, **kwargs)

    monkeypatch.setattr(pipeline, "clean_cases", broken)
    summary = clean_all(raw, tmp_path / "out", progress=False).set_index("folder")
    assert summary["status"].to_dict() == {"cleveland": "ok", "durham": "failed"}
    message = summary.loc["durham", "message"]
    assert message.startswith("unexpected ValueError: something nobody planned.")
    assert "please report this" in message


def test_a_utf16_file_with_its_encoding_is_read(tmp_path: Path) -> None:
    mapping = MAPPING.replace(
        "  - path: extract.csv\n", "  - path: extract.csv\n    encoding: utf-16\n"
    )
    folder = make_force(tmp_path, ROWS, mapping=mapping, encoding="utf-16")
    assert clean_force(folder, tmp_path / "out")["clean"] == 10


def test_a_bad_directive_in_per_column_formats_names_the_key() -> None:
    text = MAPPING.replace("dates:\n", "dates:\n  per_column: {reported_date: ['%d/%m/%Q']}\n")
    with pytest.raises(MappingError, match=r"dates.per_column.reported_date: '%Q'"):
        mapping_of(text)


def test_undecodable_bytes_suggest_an_encoding(tmp_path: Path) -> None:
    folder = make_force(tmp_path, [row(1, Relationship="Beau-père")], encoding="cp1252")
    from soteria_research.ingest import load_mapping, read_extract

    with pytest.raises(
        ExtractError, match=r"not valid utf-8. It reads as cp1252: set `encoding: cp1252`"
    ):
        read_extract(load_mapping(folder / "mapping.yaml"))


# Blank outcomes -------------------------------------------------------------------------

PENDING_ROWS = [row(n, Outcome="" if n % 3 == 0 else "16") for n in range(1, 11)]


@pytest.mark.parametrize(
    "extra", ["pending_when_blank: true\n", 'codes:\n  outcome: {"": 0}\n'], ids=["flag", "code"]
)
def test_blank_outcome_means_pending_when_the_mapping_says_so(extra: str) -> None:
    pending = [r | {"Outcome Date": ""} if r["Outcome"] == "" else r for r in PENDING_ROWS]
    result = clean_cases(raw_frame(pending), mapping_of(MAPPING + extra), KEY)
    assert len(result.quarantine) == 0
    assert (result.cases["outcome_type"] == 0).sum() == 3
    assert (
        result.cases.loc[result.cases["outcome_type"] == 0, "outcome_group"]
        .eq("Not yet assigned an outcome")
        .all()
    )


def test_without_it_blank_outcomes_are_quarantined_loudly(tmp_path: Path, capsys) -> None:
    raw = two_forces(tmp_path / "raw", rows=PENDING_ROWS)
    code, printed = run_clean(raw, tmp_path / "out", capsys)
    assert code == 0
    assert len(load_quarantine("Durham", tmp_path / "out")) == 3
    warnings = [line for line in printed.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: durham: outcome: missing value quarantines 3 of 10 rows (30%); if a blank "
        "outcome means pending, set `pending_when_blank: true` in the mapping"
    ]


@pytest.mark.parametrize(("blank", "warned"), [(2, False), (3, True)])
def test_the_warning_share_is_a_threshold(tmp_path: Path, capsys, blank: int, warned: bool) -> None:
    rows = [row(n, Outcome="" if n <= blank else "16") for n in range(1, 11)]
    raw = two_forces(tmp_path / "raw", rows=rows)  # setting: warn above 0.2
    printed = run_clean(raw, tmp_path / "out", capsys)[1]
    assert ("warning: durham: outcome: missing value" in printed) is warned


# Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [("03/05/65", 1965), ("03/05/30", 2030), ("03/05/31", 1931), ("01/01/00", 2000)],
)
def test_two_digit_years_pivot_at_the_setting(text: str, year: int) -> None:
    parsed, _ = parse_texts(pd.Series([text]), ("%d/%m/%y",))
    assert pd.Timestamp(parsed[0]).year == year


def test_the_pivot_is_read_from_the_settings() -> None:
    parsed, _ = parse_texts(pd.Series(["03/05/65"]), ("%d/%m/%y",), pivot=70)
    assert pd.Timestamp(parsed[0]).year == 2065


@pytest.mark.parametrize(("bad", "fails"), [(2, False), (5, False), (6, True)])
def test_more_than_half_unreadable_is_an_error(bad: int, fails: bool) -> None:
    rows = [row(n, Reported="May the 4th" if n <= bad else "02/05/2023") for n in range(1, 11)]
    if fails:
        with pytest.raises(MappingError, match=r"6 of 10 dates do not read"):
            clean_cases(raw_frame(rows), mapping_of(), KEY)
    else:
        result = clean_cases(raw_frame(rows), mapping_of(), KEY)
        assert int(np.asarray(result.cases["reported_date"].isna()).sum()) == bad


# Incremental cleaning -------------------------------------------------------------------


def test_unchanged_forces_are_skipped_and_changes_are_seen(tmp_path: Path, capsys) -> None:
    raw, out = two_forces(tmp_path / "raw"), tmp_path / "out"
    assert run_clean(raw, out, capsys)[0] == 0
    stamp = (out / "durham" / "cases.parquet").stat().st_mtime_ns
    code, printed = run_clean(raw, out, capsys)
    assert code == 0 and "2 forces unchanged since the last clean" in printed
    assert (out / "durham" / "cases.parquet").stat().st_mtime_ns == stamp
    summary = clean_all(raw, out, progress=False).set_index("folder")
    assert summary["status"].tolist() == ["unchanged", "unchanged"]
    assert summary.loc["durham", "clean"] == 10  # the stored counts
    # a changed extract (same size and time are not enough to hide it: content is hashed)
    extract = raw / "durham" / "extract.csv"
    text = extract.read_text().replace("DU/000001/23", "DU/000099/23")
    extract.write_text(text)
    assert clean_all(raw, out, progress=False).set_index("folder")["status"].to_dict() == {
        "cleveland": "unchanged",
        "durham": "ok",
    }
    # a changed mapping, a new key, and --full
    mapping = raw / "cleveland" / "mapping.yaml"
    mapping.write_text(mapping.read_text() + "notes: changed\n")
    assert clean_all(raw, out, progress=False)["status"].tolist() == ["ok", "unchanged"]
    again = clean_all(raw, out, progress=False, key=b"another-key-0123456789")
    assert again["status"].tolist() == ["ok", "ok"]
    code, printed = run_clean(raw, out, capsys, "--full")
    assert code == 0 and "unchanged since the last clean" not in printed


def test_a_touched_but_identical_file_is_still_unchanged(tmp_path: Path) -> None:
    raw, out = two_forces(tmp_path / "raw"), tmp_path / "out"
    clean_all(raw, out, progress=False)
    extract = raw / "durham" / "extract.csv"
    os.utime(extract, ns=(1, 1))  # new time, same bytes: hashed again, same key
    assert set(clean_all(raw, out, progress=False)["status"]) == {"unchanged"}
    record = json.loads((out / "durham" / "provenance.json").read_text())
    assert record["clean_key"] and record["summary"]["clean"] == 10
