"""The words forces use: ethnicity, relationship and outcome vocabularies.

Each table keys a value by a short internal key and gives the canonical category the
ingest stage should reach, the shares the generator draws from, and the ways export
layouts write it. The shares are plausible working values, not published figures.
"""

from __future__ import annotations

from typing import NamedTuple


class Ethnicity(NamedTuple):
    key: str
    group: str  # canonical (reference.ETHNICITIES)
    ic_code: str  # officer-defined IC code
    label: str  # self-defined category as written by a force system
    share: float  # share of victims outside London
    share_london: float


ETHNICITIES: tuple[Ethnicity, ...] = (
    Ethnicity("white_british", "white", "IC1",
              "White - English/Welsh/Scottish/Northern Irish/British", 0.755, 0.40),
    Ethnicity("white_irish", "white", "IC1", "White - Irish", 0.010, 0.010),
    Ethnicity("white_other", "white", "IC2", "White - Any other White background", 0.050, 0.120),
    Ethnicity("black_african", "black", "IC3", "Black or Black British - African", 0.015, 0.080),
    Ethnicity("black_caribbean", "black", "IC3", "Black or Black British - Caribbean",
              0.010, 0.060),
    Ethnicity("indian", "asian", "IC4", "Asian or Asian British - Indian", 0.020, 0.050),
    Ethnicity("pakistani", "asian", "IC4", "Asian or Asian British - Pakistani", 0.025, 0.030),
    Ethnicity("bangladeshi", "asian", "IC4", "Asian or Asian British - Bangladeshi",
              0.008, 0.030),
    Ethnicity("chinese", "asian", "IC5", "Asian or Asian British - Chinese", 0.005, 0.015),
    Ethnicity("mixed_wbc", "mixed", "IC3", "Mixed - White and Black Caribbean", 0.012, 0.025),
    Ethnicity("mixed_wa", "mixed", "IC4", "Mixed - White and Asian", 0.008, 0.015),
    Ethnicity("mixed_other", "mixed", "IC1", "Mixed - Any other Mixed background",
              0.010, 0.020),
    Ethnicity("arab", "other", "IC6", "Other ethnic group - Arab", 0.004, 0.015),
    Ethnicity("other", "other", "IC6", "Any other ethnic group", 0.008, 0.030),
    Ethnicity("not_stated", "unknown", "IC9", "Not stated", 0.060, 0.100),
)  # fmt: skip

#: IC codes as officers record them, with the canonical group each maps to.
IC_GROUPS = {"IC1": "white", "IC2": "white", "IC3": "black", "IC4": "asian", "IC5": "asian",
             "IC6": "other", "IC9": "unknown"}  # fmt: skip

#: Forces outside London whose population mix sits between London's and the rest.
METROPOLITAN_MIX = {"Greater Manchester": 0.4, "West Midlands": 0.45, "West Yorkshire": 0.35,
                    "Bedfordshire": 0.35, "Leicestershire": 0.35, "London, City of": 1.0,
                    "Metropolitan Police": 1.0}  # fmt: skip


class Relationship(NamedTuple):
    key: str
    category: str  # canonical (reference.RELATIONSHIPS)
    label: str  # plain label
    label_caps: str  # the same in another system's spelling
    adult: float  # share when the victim is 16+ and a suspect is named
    child: float  # share when the victim is a child
    no_suspect: float  # share when no suspect is identified


RELATIONSHIPS: tuple[Relationship, ...] = (
    Relationship("stranger", "stranger", "Stranger", "STRANGER", 0.12, 0.05, 0.45),
    Relationship("acquaintance", "acquaintance", "Acquaintance", "ACQUAINTANCE", 0.22, 0.18, 0),
    Relationship("friend", "acquaintance", "Friend", "FRIEND", 0.08, 0.15, 0),
    Relationship("colleague", "acquaintance", "Colleague", "WORK COLLEAGUE", 0.03, 0.0, 0),
    Relationship("online", "other", "Online contact", "ONLINE CONTACT", 0.05, 0.08, 0.10),
    Relationship("ex_partner", "intimate", "Ex partner", "EX-PARTNER", 0.17, 0.03, 0),
    Relationship("partner", "intimate", "Spouse/partner", "SPOUSE/PARTNER", 0.14, 0.01, 0),
    Relationship("family", "family", "Family", "FAMILY MEMBER", 0.06, 0.36, 0),
    Relationship("carer", "other", "Carer", "CARER", 0.01, 0.03, 0),
    Relationship("refuses", "unknown", "Victim refuses to identify", "VICTIM DECLINED", 0.04,
                 0.02, 0.05),
    Relationship("not_known", "unknown", "Not known", "NOT KNOWN", 0.08, 0.09, 0.40),
)  # fmt: skip

#: Outcome labels of the layout that writes outcomes as words. Labels marked True are not
#: known to the standard outcome normaliser and must be declared in the mapping.
OUTCOME_LABELS: dict[int, tuple[str, bool]] = {
    0: ("Under Investigation", False),
    1: ("Charged", False),
    2: ("Caution - Youth", True),
    3: ("Caution - Adult", True),
    4: ("Taken Into Consideration", False),
    5: ("Offender Died", False),
    6: ("Penalty Notice For Disorder", True),
    8: ("Community Resolution", False),
    9: ("CPS - Not In Public Interest", True),
    10: ("Police - Not In Public Interest", True),
    11: ("Suspect Under Age", False),
    12: ("Suspect Too Ill", True),
    13: ("Victim/Key Witness Dead/Too Ill", False),
    14: ("Suspect Not Identified: Victim Does Not Support Police Action", False),
    15: ("Named Suspect Identified: Evidential Difficulties - Victim Supports Police Action",
         False),
    16: ("Named Suspect Identified: Evidential Difficulties - Victim Does Not Support Police "
         "Action", False),
    17: ("Prosecution Time Limit Expired", False),
    18: ("Investigation Complete - No Suspect Identified", False),
    20: ("Transferred To Another Body", False),
    21: ("Further Investigation Not In Public Interest - Police Decision", True),
    22: ("Diversionary Activity Undertaken", True),
}  # fmt: skip
#: Label of a charge for an alternate offence (1A), known to the normaliser.
ALTERNATE_CHARGE_LABEL = "Charged - Alternate Offence"

#: Officers' names for the layout that carries an officer in charge (latin-1 text).
OFFICERS = ("DC Siân Evans", "DC Zoë Hughes", "DS Renée Price", "DC Rhodri Jones",
            "DC Bethan Lloyd", "DS Chloë Morgan", "DC Gareth Powell", "DC José Fernandes",
            "DS Aoife Ó Briain", "DC Hannah Williams")  # fmt: skip
STATIONS = ("Central", "North", "South", "East", "West", "Public Protection Unit",
            "RASSO Team")  # fmt: skip
