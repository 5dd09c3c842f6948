"""A force's extract in its layout, and the mapping that reads it back.

:func:`render` turns canonical cases into the values a layout's file holds (text for
CSV; numbers for Excel date serials and ages); :func:`mapping_document` is the
``mapping.yaml`` of that layout, in the format of ``docs/mapping.md``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

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
_OFFENCE_TEXT = {
    code: text.upper()
    for code, text in reference.offences()[["code", "description"]].itertuples(index=False)
}
_RELATIONSHIP = {r.key: r for r in vocab.RELATIONSHIPS}


_TABLE_START = np.datetime64("1900-01-01")
_TABLE_DAYS = 200 * 366


@lru_cache(maxsize=8)
def _date_table(fmt: str) -> np.ndarray:
    """Every day of 1900-2099 written in ``fmt`` (formatted once per format)."""
    days = _TABLE_START + np.arange(_TABLE_DAYS).astype("timedelta64[D]")
    if fmt == "excel_serial":
        return (days - EXCEL_EPOCH).astype(np.int64).astype(object)
    if fmt == "%Y-%m-%d":
        return np.datetime_as_string(days, unit="D").astype(object)
    return np.array([d.strftime(fmt) for d in days.astype(dt.date)], dtype=object)


def format_dates(values: np.ndarray, fmt: str) -> np.ndarray:
    """Dates (``datetime64``) as a layout writes them; ``None`` for missing.

    ``excel_serial`` gives spreadsheet day numbers (1900 date system) as integers. A
    format with hours and minutes keeps the time of day; day formats drop it.
    """
    values = np.asarray(values, dtype="datetime64[m]")
    missing = np.isnat(values)
    days = values.astype("datetime64[D]")
    if "%H" in fmt:
        day_fmt = fmt.split(" ", 1)[0]
        minutes = (values - days).astype(np.int64)
        clock = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)], dtype=object)
        text = format_dates(days, day_fmt) + " " + clock[np.where(missing, 0, minutes)]
    else:
        offset = (days - _TABLE_START).astype(np.int64)
        text = _date_table(fmt)[np.where(missing, 0, offset)]
    return np.where(missing, None, text)


def _recode(values: pd.Series, mapping: dict) -> np.ndarray:
    """Map each value through ``mapping`` (``None`` when absent), a distinct value at once."""
    codes, uniques = pd.factorize(values)
    lookup = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return lookup[codes]


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
    lookups = {
        "offence": ("offence_code", _OFFENCE_TEXT if layout.offence == "text" else None),
        "victim_sex": ("victim_sex", layout.sex),
        "victim_ethnicity": (
            "ethnicity_detail",
            {k: e.ic_code if layout.ethnicity == "ic" else e.label for k, e in _ETHNICITY.items()},
        ),
        "relationship": (
            "relationship_key",
            {k: getattr(r, layout.relationship) for k, r in _RELATIONSHIP.items()},
        ),
        "subgroup": (
            "offence_subgroup",
            {"Rape": "RAPE", "Other sexual offences": "OTHER SEXUAL OFFENCES"},
        ),
        "station": ("station", dict(enumerate(vocab.STATIONS))),
    }
    if name in lookups:
        column, mapping = lookups[name]
        return (
            cases[column].to_numpy(dtype=object)
            if mapping is None
            else _recode(cases[column], mapping)
        )
    if name == "force":
        return np.full(len(cases), force_label(cases["force"].iloc[0]), dtype=object)
    if name == "officer":
        return np.array(vocab.OFFICERS, dtype=object)[
            rng.integers(0, len(vocab.OFFICERS), len(cases))
        ]
    if name == "outcome":
        return _outcome(cases, layout.outcome)
    if name == "victim_age" and excel:
        return np.array([None if pd.isna(a) else int(a) for a in cases[name]], dtype=object)
    return cases[name].astype("string").to_numpy(dtype=object, na_value=None)


def render(cases: pd.DataFrame, layout: Layout, rng: np.random.Generator) -> pd.DataFrame:
    """The cases as the layout's file(s) hold them, one column per source column.

    Missing values are ``None``; the frame keeps the index of ``cases``. A ``_file``
    column names the file each row belongs to.
    """
    columns = {source: _values(cases, layout, name, rng) for source, name in layout.columns}
    out = pd.DataFrame(columns, index=cases.index, dtype=object)
    fy = cases["financial_year"].str.replace("/", "-")
    out["_file"] = (
        fy.map(lambda y: layout.file_name.format(fy=y))
        if layout.per_year_files
        else layout.file_name
    )
    return out


def _codes(layout: Layout) -> dict:
    codes: dict[str, dict] = {}
    if layout.outcome == "label":
        codes["outcome"] = {
            label: k for k, (label, declare) in vocab.OUTCOME_LABELS.items() if declare
        }
    elif layout.outcome == "oc":
        codes["outcome"] = {"OPEN": 0}
    codes["sex"] = {source: canonical for canonical, source in layout.sex.items()}
    codes["relationship"] = {
        getattr(r, layout.relationship): r.category for r in vocab.RELATIONSHIPS
    }
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
        files = {
            "path": path,
            "format": "excel",
            "sheet": "Extract",
            "header_row": layout.header_row,
        }
    else:
        files = {
            "path": path,
            "format": "csv",
            "encoding": layout.encoding,
            "delimiter": layout.delimiter,
        }
    doc["files"] = [files]
    doc["columns"] = {
        f: c for c, f in layout.columns if f not in ("force", "subgroup", "officer", "station")
    }
    dates: dict = {"formats": layout.date_formats()}
    if layout.per_column:
        dates["per_column"] = {f: [fmt] for f, fmt in layout.per_column.items()}
    doc["dates"] = dates
    doc["codes"] = _codes(layout)
    doc["missing_values"] = list(MISSING_VALUES)
    doc["provenance"] = {
        "generator": "soteria synth",
        "seed": str(options.seed),
        "first_year": str(options.first_year),
        "years": str(options.years),
        "scale": str(options.scale),
    }
    return doc
