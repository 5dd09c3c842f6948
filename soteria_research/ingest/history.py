"""Outcome histories: a crimes file plus one row per status change of each crime.

Records systems often export a crime's outcome as a history: every status the crime held
("Under investigation", "File with CPS", "Charged", "Outcome 16"...), each with its date.
:func:`attach_history` is pure: it picks each crime's **standing status** (the latest by
date; on the same date the greatest ``history.tie_break`` value, then the later row) and
adds it to the crimes frame as the outcome and outcome date, so cleaning goes on as for a
single file. A standing status that is not an outcome (listed in
``history.interim_statuses``, or a pending label) means pending, with no outcome date; a
crime with no status at all is pending too.

History rows are accounted for like crime rows: each is used (standing or superseded) or
quarantined with its file, row, field and reason (no crime with that reference, no status,
no usable date), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from soteria_research import normalise
from soteria_research.errors import MappingError
from soteria_research.ingest import dates, fields
from soteria_research.ingest.cases import failure_rule
from soteria_research.ingest.fields import STRING, Column
from soteria_research.ingest.mapping import Mapping, fold

#: Names of the columns the standing status is added to the crimes frame under.
STATUS_COLUMN = "(history) status"
STATUS_DATE_COLUMN = "(history) status date"
NO_CRIME = "no crime with this reference in the crimes file(s)"
_PENDING = normalise.Outcome(0)


@dataclass(frozen=True)
class AttachedHistory:
    """The crimes frame with the standing status, the mapping to clean it with, the
    quarantined history rows and how many history rows were used."""

    raw: pd.DataFrame
    mapping: Mapping
    quarantine: pd.DataFrame
    used: int

    @property
    def rows(self) -> int:
        """History rows accounted for: used + quarantined."""
        return self.used + len(self.quarantine)


def cleaning_mapping(mapping: Mapping) -> Mapping:
    """The mapping cleaning uses once the standing status is attached: outcome and outcome
    date read from the added columns, interim statuses mean pending, as does no status."""
    outcome_codes = dict(mapping.codes.get("outcome", {}))
    outcome_codes.update(dict.fromkeys(mapping.interim_statuses, _PENDING))
    columns = {**mapping.columns, "outcome": STATUS_COLUMN, "outcome_date": STATUS_DATE_COLUMN}
    return replace(
        mapping,
        columns=columns,
        codes={**mapping.codes, "outcome": outcome_codes},
        blank_outcome=_PENDING,
    )


def _order_key(values: pd.Series | None, n: int) -> np.ndarray:
    """Tie-break ranks: numbers compared as numbers when every value is one, else text."""
    if values is None:
        return np.zeros(n, dtype=np.float64)
    text = values.astype(STRING).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().sum() == text.replace("", pd.NA).notna().sum():
        return numbers.to_numpy(dtype=np.float64, na_value=-np.inf)
    ranks = text.fillna("").rank(method="dense").to_numpy(dtype=np.float64)
    return np.where(text.isna().to_numpy(), -np.inf, ranks)


def _checks(history: pd.DataFrame, mapping: Mapping, refs: Column, known: np.ndarray):
    """Quarantine checks of the history rows, in order, and the parsed status dates."""
    spec = mapping.history
    cols = mapping.file_columns(spec)
    n = len(history)
    missing = frozenset(v.casefold() for v in mapping.missing_values)
    status = Column.of(history[cols["outcome"]], n, missing)
    when = Column.of(history[cols["outcome_date"]], n, missing)
    parsed, unparsed, implausible = fields.date(when, mapping.formats_for("outcome_date"))
    share, least = failure_rule()
    failing = unparsed | implausible
    if failing.sum() >= least and failing.sum() > share * int(when.present.sum()):
        first = int(np.flatnonzero(failing)[0])
        where = f"{history['source_file'].iloc[first]}, row {history['source_row'].iloc[first]}"
        found = dates.suggest_format(when.texts)
        fix = (
            f"They read as {found!r}: set `dates: per_column: outcome_date: [{found!r}]`"
            if found
            else "Give their format under `dates.per_column.outcome_date`"
        )
        raise MappingError(
            f"{where}, column {cols['outcome_date']!r} (outcome_date): {int(failing.sum())} of "
            f"{int(when.present.sum())} status dates do not read with "
            f"{list(mapping.formats_for('outcome_date'))}. {fix} in {mapping.path}."
        )
    problem = history["source_problem"].astype(STRING)
    checks = [
        ("(row)", reason, (problem == reason).to_numpy(dtype=bool, na_value=False))
        for reason in problem.dropna().unique().tolist()
    ]
    checks += [
        ("crime_ref", "missing value", ~refs.present),
        ("crime_ref", NO_CRIME, refs.present & ~known),
        ("outcome", "missing value", ~status.present),
        ("outcome_date", "missing value", ~when.present),
        ("outcome_date", "unparseable date", unparsed),
        ("outcome_date", "date outside 1901-2099", implausible),
    ]
    return checks, parsed, status


def _quarantine(history: pd.DataFrame, checks: list, force: str) -> tuple[np.ndarray, pd.DataFrame]:
    first = np.full(len(history), -1, dtype=np.int64)
    for number, (_column, _reason, mask) in enumerate(checks):
        first[(first < 0) & mask] = number
    rows = np.flatnonzero(first >= 0)
    chosen = first[rows]
    table = pd.DataFrame(
        {
            "force": pd.array([force] * len(rows), dtype=STRING),
            "source_file": history["source_file"].array.take(rows),
            "source_row": history["source_row"].array.take(rows),
            "column": pd.array([c for c, _r, _m in checks], dtype=STRING).take(chosen),
            "reason": pd.array([r for _c, r, _m in checks], dtype=STRING).take(chosen),
        }
    )
    return first >= 0, table


def attach_history(
    raw: pd.DataFrame, history: pd.DataFrame, mapping: Mapping, force: str
) -> AttachedHistory:
    """Add each crime's standing status to the crimes frame.

    Parameters
    ----------
    raw
        The crimes files as :func:`~soteria_research.ingest.readers.read_extract` returns.
    history
        The history file(s) as :func:`~soteria_research.ingest.readers.read_history`
        returns.
    mapping
        The extract's mapping (with a ``role: history`` file).
    force
        The folder's force, for the quarantine table.

    Returns
    -------
    AttachedHistory
        ``raw`` with two more columns (:data:`STATUS_COLUMN`, :data:`STATUS_DATE_COLUMN`:
        the standing status and its date as written, blank when pending), the mapping to
        clean it with (:func:`cleaning_mapping`), the quarantined history rows and the
        number used.
    """
    n, m = len(raw), len(history)
    cols = mapping.file_columns(mapping.history)
    missing = frozenset(v.casefold() for v in mapping.missing_values)
    crime_refs = Column.references(raw[mapping.columns["crime_ref"]], n, missing)
    status_refs = Column.references(history[cols["crime_ref"]], m, missing)
    crime_text = crime_refs.texts.to_numpy(dtype=object)
    status_text = status_refs.texts.to_numpy(dtype=object)
    known = status_refs.spread(np.isin(status_text, crime_text), False)
    checks, parsed, status = _checks(history, mapping, status_refs, known)
    bad, quarantine = _quarantine(history, checks, force)

    good = np.flatnonzero(~bad)
    tie = _order_key(history[mapping.tie_break] if mapping.tie_break else None, m)
    ref_key = status_refs.codes[good]
    order = np.lexsort((good, tie[good], parsed[good].astype(np.int64), ref_key))
    sorted_rows, sorted_refs = good[order], ref_key[order]
    last = np.ones(len(sorted_rows), dtype=bool)
    last[:-1] = sorted_refs[1:] != sorted_refs[:-1]
    standing = sorted_rows[last]  # one history row per crime reference

    outcome_codes = dict(mapping.codes.get("outcome", {}))
    outcome_codes.update(dict.fromkeys(mapping.interim_statuses, _PENDING))
    kinds = fields.outcome(status, outcome_codes)["type"]
    interim = (
        np.isin([fold(t) for t in status.texts.tolist()], list(mapping.interim_statuses))
        if len(status.texts)
        else np.zeros(0, dtype=bool)
    )
    pending = (kinds == 0) | status.spread(interim, False)

    by_ref = np.full(len(status_text) + 1, -1, dtype=np.int64)
    by_ref[status_refs.codes[standing]] = standing
    lookup = {ref: i for i, ref in enumerate(status_text)}
    crime_to_status = np.array([lookup.get(ref, -1) for ref in crime_text], dtype=np.int64)
    per_crime = np.append(crime_to_status, -1)[crime_refs.codes]
    chosen = np.where(per_crime >= 0, by_ref[per_crime], -1)

    statuses = history[cols["outcome"]].astype(STRING).array
    dates = history[cols["outcome_date"]].astype(STRING).array
    has = chosen >= 0
    status_col = statuses.take(chosen, allow_fill=True)
    date_col = dates.take(
        np.where(has & ~pending[np.maximum(chosen, 0)], chosen, -1), allow_fill=True
    )
    out = raw.copy()
    out[STATUS_COLUMN] = pd.array(status_col, dtype=STRING)
    out[STATUS_DATE_COLUMN] = pd.array(date_col, dtype=STRING)
    return AttachedHistory(out, cleaning_mapping(mapping), quarantine, int((~bad).sum()))
