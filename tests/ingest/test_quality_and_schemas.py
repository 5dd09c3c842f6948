"""The data-quality report counts what happened; the schemas refuse what does not fit."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.errors import DataError
from soteria_research.ingest import quality_report, schemas
from soteria_research.ingest.clean import clean_cases

from .support import KEY, mapping_of, raw_frame, row


@pytest.fixture(scope="module")
def result():
    rows = [
        row(1),
        row(2, Sex="", Relationship="??", Recorded="#VALUE!"),
        row(3, Sex="Zebra", Ethnicity=""),
        row(3, Sex="Zebra", Ethnicity=""),
        row(4, Offence="99Q"),
        row(5, **{"Outcome Date": "01/01/2023"}),
    ]
    return clean_cases(raw_frame(rows), mapping_of(), KEY)


def test_report_sections_and_counts(result) -> None:
    report = quality_report(
        result.cases, result.quarantine, result.duplicates, result.unrecognised, force="Durham"
    )
    schemas.validate(report, schemas.QualitySchema, "quality")
    counts = report.set_index(["section", "item"])["count"]
    assert counts["rows"].to_dict() == {
        "input rows": 6,
        "clean": 3,
        "quarantined": 2,
        "duplicates": 1,
    }
    assert counts[("completeness", "victim_sex")] == 2  # "unknown" is not a value
    assert counts[("completeness", "victim_ethnicity")] == 2
    assert counts[("completeness", "crime_id")] == 3
    assert counts[("quarantine", "recorded_date: missing value")] == 1
    assert counts[("quarantine", "offence: unknown offence code")] == 1
    assert counts[("duplicates", "exact_duplicate")] == 1
    assert counts[("date_flags", "outcome_before_recording")] == 1
    assert counts[("unrecognised", "victim_sex: unrecognised value (set to unknown)")] == 1
    share = report.set_index(["section", "item"])["share"]
    assert share[("completeness", "victim_sex")] == pytest.approx(2 / 3)
    assert set(report["force"]) == {"Durham"}


def test_report_holds_counts_only(result) -> None:
    report = quality_report(result.cases, result.quarantine, result.duplicates, result.unrecognised)
    text = report.astype(str).to_csv()
    for value in ("DU/000001/23", "Zebra", "99Q", "S001", "V001"):
        assert value not in text


def test_cases_schema_refuses_what_does_not_fit(result) -> None:
    cases = result.cases
    schemas.validate(cases, schemas.CasesSchema, "cases")
    broken = cases.assign(relationship=pd.array(["partner"] * len(cases), dtype="string"))
    with pytest.raises(DataError, match="relationship: isin"):
        schemas.validate(broken, schemas.CasesSchema, "cases")
    with pytest.raises(DataError, match="charged_is_outcome_1"):
        schemas.validate(cases.assign(charged=~cases["charged"]), schemas.CasesSchema, "cases")
    with pytest.raises(DataError, match=r"column_in_dataframe|crime_id"):
        schemas.validate(cases.drop(columns="crime_id"), schemas.CasesSchema, "cases")
    twice = pd.concat([cases, cases], ignore_index=True)
    with pytest.raises(DataError, match="crime_id"):
        schemas.validate(twice, schemas.CasesSchema, "cases")
    with pytest.raises(DataError) as caught:
        schemas.validate(cases.assign(offence_code="99Q"), schemas.CasesSchema, "cases")
    assert "99Q" not in str(caught.value)  # messages name checks, not values


def test_schemas_read_like_a_data_dictionary() -> None:
    columns = schemas.CasesSchema.to_schema().columns
    assert list(columns)[:4] == ["force", "crime_id", "victim_id", "suspect_id"]
    assert columns["outcome_type"].description == "Home Office outcome type, 0 = pending"
    assert all(column.description for column in columns.values())


def test_cases_columns_match_the_architecture_contract() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Canonical cases table", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \| (\w+) \|", section, flags=re.MULTILINE)
    columns = schemas.CasesSchema.to_schema().columns
    assert [name for name, _type in documented] == list(columns)
    kinds = {"string": "string", "Int64": "Int64", "boolean": "boolean", "datetime": "datetime64"}
    for name, kind in documented:
        assert str(columns[name].dtype).startswith(kinds[kind]), name
