"""A small synthetic release recomputed independently: the force report, the national
comparators and funnels, and the evidence base agree with it.

Every published (not withheld) figure checked here is recomputed by :mod:`.recompute` from
the canonical cases (pandas, numpy, scipy, statsmodels only) and must agree far within its
published precision (percentages to one decimal, days whole or half, ratings and kappa to
two decimals). Withheld cells are skipped and counted.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from . import recompute as ref
from .conftest import FORCE, REGIONS, SUBGROUP

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference")]

NATIONAL = "England and Wales"
SEP = " | "
FIGURES = ("numerator", "denominator", "value", "ci_low", "ci_high")
#: Far within every published precision (0.1 percentage point, whole days, 0.01).
TOLERANCE = 1e-6


def agree(published: float, mine: float) -> bool:
    if pd.isna(published) or pd.isna(mine):
        return pd.isna(published) and pd.isna(mine)
    return math.isclose(float(published), float(mine), rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def keys(ledger) -> list[str]:
    return [*ledger.cells.keys(), *ledger.cells.aliases.keys()]


def rape(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[cases["offence_subgroup"] == SUBGROUP].reset_index(drop=True)


@pytest.fixture(scope="module")
def year(release) -> str:
    return ref.latest_year(pd.concat([rape(c) for c in release.cases.values()]))


@pytest.fixture(scope="module")
def force_measures(release, year) -> dict[str, dict]:
    cases = release.cases[FORCE]
    return ref.case_measures(rape(cases), cases, year)


@pytest.fixture(scope="module")
def national(release, year) -> dict[str, dict]:
    forces = {f: rape(c) for f, c in release.cases.items()}
    return ref.pooled(forces, release.cases, year)


def compare_cells(
    ledger, prefix: str, expected: dict[str, dict], only: str = ""
) -> tuple[int, int, list]:
    """Check every ledger cell ``<prefix><measure> | ... | <column>`` against ``expected``
    (measures starting with ``only``); returns (checked, withheld, disagreements)."""
    checked = withheld = 0
    wrong = []
    for key in keys(ledger):
        if not key.startswith(prefix + only):
            continue
        parts = key[len(prefix) :].split(SEP)
        measure, column = parts[0], parts[-1]
        assert measure in expected, f"a published figure the suite does not recompute: {key}"
        if column not in expected[measure]:
            continue
        cell = ledger.cells[key]
        if cell.withheld:
            withheld += 1
            continue
        checked += 1
        if not agree(cell.value, expected[measure][column]):
            wrong.append((key, cell.value, expected[measure][column]))
    return checked, withheld, wrong


# -- one force report ----------------------------------------------------------------------
def test_the_force_findings_are_recomputed(release, year, force_measures):
    prefix = SEP.join((FORCE, "=", SUBGROUP, year, "finding", ""))
    checked, withheld, wrong = compare_cells(release.ledger, prefix, force_measures)
    assert not wrong, wrong
    assert checked >= 50, (checked, withheld)


def test_the_force_tables_are_recomputed(release, year, force_measures):
    """The same quantities where the report's tables show them (percentages)."""
    ledger, m = release.ledger, force_measures
    shown = {
        ("repeat suspects", "suspect linked to another crime of the force"): m[
            "repeat_suspect_share"
        ],
        ("victim engagement", "Outcome 16: suspect identified, victim does not support action"): m[
            "outcome_16_share"
        ],
        ("victim engagement", "Outcomes 14 + 16: victim does not support action"): m[
            "victim_does_not_support_share"
        ],
        ("victim engagement", "Victim referred to an ISVA"): m["isva_share"],
        ("cumulative incidence of charge", "365"): m["charge_cif_365"],
        ("charged within a year by cohort", year): m["charge_cif_365"],
        ("charge rate by cohort", year): m["charge_rate"],
        ("attrition", "Charged or summonsed"): m["charge_rate"],
    }
    cases = rape(release.cases[FORCE])
    in_year = ref.cohort(cases, year)
    for horizon in (90, 180, 365, 730):
        shown[("cumulative incidence of charge", str(horizon))] = ref.charge_within(
            in_year, horizon
        )
    years = sorted(set(cases["financial_year"].dropna().astype(str)))
    for label in years:
        rows = ref.cohort(cases, label)
        charged = int(rows["outcome_type"].eq(1).fillna(False).sum())
        shown[("charge rate by cohort", label)] = ref.proportion(charged, len(rows))
        shown[("charged within a year by cohort", label)] = ref.charge_within(rows)
    every = f"all {len(years)} years ({years[0]} to {years[-1]})"
    charged = int(cases["outcome_type"].eq(1).fillna(False).sum())
    shown[("charge rate by cohort", every)] = ref.proportion(charged, len(cases))
    shown[("charged within a year by cohort", every)] = ref.charge_within(cases)
    for shorter, longer in ((90, 180), (180, 365)):
        within = {h: ref.charge_within(in_year, h)["numerator"] for h in (shorter, longer)}
        row = f"{longer} not {shorter}"
        shown[("cumulative incidence of charge", row)] = {
            "numerator": within[longer] - within[shorter]
        }
    assert SEP.join((FORCE, "charge rate by cohort", every, "rate")) in ledger.cells
    checked = 0
    columns = {"numerator": 1, "denominator": 1, "complement": 1, "rate": 100, "ci_low": 100,
               "ci_high": 100}  # fmt: skip
    strict = {output for output, _ in shown} - {"attrition"}  # attrition: the next test
    for key in keys(ledger):  # every row and column of these tables is recomputed
        parts = key.split(SEP)
        if parts[0] == FORCE and parts[1] in strict:
            assert (parts[1], parts[2]) in shown and parts[3] in columns, key
    for (output, row), figures in shown.items():
        for column, scale in columns.items():
            key = SEP.join((FORCE, output, row, column))
            if key not in ledger.cells or ledger.cells[key].withheld:
                continue
            source = "value" if column == "rate" else column
            assert agree(ledger.cells[key].value, figures[source] * scale), key
            checked += 1
    activity = SEP.join((FORCE, f"Days between dates, outcomes assigned in {year}", ""))
    days = {
        "crimes": "denominator",
        "median days": "value",
        "ci_low": "ci_low",
        "ci_high": "ci_high",
    }
    for column, source in days.items():
        key = f"{activity}recording to charge{SEP}{column}"
        if key in ledger.cells and not ledger.cells[key].withheld:
            assert agree(ledger.cells[key].value, m["median_days_to_charge"][source]), key
            checked += 1
    assert checked >= 12


def test_the_self_assessment_is_recomputed(release):
    assessment = pd.read_parquet(
        release.root / "data" / "processed" / "durham" / "assessment.parquet"
    )
    latest = str(ref.latest_round(assessment)["round"].iloc[0])
    expected = {}
    for (measure, pillar), figures in ref.maturity(assessment).items():
        expected.setdefault(measure, {})[pillar] = figures
    prefix = SEP.join((FORCE, "=", SUBGROUP, f"self-assessment round {latest}", "finding", ""))
    checked = 0
    for key in keys(release.ledger):
        if not key.startswith(prefix):
            continue
        measure, pillar, column = key[len(prefix) :].split(SEP)
        cell = release.ledger.cells[key]
        if cell.withheld:
            continue
        assert agree(cell.value, expected[measure][pillar][column]), key
        checked += 1
    assert checked >= 30
    pair = ref.self_peer(assessment)
    for name, value in pair.items():
        key = SEP.join((FORCE, f"self-assessment agreement: {name}", "value", "x"))
        assert agree(release.ledger.cells[key].value, value), (key, value)


# -- the national report -------------------------------------------------------------------
def test_the_national_maturity_means_are_the_forces_latest_rounds(release):
    mine: dict[tuple[str, str], list[float]] = {}
    for path in sorted((release.root / "data" / "processed").glob("*/assessment.parquet")):
        for (measure, pillar), figures in ref.maturity(pd.read_parquet(path)).items():
            mine.setdefault((pillar, measure.removesuffix("_maturity")), []).append(
                figures["value"]
            )
    prefix = f"{NATIONAL}{SEP}mean maturity over forces: "
    checked = 0
    for key in keys(release.ledger):
        if key.startswith(prefix):
            pillar, rater = key[len(prefix) :].split(SEP)[0].split(": ")
            assert agree(release.ledger.cells[key].value, np.nanmean(mine[(pillar, rater)])), key
            checked += 1
    assert checked == 12  # six pillars, self and peer


def region_pooled(release, year: str, region: str) -> dict[str, dict]:
    """The measures pooled over the forces of ``region`` only."""
    members = {f: rape(c) for f, c in release.cases.items() if REGIONS[f] == region}
    assert len(members) == 2, region
    return ref.pooled(members, release.cases, year)


@pytest.mark.parametrize("area", [NATIONAL, *sorted(set(REGIONS.values()))])
def test_the_national_comparators_pool_every_force(release, year, national, area):
    """England and Wales pools every force; a region (the build pools by region too) only
    its own forces."""
    pooled = national if area == NATIONAL else region_pooled(release, year, area)
    prefix = SEP.join((NATIONAL, "=", SUBGROUP, year, "comparator", area, ""))
    expected = {
        m: {**f, "phi": f.get("phi", np.nan), "tau2": f.get("tau2", np.nan)}
        for m, f in pooled.items()
    }
    checked, withheld, wrong = compare_cells(release.ledger, prefix, expected)
    assert not wrong, wrong
    assert checked >= (50 if area == NATIONAL else 30), (checked, withheld)


def test_national_sums_are_the_forces(release):
    every = pd.concat([rape(c) for c in release.cases.values()])
    months = every["recorded_date"].dt.to_period("M").dt.start_time.value_counts()
    checked = 0
    for key in keys(release.ledger):
        if key.startswith(f"{NATIONAL}{SEP}national recorded crimes by month{SEP}"):
            month = pd.Timestamp(key.split(SEP)[2])
            cell = release.ledger.cells[key]
            if not cell.withheld:
                assert cell.value == months.get(month, 0), key
                checked += 1
    assert checked >= 30


# -- the evidence base ---------------------------------------------------------------------
def test_every_evidence_row_agrees_with_the_recomputation(release, year, national):
    rows = release.evidence[release.evidence["period"] == year]
    checked = placed = 0
    for force, own in rows.groupby("force"):
        cases = release.cases[force]
        mine = ref.case_measures(rape(cases), cases, year)
        for row in own.to_dict("records"):
            if row["measure"] not in mine:
                continue
            expected = mine[row["measure"]]
            if row["suppressed"]:
                assert pd.isna(row["value"]) and pd.isna(row["funnel_position"])
                continue
            for column in FIGURES:
                if column in expected and pd.notna(row[column]):
                    assert agree(row[column], expected[column]), (force, row["measure"], column)
                    checked += 1
            pooled = national[row["measure"]]
            if row["measure"] != "recorded_crimes" and pd.notna(row["comparator_value"]):
                assert agree(row["comparator_value"], pooled["value"]), (force, row["measure"])
                assert row["comparator_area"] == NATIONAL, (force, row["measure"])
            else:
                assert pd.isna(row["comparator_area"]), (force, row["measure"])
            target = pooled["value"]
            size = expected.get("funnel_n", expected.get("denominator"))
            proportion = row["measure"] in ref.RATIO_POOLED or row["measure"] == "charge_cif_365"
            if (
                proportion
                and pd.notna(row["comparator_value"])
                and 0 < target < 1
                and pd.notna(size)
                and size > 0
            ):
                tau2 = pooled["tau2"] if pd.notna(pooled["tau2"]) else 0.0
                want = ref.position(expected["value"], size, target, tau2)
                assert row["funnel_position"] == want, (force, row["measure"], want)
                placed += 1
    assert checked >= 150 and placed >= 20, (checked, placed)


DAYS = ("median_days_to_charge", "median_device_turnaround_days")


def test_every_finding_text_quotes_its_own_columns(release):
    """Each sentence quotes its row's value, counts, comparator and position, rounded as a
    reader rounds them by hand (half up), and a withheld row says so and nothing else."""
    checked = 0
    for row in release.evidence.to_dict("records"):
        text, measure = row["finding"], row["measure"]
        if row["suppressed"]:
            assert "withheld" in text.lower() and "%" not in text, text
            continue
        assert "nan" not in text
        value, unit = row["value"], None
        if measure in ref.RATIO_POOLED or measure == "charge_cif_365":
            unit = "proportion"
        elif measure in DAYS:
            unit = "days"
        elif measure in ("self_maturity", "peer_maturity"):
            unit = "rating"
        if unit is None or pd.isna(value):
            continue
        assert f": {ref.shown(value, unit)}" in text, (ref.shown(value, unit), text)
        if measure in ref.RATIO_POOLED and pd.notna(row["numerator"]):
            assert f"{int(row['numerator']):,} of {int(row['denominator']):,}" in text, text
        if measure == "charge_cif_365":
            assert f"Aalen-Johansen estimate from {int(row['denominator']):,} crimes" in text
        assert names_its_area(row, unit), text
        position = row["funnel_position"]
        if isinstance(position, str):
            side = "within" if position == "within" else position[:5]
            assert f", {side} the " in text, (position, text)
        else:
            assert " limit" not in text, text
        checked += 1
    assert checked >= 40, checked


#: Every area a comparator of this release may be pooled over.
AREAS = (NATIONAL, *sorted(set(REGIONS.values())))


def names_its_area(row: dict, unit: str) -> bool:
    """The sentence quotes the comparator with the area of its own ``comparator_area`` and
    names no other area; a row with no comparator value has no area and no comparator."""
    text = row["finding"]
    if pd.isna(row["comparator_value"]):
        return pd.isna(row["comparator_area"]) and "comparator" not in text
    area = row["comparator_area"]
    figure = "" if unit == "rating" else f" {ref.shown(row['comparator_value'], unit)}"
    others = [a for a in AREAS if a != area and f"({a}," in text]
    return f"comparator ({area}, pooled over every force){figure}" in text and not others


def test_the_area_check_fails_on_a_sentence_naming_another_area():
    row = {
        "finding": "Charge rate (naive), 2023/24: 5.0% (25 of 500); comparator (North East, "
        "pooled over every force) 4.2%, within the 95% limits.",
        "comparator_value": 0.042,
        "comparator_area": "North East",
    }
    assert names_its_area(row, "proportion")
    assert not names_its_area(row | {"comparator_area": NATIONAL}, "proportion")
    assert not names_its_area(row | {"comparator_area": "Wales"}, "proportion")
    assert not names_its_area(row | {"comparator_value": 0.05}, "proportion")
    assert not names_its_area(row | {"comparator_value": np.nan}, "proportion")
    twice = row["finding"] + " Wales: comparator (Wales, pooled over every force) 3.0%."
    assert not names_its_area(row | {"finding": twice}, "proportion")


def test_regional_rows_name_and_pool_their_region(release, year, regional_evidence):
    """With ``comparator: region`` each force's rows are compared with its own region,
    pooled over that region's forces only, and their sentences say which."""
    rows = regional_evidence[regional_evidence["period"] == year]
    checked = 0
    for force, own in rows.groupby("force"):
        pooled = region_pooled(release, year, REGIONS[force])
        for row in own.to_dict("records"):
            if row["measure"] not in pooled or pd.isna(row["comparator_value"]):
                assert pd.isna(row["comparator_area"]), (force, row["measure"])
                continue
            assert row["comparator_area"] == REGIONS[force], (force, row["measure"])
            assert agree(row["comparator_value"], pooled[row["measure"]]["value"]), row["measure"]
            if not row["suppressed"]:
                measure = row["measure"]
                unit = "days" if measure in DAYS else "proportion"
                assert names_its_area(row, unit), row["finding"]
            checked += 1
    assert checked >= 20, checked


def check_table(ledger, prefix: str, expected: dict, scales: dict[str, tuple[str, float]]):
    """Cells ``<prefix><row> | <column>`` against ``expected[row][source] * scale`` for the
    ``columns -> (source, scale)`` given; returns (checked, withheld)."""
    checked = withheld = 0
    for key in keys(ledger):
        if not key.startswith(prefix):
            continue
        row, column = key[len(prefix) :].rsplit(SEP, 1)
        if column not in scales:
            continue
        assert row in expected, f"a published row the suite does not recompute: {key}"
        source, scale = scales[column]
        if source not in expected[row]:
            continue
        cell = ledger.cells[key]
        if cell.withheld:
            withheld += 1
            continue
        if column.startswith("ci_") and math.isnan(cell.value):
            continue  # a table that shows no interval (data quality, devices)
        assert agree(cell.value, expected[row][source] * scale), (key, expected[row][source])
        checked += 1
    return checked, withheld


PERCENT = {
    "numerator": ("numerator", 1),
    "complement": ("complement", 1),
    "denominator": ("denominator", 1),
    "rate": ("value", 100),
    "ci_low": ("ci_low", 100),
    "ci_high": ("ci_high", 100),
}
MEDIAN = {
    "crimes": ("denominator", 1),
    "median days": ("value", 1),
    "ci_low": ("ci_low", 1),
    "ci_high": ("ci_high", 1),
}


def test_the_force_report_tables_are_recomputed(release, year):
    ledger, every = release.ledger, release.cases[FORCE]
    cases = rape(every)
    checked = 0
    for label in sorted(set(cases["financial_year"].dropna().astype(str))):
        counts = ref.cohort_counts(cases, label)
        prefix = SEP.join((FORCE, "=", SUBGROUP, label, "cohort", ""))
        for key in keys(ledger):
            row = key[len(prefix) :]
            if key.startswith(prefix) and row in counts and not ledger.cells[key].withheld:
                assert ledger.cells[key].value == counts[row], key
                checked += 1
    activity = {k: {"n": v} for k, v in ref.activity_counts(cases, year).items()}
    activity["Not yet assigned an outcome"] = {"n": 0.0}
    tables = [
        (
            f"{FORCE}{SEP}outcomes by group{SEP}",
            activity,
            {"assigned in period (activity)": ("n", 1)},
        ),
        (f"{FORCE}{SEP}attrition{SEP}", ref.attrition(cases, year), PERCENT),
        (
            SEP.join((FORCE, f"Days between dates, outcomes assigned in {year}", "")),
            ref.days_between(cases, year),
            MEDIAN,
        ),
        (
            f"{FORCE}{SEP}When victims withdrew support{SEP}",
            ref.days_between(cases, year),
            MEDIAN,
        ),
        (f"{FORCE}{SEP}digital forensics{SEP}", ref.device_turnaround(cases, year), PERCENT),
        (
            f"{FORCE}{SEP}Device turnaround, devices returned in {year}{SEP}",
            {
                "device seizure to return": ref.case_measures(cases, every, year)[
                    "median_device_turnaround_days"
                ]
            },
            MEDIAN,
        ),
        (
            f"{FORCE}{SEP}Time between repeat allegations{SEP}",
            {"days since the suspect's previous allegation": ref.repeat_gaps(cases, every, year)},
            MEDIAN,
        ),
        (
            f"{FORCE}{SEP}data quality: completeness{SEP}",
            ref.field_completeness(every),
            PERCENT,
        ),
    ]
    for prefix, expected, scales in tables:
        done, _ = check_table(ledger, prefix, expected, scales)
        assert done, f"nothing checked under {prefix!r}"
        checked += done
    timed = ref.days_between(cases, year)["recording to charge"]["denominator"]
    gap = f"Days between dates, outcomes assigned in {year}: recording to charge, not timed"
    cell = ledger.lookup(SEP.join((FORCE, gap, "difference", "n")))
    assert cell.value == activity["Charged/Summonsed"]["n"] - timed, (cell.value, timed)
    months = ref.monthly(cases)
    quarters = ref.quarterly(cases)
    for key in keys(ledger):
        cell = ledger.cells[key]
        if cell.withheld:
            continue
        if key.startswith(f"{FORCE}{SEP}recorded crimes by month{SEP}"):
            assert cell.value == months.get(pd.Timestamp(key.split(SEP)[2]), 0), key
            checked += 1
        elif key.startswith(SEP.join((FORCE, "=", SUBGROUP, "quarter", ""))):
            parts = key.split(SEP)
            assert cell.value == quarters[(parts[4], parts[5])], key
            checked += 1
        elif key.startswith(f"{FORCE}{SEP}") and key.split(SEP)[1].endswith(" by quarter"):
            _, output, quarter, column = key.split(SEP)
            if column == "rate":
                name = output.removesuffix(" by quarter")
                share = quarters[(quarter, name)] / quarters[(quarter, "recorded")]
                assert agree(cell.value, share * 100), key
                checked += 1
    assert checked >= 200, checked


def test_national_repeat_suspects_link_every_force(release, year):
    forces = {f: rape(c) for f, c in release.cases.items()}
    expected = ref.repeat_national(forces, release.cases, year)
    prefix = f"{NATIONAL}{SEP}repeat suspects, national{SEP}"
    checked, withheld = check_table(release.ledger, prefix, expected, PERCENT)
    assert checked + withheld >= 10 and checked >= 4, (checked, withheld)


def test_the_charge_model_is_refused_exactly_when_too_few_events(release, monkeypatch):
    """Too few charges per parameter in a release this small: the force and national
    reports refuse the model (and publish no odds ratio), as the events-per-parameter rule
    (Peduzzi et al. 1996; ``measures.min_events_per_parameter``) requires."""
    import yaml

    from soteria_research.sections import open_force
    from soteria_research.sections.national import charge_model, open_national
    from soteria_research.sections.pillars import who_is_charged

    config = Path(__file__).resolve().parents[2] / "config" / "settings.yaml"
    s = yaml.safe_load(config.read_text(encoding="utf-8"))["measures"]
    horizon, edges = int(s["charge_model_horizon_days"]), list(s["age_bands"])
    rule = float(s["min_events_per_parameter"])
    every = pd.concat([rape(c) for c in release.cases.values()], ignore_index=True)
    sizes = {
        FORCE: ref.charge_model_size(rape(release.cases[FORCE]), horizon, edges, False),
        "all forces": ref.charge_model_size(every, horizon, edges, True),
    }
    monkeypatch.setenv("SOTERIA_ROOT", str(release.root))
    sections = {
        FORCE: who_is_charged(open_force(FORCE, "latest", "national", SUBGROUP)),
        "all forces": charge_model(
            open_national("latest", subgroup=SUBGROUP, findings=release.evidence)
        ),
    }
    for who, (events, parameters) in sizes.items():
        refused = "not fitted" in sections[who].finding
        assert refused == (events < rule * parameters), (who, events, parameters)
    assert not any("odds" in k and "review" not in k for k in keys(release.ledger))


def test_the_case_file_review_shares_are_recomputed(release):
    folder = release.root / "data" / "processed" / "durham"
    review = pd.read_parquet(folder / "review.parquet")
    sample = pd.read_parquet(folder / "review_sample.parquet")
    last = sample["round"].max()  # the review section shows the latest review round
    review, sample = review[review["round"] == last], sample[sample["round"] == last]
    shares = ref.review_yes_shares(review, sample)
    labels = {k.split(SEP)[3] for k in keys(release.ledger) if "review_yes_share_" in k}
    assert labels, "the deep-dive force publishes its case-file review"
    expected = {f"review_yes_share_{item}": figures for item, figures in shares.items()}
    checked = 0
    for label in labels:
        prefix = SEP.join((FORCE, "=", SUBGROUP, label, "finding", ""))
        done, _, wrong = compare_cells(release.ledger, prefix, expected, "review_yes_share_")
        assert not wrong, wrong
        checked += done
    assert checked >= 40, checked
