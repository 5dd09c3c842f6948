"""Cleaning: each row's fate in a hand-checked extract, and each rule on its own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteria_research.ingest import schemas
from soteria_research.ingest.clean import clean_cases
from soteria_research.ingest.mapping import load_mapping
from soteria_research.ingest.pseudonymise import crime_pseudonym, suspect_pseudonym
from soteria_research.ingest.readers import read_extract

from .support import KEY, MAPPING, mapping_of, raw_frame, row

FIXTURE = Path(__file__).parent / "fixtures" / "legacy_rms" / "mapping.yaml"


@pytest.fixture(scope="module")
def legacy():
    mapping = load_mapping(FIXTURE)
    raw = read_extract(mapping)
    return raw, clean_cases(raw, mapping, KEY)


def _by_row(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(frame["source_row"].astype(int))


def test_every_row_lands_in_exactly_one_table(legacy) -> None:
    raw, result = legacy
    rows = [set(t["source_row"]) for t in (result.cases, result.quarantine, result.duplicates)]
    assert rows[0] == {2, 4, 5, 6, 11, 13, 15, 17}
    assert rows[1] == {7, 8, 9, 10, 14}
    assert rows[2] == {3, 12, 16}
    assert result.rows == len(raw) == 16
    schemas.validate(result.cases, schemas.CasesSchema, "cases")
    schemas.validate(result.quarantine, schemas.QuarantineSchema, "quarantine")
    schemas.validate(result.duplicates, schemas.DuplicatesSchema, "duplicates")


def test_quarantine_reasons_and_no_values(legacy) -> None:
    _raw, result = legacy
    table = _by_row(result.quarantine)
    assert table.loc[7, ["column", "reason"]].tolist() == ["recorded_date", "missing value"]
    assert table.loc[8, ["column", "reason"]].tolist() == ["offence", "unknown offence code"]
    assert table.loc[9, "reason"] == "crime-recording code, not an outcome"
    assert table.loc[10, ["column", "reason"]].tolist() == ["outcome", "unknown outcome code"]
    assert table.loc[14, ["column", "reason"]].tolist() == ["crime_ref", "missing value"]
    assert list(result.quarantine.columns) == [
        "force",
        "source_file",
        "source_row",
        "column",
        "reason",
    ]
    assert set(result.quarantine["force"]) == {"Durham"}


def test_dates_in_three_formats_and_financial_year(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[2, "recorded_date"] == pd.Timestamp("2023-05-03")  # %d.%m.%Y
    assert cases.loc[13, "recorded_date"] == pd.Timestamp("2023-03-15")  # excel serial 45000
    assert cases.loc[4, "recorded_date"] == pd.Timestamp("2023-06-01")  # %Y-%m-%d
    assert cases.loc[13, "financial_year"] == "2022/23"
    assert cases.loc[2, "financial_year"] == "2023/24"
    assert pd.isna(cases.loc[13, "committed_date"]) and pd.isna(cases.loc[4, "outcome_date"])
    assert str(result.cases["recorded_date"].dtype) == "datetime64[us]"


def test_outcomes_in_every_form(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    expected = {
        2: (16, False),
        4: (15, False),
        5: (1, True),
        6: (14, False),
        11: (16, False),
        13: (1, False),
        15: (18, False),
        17: (1, False),
    }
    for source_row, (kind, alternate) in expected.items():
        assert (
            cases.loc[source_row, "outcome_type"],
            cases.loc[source_row, "outcome_alternate"],
        ) == (
            kind,
            alternate,
        )
    assert cases.loc[5, "charged"] and cases.loc[5, "outcome_group"] == "Charged/Summonsed"
    assert not cases.loc[2, "charged"]
    assert (
        cases.loc[6, "outcome_group"] == "Evidential difficulties (victim does not support action)"
    )


def test_offences_codes_and_descriptions(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[2, "offence_code"] == "19C"  # from the description
    assert cases.loc[4, "offence_code"] == "19C"  # "19 c"
    assert cases.loc[17, ["offence_code", "offence_subgroup"]].tolist() == [
        "20A",
        "Other sexual offences",
    ]
    assert cases.loc[5, "offence_subgroup"] == "Rape"


def test_categories_defaults_and_unknown_counted(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[2, ["victim_sex", "victim_ethnicity", "relationship"]].tolist() == [
        "female",
        "white",
        "intimate",
    ]
    assert cases.loc[4, ["victim_sex", "victim_ethnicity", "relationship"]].tolist() == [
        "male",
        "asian",
        "stranger",
    ]
    assert cases.loc[6, ["victim_ethnicity", "relationship"]].tolist() == ["unknown", "unknown"]
    assert cases.loc[17, ["victim_sex", "relationship"]].tolist() == ["unknown", "other"]
    assert cases.loc[11, "relationship"] == "intimate"
    counts = result.unrecognised.set_index(["column", "issue"])["count"]
    assert counts.to_dict() == {("victim_sex", "unrecognised value (set to unknown)"): 1}


def test_ages_bands_and_missing_values(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[2, ["victim_age", "victim_age_band"]].tolist() == [24, "18-24"]
    assert cases.loc[15, ["victim_age", "victim_age_band"]].tolist() == [12, "0-12"]
    assert pd.isna(cases.loc[11, "victim_age"]) and cases.loc[11, "victim_age_band"] == "unknown"
    assert pd.isna(cases.loc[17, "victim_age"])  # "NULL"


def test_duplicates_by_the_stated_rule(legacy) -> None:
    _raw, result = legacy
    dups = _by_row(result.duplicates)
    assert dups.loc[12, ["rule", "duplicate_of_row"]].tolist() == ["exact_duplicate", 2]
    assert dups.loc[3, ["rule", "duplicate_of_row"]].tolist() == ["same_crime_reference", 13]
    assert dups.loc[16, "rule"] == "marked_in_source" and pd.isna(dups.loc[16, "duplicate_of_row"])
    cases = _by_row(result.cases)
    assert dups.loc[3, "crime_id"] == cases.loc[13, "crime_id"]
    assert result.cases["crime_id"].is_unique


def test_date_flags_kept_not_dropped(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[15, "date_flags"] == "outcome_before_recording"
    assert cases.loc[2, "date_flags"] == ""


def test_pseudonyms_and_suspect_links(legacy) -> None:
    _raw, result = legacy
    cases = _by_row(result.cases)
    assert cases.loc[2, "crime_id"] == crime_pseudonym(KEY, "Durham", "LG/0001/23")
    assert cases.loc[2, "suspect_id"] == suspect_pseudonym(KEY, "PNC01/123a")
    assert cases.loc[2, "suspect_id"] == cases.loc[11, "suspect_id"]
    assert pd.isna(cases.loc[6, "suspect_id"])  # blank: no suspect identified
    assert result.cases["victim_id"].isna().all()  # not mapped: not held


def test_cleaning_does_not_change_its_input() -> None:
    raw = raw_frame([row(1), row(2, Outcome=" oc14 ")])
    before = raw.copy(deep=True)
    clean_cases(raw, mapping_of(), KEY)
    pd.testing.assert_frame_equal(raw, before)


@pytest.mark.parametrize(
    ("text", "kind", "alternate"),
    [
        ("16", 16, False),
        ("OC16", 16, False),
        ("Outcome 16", 16, False),
        (" oc 14 ", 14, False),
        ("16.0", 16, False),
        ("1A", 1, True),
        ("3a", 3, True),
        ("Charged/Summonsed", 1, False),
        ("Evidential difficulties: suspect identified; victim supports action", 15, False),
        ("f. Evidential difficulties: suspect identified; victim supports action", 15, False),
        ("Suspect identified but victim withdrew (OC16)", 16, False),
        ("Not Yet Assigned", 0, False),
    ],
)
def test_outcome_forms(text: str, kind: int, alternate: bool) -> None:
    result = clean_cases(raw_frame([row(1, Outcome=text)]), mapping_of(), KEY)
    assert len(result.cases) == 1, result.quarantine
    assert (result.cases.loc[0, "outcome_type"], result.cases.loc[0, "outcome_alternate"]) == (
        kind,
        alternate,
    )


@pytest.mark.parametrize("text", ["", "#VALUE!", "#N/A", "NULL", "#REF!", "#DIV/0!", "  "])
def test_spreadsheet_error_strings_are_missing(text: str) -> None:
    rows = [row(1, Recorded=text), row(2, Sex=text, Age=text, Reported=text)]
    result = clean_cases(raw_frame(rows), mapping_of(), KEY)
    assert result.quarantine[["column", "reason"]].values.tolist() == [
        ["recorded_date", "missing value"]
    ]
    case = result.cases.iloc[0]
    assert case["victim_sex"] == "unknown" and pd.isna(case["victim_age"])
    assert pd.isna(case["reported_date"])
    assert len(result.unrecognised) == 0  # missing is not "unrecognised"


def test_mapping_code_maps_win_over_defaults() -> None:
    text = MAPPING + "codes:\n  relationship: {Ex partner: other}\n  outcome: {'16': 15}\n"
    result = clean_cases(raw_frame([row(1)]), mapping_of(text), KEY)
    assert result.cases.loc[0, ["relationship", "outcome_type"]].tolist() == ["other", 15]


def test_unreadable_optional_values_are_counted() -> None:
    rows = [row(1, Age="twenty", Reported="31/02/2023", Arrested="maybe", Ethnicity="Martian")]
    result = clean_cases(raw_frame(rows), mapping_of(), KEY)
    issues = dict(zip(result.unrecognised["column"], result.unrecognised["count"], strict=True))
    assert issues == {"victim_age": 1, "reported_date": 1, "arrested": 1, "victim_ethnicity": 1}
    case = result.cases.iloc[0]
    assert pd.isna(case["arrested"]) and case["victim_ethnicity"] == "unknown"


def test_same_reference_keeps_latest_outcome_then_most_complete() -> None:
    rows = [
        row(1, **{"Outcome": "0", "Outcome Date": ""}),
        row(1, **{"Outcome": "16", "Outcome Date": "01/10/2023"}),
        row(1, **{"Outcome": "15", "Outcome Date": "01/09/2023"}),
        row(2, Sex="", Age=""),
        row(2, Sex="F", Age="30", Arrested="N"),
    ]
    result = clean_cases(raw_frame(rows), mapping_of(), KEY)
    assert sorted(result.cases["source_row"]) == [3, 6]
    dups = result.duplicates.set_index("source_row")
    assert dups["duplicate_of_row"].to_dict() == {2: 3, 4: 3, 5: 6}
    assert set(dups["rule"]) == {"same_crime_reference"}


def test_references_match_whatever_their_case_or_spacing() -> None:
    rows = [row(1), row(1, Ref=" du/000001/23 ", Outcome="15")]
    result = clean_cases(raw_frame(rows), mapping_of(), KEY)
    assert len(result.cases) == 1 and len(result.duplicates) == 1


def test_force_column_and_another_forces_rows() -> None:
    text = MAPPING.replace("force: Durham", "force_column: Force")
    header = ["Force", *raw_frame([row(1)]).columns[1:-2]]
    rows = [
        dict(row(1), Force="Durham Constabulary"),
        dict(row(2), Force="Cleveland Police"),
        dict(row(3), Force="Atlantis"),
        dict(row(4), Force=""),
    ]
    result = clean_cases(raw_frame(rows, header), mapping_of(text), KEY, expected_force="Durham")
    assert result.cases["force"].tolist() == ["Durham"]
    reasons = result.quarantine.set_index("source_row")["reason"].to_dict()
    assert reasons == {3: "another force's record", 4: "unknown force", 5: "missing value"}
    assert set(result.quarantine["force"]) == {"Durham"}
    alone = clean_cases(raw_frame(rows[:2], header), mapping_of(text), KEY)
    assert sorted(alone.cases["force"]) == ["Cleveland", "Durham"]
    ids = dict(zip(alone.cases["force"], alone.cases["crime_id"], strict=True))
    assert ids["Cleveland"] == crime_pseudonym(KEY, "Cleveland", "DU/000002/23")


def test_date_only_flags_mean_yes() -> None:
    text = MAPPING.replace("  arrested: Arrested\n", "  arrest_date: Arrested\n")
    rows = [row(1, Arrested="04/05/2023"), row(2, Arrested="")]
    result = clean_cases(raw_frame(rows), mapping_of(text), KEY)
    assert result.cases["arrested"].tolist() == [True, False]
    assert result.cases["referred_to_cps"].isna().all()


@pytest.mark.parametrize("scheme_name", ["siphash24-v2", "hmac-sha256-v1"])
@pytest.mark.parametrize("plain", [True, False])
def test_ids_are_the_pseudonyms_of_the_normalised_references(
    scheme_name: str, plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from soteria_research.ingest import pseudonymise

    monkeypatch.setattr(pseudonymise, "scheme", lambda: scheme_name)
    refs = ["du/1", "DU/2", "DU/3", "du/1"] if plain else [" du/1 ", "DU /2", "élan\u00a07", "DU/1"]
    suspects = ["pnc1", "", "NULL", "PNC1"] if plain else ["pnc 1", "", " s-é\t", "PNC1"]
    rows = [
        row(i + 1, Ref=ref, Suspect=suspect, Victim=("v9" if i < 2 else ""))
        for i, (ref, suspect) in enumerate(zip(refs, suspects, strict=True))
    ]
    result = clean_cases(raw_frame(rows), mapping_of(), KEY)
    kept = pd.concat([result.cases, result.duplicates]).sort_values("source_row")
    expected = [crime_pseudonym(KEY, "Durham", r, scheme_name) for r in refs]
    assert kept["crime_id"].tolist() == expected
    # the same reference in another form is the same crime: one of them is a duplicate
    assert len(result.cases) == 3 and result.duplicates["rule"].tolist() == ["same_crime_reference"]
    wanted = [
        suspect_pseudonym(KEY, s, scheme_name) if s.strip() not in ("", "NULL") else None
        for s in suspects
    ]
    assert kept["suspect_id"].astype(object).where(kept["suspect_id"].notna(), None).tolist() == (
        wanted
    )
    assert kept["victim_id"].notna().tolist() == [True, True, False, False]
    assert kept["victim_id"].iloc[0] == kept["victim_id"].iloc[1]
