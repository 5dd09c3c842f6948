"""Survey export mappings: which file holds which wave of which instrument, and where.

A force's survey exports sit in ``data/raw/<police_uk_id>/surveys/`` beside a
``surveys.yaml`` that describes them (see ``docs/surveys.md``): for each export its file,
instrument, wave, how many header rows the survey tool wrote, and the header (question
text) of the column that holds each item, grouping variable, free-text question and the
respondent id. :func:`load_survey_mapping` reads and checks it; every mistake names the
file and the key at fault.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from soteria_research.errors import MappingError
from soteria_research.ingest.instrument import Instrument, load_instrument

SURVEY_FOLDER = "surveys"
MAPPING_FILE = "surveys.yaml"
DATA_SOURCES = ("real", "synthetic")
EXPORT_KEYS = (
    "file",
    "instrument",
    "wave",
    "encoding",
    "delimiter",
    "header_rows",
    "respondent_id",
    "columns",
    "answers",
    "missing_values",
)
TOP_KEYS = ("force", "data_source", "notes", "exports")
#: Texts that mean "no answer" in every export (compared without regard to case).
DEFAULT_MISSING = ("", "n/a", "na", "-", "prefer not to say", "don't know", "not applicable")


@dataclass(frozen=True)
class SurveyExport:
    """One export file: a wave of one instrument."""

    file: str
    instrument: Instrument
    wave: str
    respondent_id: str
    columns: dict[str, str]
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    header_rows: int = 1
    answers: dict[str, int] = field(default_factory=dict)
    missing_values: tuple[str, ...] = DEFAULT_MISSING


@dataclass(frozen=True)
class SurveyMapping:
    """A validated ``surveys.yaml``."""

    path: Path
    data_source: str
    exports: tuple[SurveyExport, ...]
    force: str | None = None
    notes: str = ""

    @property
    def folder(self) -> Path:
        return self.path.parent


def _fail(path: Path, key: str, message: str) -> MappingError:
    return MappingError(f"{path}: `{key}`: {message} See docs/surveys.md for the format.")


def _unknown_keys(data: dict, allowed: tuple[str, ...], path: Path, where: str) -> None:
    unknown = [str(k) for k in data if k not in allowed]
    if unknown:
        raise _fail(
            path, where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}."
        )


def _export(entry: Any, i: int, path: Path, instruments: dict[str, Instrument]) -> SurveyExport:
    where = f"exports[{i}]"
    if not isinstance(entry, dict):
        raise _fail(path, where, "each export is a set of `key: value` lines.")
    _unknown_keys(entry, EXPORT_KEYS, path, where)
    for key in ("file", "instrument", "wave", "respondent_id", "columns"):
        if entry.get(key) in (None, ""):
            raise _fail(path, f"{where}.{key}", "is required.")
    name = str(entry["instrument"])
    if name not in instruments:
        instruments[name] = load_instrument(name)
    instrument = instruments[name]
    columns = entry["columns"]
    if not isinstance(columns, dict):
        raise _fail(path, f"{where}.columns", "must map instrument ids to column headers.")
    known = set(instrument.item_ids) | set(instrument.grouping_ids)
    known |= {f.id for f in instrument.free_text}
    for key in columns:
        if str(key) not in known:
            raise _fail(
                path,
                f"{where}.columns.{key}",
                f"not an item, grouping variable or free-text question of instrument {name} "
                f"({instrument.path}).",
            )
    header_rows = entry.get("header_rows", 1)
    if header_rows not in (1, 2):
        raise _fail(path, f"{where}.header_rows", f"must be 1 or 2, not {header_rows!r}.")
    encoding = str(entry.get("encoding") or "utf-8-sig")
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise _fail(path, f"{where}.encoding", f"unknown encoding {encoding!r}.") from exc
    delimiter = str(entry.get("delimiter") or ",")
    delimiter = "\t" if delimiter in ("tab", "\\t") else delimiter
    if len(delimiter) != 1:
        raise _fail(path, f"{where}.delimiter", "must be one character (, ; | or tab).")
    answers = entry.get("answers") or {}
    try:
        answers = {str(k).strip().casefold(): int(v) for k, v in answers.items()}
    except (AttributeError, TypeError, ValueError) as exc:
        raise _fail(path, f"{where}.answers", "must map answer texts to whole numbers.") from exc
    extra_missing = entry.get("missing_values") or []
    if not isinstance(extra_missing, list):
        raise _fail(path, f"{where}.missing_values", "must be a list of texts.")
    missing = tuple(dict.fromkeys([*DEFAULT_MISSING, *(str(v).casefold() for v in extra_missing)]))
    return SurveyExport(
        file=str(entry["file"]),
        instrument=instrument,
        wave=str(entry["wave"]),
        respondent_id=str(entry["respondent_id"]),
        columns={str(k): str(v) for k, v in columns.items()},
        encoding=encoding,
        delimiter=delimiter,
        header_rows=int(header_rows),
        answers=answers,
        missing_values=missing,
    )


def parse_survey_mapping(data: Any, path: Path) -> SurveyMapping:
    """Check a survey mapping already read from YAML (``path`` names it in messages)."""
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a survey mapping is a set of `key: value` lines.")
    _unknown_keys(data, TOP_KEYS, path, "top level")
    source = str(data.get("data_source") or "real")
    if source not in DATA_SOURCES:
        raise _fail(path, "data_source", f"must be one of {', '.join(DATA_SOURCES)}.")
    entries = data.get("exports")
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "exports", "must list at least one export file.")
    instruments: dict[str, Instrument] = {}
    exports = tuple(_export(e, i, path, instruments) for i, e in enumerate(entries, start=1))
    seen: dict[str, int] = {}
    for i, export in enumerate(exports, start=1):
        if export.file in seen:
            raise _fail(
                path, f"exports[{i}].file", f"already listed in exports[{seen[export.file]}]."
            )
        seen[export.file] = i
    return SurveyMapping(
        path=path,
        data_source=source,
        exports=exports,
        force=str(data["force"]) if data.get("force") else None,
        notes=str(data.get("notes") or ""),
    )


def load_survey_mapping(path: str | Path) -> SurveyMapping:
    """Read and check ``surveys.yaml``.

    Raises
    ------
    MappingError
        Missing file, invalid YAML, or a key missing or wrong (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"No survey mapping at {path} (see docs/surveys.md).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise MappingError(f"{path}{line}: not valid YAML ({exc}).") from exc
    return parse_survey_mapping(data, path)
