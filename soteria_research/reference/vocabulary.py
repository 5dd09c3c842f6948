"""The one vocabulary of display labels: measures, pillars, model terms, funnel positions.

``vocabulary.csv`` beside this module holds one row per ``(kind, code)``: the label a
reader sees, an optional longer description, and for measures an optional ``headline``
order (the measures the index shows beside each force). Reports, the evidence workbook and
the index read labels from here, so a code such as ``above95`` or ``arrest_share`` never
reaches a reader and a label is changed in one place.

Kinds: ``measure``, ``pillar``, ``model_variable``, ``model_column``,
``funnel_position``, ``basis``, ``unit``, ``evidence_column``, ``status`` (of a report
in the run state), ``field`` (a column of the canonical case table) and ``quality_item``
(a line of the data-quality report: row counts, duplicate rules, date flags).

Examples
--------
>>> label("funnel_position", "above95")
'Above the 95% limit'
>>> term_label("victim_age_band[0-12]")
'Victim age: 0-12'
>>> quality_label("recorded_date: missing value")
'Date recorded: missing value'
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from soteria_research.errors import ReferenceDataError
from soteria_research.paths import REFERENCE_DIR

VOCABULARY_FILE = REFERENCE_DIR / "vocabulary.csv"
KINDS = (
    "measure",
    "pillar",
    "model_variable",
    "model_column",
    "funnel_position",
    "basis",
    "unit",
    "evidence_column",
    "status",
    "field",
    "quality_item",
)
#: The funnel-position code for a value not placed on a funnel (missing in the data).
NOT_PLACED = "not_placed"
_TERM = re.compile(r"^(?P<variable>[^\[\]]+)\[(?P<level>.*)\]$")


@lru_cache(maxsize=1)
def _vocabulary() -> pd.DataFrame:
    frame = pd.read_csv(VOCABULARY_FILE, dtype=str, keep_default_na=False)
    where = f"{VOCABULARY_FILE}"
    unknown = frame.index[~frame["kind"].isin(KINDS)].tolist()
    if unknown:
        row = unknown[0] + 2
        raise ReferenceDataError(
            f"{where}, row {row}, column kind: {frame.at[unknown[0], 'kind']!r} is not one of "
            f"{', '.join(KINDS)}. Correct the kind or add it to KINDS."
        )
    twice = frame.duplicated(["kind", "code"], keep="first")
    if twice.any():
        first = int(twice.idxmax())
        raise ReferenceDataError(
            f"{where}, row {first + 2}: ({frame.at[first, 'kind']}, {frame.at[first, 'code']}) "
            "is listed twice. Keep one row per kind and code."
        )
    blank = frame.index[frame["label"].str.strip().eq("")].tolist()
    if blank:
        raise ReferenceDataError(
            f"{where}, row {blank[0] + 2}, column label: empty. Give every code a label."
        )
    frame["headline"] = pd.to_numeric(frame["headline"].replace("", pd.NA)).astype("Int64")
    return frame


def vocabulary() -> pd.DataFrame:
    """The whole vocabulary: ``kind, code, label, description, headline`` (a copy)."""
    return _vocabulary().copy()


def labels(kind: str) -> dict[str, str]:
    """Code -> label for one kind, in the order of the file (a copy)."""
    return dict(_labels(kind))


#: kind -> (the vocabulary it was read from, code -> label): reports look labels up hundreds
#: of times, so each kind's mapping is made once per vocabulary read.
_LABELS: dict[str, tuple[pd.DataFrame, dict[str, str]]] = {}


def _labels(kind: str) -> dict[str, str]:
    """Code -> label for one kind (shared: callers must not change it)."""
    frame = _vocabulary()
    known = _LABELS.get(kind)
    if known is not None and known[0] is frame:
        return known[1]
    _check_kind(kind)
    rows = frame[frame["kind"] == kind]
    mapping = dict(zip(rows["code"], rows["label"], strict=True))
    _LABELS[kind] = (frame, mapping)
    return mapping


def descriptions(kind: str) -> dict[str, str]:
    """Code -> description for one kind (empty text where none is given)."""
    _check_kind(kind)
    rows = _vocabulary()[_vocabulary()["kind"] == kind]
    return dict(zip(rows["code"], rows["description"], strict=True))


def label(kind: str, code: object) -> str:
    """The label of ``code``; an unknown code is shown in words (``a_b`` -> ``A b``).

    A missing funnel position reads as "Not placed on a funnel"; any other missing code
    gives an empty text.
    """
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return _labels(kind).get(NOT_PLACED, "") if kind == "funnel_position" else ""
    text = str(code)
    known = _labels(kind)
    if text in known:
        return known[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def term_label(term: str) -> str:
    """A model term in words: ``relationship[stranger]`` -> ``Victim-suspect relationship:
    stranger``; the intercept and plain variables by their label."""
    match = _TERM.match(str(term))
    if not match:
        return label("model_variable", term)
    return f"{label('model_variable', match['variable'])}: {match['level']}"


def quality_label(item: object) -> str:
    """A line of the data-quality report in words: a canonical field (completeness), a row
    count, a duplicate rule or a date flag by its label, and a quarantine reason
    ``column: reason`` with the column's label."""
    text = "" if item is None or (not isinstance(item, str) and pd.isna(item)) else str(item)
    known = _labels("quality_item")
    if text in known:
        return known[text]
    column, sep, reason = text.partition(": ")
    if sep:
        return f"{label('field', column)}: {reason}"
    return label("field", text)


def headline_measures() -> list[str]:
    """The measures shown beside each force on the index, in their order."""
    rows = _vocabulary()
    rows = rows[(rows["kind"] == "measure") & rows["headline"].notna()]
    return rows.sort_values("headline", kind="stable")["code"].tolist()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ReferenceDataError(
            f"No vocabulary kind {kind!r} in {VOCABULARY_FILE.name}; kinds: {', '.join(KINDS)}."
        )
