"""Export layouts: how four kinds of force records system write the same cases.

A :class:`Layout` names its columns, date formats, code lists, file format and encoding
(:mod:`~soteria_research.synth.extract` writes cases in a layout and its mapping). Which
force uses which layout is fixed by :func:`layout_for`, so a force's files never depend
on which others are generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from soteria_research import reference
from soteria_research.ingest.vocabulary import DATE_FIELDS as INGEST_DATE_FIELDS

MISSING_VALUES = ["#VALUE!", "#N/A", "NULL"]
EXCEL_EPOCH = np.datetime64("1899-12-30")
DATE_FIELDS = INGEST_DATE_FIELDS  # the canonical date fields, as the ingest stage reads them
FLAG_FIELDS = ("arrested", "referred_to_cps", "isva_referred")


@dataclass(frozen=True)
class Layout:
    """One export layout. ``columns`` lists (source column, field) in file order; a field
    is a canonical mapping field, or ``force``, ``subgroup``, ``officer`` or ``station``
    for columns the mapping does not read (``force`` is read as ``force_column``)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    file_format: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    lineterminator: str = "\n"
    quote_strings: bool = False
    date_format: str = "%Y-%m-%d"
    extra_date_formats: tuple[str, ...] = ()
    per_column: dict[str, str] = field(default_factory=dict)
    offence: str = "code"  # code | text
    outcome: str = "number"  # number | oc | label | cell
    sex: dict[str, str] = field(default_factory=dict)  # canonical -> source
    ethnicity: str = "ic"  # ic | self
    relationship: str = "label"  # label | label_caps
    yes_no: tuple[str, str] = ("Y", "N")
    file_name: str = "extract.csv"
    per_year_files: bool = False
    crime_ref_format: str = "{code}/{seq:06d}/{yy:02d}"
    title: bool = False  # a title row and a blank row above the header (excel)

    @property
    def header_row(self) -> int:
        """1-based row of the column names."""
        return 3 if self.title else 1

    def source(self, name: str) -> str:
        """Source column of a canonical field (or extra column kind)."""
        return next(column for column, f in self.columns if f == name)

    def fields(self) -> list[str]:
        """Canonical fields (and extra column kinds) in file order."""
        return [f for _, f in self.columns]

    def date_formats(self) -> list[str]:
        """Date formats tried in order (the mapping's ``dates.formats``)."""
        return [self.date_format, *self.extra_date_formats]


_CORE = (
    "crime_ref",
    "offence",
    "committed_date",
    "reported_date",
    "recorded_date",
    "victim_ref",
    "victim_sex",
    "victim_age",
    "victim_ethnicity",
    "suspect_ref",
    "relationship",
    "arrested",
    "arrest_date",
    "referred_to_cps",
    "cps_referral_date",
    "outcome",
    "outcome_date",
    "victim_withdrawal_date",
    "isva_referred",
    "device_seized_date",
    "device_returned_date",
)


def _cols(names: str, extras: tuple[tuple[int, str, str], ...] = ()) -> tuple:
    """(source column, field) pairs: ``names`` ("|"-separated) in the order of _CORE, then
    ``extras`` (position, column, kind) inserted."""
    pairs = list(zip(names.split("|"), _CORE, strict=True))
    for position, column, kind in extras:
        pairs.insert(position, (column, kind))
    return tuple(pairs)


LAYOUTS: dict[str, Layout] = {
    "rms_iso_csv": Layout(
        name="rms_iso_csv",
        columns=_cols(
            (
                "Crime Reference|HO Offence Code|Date Committed|Date Reported|Date Recorded|"
                "Victim URN|Victim Gender|Victim Age|Victim Ethnicity|Suspect URN|Relationship|"
                "Arrested/Interviewed|Arrest Date|CPS Referral|CPS Referral Date|Outcome|"
                "Outcome Date|Victim Withdrawal Date|ISVA Referral|Device Seized|"
                "Device Returned"
            ),
            ((21, "Station", "station"),),
        ),
        sex={"female": "F", "male": "M", "unknown": "U"},
        file_name="sexual_offences_{fy}.csv",
        per_year_files=True,
    ),
    "rms_dmy_semicolon": Layout(
        name="rms_dmy_semicolon",
        columns=_cols(
            (
                "CrimeNo|HO.Text|Committed.From|Reported|Created|Victim.ID|Victim.Gender|"
                "Victim.Age|Victim.Ethnicity|Suspect.ID|Vict.Susp.Relationship|"
                "Arrest.Interview|Arrest.Date|Referred.CPS|CPS.Date|Outcome.Code|Outcome.Date|"
                "Withdrawal.Date|ISVA|Device.Seized|Device.Returned"
            ),
            ((0, "Force", "force"), (3, "Offence.Sub.Group", "subgroup")),
        ),
        encoding="utf-8-sig",
        delimiter=";",
        lineterminator="\r\n",
        quote_strings=True,
        date_format="%d/%m/%Y",
        per_column={"recorded_date": "%d/%m/%Y %H:%M"},
        offence="text",
        outcome="oc",
        sex={"female": "Female", "male": "Male", "unknown": "Not recorded"},
        ethnicity="self",
        relationship="label_caps",
        yes_no=("Yes", "No"),
        file_name="RASSO_extract.csv",
        crime_ref_format="{code}{yy:02d}{seq:07d}",
    ),
    "rms_labels_latin1": Layout(
        name="rms_labels_latin1",
        columns=_cols(
            (
                "Occurrence Ref|Offence Code|Date From|Date Reported|Date Created|Victim Ref|"
                "Sex|Age at Offence|Self Defined Ethnicity|Suspect Nominal|"
                "Relationship To Suspect|Arrested|Arrest/Interview Date|Referred To CPS|"
                "CPS Referral Date|Outcome|Outcome Date|Victim Withdrew Support|ISVA Referred|"
                "Digital Device Seized|Digital Device Returned"
            ),
            ((21, "OIC", "officer"), (22, "Station", "station")),
        ),
        encoding="latin-1",
        date_format="%d/%m/%Y",
        extra_date_formats=("excel_serial",),
        outcome="label",
        sex={"female": "F", "male": "M", "unknown": "X"},
        ethnicity="self",
        yes_no=("1", "0"),
        file_name="crime_extract.csv",
        crime_ref_format="{code}-{year}-{seq:06d}",
    ),
    "rms_excel_serial": Layout(
        name="rms_excel_serial",
        columns=_cols(
            "Crime Ref|Offence|Committed|Reported|Recorded|Victim No|Victim Sex|Victim Age|"
            "Victim Ethnicity (IC)|Suspect No|Relationship|Arrested|Arrest Date|"
            "Sent To CPS|CPS Date|Outcome|Outcome Date|Withdrawal Date|ISVA|"
            "Device Seized Date|Device Returned Date"
        ),
        file_format="excel",
        date_format="excel_serial",
        outcome="cell",
        sex={"female": "Female", "male": "Male", "unknown": "Unknown"},
        file_name="rasso_extract.xlsx",
        crime_ref_format="{code}/CR/{seq:05d}/{yy:02d}",
        title=True,
    ),
}
_CYCLE = ("rms_iso_csv", "rms_dmy_semicolon", "rms_labels_latin1")
#: Small forces whose extract is an Excel workbook.
EXCEL_FORCES = ("city-of-london",)


def layout_for(police_uk_id: str) -> Layout:
    """The layout a force exports (fixed by its id; Welsh forces carry Welsh names)."""
    forces = reference.forces(include_btp=True)
    row = forces.index[forces["police_uk_id"] == police_uk_id][0]
    if police_uk_id in EXCEL_FORCES:
        return LAYOUTS["rms_excel_serial"]
    if forces.loc[row, "region"] == "Wales":
        return LAYOUTS["rms_labels_latin1"]
    return LAYOUTS[_CYCLE[row % len(_CYCLE)]]


@lru_cache(maxsize=1)
def _force_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for police_id in reference.forces(include_btp=True)["police_uk_id"]:
        words = police_id.split("-")
        base = "".join(w[0] for w in words) if len(words) > 1 else words[0][:3]
        candidates = [base, base[:-1] + police_id[-1], base + police_id[-1], f"{base}{len(codes)}"]
        codes[police_id] = next(c.upper() for c in candidates if c.upper() not in codes.values())
    return codes


def force_code(police_uk_id: str) -> str:
    """Short code of a force used in references, unique among the forces (``GWE``, ``AAS``)."""
    return _force_codes()[police_uk_id]


def force_label(name: str) -> str:
    """How a force's system names the force: its first alias, else its name."""
    forces = reference.forces(include_btp=True).set_index("name")
    aliases = [a for a in forces.loc[name, "aliases"].split("|") if a]
    return aliases[0] if aliases else name
