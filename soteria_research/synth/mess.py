"""Planted defects: the mess of real extracts, recorded so that tests can find it.

:func:`plant` damages a small share of a rendered extract's rows, each kind on rows of
its own, and returns the damaged rows in file order with a record of every defect (file,
spreadsheet row, column, and what the ingest stage should do with it). Rates are well
under 1% a kind, with at least one of each kind in every force where the kind can occur.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.synth.extract import format_dates
from soteria_research.synth.layouts import DATE_FIELDS, MISSING_VALUES, Layout

#: Defect kinds, their share of rows and what the ingest stage should do with the row.
KINDS: dict[str, tuple[float, str]] = {
    "duplicate": (0.004, "removed as an exact duplicate of duplicate_of_row"),
    "error_string": (0.005, "the cell is read as missing; quarantined when the field is required"),
    "outcome_before_recording": (0.001, "kept, flagged outcome_before_recording"),
    "charge_before_report": (0.0005, "kept, flagged charge_before_report"),
    "reported_before_committed": (0.0015, "kept, flagged reported_before_committed"),
    "unknown_outcome": (0.001, "quarantined: outcome not in the mapping nor the normaliser"),
    "unknown_offence": (0.001, "quarantined: offence code not known"),
    "code_case_whitespace": (0.003, "read as the declared code (trimmed, case-insensitive)"),
    "mixed_date_format": (0.003, "read by the mapping's second date format (excel_serial)"),
}
UNKNOWN_OUTCOMES = {
    "number": ("24", "19"),
    "oc": ("OC24", "OC19"),
    "cell": (99, "OC 99"),
    "label": ("Closed - Refer To Partner Agency", "Filed - Pending Further Information"),
}
UNKNOWN_OFFENCES = {
    "code": ("19Z", "88Z"),
    "text": ("RAPE - LEGACY CODE", "SEXUAL ASSAULT (LOCAL)"),
}
_ERROR_FIELDS = (
    "committed_date",
    "reported_date",
    "recorded_date",
    "victim_age",
    "victim_sex",
    "victim_ethnicity",
    "outcome_date",
    "arrest_date",
    "relationship",
)
_CODE_FIELDS = ("victim_sex", "arrested", "isva_referred", "relationship")
REQUIRED_FIELDS = ("crime_ref", "offence", "recorded_date", "outcome")


class _Planter:
    """Chooses disjoint rows for each kind and writes the damage into a copy."""

    def __init__(self, raw: pd.DataFrame, layout: Layout, rng: np.random.Generator) -> None:
        self.out = raw.copy()
        self.layout = layout
        self.rng = rng
        self.free = np.ones(len(raw), dtype=bool)
        self.entries: dict[str, list[dict]] = {kind: [] for kind in KINDS}

    def pick(self, kind: str, eligible: np.ndarray) -> np.ndarray:
        candidates = np.flatnonzero(eligible & self.free)
        if not len(candidates):
            return candidates
        count = min(len(candidates), max(1, int(self.rng.binomial(len(self.free), KINDS[kind][0]))))
        chosen = np.sort(self.rng.choice(candidates, size=count, replace=False))
        self.free[chosen] = False
        return chosen

    def put(self, kind: str, rows: np.ndarray, field: str, values, **extra) -> None:
        column = self.out.columns.get_loc(self.layout.source(field))
        values = np.broadcast_to(np.asarray(values, dtype=object), len(rows))
        for row, value in zip(rows.tolist(), values.tolist(), strict=True):
            self.out.iat[row, column] = value
            self.entries[kind].append(
                {"_pos": row, "column": self.layout.source(field), "field": field, **extra}
            )

    def dates(self, field: str, base: pd.Series, rows: np.ndarray, days: np.ndarray):
        fmt = self.layout.per_column.get(field, self.layout.date_format)
        shifted = base.to_numpy(dtype="datetime64[D]")[rows] + days.astype("timedelta64[D]")
        return format_dates(shifted, fmt)


def _plant_dates(p: _Planter, cases: pd.DataFrame) -> None:
    kinds = cases["outcome_type"].to_numpy(dtype=np.int64)
    n = len(cases)
    rows = p.pick("outcome_before_recording", (kinds != 0) & (kinds != 1))
    days = -p.rng.integers(1, 61, len(rows))
    p.put(
        "outcome_before_recording",
        rows,
        "outcome_date",
        p.dates("outcome_date", cases["recorded_date"], rows, days),
    )
    rows = p.pick("charge_before_report", kinds == 1)
    days = -p.rng.integers(1, 61, len(rows))
    p.put(
        "charge_before_report",
        rows,
        "outcome_date",
        p.dates("outcome_date", cases["reported_date"], rows, days),
    )
    rows = p.pick("reported_before_committed", np.ones(n, dtype=bool))
    days = p.rng.integers(1, 31, len(rows))
    p.put(
        "reported_before_committed",
        rows,
        "committed_date",
        p.dates("committed_date", cases["reported_date"], rows, days),
    )
    if "excel_serial" in p.layout.extra_date_formats:
        field = DATE_FIELDS[p.rng.integers(0, 3)]  # committed, reported or recorded
        rows = p.pick("mixed_date_format", np.ones(n, dtype=bool))
        serial = format_dates(cases[field].to_numpy()[rows], "excel_serial")
        p.put("mixed_date_format", rows, field, [str(s) for s in serial])


def _plant_values(p: _Planter) -> None:
    n = len(p.out)
    rows = p.pick("unknown_outcome", np.ones(n, dtype=bool))
    options = UNKNOWN_OUTCOMES[p.layout.outcome]
    p.put("unknown_outcome", rows, "outcome", [options[i % 2] for i in range(len(rows))])
    rows = p.pick("unknown_offence", np.ones(n, dtype=bool))
    options = UNKNOWN_OFFENCES[p.layout.offence]
    p.put("unknown_offence", rows, "offence", [options[i % 2] for i in range(len(rows))])
    rows = p.pick("error_string", np.ones(n, dtype=bool))
    for row in rows.tolist():
        field = _ERROR_FIELDS[p.rng.integers(0, len(_ERROR_FIELDS))]
        value = MISSING_VALUES[p.rng.integers(0, len(MISSING_VALUES))]
        p.put(
            "error_string",
            np.array([row]),
            field,
            value,
            value=value,
            required=field in REQUIRED_FIELDS,
        )
    rows = p.pick("code_case_whitespace", np.ones(n, dtype=bool))
    for row in rows.tolist():
        field = _CODE_FIELDS[p.rng.integers(0, len(_CODE_FIELDS))]
        value = p.out.iat[row, p.out.columns.get_loc(p.layout.source(field))]
        if isinstance(value, str):
            variant = f" {value.lower()} " if row % 2 else f"{value.upper()}  "
            p.put("code_case_whitespace", np.array([row]), field, variant)


def _order(p: _Planter) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Insert exact duplicates; return rows in file order, their origin and copy flags."""
    n = len(p.out)
    originals = p.pick("duplicate", np.ones(n, dtype=bool))
    files = p.out["_file"].to_numpy()
    key = np.arange(n, dtype=float)
    copy_key = np.empty(len(originals))
    for i, row in enumerate(originals.tolist()):
        later = np.flatnonzero(files[row:] == files[row]) + row  # the copy comes after
        near = p.rng.random() < 0.5
        copy_key[i] = row + 0.5 if near else later[p.rng.integers(0, len(later))] + 0.5
    origin = np.concatenate([np.arange(n), originals])
    order = np.argsort(np.concatenate([key, copy_key]), kind="stable")
    copies = np.concatenate([np.zeros(n, dtype=bool), np.ones(len(originals), dtype=bool)])
    return p.out.iloc[origin[order]].reset_index(drop=True), origin[order], copies[order]


def plant(
    raw: pd.DataFrame, cases: pd.DataFrame, layout: Layout, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict]:
    """Plant every kind of defect in a rendered extract.

    Parameters
    ----------
    raw : pandas.DataFrame
        :func:`~soteria_research.synth.extract.render` output, rows in file order.
    cases : pandas.DataFrame
        The canonical cases ``raw`` was rendered from (same row order).
    layout : Layout
    rng : numpy.random.Generator

    Returns
    -------
    (pandas.DataFrame, dict)
        The damaged rows in final file order (with ``_file``), and the defect record:
        per kind, its count, what the ingest stage should do, and the rows (file,
        spreadsheet row number, column, canonical field).
    """
    p = _Planter(raw.reset_index(drop=True), layout, rng)
    _plant_dates(p, cases.reset_index(drop=True))
    _plant_values(p)
    out, origin, copies = _order(p)
    number = out.groupby("_file", sort=False).cumcount().to_numpy() + layout.header_row + 1
    file = out["_file"].to_numpy()
    final = np.empty(len(p.free), dtype=np.int64)  # final position of each original row
    final[origin[~copies]] = np.flatnonzero(~copies)
    record: dict = {}
    for kind, (_, expect) in KINDS.items():
        rows = []
        for entry in p.entries[kind]:
            at = final[entry.pop("_pos")]
            rows.append({"file": str(file[at]), "row": int(number[at]), **entry})
        if kind == "duplicate":
            rows = [
                {
                    "file": str(file[at]),
                    "row": int(number[at]),
                    "duplicate_of_row": int(number[final[origin[at]]]),
                }
                for at in np.flatnonzero(copies).tolist()
            ]
        record[kind] = {
            "count": len(rows),
            "expect": expect,
            "rows": sorted(rows, key=lambda e: (e["file"], e["row"])),
        }
    return out, record
