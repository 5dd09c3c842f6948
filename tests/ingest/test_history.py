"""Extracts in two files: a crimes file and an outcome history, the latest status standing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from soteria_research.errors import MappingError
from soteria_research.ingest import clean_force, load_cases, load_quality, load_quarantine

from .support import mapping_of

MAPPING = """\
layout: two_file_rms
force: Durham
data_source: synthetic
extraction_date: 2024-06-30
notes: Crimes and their status history, exported separately.
files:
  - path: crimes.csv
  - path: status_history.csv
    role: history
    columns:
      crime_ref: Crime No
      outcome: Status
      outcome_date: Status Date
columns:
  crime_ref: Crime Reference
  offence: HO Code
  recorded_date: Recorded
history:
  interim_statuses: [Under investigation, File with CPS, Awaiting CPS decision]
  tie_break: Event Seq
dates:
  formats: ["%d/%m/%Y"]
"""
CRIMES = [
    # crime, offence, recorded
    ("C1", "19C", "03/05/2023"),  # charged after being with the CPS
    ("C2", "19C", "04/05/2023"),  # outcome 16, then reopened: pending
    ("C3", "19D", "05/05/2023"),  # no history at all: pending
    ("C4", "19C", "06/05/2023"),  # two statuses on one day: the higher Event Seq stands
    ("C5", "19C", "07/05/2023"),  # still with the CPS: pending
]
HISTORY = [
    # crime, status, date, sequence
    ("C1", "Under investigation", "03/05/2023", "1"),
    ("C1", "File with CPS", "01/09/2023", "2"),
    ("C1", "Charged", "01/10/2023", "3"),
    ("C2", "Outcome 16", "01/08/2023", "4"),
    ("C2", "Under investigation", "01/11/2023", "5"),
    ("C4", "Outcome 15", "02/02/2024", "9"),
    ("C4", "Outcome 14", "02/02/2024", "7"),
    ("C5", "File with CPS", "01/03/2024", "10"),
    ("C9", "Charged", "01/03/2024", "11"),  # no such crime: quarantined
    ("C5", "Charged", "not a date", "12"),  # no usable date: quarantined
]


def write_two_files(folder: Path, mapping: str = MAPPING, history=HISTORY) -> Path:
    """A crimes file and an outcome history with one row per status change."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    for name, header, rows in (
        ("crimes.csv", ["Crime Reference", "HO Code", "Recorded"], CRIMES),
        ("status_history.csv", ["Crime No", "Status", "Status Date", "Event Seq"], history),
    ):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        (folder / name).write_text(buffer.getvalue(), encoding="utf-8")
    return folder


@pytest.fixture
def cleaned(tmp_path: Path) -> tuple[dict, Path]:
    folder = write_two_files(tmp_path / "raw" / "durham")
    summary = clean_force(folder, tmp_path / "out")
    return summary, tmp_path / "out"


def test_the_latest_status_stands(cleaned) -> None:
    summary, out = cleaned
    cases = load_cases("Durham", out).set_index("source_row")
    outcome = cases["outcome_type"].to_dict()
    assert outcome == {2: 1, 3: 0, 4: 0, 5: 15, 6: 0}
    assert cases.loc[2, "outcome_date"] == pd.Timestamp("2023-10-01")
    # a pending standing status carries no outcome date (so no pending_with_outcome_date)
    assert cases.loc[[3, 4, 6], "outcome_date"].isna().all()
    assert cases.loc[5, "outcome_date"] == pd.Timestamp("2024-02-02")
    assert not cases["date_flags"].str.contains("pending_with_outcome_date").any()
    assert summary["input_rows"] == 5 and summary["clean"] == 5


def test_every_history_row_is_accounted_for(cleaned) -> None:
    _summary, out = cleaned
    quarantine = load_quarantine("Durham", out)
    history = quarantine[quarantine["source_file"] == "status_history.csv"]
    assert history.set_index("source_row")[["column", "reason"]].to_dict("index") == {
        10: {"column": "crime_ref", "reason": "no crime with this reference in the crimes file(s)"},
        11: {"column": "outcome_date", "reason": "unparseable date"},
    }
    quality = load_quality("Durham", out)
    rows = quality[quality["section"] == "history"].set_index("item")["count"].to_dict()
    assert rows["history rows"] == 10 and rows["status rows used"] == 8
    crimes = quality[quality["section"] == "rows"].set_index("item")["count"].to_dict()
    assert crimes == {"input rows": 5, "clean": 5, "quarantined": 0, "duplicates": 0}


def test_without_tie_break_the_later_row_stands(tmp_path: Path) -> None:
    mapping = MAPPING.replace("  tie_break: Event Seq\n", "")
    folder = write_two_files(tmp_path / "raw" / "durham", mapping)
    clean_force(folder, tmp_path / "out")
    cases = load_cases("Durham", tmp_path / "out").set_index("source_row")
    assert cases.loc[5, "outcome_type"] == 14  # row order: Outcome 14 came after 15


def test_an_unknown_standing_status_quarantines_its_crime(tmp_path: Path) -> None:
    history = [*HISTORY, ("C3", "Sent to a galaxy far away", "01/04/2024", "13")]
    folder = write_two_files(tmp_path / "raw" / "durham", history=history)
    summary = clean_force(folder, tmp_path / "out")
    quarantine = load_quarantine("Durham", tmp_path / "out")
    crimes = quarantine[quarantine["source_file"] == "crimes.csv"]
    assert crimes[["source_row", "column", "reason"]].values.tolist() == [
        [4, "outcome", "unknown outcome code"]
    ]
    assert summary["quarantined"] == 1 and summary["clean"] == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("      outcome_date: Status Date\n", ""), "columns must name outcome_date"),
        (("    role: history\n", "    role: events\n"), "role must be crimes"),
        (
            ("  recorded_date: Recorded\n", "  recorded_date: Recorded\n  outcome: Status\n"),
            "outcome and outcome_date come from the history file",
        ),
        (
            ("  tie_break: Event Seq\n", "  tie_break: Event Seq\n  interim: [x]\n"),
            "unknown key 'interim' in history",
        ),
    ],
)
def test_history_mapping_mistakes_are_one_line(change, message) -> None:
    text = MAPPING.replace(*change)
    with pytest.raises(MappingError, match=message) as caught:
        mapping_of(text)
    assert "\n" not in str(caught.value) and "mapping.yaml, line" in str(caught.value)


def test_an_interim_status_cannot_also_be_an_outcome() -> None:
    text = MAPPING + "codes:\n  outcome: {File with CPS: 1}\n"
    with pytest.raises(MappingError, match="both an interim status"):
        mapping_of(text)


def test_provenance_keeps_the_mapping_notes(cleaned) -> None:
    import json

    _summary, out = cleaned
    record = json.loads((out / "durham" / "provenance.json").read_text())
    assert record["mapping_notes"] == "Crimes and their status history, exported separately."
    assert {f["name"] for f in record["files"]} == {"crimes.csv", "status_history.csv"}


def test_status_dates_mostly_unreadable_are_an_error_with_a_format(tmp_path: Path) -> None:
    months = {"05": "May", "09": "Sep", "10": "Oct", "08": "Aug", "11": "Nov", "02": "Feb"}
    months["03"] = "Mar"
    history = [
        (c, s, f"{d[:2]} {months[d[3:5]]} {d[6:]}", q) for c, s, d, q in HISTORY if d[2:3] == "/"
    ]
    folder = write_two_files(tmp_path / "raw" / "durham", history=history)
    with pytest.raises(MappingError) as caught:
        clean_force(folder, tmp_path / "out")
    message = str(caught.value)
    assert message.startswith("status_history.csv, row 2, column 'Status Date' (outcome_date)")
    assert "They read as '%d %b %Y'" in message and "\n" not in message
    assert not (tmp_path / "out").exists()


def test_a_large_share_of_history_rows_quarantined_is_warned(tmp_path: Path) -> None:
    history = [*HISTORY, *[(f"X{n}", "Charged", "01/03/2024", "20") for n in range(5)]]
    folder = write_two_files(tmp_path / "raw" / "durham", history=history)
    summary = clean_force(folder, tmp_path / "out")
    assert summary["warnings"].startswith(
        "outcome history: crime_ref: no crime with this reference in the crimes file(s) "
        "quarantines 6 of 15 rows (40%)"
    )
