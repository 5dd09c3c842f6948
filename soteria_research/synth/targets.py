"""Real figures the synthetic data set is calibrated to.

Sources (Crown copyright, Open Government Licence v3.0: "Contains public sector
information licensed under the Open Government Licence v3.0"):

- Home Office, "Police recorded crime and outcomes open data tables", financial year
  2017/18, offence group "Sexual offences": the cohort column "Force outcomes for offences
  recorded in quarter", summed over the four quarters. Per-force rape volumes and charge
  rates are in ``soteria_research/reference/calibration_2017_18.csv``; the counts below
  add the other sexual offences and the outcome and code mixes.
- Rapes recorded in England and Wales by year, HMICFRS Rape Monitoring Group / ONS, as
  quoted in the project's domain notes.
- Ministry of Justice and Home Office median days from recording to charge for rape:
  381 (2018/19), 395, 465, 467, 421 (2022/23).
"""

from __future__ import annotations

#: Rapes recorded in England and Wales, by first calendar year of the financial year.
#: 2020 is not in the sources (lockdown years): interpolated between 2019 and 2021.
#: "About 69,000-72,000" since 2021/22: 70,000 is used for later years.
NATIONAL_RAPES: dict[int, int] = {
    2017: 54045,
    2018: 58657,
    2019: 59104,
    2020: 64717,
    2021: 70330,
    2022: 70000,
    2023: 70000,
    2024: 70000,
}

#: Other sexual offences recorded in 2017/18 (cohort column), by Home Office force name.
OTHER_SEXUAL_2017_18: dict[str, int] = {
    "Avon and Somerset": 2676, "Bedfordshire": 781, "British Transport Police": 1797,
    "Cambridgeshire": 1137, "Cheshire": 1814, "Cleveland": 1053, "Cumbria": 915,
    "Derbyshire": 1099, "Devon and Cornwall": 2869, "Dorset": 1027, "Durham": 1376,
    "Dyfed-Powys": 707, "Essex": 2360, "Gloucestershire": 638, "Greater Manchester": 5831,
    "Gwent": 900, "Hampshire": 3594, "Hertfordshire": 1333, "Humberside": 1808,
    "Kent": 3939, "Lancashire": 2881, "Leicestershire": 1346, "Lincolnshire": 952,
    "London, City of": 72, "Merseyside": 2082, "Metropolitan Police": 12009,
    "Norfolk": 1588, "North Wales": 2227, "North Yorkshire": 1001, "Northamptonshire": 1229,
    "Northumbria": 2828, "Nottinghamshire": 2074, "South Wales": 2167,
    "South Yorkshire": 2684, "Staffordshire": 2258, "Suffolk": 1252, "Surrey": 1400,
    "Sussex": 2775, "Thames Valley": 2994, "Warwickshire": 930, "West Mercia": 2256,
    "West Midlands": 3993, "West Yorkshire": 5147, "Wiltshire": 1068,
}  # fmt: skip

#: Other sexual offences recorded in 2017/18 by offence code (code 20 expired: none).
OTHER_CODES_2017_18: dict[str, int] = {
    "17A": 5401, "17B": 3808, "20A": 36853, "20B": 9624, "21": 8530, "22A": 785,
    "22B": 14503, "23": 889, "70": 265, "71": 1295, "72": 2, "73": 290, "88A": 4355,
    "88C": 519, "88D": 33, "88E": 9715,
}  # fmt: skip

#: Cohort outcomes of the 2017/18 rapes (44 forces) by outcome type; 0 = not yet assigned.
RAPE_OUTCOMES_2017_18: dict[int, int] = {
    0: 6649, 1: 2238, 2: 23, 3: 4, 4: 2, 5: 171, 8: 3, 9: 60, 10: 124, 11: 262, 12: 83,
    13: 313, 14: 7071, 15: 13868, 16: 17222, 17: 2, 18: 4949, 20: 687, 21: 200,
}  # fmt: skip

#: Cohort outcomes of the 2017/18 other sexual offences by outcome type.
OTHER_OUTCOMES_2017_18: dict[int, int] = {
    0: 8141, 1: 8386, 2: 199, 3: 682, 4: 34, 5: 279, 6: 8, 8: 652, 9: 139, 10: 933,
    11: 1114, 12: 745, 13: 344, 14: 7234, 15: 20745, 16: 20407, 17: 29, 18: 19436,
    20: 3995, 21: 3365,
}  # fmt: skip

#: National cohort charge rate for rape in 2017/18 (2,238 / 53,931).
CHARGE_RATE_2017_18 = 0.0415

#: Median days from recording to charge for rape, by financial year (first year).
MEDIAN_DAYS_TO_CHARGE: dict[int, int] = {2018: 381, 2019: 395, 2020: 465, 2021: 467, 2022: 421}

#: Prior weight (rapes) shrinking a force's 2017/18 charge rate to the national rate, so
#: that a force with 25 rapes and no charge does not get a charge rate of exactly zero.
CHARGE_RATE_PRIOR_RAPES = 30

#: Share of crimes with an identified suspect whose suspect is also named in another
#: crime. No published figure: the Soteria deep dives report repeat suspects as common;
#: 10-20% is the working range, 15% the target.
REPEAT_SUSPECT_SHARE = 0.15
#: Share of identified-suspect crimes whose suspect is drawn from the region's pool of
#: suspects who offend in neighbouring forces (part of the repeat share).
REGIONAL_SUSPECT_SHARE = 0.055
#: Mean number of crimes per repeat suspect.
CRIMES_PER_REPEAT_SUSPECT = 2.5

#: Shares of the process measures (no single published figure; plausible working values).
ISVA_REFERRAL_SHARE = 0.65
DEVICE_SEIZED_SHARE = 0.40
DEVICE_RETURN_MEDIAN_DAYS = 60
