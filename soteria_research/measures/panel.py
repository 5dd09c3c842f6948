"""Force-by-quarter panels of a measure, and the quarter each force joined the programme.

An evaluation compares forces over time, so it needs each measure as a balanced table of
force x quarter with its numerator and denominator. Outcomes are censoring-aware: a case
counts as arrested only when the arrest came within a fixed follow-up (say 90 days) of
recording, and quarters whose last crime has not had that follow-up by the extraction
date are left out, so recent quarters are not biased low by cases still open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from soteria_research.errors import ParameterError
from soteria_research.measures.frames import flag, require_columns
from soteria_research.reference.phases import NATIONAL_PHASE, entry_phases

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PanelMeasure:
    """A share measured on crimes recorded in a quarter.

    Attributes
    ----------
    name, label
        Short name and words for reports.
    flag
        Boolean column counted in the numerator.
    date
        Date of the event; when given, only events within the follow-up count and
        quarters without full follow-up are dropped. None for a flag known at recording.
    """

    name: str
    label: str
    flag: str
    date: str | None


#: Measures a panel can be built for. ``isva_share`` is the control measure: nothing in
#: the programme's theory of change moves it within a quarter of joining.
PANEL_MEASURES = {
    "arrest_share": PanelMeasure(
        "arrest_share",
        "share of crimes with an arrest or interview within the follow-up",
        "arrested",
        "arrest_date",
    ),
    "charge_share": PanelMeasure(
        "charge_share", "share of crimes charged within the follow-up", "charged", "outcome_date"
    ),
    "isva_share": PanelMeasure(
        "isva_share", "share of victims referred to an ISVA", "isva_referred", None
    ),
}


def _measure(name: str) -> PanelMeasure:
    if name not in PANEL_MEASURES:
        raise ParameterError(
            f"Unknown panel measure {name!r}; choose one of {', '.join(PANEL_MEASURES)}."
        )
    return PANEL_MEASURES[name]


def quarter_panel(
    cases: pd.DataFrame,
    measure: str = "arrest_share",
    follow_up_days: int = 90,
    subgroup: str | None = "Rape",
    extraction_date: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """A measure for every force and calendar quarter of recording.

    Parameters
    ----------
    cases : pandas.DataFrame
        Canonical cases of one or more forces.
    measure : str
        A key of :data:`PANEL_MEASURES`.
    follow_up_days : int
        Days after recording within which an event counts.
    subgroup : str or None
        Offence subgroup to keep (``"Rape"``), or None for all sexual offences.
    extraction_date : date, optional
        Censoring date; default the earliest ``extraction_date`` in ``cases`` (the
        most cautious when forces' extracts differ).

    Returns
    -------
    pandas.DataFrame
        force, quarter (``"2022Q1"``), quarter_start, numerator, denominator, value;
        every force x quarter from the first to the last complete quarter (a quarter
        with no crimes has denominator 0 and value NaN).
    """
    spec = _measure(measure)
    needed = ["force", "recorded_date", spec.flag, *([spec.date] if spec.date else [])]
    require_columns(cases, needed + ([] if subgroup is None else ["offence_subgroup"]))
    if follow_up_days < 0:
        raise ParameterError(f"follow_up_days must be 0 or more, not {follow_up_days}.")
    rows = cases if subgroup is None else cases[cases["offence_subgroup"] == subgroup]
    rows = rows[rows["recorded_date"].notna()]
    if extraction_date is None:
        require_columns(cases, ["extraction_date"])
        extraction_date = cases["extraction_date"].min()
    cutoff = pd.Timestamp(extraction_date)
    hit = flag(rows[spec.flag])
    if spec.date:
        lag = (rows[spec.date] - rows["recorded_date"]).dt.days
        hit = hit & lag.le(follow_up_days).fillna(False).astype(bool)
    quarter = rows["recorded_date"].dt.to_period("Q")
    frame = pd.DataFrame(
        {"force": rows["force"].astype(str), "quarter": quarter, "hit": hit.astype(int)}
    )
    counts = frame.groupby(["force", "quarter"], observed=True)["hit"].agg(["sum", "size"])
    if counts.empty:
        return _empty_panel()
    last = (cutoff - pd.Timedelta(days=follow_up_days if spec.date else 0)).to_period("Q")
    if (last.end_time.normalize() + pd.Timedelta(days=follow_up_days if spec.date else 0)) > cutoff:
        last = last - 1
    quarters = pd.period_range(counts.index.get_level_values(1).min(), last, freq="Q")
    forces = sorted(frame["force"].unique())
    index = pd.MultiIndex.from_product([forces, quarters], names=["force", "quarter"])
    counts = counts.reindex(index, fill_value=0).reset_index()
    dropped = int(frame["quarter"].gt(last).sum())
    if dropped:
        logger.info(
            "Panel %s: %d crime(s) in quarters without full follow-up left out.", measure, dropped
        )
    out = pd.DataFrame(
        {
            "force": counts["force"].astype("string"),
            "quarter": counts["quarter"].astype(str).astype("string"),
            "quarter_start": counts["quarter"].dt.start_time.astype("datetime64[us]"),
            "numerator": counts["sum"].astype("Int64"),
            "denominator": counts["size"].astype("Int64"),
        }
    )
    den = out["denominator"].astype(float)
    out["value"] = (out["numerator"].astype(float) / den.where(den > 0)).astype(float)
    return out


def quarter_panels(
    cases: pd.DataFrame,
    measures: list[str] | None = None,
    follow_up_days: int = 90,
    subgroup: str | None = "Rape",
) -> pd.DataFrame:
    """:func:`quarter_panel` of several measures stacked, with a ``measure`` column first.

    ``measures`` defaults to every key of :data:`PANEL_MEASURES`.
    """
    names = list(PANEL_MEASURES) if measures is None else measures
    frames = [
        quarter_panel(cases, name, follow_up_days, subgroup).assign(measure=name) for name in names
    ]
    out = pd.concat(frames, ignore_index=True)
    out["measure"] = out["measure"].astype("string")
    return out[["measure", *[c for c in out.columns if c != "measure"]]]


def _empty_panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": pd.Series(dtype="string"),
            "quarter": pd.Series(dtype="string"),
            "quarter_start": pd.Series(dtype="datetime64[us]"),
            "numerator": pd.Series(dtype="Int64"),
            "denominator": pd.Series(dtype="Int64"),
            "value": pd.Series(dtype=float),
        }
    )


def adoption_quarters(phases: pd.DataFrame, forces: list[str] | None = None) -> pd.DataFrame:
    """The calendar quarter each force joined the programme, for a staggered evaluation.

    A force's adoption is its first phase before the National Operating Model; a force
    that joined only with the National Operating Model is adopted in that quarter (every
    force at once), so it serves as a not-yet-treated comparison until then.

    Parameters
    ----------
    phases : pandas.DataFrame
        As returned by :func:`soteria_research.reference.programme_phases`.
    forces : list of str, optional
        Forces to keep (default every force in ``phases``).

    Returns
    -------
    pandas.DataFrame
        force, phase, start_date, adoption_quarter (``"2021Q3"``), illustrative.
    """
    joined = entry_phases(phases).set_index("force")
    national = phases[phases["phase"] == NATIONAL_PHASE].set_index("force")
    names = forces if forces is not None else sorted(set(phases["force"]))
    rows = []
    for force in names:
        source = joined if force in joined.index else national
        if force not in source.index:
            continue
        row = source.loc[force]
        rows.append((force, row["phase"], row["start_date"], bool(row["illustrative"])))
    out = pd.DataFrame(rows, columns=["force", "phase", "start_date", "illustrative"])
    out["adoption_quarter"] = out["start_date"].dt.to_period("Q").astype(str)
    out = out.astype({"force": "string", "phase": "string", "adoption_quarter": "string"})
    return out[["force", "phase", "start_date", "adoption_quarter", "illustrative"]]
