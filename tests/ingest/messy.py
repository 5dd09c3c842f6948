"""Messy extracts, generated the same on every machine, for the frozen-output test.

Three force folders, each a few thousand rows of the trouble real exports hold: day-first,
ISO and Excel-serial dates, spreadsheet error strings, placeholder dates, blank and unknown
codes, crime-recording codes, outcome labels and descriptions, ages as ``24.0`` or words,
references in lower case or with spaces, exact and same-reference duplicates, the force's
own duplicate marker, blank and ragged rows, a regional file with a force column, and an
outcome history. Only :class:`random.Random` is used, whose sequence Python keeps stable.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

START = date(2021, 1, 1)
DATE_FORMATS = ("{d:02d}/{m:02d}/{y}", "{y}-{m:02d}-{d:02d}")
OFFENCES = ["19C", "19D", "19E", "19F", "20A", "22A", "19Z", "Rape of a female aged 16 and over"]
OUTCOMES = [
    "16",
    "OC14",
    "Outcome 15",
    "18",
    "0",
    "1",
    "1A",
    "2A",
    "OC16",
    "20",
    "Pending",
    "NFA - victim withdrew",
    "OC99",
    "N100",
    "C2",
    "#VALUE!",
    "",
    "16.0",
]
SEXES = ["F", "M", "Female", "NULL", "", "U", "Other", "fem", "?"]
ETHNICITIES = ["IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "", "#N/A", "W1", "Mixed", "Martian"]
RELATIONSHIPS = ["Stranger", "Acquaintance", "Ex partner", "Spouse/partner", "Family", "", "xx"]
YES_NO = ["Y", "N", "", "Yes", "no", "maybe"]
AGES = ["24", "", "17", "65", "24.0", "abc", "130", "-1", "40", "12.5", "8"]

SINGLE = """\
layout: messy_single
force: Avon and Somerset
data_source: synthetic
extraction_date: 2024-06-30
files:
  - path: extract_*.csv
columns:
  crime_ref: Crime Reference
  offence: HO Offence Code
  committed_date: Date Committed
  reported_date: Date Reported
  recorded_date: Date Recorded
  victim_ref: Victim URN
  victim_sex: Victim Gender
  victim_age: Victim Age
  victim_ethnicity: Victim Ethnicity
  suspect_ref: Suspect URN
  relationship: Relationship
  arrested: Arrested
  arrest_date: Arrest Date
  referred_to_cps: CPS Referral
  outcome: Outcome
  outcome_date: Outcome Date
  victim_withdrawal_date: Victim Withdrawal Date
  isva_referred: ISVA Referral
  device_seized_date: Device Seized
  device_returned_date: Device Returned
  duplicate_flag: Duplicate
dates:
  formats: ["%d/%m/%Y", excel_serial]
codes:
  outcome: {NFA - victim withdrew: 16}
  sex: {fem: female}
missing_values: ["?"]
"""
REGIONAL = """\
layout: messy_regional
force_column: Force
data_source: synthetic
extraction_date: 2024-06-30
files:
  - path: regional.csv
    delimiter: ";"
columns:
  crime_ref: Crime Reference
  offence: HO Offence Code
  recorded_date: Date Recorded
  reported_date: Date Reported
  victim_ref: Victim URN
  suspect_ref: Suspect URN
  victim_sex: Victim Gender
  outcome: Outcome
  outcome_date: Outcome Date
dates:
  formats: ["%d/%m/%Y"]
pending_when_blank: true
"""
HISTORY = """\
layout: messy_history
force: Durham
data_source: synthetic
extraction_date: 2024-06-30
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
  victim_sex: Victim Gender
  suspect_ref: Suspect URN
history:
  interim_statuses: [Under investigation, File with CPS]
  tie_break: Event Seq
dates:
  formats: ["%d/%m/%Y"]
codes:
  outcome: {Charged: 1}
"""


def _date(rng: random.Random, base: int, shift: tuple[int, int], blank: float) -> str:
    """A date ``shift`` days from day ``base`` (days since 2021-01-01), in a messy form."""
    draw = rng.random()
    if draw < blank:
        return rng.choice(["", "", "NULL"])
    if draw < blank + 0.01:
        return rng.choice(["#VALUE!", "01/01/1900", "31/02/2023", "soon", "12/31/2023"])
    day = base + rng.randint(*shift)
    if draw < blank + 0.03:
        return str(44197 + day)  # Excel day number of 2021-01-01 plus the offset
    when = START + timedelta(days=day)
    form = DATE_FORMATS[1] if rng.random() < 0.02 else DATE_FORMATS[0]
    return form.format(d=when.day, m=when.month, y=when.year)


def _ref(rng: random.Random, prefix: str, number: int) -> str:
    text = f"{prefix}{number:06d}"
    draw = rng.random()
    if draw < 0.02:
        return f" {text.lower()} "
    if draw < 0.03:
        return f"{text[:3]} {text[3:]}"
    return text


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def single(folder: Path, rows: int = 3000, seed: int = 1) -> None:
    """One force, two files, every column of the mapping above."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(SINGLE, encoding="utf-8")
    columns = SINGLE.split("columns:\n", 1)[1].split("dates:", 1)[0]
    header = [line.split(": ", 1)[1] for line in columns.splitlines()]
    out: list[list[str]] = []
    for number in range(rows):
        base = rng.randint(0, 1200)
        ref = _ref(rng, "AS/", number) if rng.random() > 0.004 else rng.choice(["", "NULL"])
        record = [
            ref,
            rng.choice(OFFENCES) if rng.random() > 0.005 else "",
            _date(rng, base, (-400, 0), 0.05),
            _date(rng, base, (-3, 1), 0.02),
            _date(rng, base, (0, 0), 0.003),
            _ref(rng, "V", rng.randint(0, rows * 3)),
            rng.choice(SEXES),
            rng.choice(AGES),
            rng.choice(ETHNICITIES),
            _ref(rng, "S", rng.randint(0, rows // 2)) if rng.random() > 0.25 else "",
            rng.choice(RELATIONSHIPS),
            rng.choice(YES_NO),
            _date(rng, base, (0, 60), 0.4),
            rng.choice(YES_NO),
            rng.choice(OUTCOMES),
            _date(rng, base, (-5, 500), 0.15),
            _date(rng, base, (0, 200), 0.7),
            rng.choice(YES_NO),
            _date(rng, base, (0, 30), 0.6),
            _date(rng, base, (-20, 200), 0.7),
            "Y" if rng.random() < 0.01 else rng.choice(["N", ""]),
        ]
        out.append(record)
        if rng.random() < 0.01:  # an exact duplicate
            out.append(list(record))
        if rng.random() < 0.01:  # the same crime exported again, changed
            again = list(record)
            again[14], again[15] = rng.choice(OUTCOMES), _date(rng, base, (0, 600), 0.1)
            out.append(again)
    half = len(out) // 2
    first = out[:half]
    first.insert(50, [""] * len(header))  # a blank row in the middle
    _write(folder / "extract_2023.csv", header, first)
    _write(folder / "extract_2024.csv", header, out[half:])
    text = (folder / "extract_2024.csv").read_text(encoding="utf-8").splitlines()
    text.insert(7, "AS/999999,19C,too,few")  # a ragged row
    (folder / "extract_2024.csv").write_text("\n".join(text) + "\n", encoding="utf-8")


def regional(folder: Path, rows: int = 1500, seed: int = 2) -> None:
    """A regional extract with a force column, cleaned in one force's folder."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(REGIONAL, encoding="utf-8")
    header = ["Force", "Crime Reference", "HO Offence Code", "Date Recorded", "Date Reported"]
    header += ["Victim URN", "Suspect URN", "Victim Gender", "Outcome", "Outcome Date"]
    forces = ["Durham", "Durham Constabulary", "Cleveland", "Northumbria", "Durhm", ""]
    out = []
    for number in range(rows):
        base = rng.randint(0, 1200)
        ref = _ref(rng, "R/", number % (rows - 40))  # the same reference in two forces
        record = [
            rng.choice(forces),
            ref,
            rng.choice(OFFENCES),
            _date(rng, base, (0, 0), 0.01),
            _date(rng, base, (-3, 0), 0.02),
            _ref(rng, "V", rng.randint(0, rows)),
            _ref(rng, "S", rng.randint(0, rows // 3)) if rng.random() > 0.3 else "",
            rng.choice(SEXES),
            rng.choice(OUTCOMES),
            _date(rng, base, (0, 400), 0.2),
        ]
        out.append(record)
    _write(folder / "regional.csv", header, out, delimiter=";")


def history(folder: Path, rows: int = 1500, seed: int = 3) -> None:
    """Crimes and their status history in two files."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(HISTORY, encoding="utf-8")
    crimes, statuses = [], []
    statuses_known = ["Under investigation", "File with CPS", "Charged", "Outcome 16", "OC14"]
    statuses_known += ["", "Mystery", "Pending"]
    sequence = 0
    for number in range(rows):
        base = rng.randint(0, 1200)
        ref = _ref(rng, "DU/", number)
        crimes.append([ref, rng.choice(OFFENCES), _date(rng, base, (0, 0), 0.005)])
        crimes[-1] += [rng.choice(SEXES), _ref(rng, "S", rng.randint(0, rows // 3))]
        for _ in range(rng.randint(0, 3)):
            sequence += 1
            status_ref = ref if rng.random() > 0.02 else _ref(rng, "DU/", rows + number)
            when = _date(rng, base, (0, 300), 0.02)
            statuses.append([status_ref, rng.choice(statuses_known), when, str(sequence % 97)])
    header = ["Crime Reference", "HO Code", "Recorded", "Victim Gender", "Suspect URN"]
    _write(folder / "crimes.csv", header, crimes)
    _write(
        folder / "status_history.csv", ["Crime No", "Status", "Status Date", "Event Seq"], statuses
    )
