"""Reading outcomes files: formats, header styles, sheets, and every kind of bad input."""

from __future__ import annotations

import gzip
import shutil

import pandas as pd
import pytest

from soteria_research import homeoffice
from soteria_research.errors import DataError, ExtractError

FORCES = {"Durham", "Kent", "London, City of"}
CODES = {"19C", "19H", "71"}
COHORT = "Force outcomes for offences recorded in quarter"


@pytest.fixture
def subset(tmp_path, write_subset):
    return write_subset(tmp_path / "outcomes.csv", FORCES, CODES)


def _numeric(path) -> pd.DataFrame:
    """The subset as a spreadsheet would hold it: numbers as numbers, blanks empty."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ["Financial Quarter", "Outcome Type", COHORT,
                   "Force outcomes recorded in quarter"]:  # fmt: skip
        frame[column] = pd.to_numeric(frame[column])
    return frame


def _charge_rates(table: pd.DataFrame) -> dict[str, float]:
    summary = homeoffice.outcomes_summary(table, subgroup=None)
    return dict(zip(summary["force"], summary["charge_rate"].round(4), strict=True))


def test_both_header_styles_give_the_same_table(tmp_path, subset, write_subset):
    snake = write_subset(tmp_path / "snake.csv", FORCES, CODES, snake_case=True)
    published = homeoffice.read_outcomes(subset)
    pd.testing.assert_frame_equal(published, homeoffice.read_outcomes(snake))
    assert len(published) == 3 * 3 * 4 * 21
    assert set(published["force"]) == FORCES


def test_format_is_told_by_content_not_name(tmp_path, subset):
    gz_named_csv = tmp_path / "looks_plain.csv"
    gz_named_csv.write_bytes(gzip.compress(subset.read_bytes()))
    plain_named_gz = tmp_path / "looks_gzipped.csv.gz"
    shutil.copy(subset, plain_named_gz)
    expected = homeoffice.read_outcomes(subset)
    for path in (gz_named_csv, plain_named_gz):
        pd.testing.assert_frame_equal(homeoffice.read_outcomes(path), expected)


def test_xlsx_with_a_title_above_the_header_and_a_note_below(tmp_path, subset):
    frame = _numeric(subset)
    path = tmp_path / "outcomes.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame([["About these tables"]]).to_excel(
            writer, sheet_name="Cover", header=False, index=False
        )
        pd.DataFrame([["Police recorded crime outcomes, 2017/18"]]).to_excel(
            writer, sheet_name="Outcomes", header=False, index=False
        )
        frame.to_excel(writer, sheet_name="Outcomes", startrow=2, index=False)
        pd.DataFrame([["Source: Home Office"]]).to_excel(
            writer, sheet_name="Outcomes", startrow=len(frame) + 4, header=False, index=False
        )
    table = homeoffice.read_outcomes(path)
    expected = homeoffice.read_outcomes(subset)
    assert len(table) == len(expected)
    assert table["source_row"].iloc[0] == 4  # title row 1, blank row 2, header row 3
    assert table["activity"].isna().sum() == expected["activity"].isna().sum() > 0
    assert _charge_rates(table) == _charge_rates(expected)


def test_ods_written_by_pandas(tmp_path, write_subset):
    small = write_subset(tmp_path / "small.csv", {"Durham"}, {"19C", "19D"})
    path = tmp_path / "outcomes.ods"
    _numeric(small).to_excel(path, engine="odf", sheet_name="Data", startrow=1, index=False)
    table = homeoffice.read_outcomes(path)
    expected = homeoffice.read_outcomes(small)
    assert table["source_row"].iloc[0] == 3
    cols = ["force", "offence_code", "outcome_type", "cohort", "activity", "cohort_negative"]
    pd.testing.assert_frame_equal(table[cols], expected[cols])


def test_workbook_reads_every_outcomes_sheet_and_skips_others(tmp_path, subset):
    frame = _numeric(subset)
    first_half = frame["Financial Quarter"] <= 2
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame([["Notes on the Force Name column"]]).to_excel(
            writer, sheet_name="Notes", header=False, index=False
        )
        frame.iloc[:, :7].assign(**{"Number of Offences": 1}).to_excel(
            writer, sheet_name="Recorded crime", index=False
        )
        frame[first_half].to_excel(writer, sheet_name="Q1-Q2", index=False)
        frame[~first_half].to_excel(writer, sheet_name="Q3-Q4", startrow=1, index=False)
    table = homeoffice.read_outcomes(path)
    assert len(table) == len(frame)
    assert sorted(table["financial_quarter"].unique()) == [1, 2, 3, 4]
    assert _charge_rates(table) == _charge_rates(homeoffice.read_outcomes(subset))


def test_workbook_without_the_outcomes_table_says_what_it_holds(tmp_path):
    path = tmp_path / "notes.xlsx"
    pd.DataFrame({"Title": ["Crime in England and Wales"]}).to_excel(path, index=False)
    with pytest.raises(ExtractError, match=r"missing required column.*Columns found: 'Title'"):
        homeoffice.read_outcomes(path)


def test_recorded_crime_table_is_recognised(tmp_path):
    path = tmp_path / "prc.csv"
    path.write_text(
        "Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
        "Offence Subgroup,Offence Code,Number of Offences\n"
        "2017/18,1,Durham,Rape of a female aged 16 and over,Sexual offences,Rape,19C,100\n"
    )
    with pytest.raises(ExtractError, match=r"recorded crime open data table.*no outcome"):
        homeoffice.read_outcomes(path)


def test_recorded_crime_sheet_in_a_workbook_is_recognised(tmp_path):
    path = tmp_path / "prc.xlsx"
    pd.DataFrame(
        {"Financial Year": ["2017/18"], "Force Name": ["Kent"], "Offence Code": ["19C"],
         "Number of Offences": [5]}
    ).to_excel(path, index=False)  # fmt: skip
    with pytest.raises(ExtractError, match="looks like the police recorded crime"):
        homeoffice.read_outcomes(path)


def test_outcomes_of_another_offence_group_are_recognised(tmp_path, subset):
    frame = pd.read_csv(subset, dtype=str, keep_default_na=False)
    frame["Offence Group"] = "Violence against the person"
    path = tmp_path / "violence.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ExtractError, match=r"offence group.*'Violence against the person'"):
        homeoffice.read_outcomes(path)
    every_group = homeoffice.read_outcomes(path, offence_group=None)
    with pytest.raises(DataError, match="not sexual offences"):
        homeoffice.outcomes_summary(every_group)


def test_missing_column_is_named_with_the_columns_found(tmp_path, subset):
    frame = pd.read_csv(subset, dtype=str).drop(columns=["Force outcomes recorded in quarter"])
    path = tmp_path / "missing.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ExtractError) as info:
        homeoffice.read_outcomes(path)
    message = str(info.value)
    assert "missing required column(s) 'Force outcomes recorded in quarter'" in message
    assert "Columns found: 'Financial Year'" in message and str(path) in message


def test_optional_columns_are_filled_from_the_reference(tmp_path, subset):
    frame = pd.read_csv(subset, dtype=str, keep_default_na=False)
    keep = ["Financial Year", "Financial Quarter", "Force Name", "Offence Code",
            "Outcome Type", COHORT, "Force outcomes recorded in quarter"]  # fmt: skip
    path = tmp_path / "narrow.csv"
    frame[keep].to_csv(path, index=False)
    table = homeoffice.read_outcomes(path)
    full = homeoffice.read_outcomes(subset)
    for column in ("offence_subgroup", "offence_group", "outcome_group"):
        assert table[column].tolist() == full[column].tolist()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n\n", "blank"),
        (bytes(range(256)) * 4, "binary content"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, r"old binary Excel \(.xls\)"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message):
        homeoffice.read_outcomes(path)


def test_missing_file_and_header_only(tmp_path, subset):
    with pytest.raises(ExtractError, match="not found"):
        homeoffice.read_outcomes(tmp_path / "nowhere.csv")
    header = tmp_path / "header.csv"
    header.write_text(subset.read_text().splitlines()[0] + "\n")
    with pytest.raises(ExtractError, match="header but no data rows"):
        homeoffice.read_outcomes(header)


def test_damaged_gzip(tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(homeoffice.PUBLISHED_FILE.read_bytes()[:100_000])
    with pytest.raises(ExtractError, match="damaged gzip"):
        homeoffice.read_outcomes(path)


def _edited(tmp_path, subset, row, column, value):
    frame = pd.read_csv(subset, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    path = tmp_path / "edited.csv"
    frame.to_csv(path, index=False)
    return path


def test_unknown_force_names_row_and_closest_match(tmp_path, subset):
    path = _edited(tmp_path, subset, 4, "Force Name", "Durhm")
    with pytest.raises(DataError, match=r"'Force Name', row\(s\) 6: Unknown force 'Durhm'.*Durham"):
        homeoffice.read_outcomes(path)


def test_force_variants_are_normalised(tmp_path, subset):
    path = _edited(tmp_path, subset, 4, "Force Name", "Durham Constabulary")
    assert homeoffice.read_outcomes(path)["force"].iloc[4] == "Durham"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (COHORT, "*", r"not whole numbers \('\*'\) at row\(s\) 7"),
        ("Outcome Type", "19", "fraud-only"),
        ("Offence Code", "19Z", "Unknown offence code '19Z'"),
        ("Financial Year", "2017", "Unknown financial year"),
    ],
)
def test_values_that_do_not_fit(tmp_path, subset, column, value, message):
    with pytest.raises(DataError, match=message):
        homeoffice.read_outcomes(_edited(tmp_path, subset, 5, column, value))


def test_duplicated_keys_are_refused(tmp_path, subset):
    frame = pd.read_csv(subset, dtype=str, keep_default_na=False)
    path = tmp_path / "dup.csv"
    pd.concat([frame, frame.head(1)]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"key .* 2 row"):
        homeoffice.read_outcomes(path)


def test_cp1252_file_and_year_spelling(tmp_path, subset):
    frame = pd.read_csv(subset, dtype=str, keep_default_na=False)
    frame["Financial Year"] = "2017-18"
    frame.loc[0, "Outcome Description"] = "Caution – adults"
    path = tmp_path / "cp1252.csv"
    frame.to_csv(path, index=False, encoding="cp1252")
    table = homeoffice.read_outcomes(path)
    assert set(table["financial_year"]) == {"2017/18"}
    assert table["outcome_description"].iloc[0] == "Caution – adults"
