"""The packaged published figures, and published figures beside case-level ones.

The package holds the Home Office outcomes open data for sexual offences, 2017/18
(``reference/published/``, see its README for provenance). Contains public sector
information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pandas as pd

from soteria_research import reference
from soteria_research.errors import DataError, ParameterError
from soteria_research.homeoffice.reader import read_outcomes
from soteria_research.homeoffice.summary import outcomes_summary
from soteria_research.paths import REFERENCE_DIR

PUBLISHED_DIR = REFERENCE_DIR / "published"
#: Home Office outcomes open data, sexual offences, 2017/18 (all 85,008 rows as published).
PUBLISHED_FILE = PUBLISHED_DIR / "ho-outcomes-open-data-2017-18-sexual-offences.csv.gz"
PUBLISHED_YEARS = ("2017/18",)
#: The per-force rape summary of that file, derived by :func:`derive_rape_rates` and kept
#: beside it so that reports need not read 85,008 rows (a test checks the two agree).
RAPE_RATES_FILE = PUBLISHED_DIR / "rape-cohort-by-force-2017-18.csv"
RATE_COLUMNS = ["force", "police_uk_id", "region", "financial_year", "measure", "recorded",
                "charged", "charge_rate", "outcome_14", "outcome_15", "outcome_16",
                "outcome_18", "pending", "negative_rows"]  # fmt: skip


@lru_cache(maxsize=1)
def _published() -> pd.DataFrame:
    return read_outcomes(PUBLISHED_FILE)


def published_outcomes() -> pd.DataFrame:
    """The packaged outcomes table (sexual offences, 2017/18), loaded by :func:`read_outcomes`."""
    return _published().copy()


def published_rape_rates(year: str = "2017/18") -> pd.DataFrame:
    """Published rape cohort figures per force: the real comparator of the national report.

    Parameters
    ----------
    year : str
        Financial year; the package holds "2017/18". For another year, download the Home
        Office file and use ``outcomes_summary(read_outcomes(path), year=...)``.

    Returns
    -------
    DataFrame
        One row per force (44, including British Transport Police): ``force,
        police_uk_id, region, financial_year, measure, recorded, charged, charge_rate``
        (percent), ``outcome_14, outcome_15, outcome_16, outcome_18, pending,
        negative_rows``.
    """
    if year not in PUBLISHED_YEARS:
        raise ParameterError(
            f"The package holds published figures for {', '.join(PUBLISHED_YEARS)}, not "
            f"{year!r}. Download that year's outcomes open data into data/external/ and "
            "run `soteria ho-outcomes FILE --year YEAR`."
        )
    if year == "2017/18" and RAPE_RATES_FILE.is_file():
        return _rape_rates_file().copy()
    return derive_rape_rates(year)


@lru_cache(maxsize=1)
def _rape_rates_file() -> pd.DataFrame:
    table = pd.read_csv(RAPE_RATES_FILE, dtype={"financial_year": "string"})
    text = ["force", "police_uk_id", "region", "financial_year", "measure"]
    types = {c: "string" for c in text} | {
        c: "Int64" for c in RATE_COLUMNS[5:] if c != "charge_rate"
    }
    return table.astype(types | {"charge_rate": "Float64"})[RATE_COLUMNS]


def derive_rape_rates(year: str = "2017/18") -> pd.DataFrame:
    """Per-force rape cohort figures computed from the packaged open data file."""
    summary = outcomes_summary(_published(), subgroup="Rape", measure="cohort", year=year)
    forces = reference.forces()[["name", "police_uk_id", "region"]]
    out = summary.merge(forces, left_on="force", right_on="name", how="left")
    text = ["force", "police_uk_id", "region", "financial_year", "measure"]
    return out[RATE_COLUMNS].astype({c: "string" for c in text}).reset_index(drop=True)


def _period_end(period: object) -> date | None:
    """31 March closing a financial year such as "2023/24"."""
    try:
        return date(int(str(period)[:4]) + 1, 3, 31)
    except ValueError:
        return None


def _explain(row: pd.Series) -> str:
    if pd.isna(row["recorded_cases"]):
        return "no case-level figures for this force"
    if pd.isna(row["recorded_published"]):
        return "force not in the published table"
    notes = []
    published, cases = row["period_published"], row["period_cases"]
    if pd.isna(cases):
        notes.append("period of the case-level figures not given")
    elif published == cases:
        notes.append(f"same period ({published})")
    else:
        notes.append(
            f"different periods (published {published}, cases {cases}): rates change over "
            "time, so the gap is not only a force effect"
        )
    if row["measure_published"] == row["measure_cases"]:
        notes.append(f"both on the {row['measure_cases']} measure")
    else:
        notes.append(
            f"different measures (published {row['measure_published']}, cases "
            f"{row['measure_cases']}): not comparable"
        )
    extracted, end = row["extraction_date"], _period_end(cases)
    if pd.notna(extracted) and end is not None:
        days = (pd.Timestamp(extracted).date() - end).days
        notes.append(
            f"cases censored at extraction on {pd.Timestamp(extracted).date()} ({days} days "
            "after the period ended): outcomes not assigned by then count as pending (type "
            "0), lowering a recent cohort's charge rate; the published counts are as at the "
            "Home Office's own extraction for its release"
        )
    if row["data_source"] == "synthetic":
        notes.append("case-level figures are synthetic, not the force's records")
    return "; ".join(notes)


def compare_with_cases(
    published: pd.DataFrame,
    cases: pd.DataFrame,
    period: str | None = None,
    measure: str = "cohort",
    extraction_date: object = None,
    data_source: str | None = None,
) -> pd.DataFrame:
    """Line up forces' case-level figures beside their published ones, explaining the gap.

    Parameters
    ----------
    published : DataFrame
        Published figures per force with ``force, recorded, charged, financial_year,
        measure`` (as :func:`published_rape_rates` or :func:`outcomes_summary` return).
    cases : DataFrame
        Case-level figures per force with ``force, recorded, charged`` and, optionally,
        ``financial_year``, ``measure``, ``extraction_date`` and ``data_source``.
    period, measure, extraction_date, data_source
        Used for the case-level figures when ``cases`` lacks that column. Case-level
        figures count offences recorded in the period and their outcomes so far: the
        cohort measure.

    Returns
    -------
    DataFrame
        One row per force: ``force, period_published, period_cases, measure_published,
        measure_cases, recorded_published, recorded_cases, charged_published,
        charged_cases, charge_rate_published, charge_rate_cases, difference`` (cases minus
        published, percentage points), ``extraction_date, data_source, comparable`` (same
        period and measure) and ``explanation``.
    """
    defaults = {"financial_year": period, "measure": measure,
                "extraction_date": extraction_date, "data_source": data_source}  # fmt: skip
    keep = ["force", "financial_year", "measure", "recorded", "charged"]
    for name, frame, needed in (
        ("published", published, keep),
        ("cases", cases, keep[:1] + keep[3:]),
    ):
        missing = [c for c in needed if c not in frame]
        if missing:
            raise DataError(
                f"compare_with_cases: the {name} figures lack column(s) {', '.join(missing)}; "
                f"they have {', '.join(map(str, frame.columns))}."
            )
    case = cases.assign(**{k: v for k, v in defaults.items() if k not in cases})
    both = published[keep].merge(
        case[[*keep, "extraction_date", "data_source"]],
        on="force",
        how="outer",
        suffixes=("_published", "_cases"),
    ).rename(columns={"financial_year_published": "period_published",
                      "financial_year_cases": "period_cases"})  # fmt: skip
    for side in ("published", "cases"):
        recorded = both[f"recorded_{side}"].astype("Float64")
        charged = both[f"charged_{side}"].astype("Float64")
        both[f"charge_rate_{side}"] = (100 * charged / recorded).where(recorded > 0)
    both["difference"] = both["charge_rate_cases"] - both["charge_rate_published"]
    both["comparable"] = (
        (
            both["period_published"].eq(both["period_cases"])
            & both["measure_published"].eq(both["measure_cases"])
        )
        .fillna(False)
        .astype("boolean")
    )
    both["explanation"] = both.apply(_explain, axis=1).astype("string")
    columns = ["force", "period_published", "period_cases", "measure_published",
               "measure_cases", "recorded_published", "recorded_cases", "charged_published",
               "charged_cases", "charge_rate_published", "charge_rate_cases", "difference",
               "extraction_date", "data_source", "comparable", "explanation"]  # fmt: skip
    return both[columns].sort_values("force", ignore_index=True)
