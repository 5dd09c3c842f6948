"""Cleaning: a raw extract frame in, canonical cases + quarantine + duplicates out.

:func:`clean_cases` is pure: it reads no file and changes nothing it is given. Every input
row ends up in exactly one of the three tables:

* **quarantine**, when a required field (crime_ref, recorded_date, offence, outcome) is
  missing or cannot be read, the offence or outcome code is not declared, or the row is
  blank or malformed. A row is quarantined once, under its first problem in that order
  (row, crime_ref, force, recorded_date, offence, outcome), with no values from the row;
* **duplicates**, by the rule in :mod:`soteria_research.ingest.duplicates`;
* **cases**, otherwise.

Values of optional fields that cannot be read become ``unknown`` (categories) or NA and
are counted in ``CleanResult.unrecognised``, which the data-quality report shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from soteria_research import normalise
from soteria_research.errors import MappingError, UnknownValueError
from soteria_research.ingest import cases, duplicates, fields
from soteria_research.ingest.fields import STRING, Column
from soteria_research.ingest.mapping import Mapping
from soteria_research.ingest.pseudonymise import row_hasher

QUARANTINE_COLUMNS = ("force", "source_file", "source_row", "column", "reason")
UNRECOGNISED_COLUMNS = ("column", "issue", "count")
ROW = "(row)"
REFERENCES = ("crime_ref", "victim_ref", "suspect_ref")


@dataclass(frozen=True)
class CleanResult:
    """What cleaning produced: canonical cases, quarantined rows, duplicates removed, and
    counts of optional values that were not recognised (``column``, ``issue``, ``count``)."""

    cases: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: pd.DataFrame
    unrecognised: pd.DataFrame

    @property
    def rows(self) -> int:
        """Rows accounted for: clean + quarantined + duplicates."""
        return len(self.cases) + len(self.quarantine) + len(self.duplicates)


def _forces(raw: pd.DataFrame, mapping: Mapping, missing, expected: str | None):
    """Force per row (codes into a list of names) and the quarantine masks for force."""
    n = len(raw)
    if mapping.force_column is None:
        return np.zeros(n, dtype=np.int64), [mapping.force], {}
    column = Column.of(raw[mapping.force_column], n, missing)
    names: list[str | None] = []
    for text in column.texts.tolist():
        try:
            names.append(normalise.force_name(text))
        except UnknownValueError:
            names.append(None)
    distinct = sorted({name for name in names if name is not None})
    index = np.array([distinct.index(x) if x is not None else -1 for x in names], dtype=np.int64)
    per_row = column.spread(index, -1)
    other = np.zeros(n, dtype=bool)
    if expected is not None and distinct:
        other = np.isin(per_row, [i for i, name in enumerate(distinct) if name != expected])
    problems = {
        "missing value": ~column.present,
        "unknown force": column.present & (per_row < 0),
        "another force's record": other,
    }
    return np.maximum(per_row, 0), distinct or [expected], problems


def _column(values: pd.Series, field: str, n: int, missing, key: bytes, force_list: list):
    """A mapped source column; references of a one-force extract are hashed row by row when
    the pseudonym scheme works on whole columns."""
    if field not in REFERENCES:
        return Column.of(values, n, missing)
    hasher = None
    if len(force_list) == 1:
        prefix = "suspect|" if field == "suspect_ref" else f"{force_list[0]}|"
        hasher = row_hasher(key, prefix)
    return Column.references(values, n, missing, hasher)


def _quarantine(
    raw: pd.DataFrame, checks: list, force_names: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """First problem of each row, and the quarantine table."""
    n = len(raw)
    first = np.full(n, -1, dtype=np.int64)
    labels = []
    for number, (column, reason, mask) in enumerate(checks):
        first[(first < 0) & mask] = number
        labels.append((column, reason))
    rows = np.flatnonzero(first >= 0)
    chosen = first[rows]
    table = pd.DataFrame(
        {
            "force": pd.array(force_names[rows], dtype=STRING),
            "source_file": raw["source_file"].array.take(rows),
            "source_row": raw["source_row"].array.take(rows),
            "column": pd.array([c for c, _ in labels], dtype=STRING).take(chosen),
            "reason": pd.array([r for _, r in labels], dtype=STRING).take(chosen),
        }
    )
    return first >= 0, table


def _failure(raw: pd.DataFrame, mapping: Mapping, name: str, failing, held, suggested):
    """One line for a date column most of whose values the declared formats cannot read."""
    first = int(np.flatnonzero(failing)[0])
    where = f"{raw['source_file'].iloc[first]}, row {raw['source_row'].iloc[first]}"
    formats = list(mapping.formats_for(name))
    key = f"dates.per_column.{name}" if name in mapping.date_formats_per_column else "dates.formats"
    if suggested:
        fix = (
            f"They read as {suggested!r}: set `dates: per_column: {name}: [{suggested!r}]` (or "
            f"put it in `dates.formats`)"
        )
    else:
        fix = f"Give the format they are written in under `{key}`"
    return MappingError(
        f"{where}, column {mapping.columns[name]!r} ({name}): {int(failing.sum())} of {held} "
        f"dates do not read with {key} {formats} (first on this row). {fix} in {mapping.path}."
    )


def clean_cases(
    raw: pd.DataFrame,
    mapping: Mapping,
    key: bytes,
    *,
    expected_force: str | None = None,
    age_bands: list[int] | None = None,
) -> CleanResult:
    """Clean a raw extract into canonical, pseudonymised cases.

    Parameters
    ----------
    raw
        Output of :func:`~soteria_research.ingest.readers.read_extract`: raw text columns
        named as in the source, plus ``source_file``, ``source_row`` and (optionally)
        ``source_problem``.
    mapping
        The extract's mapping.
    key
        HMAC key for the pseudonyms (see :mod:`~soteria_research.ingest.pseudonymise`).
    expected_force
        With ``force_column``: the Home Office name of the folder's force; rows of any
        other force are quarantined.
    age_bands
        Band edges for ``victim_age_band`` (default: ``measures.age_bands`` in the
        settings).

    Returns
    -------
    CleanResult
        ``cases`` (docs/architecture.md), ``quarantine``, ``duplicates`` (cases columns
        plus ``duplicate_of_row`` and ``rule``) and ``unrecognised`` counts.

    Examples
    --------
    >>> raw = read_extract(mapping)  # doctest: +SKIP
    >>> result = clean_cases(raw, mapping, key)  # doctest: +SKIP
    >>> result.rows == len(raw)  # doctest: +SKIP
    True
    """
    n = len(raw)
    missing = frozenset(value.casefold() for value in mapping.missing_values)
    force_code, force_list, force_checks = _forces(raw, mapping, missing, expected_force)
    sources = {field: raw[source] for field, source in mapping.columns.items()}
    calls = {
        field: partial(_column, values, field, n, missing, key, force_list)
        for field, values in sources.items()
    }
    # the references (the longest calls) first, then the rest in the mapping's order
    first = sorted(calls, key=lambda field: field not in REFERENCES)
    converted = fields.in_threads({field: calls[field] for field in first})
    columns = {field: converted[field] for field in sources}
    built = cases.build(columns, mapping, key, force_code, force_list, age_bands)
    if built.failures:
        raise _failure(raw, mapping, *built.failures[0])

    problem = raw["source_problem"] if "source_problem" in raw else pd.Series([pd.NA] * n)
    problem = problem.astype(STRING)
    checks = [
        (ROW, reason, (problem == reason).to_numpy(dtype=bool, na_value=False))
        for reason in problem.dropna().unique().tolist()
    ]
    checks.append(("crime_ref", "missing value", ~columns["crime_ref"].present))
    checks += [("force", reason, mask) for reason, mask in force_checks.items()]
    checks += built.checks
    force_names = np.asarray(force_list, dtype=object)[force_code]
    if force_checks:  # a row whose force is at fault is filed under the folder's force
        at_fault = np.logical_or.reduce(list(force_checks.values()))
        force_names[at_fault] = expected_force
    quarantined, quarantine = _quarantine(raw, checks, force_names)

    usable = np.flatnonzero(~quarantined)
    split = duplicates.partition(
        usable,
        built.crime_key,
        [c.codes for c in columns.values()],
        built.values["outcome_date"],
        built.marked,
        [c.present for c in columns.values()],
    )
    cases_frame = built.frame(raw, split.kept)
    removed = built.frame(raw, split.removed)
    source_rows = raw["source_row"].to_numpy(dtype=np.float64, na_value=np.nan)
    of_row = np.where(split.kept_position >= 0, source_rows[split.kept_position], np.nan)
    removed["duplicate_of_row"] = pd.array(of_row, dtype="Float64").astype("Int64")
    removed["rule"] = pd.array(np.asarray(duplicates.RULES, dtype=object)[split.rule], dtype=STRING)
    unrecognised = built.unrecognised(split.kept)
    return CleanResult(cases_frame, quarantine, removed, unrecognised)
