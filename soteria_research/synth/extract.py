"""A force's extract in its layout, and the mapping that reads it back.

:func:`render` turns canonical cases into the values a layout's file holds (text for
CSV; numbers for Excel date serials and ages); :func:`mapping_document` is the
``mapping.yaml`` of that layout, in the format of ``docs/mapping.md``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from soteria_research import reference
from soteria_research.synth import vocab
from soteria_research.synth.layouts import (
    DATE_FIELDS,
    EXCEL_EPOCH,
    FLAG_FIELDS,
    MISSING_VALUES,
    Layout,
    force_label,
)
from soteria_research.synth.options import Options

_ETHNICITY = {e.key: e for e in vocab.ETHNICITIES}
_OFFENCE_TEXT = dict(reference.offences()[["code", "description"]].itertuples(index=False))
_RELATIONSHIP = {r.key: r for r in vocab.RELATIONSHIPS}


def format_dates(values: np.ndarray, fmt: str) -> np.ndarray:
    """Dates (``datetime64``) as a layout writes them; ``None`` for missing.

    Formats each distinct date once, so a million rows cost a few thousand formats.
    ``excel_serial`` gives spreadsheet day numbers (1900 date system) as integers.
    """
    values = np.asarray(values, dtype="datetime64[m]")
    uniques, inverse = np.unique(values, return_inverse=True)
    if fmt == "excel_serial":
        days = (uniques.astype("datetime64[D]") - EXCEL_EPOCH).astype(np.int64).tolist()
        text = [None if np.isnat(u) else d for u, d in zip(uniques, days, strict=True)]
    else:
        text = [None if np.isnat(u) else u.astype(dt.datetime).strftime(fmt) for u in uniques]
    return np.array(text, dtype=object)[inverse]


def _outcome(cases: pd.DataFrame, style: str) -> np.ndarray:
    kinds = cases["outcome_type"].to_numpy(dtype=np.int64)
    alternate = cases["outcome_alternate"].to_numpy(dtype=bool)
    if style == "label":
        labels = {k: label for k, (label, _) in vocab.OUTCOME_LABELS.items()}
        out = np.array([labels[k] for k in kinds.tolist()], dtype=object)
        out[alternate] = vocab.ALTERNATE_CHARGE_LABEL
        return out
    out = np.array([str(k) for k in kinds.tolist()], dtype=object)
    out[alternate] = out[alternate] + "A"
    if style == "oc":
        out = np.where(kinds == 0, "OPEN", "OC" + out.astype(str)).astype(object)
    elif style == "cell":
        out = np.where(alternate, out, kinds).astype(object)
    return out


def _values(cases: pd.DataFrame, layout: Layout, name: str, rng: np.random.Generator):
    """The column of one field (or extra column kind) in the layout's notation."""
    excel = layout.file_format == "excel"
    if name in DATE_FIELDS:
        values = cases[name].to_numpy(dtype="datetime64[m]")
        if name in layout.per_column:  # a date-time column: add the time of recording
            values = values + rng.integers(0, 24 * 60, len(values)).astype("timedelta64[m]")
        return format_dates(values, layout.per_column.get(name, layout.date_format))
    if name in FLAG_FIELDS:
        yes, no = layout.yes_no
        return np.where(cases[name].to_numpy(dtype=bool), yes, no).astype(object)
    text = {
        "offence": lambda: (cases["offence_code"].map(_OFFENCE_TEXT).str.upper()
                            if layout.offence == "text" else cases["offence_code"]),
        "victim_sex": lambda: cases["victim_sex"].map(layout.sex),
        "victim_ethnicity": lambda: cases["ethnicity_detail"].map(
            {k: e.ic_code if layout.ethnicity == "ic" else e.label for k, e in _ETHNICITY.items()}),
        "relationship": lambda: cases["relationship_key"].map(
            {k: getattr(r, layout.relationship) for k, r in _RELATIONSHIP.items()}),
        "subgroup": lambda: cases["offence_subgroup"].str.upper(),
        "force": lambda: pd.Series(force_label(cases["force"].iloc[0]), index=cases.index),
        "station": lambda: cases["station"].map(dict(enumerate(vocab.STATIONS))),
    }  # fmt: skip
    if name in text:
        return text[name]().astype(object).to_numpy()
    if name == "officer":
        return np.array(vocab.OFFICERS, dtype=object)[rng.integers(0, len(vocab.OFFICERS),
                                                                   len(cases))]  # fmt: skip
    if name == "outcome":
        return _outcome(cases, layout.outcome)
    if name == "victim_age":
        age = cases["victim_age"]
        return np.array([None if pd.isna(a) else (int(a) if excel else str(a)) for a in age],
                        dtype=object)  # fmt: skip
    return cases[name].astype(object).to_numpy()


def render(cases: pd.DataFrame, layout: Layout, rng: np.random.Generator) -> pd.DataFrame:
    """The cases as the layout's file(s) hold them, one column per source column.

    Missing values are ``None``; the frame keeps the index of ``cases``. A ``_file``
    column names the file each row belongs to.
    """
    columns = {source: _values(cases, layout, name, rng) for source, name in layout.columns}
    out = pd.DataFrame(columns, index=cases.index, dtype=object)
    out = out.where(out.notna(), None)
    fy = cases["financial_year"].str.replace("/", "-")
    out["_file"] = fy.map(lambda y: layout.file_name.format(fy=y)) if layout.per_year_files \
        else layout.file_name  # fmt: skip
    return out


def _codes(layout: Layout) -> dict:
    codes: dict[str, dict] = {}
    if layout.outcome == "label":
        codes["outcome"] = {label: k for k, (label, declare) in vocab.OUTCOME_LABELS.items()
                            if declare}  # fmt: skip
    elif layout.outcome == "oc":
        codes["outcome"] = {"OPEN": 0}
    codes["sex"] = {source: canonical for canonical, source in layout.sex.items()}
    codes["relationship"] = {getattr(r, layout.relationship): r.category
                             for r in vocab.RELATIONSHIPS}  # fmt: skip
    if layout.ethnicity == "ic":
        codes["ethnicity"] = dict(vocab.IC_GROUPS)
    else:
        codes["ethnicity"] = {e.label: e.group for e in vocab.ETHNICITIES}
    codes["yes_no"] = {layout.yes_no[0]: True, layout.yes_no[1]: False}
    return codes


def mapping_document(layout: Layout, force: str, options: Options) -> dict:
    """The ``mapping.yaml`` of a force's extract (see ``docs/mapping.md``)."""
    doc: dict = {"layout": layout.name}
    fields = layout.fields()
    if "force" in fields:
        doc["force_column"] = layout.source("force")
    else:
        doc["force"] = force_label(force)
    doc["data_source"] = "synthetic"
    doc["extraction_date"] = options.extraction_date
    path = layout.file_name.format(fy="*")
    if layout.file_format == "excel":
        files = {"path": path, "format": "excel", "sheet": "Extract",
                 "header_row": layout.header_row}  # fmt: skip
    else:
        files = {"path": path, "format": "csv", "encoding": layout.encoding,
                 "delimiter": layout.delimiter}  # fmt: skip
    doc["files"] = [files]
    doc["columns"] = {f: c for c, f in layout.columns if f not in ("force", "subgroup",
                                                                   "officer", "station")}  # fmt: skip
    dates: dict = {"formats": layout.date_formats()}
    if layout.per_column:
        dates["per_column"] = {f: [fmt] for f, fmt in layout.per_column.items()}
    doc["dates"] = dates
    doc["codes"] = _codes(layout)
    doc["missing_values"] = list(MISSING_VALUES)
    return doc
