"""Self-assessment: the template's layout and drop-downs, and reading filled workbooks back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from soteria_research import cli
from soteria_research.errors import ExtractError
from soteria_research.ingest import (
    clean_force,
    framework_questions,
    load_assessment,
    load_framework,
    load_quality,
    read_assessment,
    schemas,
    write_assessment_template,
)

from .support import make_force, row

FRAMEWORK = {
    "name": "Test framework",
    "scale": {
        "min": 1,
        "max": 4,
        "labels": {1: "Not started", 2: "Developing", 3: "Established", 4: "Embedded"},
    },
    "pillars": {
        "suspect_focus": {
            "themes": [
                {
                    "id": "SF1",
                    "name": "Strategy",
                    "questions": [
                        {"id": "SF1.1", "text": "Plans are suspect-focused."},
                        {"id": "SF1.2", "text": "Supervisors review the suspect."},
                    ],
                }
            ]
        },
        "digital_forensics": {
            "themes": [
                {
                    "id": "DF1",
                    "name": "Devices",
                    "questions": [{"id": "DF1.1", "text": "Devices are returned quickly."}],
                }
            ]
        },
    },
}


def _fill(path: Path, answers: dict[int, dict[str, object]]) -> None:
    """Write answers into data rows (5 = first question) by column title."""
    book = openpyxl.load_workbook(path)
    sheet = book["Assessment"]
    titles = {cell.value: cell.column for cell in sheet[4]}
    for number, values in answers.items():
        for title, value in values.items():
            sheet.cell(row=number, column=titles[title], value=value)
    book.save(path)


def test_template_layout_and_drop_downs(tmp_path: Path) -> None:
    path = write_assessment_template("Avon & Somerset", tmp_path / "t.xlsx", FRAMEWORK, "2023-1")
    book = openpyxl.load_workbook(path)
    sheet = book["Assessment"]
    assert sheet["A1"].value == "Soteria self-assessment: Avon and Somerset"
    assert sheet["A2"].value == "Round: 2023-1"
    assert all(cell.value is None for cell in sheet[3])
    assert [c.value for c in sheet[4]] == [
        "Pillar",
        "Theme ID",
        "Theme",
        "Question ID",
        "Question",
        "Self rating",
        "Peer rating",
        "Evidence",
        "Actions",
        "Owner",
    ]
    assert [sheet.cell(row=r, column=4).value for r in (5, 6, 7)] == ["SF1.1", "SF1.2", "DF1.1"]
    assert sheet["A5"].value == "suspect_focus" and sheet["A7"].value == "digital_forensics"
    (check,) = sheet.data_validations.dataValidation
    assert check.type == "list" and check.formula1 == '"1,2,3,4"'
    assert str(check.sqref) == "F5:G7"
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Force"] == "Avon and Somerset" and about["Round"] == "2023-1"
    assert (about["Framework"], about["Scale min"], about["Scale max"]) == ("Test framework", 1, 4)


def test_round_trip_with_problems(tmp_path: Path) -> None:
    path = write_assessment_template("Durham", tmp_path / "t.xlsx", FRAMEWORK, 2)
    _fill(
        path,
        {
            5: {
                "Self rating": 3,
                "Peer rating": "2",
                "Evidence": "Audit of 20 files",
                "Owner": "DCI",
            },
            6: {"Self rating": 7, "Peer rating": "Established"},
            7: {"Peer rating": "lots"},
        },
    )
    responses, problems = read_assessment(path, FRAMEWORK, force="Durham Constabulary")
    schemas.validate(responses, schemas.AssessmentSchema, "assessment")
    by_id = responses.set_index("question_id")
    assert by_id.loc["SF1.1", ["self_rating", "peer_rating", "evidence", "owner"]].tolist() == [
        3,
        2,
        "Audit of 20 files",
        "DCI",
    ]
    assert by_id["self_rating"].isna().tolist() == [False, True, True]  # 7 is off the scale
    assert by_id.loc["SF1.2", "peer_rating"] == 3  # by its label
    assert set(responses["round"]) == {"2"} and set(responses["force"]) == {"Durham"}
    found = set(zip(problems["question_id"], problems["cell"], problems["issue"], strict=True))
    assert found == {
        (
            "SF1.2",
            "F6",
            "self rating 7 is off the 1-4 scale; enter 1 to 4 or its label (e.g. 'Embedded')",
        ),
        ("DF1.1", "G7", "peer rating is not a rating; enter 1 to 4 or its label (e.g. 'Embedded')"),
        ("DF1.1", "F7", "self rating is empty (counted as unanswered); rate the question"),
    }
    assert set(problems["problem"]) == {
        f"{tmp_path.name}/t.xlsx, Assessment!{c}: {i}"
        for c, i in zip(problems["cell"], problems["issue"], strict=True)
    }
    assert "Audit" not in problems.astype(str).to_csv()  # problems carry no free text
    assert "lots" not in problems.astype(str).to_csv()


def test_unknown_and_missing_questions(tmp_path: Path) -> None:
    path = write_assessment_template("Durham", tmp_path / "t.xlsx", FRAMEWORK)
    _fill(
        path,
        {
            7: {"Question ID": "XX9.9", "Self rating": 2},
            5: {"Self rating": 1},
            6: {"Self rating": 4},
        },
    )
    responses, problems = read_assessment(path, FRAMEWORK)
    assert problems[["cell", "question_id"]].fillna("").values.tolist() == [
        ["D7", ""],
        ["G5:G6", ""],  # no peer rating at all: one line, not one a question
        ["D5:D6", "DF1.1"],
    ]
    assert problems["issue"].iloc[0].startswith("question XX9.9 is not in the framework")
    assert problems["issue"].iloc[1].startswith("no peer ratings")
    assert problems["issue"].iloc[2].startswith("question DF1.1 is missing")
    assert responses.set_index("question_id")["self_rating"].isna().to_dict() == {
        "SF1.1": False,
        "SF1.2": False,
        "DF1.1": True,
    }


def test_workbook_of_another_force_is_refused(tmp_path: Path) -> None:
    path = write_assessment_template("Durham", tmp_path / "t.xlsx", FRAMEWORK)
    with pytest.raises(
        ExtractError, match="this workbook is Durham's, but it is in the folder of Kent"
    ):
        read_assessment(path, FRAMEWORK, force="Kent")
    book = openpyxl.load_workbook(path)
    book["About"]["B2"] = "Atlantis"
    book.save(path)
    with pytest.raises(ExtractError, match="not a known force"):
        read_assessment(path, FRAMEWORK)
    (tmp_path / "bad.xlsx").write_text("not a workbook")
    with pytest.raises(ExtractError, match="cannot be read as an Excel workbook"):
        read_assessment(tmp_path / "bad.xlsx", FRAMEWORK)


def test_the_config_framework_and_the_pipeline(tmp_path: Path) -> None:
    framework = load_framework()
    questions = framework_questions(framework)
    folder = make_force(tmp_path / "raw", [row(1)])
    path = write_assessment_template("Durham", folder / "self_assessment_round1.xlsx")
    last = 5 + len(questions) - 1
    _fill(
        path,
        {5 + i: {"Self rating": 1 + i % 4, "Peer rating": 2} for i in range(len(questions) - 1)},
    )
    _fill(path, {last: {"Peer rating": 3}})
    clean_force(folder, tmp_path / "out")
    responses = load_assessment("Durham", tmp_path / "out")
    assert len(responses) == len(questions)
    assert responses["self_rating"].isna().sum() == 1
    quality = load_quality("Durham", tmp_path / "out")
    assessment = quality[quality["section"] == "assessment"].set_index("item")["count"]
    assert assessment.to_dict() == {
        f"durham/self_assessment_round1.xlsx, Assessment!F{last}: self rating is empty "
        "(counted as unanswered); rate the question": 1
    }


def test_cli_writes_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.xlsx"
    code = cli.main(["assessment-template", "--force", "gwent", "--out", str(out), "--round", "3"])
    assert code == 0 and out.is_file()
    assert "for Gwent, round 3" in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["Assessment"]["A2"].value == "Round: 3"
    assert cli.main(["assessment-template", "--force", "Gwentt"]) == 1
    assert "Did you mean: 'Gwent'" in capsys.readouterr().err
