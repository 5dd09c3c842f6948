"""Small hand-written extracts and mappings for the ingest tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from soteria_research.ingest.mapping import Mapping, parse_mapping

KEY = b"test-key-0123456789abcdef"
HEADER = [
    "Ref",
    "Offence",
    "Committed",
    "Reported",
    "Recorded",
    "Outcome",
    "Outcome Date",
    "Victim",
    "Suspect",
    "Sex",
    "Age",
    "Ethnicity",
    "Relationship",
    "Arrested",
]
GOOD = {
    "Ref": "DU/000001/23",
    "Offence": "19C",
    "Committed": "01/05/2023",
    "Reported": "02/05/2023",
    "Recorded": "03/05/2023",
    "Outcome": "16",
    "Outcome Date": "01/09/2023",
    "Victim": "V001",
    "Suspect": "S001",
    "Sex": "F",
    "Age": "24",
    "Ethnicity": "IC1",
    "Relationship": "Ex partner",
    "Arrested": "Y",
}
MAPPING = """\
layout: test_layout
force: Durham
data_source: synthetic
extraction_date: 2024-06-30
files:
  - path: extract.csv
columns:
  crime_ref: Ref
  offence: Offence
  committed_date: Committed
  reported_date: Reported
  recorded_date: Recorded
  outcome: Outcome
  outcome_date: Outcome Date
  victim_ref: Victim
  suspect_ref: Suspect
  victim_sex: Sex
  victim_age: Age
  victim_ethnicity: Ethnicity
  relationship: Relationship
  arrested: Arrested
dates:
  formats: ["%d/%m/%Y", "%Y-%m-%d", excel_serial]
"""


def row(number: int = 1, **changes: str) -> dict[str, str]:
    """A good source row with its own references, changed as given."""
    out = dict(GOOD, Ref=f"DU/{number:06d}/23", Victim=f"V{number:03d}", Suspect=f"S{number:03d}")
    out.update(changes)
    return out


def csv_text(rows: list[dict], delimiter: str = ",", header: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=header or HEADER, delimiter=delimiter, lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def make_force(
    root: Path,
    rows: list[dict],
    folder: str = "durham",
    mapping: str = MAPPING,
    name: str = "extract.csv",
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write ``<root>/<folder>/`` with an extract and its mapping; returns the folder."""
    force_dir = root / folder
    force_dir.mkdir(parents=True, exist_ok=True)
    (force_dir / "mapping.yaml").write_text(mapping, encoding="utf-8")
    text = csv_text(rows, delimiter)
    (force_dir / name).write_bytes(text.encode(encoding))
    return force_dir


def mapping_of(text: str = MAPPING, where: str = "/virtual/durham/mapping.yaml") -> Mapping:
    return parse_mapping(text, Path(where))


def raw_frame(rows: list[dict], header: list[str] | None = None) -> pd.DataFrame:
    """The frame read_extract would return for these rows of ``extract.csv``."""
    header = header or HEADER
    data = {c: pd.array([r.get(c) for r in rows], dtype="string") for c in header}
    frame = pd.DataFrame(data)
    frame.insert(0, "source_file", pd.array(["extract.csv"] * len(rows), dtype="string"))
    frame["source_row"] = pd.array(range(2, len(rows) + 2), dtype="Int64")
    frame["source_problem"] = pd.array([None] * len(rows), dtype="string")
    return frame
