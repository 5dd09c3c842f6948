"""Survey exports: round trip, every bad input, pseudonyms, free text and atomic writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from soteria_research.errors import ExtractError, MappingError
from soteria_research.ingest.instrument import load_instrument
from soteria_research.ingest.pseudonymise import keyed_hash
from soteria_research.ingest.survey import (
    FLAGGED,
    QUARANTINED,
    SET_MISSING,
    clean_surveys,
    load_survey,
    problem_lines,
)
from soteria_research.synth import survey as synth_survey
from soteria_research.synth import survey_files

KEY = b"test-key-0123456789abcdef"
VICTIM = load_instrument("victim")
OFFICER = load_instrument("officer")


def _write(folder, exports: list[tuple[str, bytes, dict]], force="Durham"):
    target = folder / "surveys"
    target.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, data, entry in exports:
        (target / name).write_bytes(data)
        entries.append({"file": name, **entry})
    mapping = {"force": force, "data_source": "synthetic", "exports": entries}
    (target / "surveys.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False), "utf-8")
    return folder


def _victim_rows(rows: list[list[str]]) -> tuple[bytes, dict]:
    """A one-header-row victim export: ResponseId, case stage, the 13 items, free text."""
    frame = pd.DataFrame(rows, columns=["ref", "case_stage", *VICTIM.item_ids, "experience"])
    data, entry = survey_files.export_bytes(frame, VICTIM)
    return data, {**entry, "wave": "2024"}


def _answers(value="4", n=13) -> list[str]:
    return [value] * n


def _row(ref, answers, stage="Charged", text=""):
    return [ref, stage, *answers, text]


def _clean(tmp_path, rows):
    data, entry = _victim_rows(rows)
    folder = _write(tmp_path / "durham", [("victim.csv", data, entry)])
    summary = clean_surveys(folder, tmp_path / "processed", key=KEY)
    table = load_survey("victim", "Durham", tmp_path / "processed")
    problems = pd.read_parquet(tmp_path / "processed" / "durham" / "survey_problems.parquet")
    return summary, table, problems


def _varied(seed=0) -> list[str]:
    return [str(v) for v in np.random.default_rng(seed).integers(1, 6, 13)]


@pytest.mark.parametrize("instrument", [OFFICER, VICTIM], ids=["two header rows", "one"])
def test_round_trip_instrument_to_export_to_processed_table(tmp_path, instrument):
    model = synth_survey.model(instrument, 7, "durham")
    first, second = survey_files.waves(model, 7, "durham")
    for free in instrument.free_text:
        first[free.id] = np.where(np.arange(len(first)) % 3 == 0, "my own words", "")
        second[free.id] = ""
    exports = []
    for number, wave in enumerate((first, second), start=1):
        data, entry = survey_files.export_bytes(wave, instrument)
        exports.append((f"w{number}.csv", data, {**entry, "wave": f"wave {number}"}))
    folder = _write(tmp_path / "durham", exports)
    summary = clean_surveys(folder, tmp_path / "processed", key=KEY)
    table = load_survey(instrument.id, "Durham", tmp_path / "processed")
    assert summary["responses"] == len(first) + len(second)
    assert summary["quarantined"] == 0
    got = table[table["wave"] == "wave 1"].reset_index(drop=True)
    expected = first[instrument.item_ids].astype("Int64")
    pd.testing.assert_frame_equal(got[instrument.item_ids], expected, check_names=False)
    for group in instrument.grouping_ids:
        assert got[group].tolist() == first[group].tolist()
    prefix = f"Durham|survey|{instrument.id}|"
    assert got["respondent_id"].tolist() == [keyed_hash(KEY, prefix + r) for r in first["ref"]]
    first_row = 1 + (2 if instrument.id == "officer" else 1)
    assert got["source_row"].iloc[0] == first_row
    assert got["free_text_answers"].sum() == (np.arange(len(first)) % 3 == 0).sum()
    assert got["completeness"].eq(1).all()
    if instrument.id == "officer":  # the same officer links across waves
        assert (
            len(
                set(table.loc[table.wave == "wave 1", "respondent_id"])
                & set(table.loc[table.wave == "wave 2", "respondent_id"])
            )
            > 0
        )


def test_free_text_never_reaches_the_processed_tables(tmp_path):
    secret = "He said his name was Zebedee Quix"
    rows = [_row(f"R{i}", _varied(i), text=secret if i == 1 else "") for i in range(12)]
    _summary, table, _problems = _clean(tmp_path, rows)
    assert "experience" not in table.columns
    assert table["free_text_answers"].tolist() == [0, 1] + [0] * 10
    for path in (tmp_path / "processed" / "durham").iterdir():
        assert b"Zebedee" not in path.read_bytes()
    assert "R1" not in set(table["respondent_id"])


def test_out_of_range_and_unreadable_answers_are_set_missing_with_one_line_each(tmp_path):
    answers = _varied()
    bad = list(answers)
    bad[0], bad[1], bad[2], bad[3] = "6", "0", "??", "4.5"
    rows = [_row("R1", bad), *[_row(f"R{i}", _varied(i)) for i in range(2, 12)]]
    summary, table, problems = _clean(tmp_path, rows)
    first = table.iloc[0]
    assert first[["vo1", "vo2", "re1", "vo3"]].isna().all()
    assert first["answered"] == 9
    assert first["completeness"] == pytest.approx(9 / 13)
    lines = problem_lines(problems)
    header = VICTIM.items[0].text
    assert f"victim.csv, row 2, column {header!r}: out of range (1-5); {SET_MISSING}." in lines
    assert sum("out of range" in line for line in lines) == 2
    assert sum("not a scale answer" in line for line in lines) == 2
    assert summary["answers_set_missing"] == 4


def test_answer_labels_and_numbers_are_both_read(tmp_path):
    answers = ["Strongly agree", "agree ", "3", "4.0", "DISAGREE", *_varied()[5:]]
    rows = [_row("R1", answers), *[_row(f"R{i}", _varied(i)) for i in range(2, 12)]]
    _summary, table, problems = _clean(tmp_path, rows)
    assert table.iloc[0][["vo1", "vo2", "vo3", "re1", "re2"]].tolist() == [5, 4, 3, 4, 2]
    assert problems.empty


def test_duplicates_without_id_and_empty_responses_are_quarantined_with_reasons(tmp_path):
    rows = [_row(f"R{i}", _varied(i)) for i in range(1, 11)]
    rows.append(_row("r 1", _varied(99)))  # the same respondent as R1 (ids are normalised)
    rows.append(_row("", _varied(98)))
    rows.append(_row("R50", _answers("")))
    rows.append(_row("R51", _answers("Prefer not to say")))
    summary, table, problems = _clean(tmp_path, rows)
    assert len(table) == 10 and summary["quarantined"] == 4
    quarantined = problems[problems["action"] == QUARANTINED].set_index("source_row")
    assert "same respondent as row 2 of victim.csv" in quarantined.loc[12, "problem"]
    assert quarantined.loc[13, "problem"] == "no respondent id"
    assert quarantined.loc[13, "column"] == "ResponseId"
    assert quarantined.loc[14, "problem"] == "no item answered"
    assert quarantined.loc[15, "problem"] == "no item answered"
    assert len(table) + len(quarantined) == len(rows)  # nothing lost


def test_straight_lining_is_flagged_and_kept(tmp_path):
    rows = [_row("R1", _answers("4")), *[_row(f"R{i}", _varied(i)) for i in range(2, 12)]]
    summary, table, problems = _clean(tmp_path, rows)
    assert table["straightlined"].tolist() == [True] + [False] * 10
    assert summary["flagged"] == 1
    assert problems.loc[problems["action"] == FLAGGED, "source_row"].tolist() == [2]


def test_too_few_identical_answers_is_not_straight_lining(tmp_path):
    partial = ["4"] * 5 + [""] * 8
    _summary, table, _problems = _clean(tmp_path, [_row("R1", partial)])
    assert not table["straightlined"].iloc[0]
    assert table["completeness"].iloc[0] == pytest.approx(5 / 13)


def test_grouping_value_not_listed_is_set_missing_with_a_line(tmp_path):
    rows = [_row("R1", _varied(), stage="Awaiting trial"), _row("R2", _varied(2), stage="")]
    _summary, table, problems = _clean(tmp_path, rows)
    assert table["case_stage"].isna().all()
    assert problems["problem"].tolist() == ["not one of its listed values"]
    assert problems["column"].tolist() == ["Where is your case now?"]


def test_two_header_rows_match_grid_statements_and_full_question_text(tmp_path):
    wave = survey_files.waves(synth_survey.model(OFFICER, 3, "durham"), 3, "durham")[0]
    wave["comments"] = ""
    data, entry = survey_files.export_bytes(wave.head(20), OFFICER)
    entry["columns"]["ld1"] = f"{survey_files.GRID} / {OFFICER.items[0].text}"
    folder = _write(tmp_path / "durham", [("o.csv", data, {**entry, "wave": "1"})])
    clean_surveys(folder, tmp_path / "processed", key=KEY)
    table = load_survey("officer", "Durham", tmp_path / "processed")
    assert table["ld1"].tolist() == wave["ld1"].head(20).tolist()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda e: e["columns"].update(vo1="Not a question"), MappingError, "no column headed"),
        (lambda e: e["columns"].update(zz=1), MappingError, "exports[1].columns.zz"),
        (lambda e: e.update(header_rows=3), MappingError, "must be 1 or 2"),
        (lambda e: e.update(encoding="klingon"), MappingError, "unknown encoding"),
        (lambda e: e.update(instrument="nope"), Exception, "nope"),
        (lambda e: e.pop("wave"), MappingError, "exports[1].wave"),
        (lambda e: e.update(colour="red"), MappingError, "unknown key(s) colour"),
        (lambda e: e.update(file="absent.csv"), ExtractError, "is missing"),
    ],
    ids=["header", "key", "header_rows", "encoding", "instrument", "wave", "extra", "file"],
)
def test_every_mapping_mistake_is_named(tmp_path, change, error, message):
    data, entry = _victim_rows([_row("R1", _varied())])
    entry = {"file": "victim.csv", **entry}
    change(entry)
    folder = _write(tmp_path / "durham", [])
    (folder / "surveys" / "victim.csv").write_bytes(data)
    mapping = {"force": "Durham", "exports": [entry]}
    (folder / "surveys" / "surveys.yaml").write_text(yaml.safe_dump(mapping), "utf-8")
    with pytest.raises(error) as caught:
        clean_surveys(folder, tmp_path / "processed", key=KEY)
    assert message in str(caught.value)
    assert not (tmp_path / "processed").exists()  # nothing written


def test_ambiguous_header_names_the_columns(tmp_path):
    data, entry = _victim_rows([_row("R1", _varied())])
    text = data.decode("utf-8-sig").replace(VICTIM.items[1].text, VICTIM.items[0].text)
    folder = _write(tmp_path / "durham", [("victim.csv", text.encode(), entry)])
    with pytest.raises(MappingError, match="matches columns 3, 4"):
        clean_surveys(folder, tmp_path / "processed", key=KEY)


def test_undecodable_export_names_the_file_and_the_fix(tmp_path):
    data, entry = _victim_rows([_row("R1", _varied(), text="café")])
    folder = _write(
        tmp_path / "durham", [("victim.csv", data.replace(b"\xc3\xa9", b"\xe9"), entry)]
    )
    with pytest.raises(ExtractError, match=r"victim.csv: cannot be read as utf-8-sig.*encoding"):
        clean_surveys(folder, tmp_path / "processed", key=KEY)


def test_no_survey_mapping_means_nothing_to_do(tmp_path):
    (tmp_path / "durham").mkdir()
    assert clean_surveys(tmp_path / "durham", tmp_path / "processed", key=KEY) is None


def test_a_failed_run_leaves_the_previous_tables(tmp_path):
    rows = [_row(f"R{i}", _varied(i)) for i in range(12)]
    _clean(tmp_path, rows)
    before = (tmp_path / "processed" / "durham" / "survey_victim.parquet").read_bytes()
    mapping = tmp_path / "durham" / "surveys" / "surveys.yaml"
    mapping.write_text(mapping.read_text("utf-8").replace("victim.csv", "gone.csv"), "utf-8")
    with pytest.raises(ExtractError):
        clean_surveys(tmp_path / "durham", tmp_path / "processed", key=KEY)
    assert (tmp_path / "processed" / "durham" / "survey_victim.parquet").read_bytes() == before
    assert not list((tmp_path / "processed" / "durham").glob(".tmp-*"))


def test_soteria_clean_reads_the_surveys_of_each_force(tmp_path, capsys):
    from soteria_research import synth
    from soteria_research.cli import main

    synth.generate(tmp_path / "raw", forces=["Durham"], scale=0.02)
    code = main(
        ["clean", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    assert code == 0
    assert "Surveys of 1 force(s)" in capsys.readouterr().out
    for name in ("officer", "victim"):
        assert len(load_survey(name, "Durham", tmp_path / "out")) > 100
    mapping = tmp_path / "raw" / "durham" / "surveys" / "surveys.yaml"
    mapping.write_text(mapping.read_text("utf-8").replace("wave: wave 1", "wave: [1"), "utf-8")
    code = main(
        ["clean", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    assert code == 1
    assert "surveys: error: durham" in capsys.readouterr().out
