"""The improvement plan workbook a force fills in, seeded from its findings.

Layout (sheet ``Plan``): row 1 the header ``Action ID | Pillar | Finding | Linked
measures | Action | Owner role | Start | Due | Status``, one action per row from row 2.
Each finding the release flags (a measure outside the funnel limits or with a process
control signal, a pillar maturity gap) seeds one row with its pillar, finding and linked
measure; the force writes the action, the role that owns it (a role, never a person's
name), its start and due dates and its status (a drop-down), and may add rows. Sheet
``Instructions`` says how; sheet ``About`` holds ``Key | Value`` rows (Force, Template).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from soteria_research import normalise, reference
from soteria_research.ingest.rounds import order_rounds

SHEET = "Plan"
HEADER = (
    "Action ID",
    "Pillar",
    "Finding",
    "Linked measures",
    "Action",
    "Owner role",
    "Start",
    "Due",
    "Status",
)
#: Canonical column of each header.
FIELDS = dict(
    zip(
        HEADER,
        (
            "action_id",
            "pillar",
            "finding",
            "linked_measures",
            "action",
            "owner_role",
            "start_date",
            "due_date",
            "status",
        ),
        strict=True,
    )
)
#: The statuses an action can have, in the order of its life.
STATUSES = ("planned", "in progress", "done", "stopped")
TEMPLATE_VERSION = "1"
#: Funnel positions that flag a measure (outside the 95% or 99.8% limits).
FLAGGED_POSITIONS = ("above95", "below95", "above998", "below998")
#: The measures whose difference (self minus peer) is a pillar's maturity gap.
GAP_MEASURES = ("self_maturity", "peer_maturity")
#: How the evidence base names a self-assessment round as a period.
ROUND_PREFIX = "self-assessment round "
_WIDTHS = (10, 34, 50, 28, 60, 24, 12, 12, 14)
_BLANK_ROWS = 30
INSTRUCTIONS = (
    "How to fill in this improvement plan",
    "",
    "Each row of the Plan sheet is one action. Rows seeded from the force's findings name "
    "the pillar, the finding and the linked measure(s): write what the force will do.",
    "Action: what will be done, in a sentence. Leave it empty if no action is planned for "
    "that finding (the row is then kept as a finding without an action).",
    "Owner role: the role that owns the action (e.g. 'RASSO lead', 'Head of PPU'). Never "
    "write a person's name.",
    "Start and Due: dates (DD/MM/YYYY or YYYY-MM-DD); Due must not be before Start.",
    "Status: choose from the drop-down: " + ", ".join(STATUSES) + ".",
    "Pillar: choose from the drop-down. Linked measures: measure names separated by '|' "
    "(e.g. 'charge_rate|arrest_share'); add rows for actions that no finding seeded.",
    "Do not rename the sheets or the header row. Save the workbook as "
    "data/raw/<force id>/improvement_plan.xlsx.",
)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("").str.strip()


def _round_of(period: str) -> str:
    return str(period).removeprefix(ROUND_PREFIX).strip()


def pillar_gaps(findings: pd.DataFrame) -> pd.DataFrame:
    """The pillar maturity gaps in a force's findings: self rating above the peer rating.

    The evidence base holds each pillar's mean self and peer rating of the force's latest
    self-assessment round (measures ``self_maturity`` and ``peer_maturity``, period
    ``self-assessment round R``); a pillar's gap is the self mean minus the peer mean of
    the same round. Ratings withheld or missing give no gap.

    Parameters
    ----------
    findings : pandas.DataFrame
        Evidence rows of one force: ``measure``, ``pillar``, ``period``, ``value``.

    Returns
    -------
    pandas.DataFrame
        pillar, period, self_maturity, peer_maturity, gap (every pillar with both
        ratings, latest round only; ``gap`` may be zero or below).

    Examples
    --------
    >>> rows = pd.DataFrame({"measure": ["self_maturity", "peer_maturity"],
    ...     "pillar": ["suspect_focus"] * 2, "period": ["self-assessment round 9"] * 2,
    ...     "value": [3.0, 2.5]})
    >>> float(pillar_gaps(rows)["gap"].iloc[0])
    0.5
    """
    columns = ["pillar", "period", *GAP_MEASURES, "gap"]
    if not {"measure", "pillar", "period", "value"} <= set(findings.columns):
        return pd.DataFrame(columns=columns)
    rated = findings[_text(findings, "measure").isin(GAP_MEASURES).to_numpy()]
    rated = rated.assign(
        value=pd.to_numeric(rated["value"], errors="coerce"),
        period=_text(rated, "period"),
        pillar=_text(rated, "pillar"),
        measure=_text(rated, "measure"),
    ).dropna(subset=["value"])
    if rated.empty:
        return pd.DataFrame(columns=columns)
    latest = order_rounds(rated["period"].map(_round_of))[-1]
    rated = rated[rated["period"].map(_round_of) == latest]
    wide = rated.pivot_table("value", ["pillar", "period"], "measure", aggfunc="first")
    wide = wide.reindex(columns=list(GAP_MEASURES)).dropna().reset_index()
    wide["gap"] = wide["self_maturity"] - wide["peer_maturity"]
    return wide.reindex(columns=columns)


def _gap_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """Seed rows of the pillars whose self rating is above the peer rating."""
    gaps = pillar_gaps(findings)
    gaps = gaps[gaps["gap"] > 0]
    names = dict(zip(reference.pillars()["slug"], reference.pillars()["name"], strict=True))
    return pd.DataFrame(
        {
            "pillar": gaps["pillar"],
            "finding": [
                f"Maturity gap: {names.get(r.pillar, r.pillar)} self-rated "
                f"{r.self_maturity:.2f}, {r.gap:.2f} points above the peer review "
                f"({r.peer_maturity:.2f}), round {_round_of(r.period)}"
                for r in gaps.itertuples(index=False)
            ],
            "linked_measures": "|".join(GAP_MEASURES),
        }
    )


def plan_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The plan rows the flagged findings seed: one per flagged measure or pillar gap.

    Parameters
    ----------
    findings : pandas.DataFrame
        Rows with ``measure`` and ``pillar`` (slug) and any of ``funnel_position``
        (flagged outside the limits), ``spc_signal`` (flagged when not empty or
        ``none``), ``gap`` (a maturity gap: flagged when above zero) and ``finding``
        (the finding in words). The evidence base's ``self_maturity`` and
        ``peer_maturity`` rows (with ``period`` and ``value``) seed a row for every
        pillar whose self rating is above the peer rating (:func:`pillar_gaps`).

    Returns
    -------
    pandas.DataFrame
        action_id (``A001``...), pillar, finding, linked_measures: flagged rows in
        pillar order, then by measure; empty when nothing is flagged.
    """
    position = _text(findings, "funnel_position")
    signal = _text(findings, "spc_signal").str.casefold()
    gap = (
        pd.to_numeric(findings["gap"], errors="coerce").fillna(0)
        if "gap" in findings.columns
        else pd.Series(0.0, index=findings.index)
    )
    flagged = position.isin(FLAGGED_POSITIONS) | ~signal.isin(["", "none"]) | gap.gt(0)
    rows = findings[flagged.to_numpy()]
    text = _text(rows, "finding")
    measure = _text(rows, "measure")
    out = pd.DataFrame(
        {
            "pillar": _text(rows, "pillar"),
            "finding": text.where(text != "", measure + ": flagged (" + position[flagged] + ")"),
            "linked_measures": measure,
        }
    )
    order = {slug: i for i, slug in enumerate(reference.pillar_slugs())}
    out = pd.concat([out, _gap_rows(findings).astype("string")], ignore_index=True)
    out = out.assign(_o=out["pillar"].map(order)).sort_values(["_o", "linked_measures"])
    out = out.drop(columns="_o").drop_duplicates().reset_index(drop=True)
    out.insert(0, "action_id", [f"A{i + 1:03d}" for i in range(len(out))])
    return out.astype("string")


def write_plan_template(force: str, rows: pd.DataFrame, path: str | Path) -> Path:
    """Write the improvement plan workbook for ``force`` seeded with ``rows``.

    Parameters
    ----------
    force : str
        Any known variant of the force's name.
    rows : pandas.DataFrame
        :func:`plan_rows` of the force's findings (may be empty: a blank plan).
    path : path
        The ``.xlsx`` to write.

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    plan_workbook(force, rows).save(out)
    return out


def plan_workbook(force: str, rows: pd.DataFrame) -> openpyxl.Workbook:
    """The improvement plan workbook of :func:`write_plan_template`, not yet saved."""
    name = normalise.force_name(force)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    pillar_names = dict(zip(reference.pillars()["slug"], reference.pillars()["name"], strict=True))
    for row in rows.itertuples(index=False):
        sheet.append(
            [
                row.action_id,
                pillar_names.get(row.pillar, row.pillar),
                row.finding,
                row.linked_measures,
                None,
                None,
                None,
                None,
                STATUSES[0],
            ]
        )
    last = sheet.max_row + _BLANK_ROWS
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    for column in ("C", "E"):
        for cell in sheet[column][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column in ("G", "H"):
        for r in range(2, last + 1):
            sheet[f"{column}{r}"].number_format = "DD/MM/YYYY"
    _drop_down(sheet, f"I2:I{last}", STATUSES, "Choose a status from the list.")
    _drop_down(sheet, f"B2:B{last}", tuple(pillar_names.values()), "Choose a pillar.")
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526")
    dates.error, dates.showErrorMessage = "Enter a date (DD/MM/YYYY).", True
    dates.add(f"G2:H{last}")
    sheet.add_data_validation(dates)
    sheet.freeze_panes = "B2"
    guide = book.create_sheet("Instructions")
    for line in INSTRUCTIONS:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    guide["A1"].font = Font(bold=True)
    about = book.create_sheet("About")
    for key, value in (("Key", "Value"), ("Force", name), ("Template", TEMPLATE_VERSION)):
        about.append([key, value])
    return book


def _drop_down(sheet, cells: str, values: tuple[str, ...], message: str) -> None:
    """A list validation whose choices sit in a column of the hidden ``Lists`` sheet
    (choices may hold commas, which an inline list cannot)."""
    book = sheet.parent
    helper = book["Lists"] if "Lists" in book.sheetnames else book.create_sheet("Lists")
    column = 1 if helper.max_row == 1 and helper["A1"].value is None else helper.max_column + 1
    letter = openpyxl.utils.get_column_letter(column)
    for i, value in enumerate(values, start=1):
        helper[f"{letter}{i}"] = value
    helper.sheet_state = "hidden"
    rule = DataValidation(
        type="list", formula1=f"Lists!${letter}$1:${letter}${len(values)}", allow_blank=True
    )
    rule.error, rule.showErrorMessage = message, True
    rule.add(cells)
    sheet.add_data_validation(rule)
