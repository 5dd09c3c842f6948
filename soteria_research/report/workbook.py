"""The evidence base as an Excel workbook a force analyst can use as it opens.

Sheets, in order:

* **About**: what the workbook is, its provenance, how to read it and its data dictionary;
* **Findings**: every finding, one row per force, period, pillar and measure (long);
* **Force by measure**: the value of each measure, one row per force and period (wide);
* one sheet per pillar: the findings of that pillar, as on *Findings*.

Headers are words from the vocabulary (:mod:`soteria_research.reference.vocabulary`),
bold and frozen; each data sheet is an Excel table with filters; numbers carry the format
of their unit (one decimal percentages, whole days: :mod:`soteria_research.formatting`);
long text wraps. The workbook is written from an already validated evidence frame; this
module changes no figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from soteria_research import files, formatting, reference
from soteria_research.reference import vocabulary as vocab

FINDINGS_SHEET = "Findings"
WIDE_SHEET = "Force by measure"
#: Columns of the long sheets, in the order a reader wants them (codes of the evidence base).
LONG_COLUMNS = (
    "force",
    "period",
    "pillar",
    "measure",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "comparator_value",
    "comparator_area",
    "funnel_position",
    "spc_signal",
    "finding",
    "suppressed",
    "suppression_reason",
    "reason",
    "basis",
    "unit",
    "definition",
    "run_id",
    "code_version",
    "data_hash",
)
#: Extra columns keeping the codes, for joining with the CSV and parquet files.
CODE_COLUMNS = {"measure": "Measure code", "pillar": "Pillar code"}
WRAPPED = ("definition", "finding", "suppression_reason", "reason", "spc_signal")
#: Columns holding a figure in the row's unit.
FIGURES = ("value", "ci_low", "ci_high", "comparator_value")
COUNTS = ("numerator", "denominator")
#: Column widths (characters): wrapped text, and the cap of every other column.
WRAP_WIDTH, MAX_WIDTH = 48, 30
STYLE = "TableStyleMedium2"
BOLD = Font(bold=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")


def pillar_sheet_name(slug: str) -> str:
    """Excel sheet name of a pillar: its label, e.g. ``Repeat suspects`` (31 characters)."""
    return vocab.label("pillar", slug)[:31]


def readable_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """The long evidence table in words: labelled codes, reader's column order.

    Values stay numbers (the sheet formats them); ``funnel_position``, ``pillar``,
    ``measure``, ``basis`` and ``unit`` become labels and the codes of measure and pillar are kept in
    two extra columns. Column names stay codes; :func:`write_workbook` labels the headers.
    """
    out = frame.reindex(columns=list(LONG_COLUMNS)).copy()
    labelled = (("pillar", "pillar"), ("measure", "measure"), ("basis", "basis"), ("unit", "unit"))
    for column, kind in labelled:
        out[column] = frame[column].map(lambda c, k=kind: vocab.label(k, c) if c else "")
    out["funnel_position"] = frame["funnel_position"].map(
        lambda c: vocab.label("funnel_position", c)
    )
    for column in CODE_COLUMNS:
        out[f"{column}_code"] = frame[column]
    return out


def _column_key(frame: pd.DataFrame) -> pd.Series:
    """The wide sheet's column of each row: measure, with pillar or basis when needed."""
    pillars = frame.groupby("measure")["pillar"].transform("nunique")
    bases = frame.groupby(["measure", "pillar"])["basis"].transform("nunique")
    key = frame["measure"].map(lambda c: vocab.label("measure", c))
    key = key.where(
        pillars.le(1), key + ": " + frame["pillar"].map(lambda c: vocab.label("pillar", c))
    )
    basis = frame["basis"].fillna("").map(lambda c: vocab.label("basis", c) if c else "")
    return key.where(bases.le(1), key + " (" + basis + ")")


def force_by_measure(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The wide table: one row per force and period, one column per measure.

    Withheld and missing values are empty. Columns are in pillar order, then in the order
    of the vocabulary; headers name the unit (``Charge rate (naive), %``).

    Returns
    -------
    (DataFrame, dict)
        The table (``Force``, ``Region``, ``Period`` then the measures) and header ->
        unit of each measure column.
    """
    pillar_order = {s: i for i, s in enumerate(reference.pillar_slugs())}
    measure_order = {c: i for i, c in enumerate(vocab.labels("measure"))}
    rows = frame.assign(
        _column=_column_key(frame),
        _p=frame["pillar"].map(pillar_order),
        _m=frame["measure"].map(measure_order).fillna(len(measure_order)),
    )
    units = rows.groupby("_column", sort=False)["unit"].agg(
        lambda s: s.dropna().iloc[0] if s.notna().any() else None
    )
    columns = rows.sort_values(["_p", "_m", "_column"], kind="stable")["_column"].unique()
    headers = {c: formatting.header(c, units.get(c)) for c in columns}
    value = rows["value"].where(~rows["suppressed"].astype(bool))
    wide = (
        rows.assign(value=value)
        .pivot_table(
            index=["force", "period"],
            columns="_column",
            values="value",
            aggfunc="first",
            dropna=False,
            sort=False,
        )
        .reindex(columns=columns)
        .rename(columns=headers)
    )
    wide.columns.name = None
    force_order = {name: i for i, name in enumerate(reference.force_names())}
    wide = wide.reset_index()
    wide = wide.iloc[wide["force"].map(force_order).fillna(len(force_order)).argsort(kind="stable")]
    regions = reference.forces().set_index("name")["region"]
    wide.insert(1, "region", wide["force"].map(regions))
    wide = wide.rename(columns={"force": "Force", "region": "Region", "period": "Period"})
    return wide.reset_index(drop=True), {headers[c]: units.get(c) for c in columns}


def guide_rows(pillar_sheets: Sequence[str]) -> pd.DataFrame:
    """About-sheet rows saying what each sheet holds and how to read the figures."""
    rows = [
        ("sheet", FINDINGS_SHEET, "Every finding: one row per force, period, pillar and measure."),
        (
            "sheet",
            WIDE_SHEET,
            "The value of each measure, one row per force and period; an empty cell is "
            "withheld by disclosure control or could not be estimated (the Findings sheet "
            "says why).",
        ),
        ("sheet", ", ".join(pillar_sheets), "The findings of one pillar each, as on Findings."),
        (
            "reading",
            "Percentages and days",
            "Percentages are shown to one decimal place and days as whole days; the cells hold "
            "the full values.",
        ),
        (
            "reading",
            "Filters",
            "Every data sheet is an Excel table: use the arrows in its header to filter and sort.",
        ),
    ]
    for code, text in vocab.labels("funnel_position").items():
        rows.append(("funnel position", text, vocab.descriptions("funnel_position")[code]))
    return pd.DataFrame(rows, columns=["section", "item", "value"])


def _labelled_dictionary(about: pd.DataFrame) -> pd.DataFrame:
    """The data dictionary by the headers the sheets show, naming the file columns too."""
    about = about.copy()
    column = about["section"].eq("column")
    codes = about.loc[column, "item"]
    about.loc[column, "item"] = codes.map(lambda c: vocab.label("evidence_column", c))
    about.loc[column, "value"] = (
        about.loc[column, "value"] + " (column " + codes + " in the CSV and parquet files)"
    )
    return about


def _table_name(sheet: str) -> str:
    return re.sub(r"\W+", "_", sheet).strip("_") or "Table"


def _write_sheet(
    sheet: Worksheet,
    frame: pd.DataFrame,
    headers: Sequence[str],
    *,
    formats: pd.DataFrame | None = None,
    wrapped: Sequence[int] = (),
    freeze: str = "A2",
    table: bool = True,
) -> None:
    """Write ``frame`` with ``headers``: bold frozen header, formats, wrap, a table."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = WRAP
    for values in frame.itertuples(index=False):
        sheet.append([None if formatting.is_missing(v) else v for v in values])
    for r, row in enumerate(sheet.iter_rows(min_row=2), start=0):
        for c, cell in enumerate(row):
            if cell.data_type == "f":  # text that starts with "=" stays text
                cell.data_type = "s"
            cell.alignment = WRAP if c in wrapped else TOP
            if formats is not None:
                number_format = formats.iat[r, c]
                if number_format:
                    cell.number_format = number_format
    for c, header in enumerate(headers):
        values = [str(v) for v in frame.iloc[:, c] if not formatting.is_missing(v)]
        longest = max([len(str(header)) // 2 + 1, *map(len, values)], default=8)
        width = WRAP_WIDTH if c in wrapped else min(MAX_WIDTH, longest + 2)
        sheet.column_dimensions[get_column_letter(c + 1)].width = max(width, 8)
    sheet.freeze_panes = freeze
    if table and len(frame):
        ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"
        styled = Table(displayName=_table_name(sheet.title), ref=ref)
        styled.tableStyleInfo = TableStyleInfo(name=STYLE, showRowStripes=True)
        sheet.add_table(styled)


def _long_formats(readable: pd.DataFrame, units: pd.Series) -> pd.DataFrame:
    formats = pd.DataFrame("", index=readable.index, columns=readable.columns, dtype=object)
    by_unit = units.map(lambda u: formatting.EXCEL_FORMATS.get(str(u), "") if u else "")
    for column in FIGURES:
        formats[column] = by_unit.to_numpy()
    for column in COUNTS:
        formats[column] = formatting.EXCEL_FORMATS["count"]
    return formats


def _write_long(sheet: Worksheet, frame: pd.DataFrame) -> None:
    readable = readable_findings(frame).reset_index(drop=True)
    headers = [vocab.label("evidence_column", c) for c in LONG_COLUMNS]
    headers += [CODE_COLUMNS[c] for c in CODE_COLUMNS]
    wrapped = [i for i, c in enumerate(readable.columns) if c in WRAPPED]
    formats = _long_formats(readable, frame["unit"].reset_index(drop=True))
    # Force, period, pillar and measure stay in view when scrolling right.
    _write_sheet(sheet, readable, headers, formats=formats, wrapped=wrapped, freeze="E2")


def write_workbook(frame: pd.DataFrame, about: pd.DataFrame, target: str | Path) -> Path:
    """Write the evidence workbook atomically; return its path.

    Parameters
    ----------
    frame
        The validated evidence base (columns of the evidence schema). Not changed.
    about
        Rows ``section, item, value`` of the About sheet (provenance and data dictionary);
        the sheet guide and how to read the figures are added after them.
    target
        The ``.xlsx`` file to write.
    """
    target = Path(target)
    slugs = reference.pillar_slugs()
    sheets = [pillar_sheet_name(s) for s in slugs]
    book = Workbook()
    about_sheet = book.active
    about_sheet.title = "About"
    about = pd.concat([_labelled_dictionary(about), guide_rows(sheets)], ignore_index=True)
    _write_sheet(about_sheet, about, ["Section", "Item", "Text"], wrapped=[1, 2], table=False)
    about_sheet.column_dimensions["B"].width = 32
    about_sheet.column_dimensions["C"].width = 90
    _write_long(book.create_sheet(FINDINGS_SHEET), frame)
    wide, units = force_by_measure(frame)
    formats = pd.DataFrame("", index=wide.index, columns=wide.columns, dtype=object)
    for header, unit in units.items():
        formats[header] = formatting.EXCEL_FORMATS.get(str(unit), "") if unit else ""
    _write_sheet(
        book.create_sheet(WIDE_SHEET), wide, list(wide.columns), formats=formats, freeze="B2"
    )
    for slug, name in zip(slugs, sheets, strict=True):
        _write_long(book.create_sheet(name), frame[frame["pillar"] == slug])
    with files.atomic_path(target) as tmp:
        book.save(tmp)
    return target
