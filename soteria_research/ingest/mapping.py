"""Extract mappings: a force's layout described once, in YAML (see ``docs/mapping.md``).

:func:`load_mapping` reads a ``mapping.yaml``, checks every key and value, and returns a
:class:`Mapping`. Mistakes are reported with the line at fault: an unknown key names the
closest valid key, invalid YAML gives the line the parser stopped at, and a code map value
that is not a canonical code lists the valid ones.
"""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from soteria_research import normalise, reference
from soteria_research.errors import MappingError, UnknownValueError
from soteria_research.ingest import yamlnodes as yn
from soteria_research.ingest.vocabulary import (  # noqa: F401 (re-exported)
    CODE_KINDS,
    DATA_SOURCES,
    DATE_DIRECTIVES,
    DATE_FIELDS,
    DATE_KEYS,
    DEFAULT_MISSING,
    EXCEL_SERIAL,
    FILE_KEYS,
    FILE_ROLES,
    FLAG_FIELDS,
    HISTORY_FIELDS,
    HISTORY_KEYS,
    REQUIRED_FIELDS,
    SOURCE_FIELDS,
    TOP_KEYS,
    fold,
)

_YES = ("true", "yes", "y", "1", "t")
_NO = ("false", "no", "n", "0", "f")


@dataclass(frozen=True)
class FileSpec:
    """One entry of ``files:``: a glob and how to read the files it matches."""

    path: str
    format: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    header_row: int = 1
    role: str = "crimes"
    columns: dict[str, str] | None = None

    @property
    def is_history(self) -> bool:
        """True for an outcome history: one row per status change of a crime."""
        return self.role == "history"


@dataclass(frozen=True)
class Mapping:
    """A validated extract mapping.

    ``columns`` maps canonical field -> source column name; ``codes`` maps each code kind
    to ``{folded source value: canonical value}`` (outcomes as
    :class:`~soteria_research.normalise.Outcome`, yes/no as ``bool``).
    """

    path: Path
    layout: str
    data_source: str
    extraction_date: pd.Timestamp
    files: tuple[FileSpec, ...]
    columns: dict[str, str]
    force: str | None = None
    force_column: str | None = None
    date_formats: tuple[str, ...] = ("%d/%m/%Y",)
    date_formats_per_column: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: dict[str, dict[str, object]] = field(default_factory=dict)
    missing_values: tuple[str, ...] = DEFAULT_MISSING
    notes: str = ""
    provenance: dict[str, str] = field(default_factory=dict)
    blank_outcome: normalise.Outcome | None = None
    interim_statuses: tuple[str, ...] = ()
    tie_break: str | None = None

    @property
    def folder(self) -> Path:
        """The folder the file globs are relative to."""
        return self.path.parent

    def formats_for(self, date_field: str) -> tuple[str, ...]:
        """Date formats tried, in order, for one canonical date field."""
        return self.date_formats_per_column.get(date_field, self.date_formats)

    @property
    def history(self) -> FileSpec | None:
        """The outcome-history ``files:`` entry, when the extract comes in two parts."""
        return next((spec for spec in self.files if spec.is_history), None)

    def file_columns(self, spec: FileSpec) -> dict[str, str]:
        """Canonical field -> source column of one file (its own ``columns:`` if given)."""
        return dict(spec.columns) if spec.columns else dict(self.columns)

    def source_columns(self, spec: FileSpec | None = None) -> list[str]:
        """Every source column read from a file (each once, in mapping order); by default
        those of the crimes files. An outcome history adds its ``tie_break`` column."""
        if spec is not None and spec.is_history:
            cols = list(self.file_columns(spec).values())
            return list(dict.fromkeys([*cols, *([self.tie_break] if self.tie_break else [])]))
        cols = list(self.file_columns(spec).values()) if spec else list(self.columns.values())
        if self.force_column:
            cols.append(self.force_column)
        return list(dict.fromkeys(cols))


def _closest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def _keys(node: yn.Node, valid: tuple[str, ...], where: str, ctx: yn.Context) -> dict:
    items = yn.mapping_items(node, where, ctx)
    for key, (line, _value) in items.items():
        if key not in valid:
            raise ctx.error(
                line,
                f"unknown key {key!r} in {where}.{_closest(key, valid)} "
                f"Valid keys: {', '.join(valid)}.",
            )
    return {k: v for k, (_line, v) in items.items()}


def _text(node: yn.Node | None, where: str, ctx: yn.Context, default: str | None = None):
    value = yn.scalar(node, where, ctx) if node is not None else None
    return default if value is None else value


def _files(node: yn.Node, ctx: yn.Context) -> tuple[FileSpec, ...]:
    specs = []
    for i, item in enumerate(yn.sequence(node, "files", ctx), start=1):
        where = f"files entry {i}"
        keys = _keys(item, FILE_KEYS, where, ctx)
        if "path" not in keys:
            raise ctx.error(yn.line(item), f"{where} has no `path:` (a file name or glob).")
        fmt = _text(keys.get("format"), f"{where} format", ctx, "csv").lower()
        if fmt not in ("csv", "excel"):
            raise ctx.error(yn.line(keys["format"]), f"format must be csv or excel, not {fmt!r}.")
        encoding = _text(keys.get("encoding"), f"{where} encoding", ctx, "utf-8")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ctx.error(
                yn.line(keys["encoding"]),
                f"unknown encoding {encoding!r}: use utf-8, utf-8-sig, latin-1 or cp1252.",
            ) from None
        delimiter = _text(keys.get("delimiter"), f"{where} delimiter", ctx, ",")
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise ctx.error(
                yn.line(keys["delimiter"]), "delimiter must be one character: , ; | or \\t."
            )
        header = _text(keys.get("header_row"), f"{where} header_row", ctx, "1")
        if not header.isdigit() or int(header) < 1:
            raise ctx.error(yn.line(keys["header_row"]), "header_row must be a whole number >= 1.")
        role = _text(keys.get("role"), f"{where} role", ctx, "crimes").lower()
        if role not in FILE_ROLES:
            raise ctx.error(
                yn.line(keys["role"]),
                f"{where} role must be crimes (one row per crime) or history (one row per "
                f"status change), not {role!r}.",
            )
        own = None
        if "columns" in keys:
            valid = HISTORY_FIELDS if role == "history" else SOURCE_FIELDS
            own = _column_map(keys["columns"], valid, f"{where} columns", ctx)
        elif role == "history":
            raise ctx.error(
                yn.line(item),
                f"{where} is an outcome history: give its `columns:` (crime_ref, the join "
                "key; outcome, the status; outcome_date, the status date).",
            )
        if role == "history":
            absent = [f for f in HISTORY_FIELDS if f not in own]
            if absent:
                raise ctx.error(
                    yn.line(keys["columns"]),
                    f"{where} columns must name {', '.join(absent)} (an outcome history needs "
                    "crime_ref as the join key, outcome for the status and outcome_date for "
                    "its date).",
                )
        specs.append(
            FileSpec(
                path=_text(keys["path"], f"{where} path", ctx),
                format=fmt,
                encoding=encoding,
                delimiter=delimiter,
                sheet=_text(keys.get("sheet"), f"{where} sheet", ctx),
                header_row=int(header),
                role=role,
                columns=own,
            )
        )
    if not specs:
        raise ctx.error(yn.line(node), "`files:` lists no files.")
    if sum(spec.is_history for spec in specs) > 1:
        raise ctx.error(yn.line(node), "`files:` may hold one outcome history (role: history).")
    if all(spec.is_history for spec in specs):
        raise ctx.error(yn.line(node), "`files:` lists no crimes file (role: crimes).")
    return tuple(specs)


def _column_map(node: yn.Node, valid: tuple[str, ...], where: str, ctx: yn.Context) -> dict:
    keys = _keys(node, valid, where, ctx)
    columns = {k: _text(v, f"{where}.{k}", ctx) for k, v in keys.items()}
    return {k: v for k, v in columns.items() if v}


def _columns(node: yn.Node | None, specs: tuple[FileSpec, ...], ctx: yn.Context) -> dict[str, str]:
    """The crimes files' columns: ``columns:``, or the first crimes file's own ones."""
    crimes = [spec for spec in specs if not spec.is_history]
    if node is not None:
        columns = _column_map(node, SOURCE_FIELDS, "columns", ctx)
        where = yn.line(node)
    elif crimes[0].columns:
        columns, where = dict(crimes[0].columns), 1
    else:
        raise ctx.error(1, "the mapping has no `columns:` section (see docs/mapping.md).")
    history = any(spec.is_history for spec in specs)
    required = [f for f in REQUIRED_FIELDS if not (history and f == "outcome")]
    missing = [f for f in required if f not in columns]
    if missing:
        raise ctx.error(
            where,
            f"`columns:` must name the source column for {', '.join(missing)} "
            f"(required: {', '.join(required)}).",
        )
    if history and ({"outcome", "outcome_date"} & set(columns)):
        raise ctx.error(
            where,
            "with an outcome history (role: history), outcome and outcome_date come from the "
            "history file: remove them from the crimes file's `columns:`.",
        )
    for number, spec in enumerate(specs, start=1):
        if spec.columns and not spec.is_history and set(spec.columns) != set(columns):
            differ = sorted(set(spec.columns) ^ set(columns))
            raise ctx.error(
                where,
                f"files entry {number} maps other fields than `columns:` ({', '.join(differ)}): "
                "every crimes file must feed the same fields.",
            )
    return columns


def bad_directive(fmt: str) -> str | None:
    """The first ``%x`` of a date format that is not a strptime directive (None when all are)."""
    for match in re.finditer(r"%(.?)", fmt.replace("%%", "")):
        if match.group(1) not in DATE_DIRECTIVES:
            return match.group(0)
    return None


def _format_list(node: yn.Node, where: str, ctx: yn.Context) -> tuple[str, ...]:
    items = yn.sequence(node, where, ctx) if isinstance(node, yaml.SequenceNode) else [node]
    formats = []
    for item in items:
        fmt = _text(item, where, ctx)
        if fmt is None or (fmt != EXCEL_SERIAL and "%" not in fmt):
            raise ctx.error(
                yn.line(item),
                f"{where}: {fmt!r} is not a date format. Use strftime codes such as "
                f"'%d/%m/%Y' or '%Y-%m-%d %H:%M:%S', or {EXCEL_SERIAL}.",
            )
        wrong = bad_directive(fmt) if fmt != EXCEL_SERIAL else None
        if wrong:
            raise ctx.error(
                yn.line(item),
                f"{where}: {wrong!r} in {fmt!r} is not a date directive. Use %d day, %m month "
                "number, %b/%B month name, %Y four-digit year, %y two-digit year, %H:%M:%S time "
                f"(or {EXCEL_SERIAL}).",
            )
        formats.append(fmt)
    return tuple(formats)


def _dates(node: yn.Node, ctx: yn.Context) -> tuple[tuple[str, ...], dict]:
    keys = _keys(node, DATE_KEYS, "dates", ctx)
    formats = _format_list(keys["formats"], "dates.formats", ctx) if "formats" in keys else None
    per_column = {}
    if "per_column" in keys:
        items = _keys(keys["per_column"], DATE_FIELDS, "dates.per_column", ctx)
        per_column = {k: _format_list(v, f"dates.per_column.{k}", ctx) for k, v in items.items()}
    return formats or ("%d/%m/%Y",), per_column


def _code_value(kind: str, node: yn.Node, ctx: yn.Context) -> object:
    value = _text(node, f"codes.{kind}", ctx, "")
    allowed = {
        "sex": reference.SEXES,
        "ethnicity": reference.ETHNICITIES,
        "relationship": reference.RELATIONSHIPS,
    }
    try:
        if kind == "outcome":
            return normalise.outcome(value)
        if kind == "offence":
            return normalise.offence_code(value)
    except UnknownValueError as exc:
        raise ctx.error(yn.line(node), f"codes.{kind}: {exc}") from None
    if kind == "yes_no":
        if value.casefold() in _YES or value.casefold() in _NO:
            return value.casefold() in _YES
        raise ctx.error(yn.line(node), f"codes.yes_no values must be true or false, not {value!r}.")
    if value.casefold() not in allowed[kind]:
        raise ctx.error(
            yn.line(node),
            f"codes.{kind}: {value!r} is not a canonical value.{_closest(value, allowed[kind])} "
            f"Use one of: {', '.join(allowed[kind])}.",
        )
    return value.casefold()


def _codes(node: yn.Node, ctx: yn.Context) -> dict[str, dict[str, object]]:
    codes: dict[str, dict[str, object]] = {}
    for kind, sub in _keys(node, CODE_KINDS, "codes", ctx).items():
        items = yn.mapping_items(sub, f"codes.{kind}", ctx)
        codes[kind] = {fold(k): _code_value(kind, v, ctx) for k, (_line, v) in items.items()}
    return codes


def _extraction_date(node: yn.Node | None, ctx: yn.Context) -> pd.Timestamp:
    if node is None:
        raise ctx.error(
            1,
            "`extraction_date:` is required: the day the extract was taken (YYYY-MM-DD); "
            "pending outcomes are censored at that date.",
        )
    text = _text(node, "extraction_date", ctx, "")
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d")).as_unit("us")
    except (ValueError, TypeError):
        raise ctx.error(
            yn.line(node), f"extraction_date {text!r} is not a date in the form YYYY-MM-DD."
        ) from None


def _force(keys: dict, ctx: yn.Context) -> tuple[str | None, str | None]:
    fixed = _text(keys.get("force"), "force", ctx)
    column = _text(keys.get("force_column"), "force_column", ctx)
    if bool(fixed) == bool(column):
        raise ctx.error(
            1,
            "give exactly one of `force:` (the force's name) or `force_column:` (the source "
            "column that holds it).",
        )
    if fixed:
        try:
            fixed = normalise.force_name(fixed)
        except UnknownValueError as exc:
            raise ctx.error(yn.line(keys["force"]), str(exc)) from None
    return fixed, column


def _provenance(node: yn.Node | None, ctx: yn.Context) -> dict[str, str]:
    """Free-form notes on where the extract came from: ``key: value`` pairs, kept as text."""
    if node is None:
        return {}
    items = yn.mapping_items(node, "provenance", ctx)
    return {k: _text(v, f"provenance.{k}", ctx, "") for k, (_line, v) in items.items()}


def _flag(node: yn.Node | None, where: str, ctx: yn.Context) -> bool:
    value = (_text(node, where, ctx, "false") if node is not None else "false").casefold()
    if value not in _YES + _NO:
        raise ctx.error(yn.line(node), f"{where} must be true or false, not {value!r}.")
    return value in _YES


def _history(node: yn.Node | None, specs: tuple[FileSpec, ...], ctx: yn.Context):
    """``history:``: interim statuses (folded) and the tie-break column."""
    has_file = any(spec.is_history for spec in specs)
    if node is None:
        return (), None
    if not has_file:
        raise ctx.error(
            yn.line(node),
            "`history:` needs a files entry with `role: history` (the outcome history file).",
        )
    keys = _keys(node, HISTORY_KEYS, "history", ctx)
    interim = ()
    if "interim_statuses" in keys:
        where = "history.interim_statuses"
        items = yn.sequence(keys["interim_statuses"], where, ctx)
        interim = tuple(fold(_text(item, where, ctx, "")) for item in items)
    return interim, _text(keys.get("tie_break"), "history.tie_break", ctx)


def _blank_outcome(pending: bool, codes: dict, missing: tuple[str, ...]):
    """What a missing outcome means: pending when the mapping says so, else None."""
    if pending:
        return normalise.Outcome(0)
    mapped = codes.get("outcome", {})
    blank = {fold(value) for value in missing}
    return next((value for key, value in mapped.items() if key in blank), None)


def parse_mapping(text: str, path: Path) -> Mapping:
    """Validate mapping YAML text; ``path`` is where it came from (for messages and globs)."""
    ctx = yn.Context(Path(path))
    root = yn.compose(text, ctx)
    keys = _keys(root, TOP_KEYS, "the mapping", ctx)
    if "files" not in keys:
        raise ctx.error(1, "the mapping has no `files:` section (see docs/mapping.md).")
    force, force_column = _force(keys, ctx)
    data_source = _text(keys.get("data_source"), "data_source", ctx, "real").lower()
    if data_source not in DATA_SOURCES:
        raise ctx.error(
            yn.line(keys["data_source"]),
            f"data_source must be synthetic or real, not {data_source!r}.",
        )
    formats, per_column = _dates(keys["dates"], ctx) if "dates" in keys else (("%d/%m/%Y",), {})
    missing = ()
    if "missing_values" in keys:
        missing = tuple(
            _text(item, "missing_values", ctx, "")
            for item in yn.sequence(keys["missing_values"], "missing_values", ctx)
        )
    files = _files(keys["files"], ctx)
    codes = _codes(keys["codes"], ctx) if "codes" in keys else {}
    missing_values = tuple(dict.fromkeys((*DEFAULT_MISSING, *missing)))
    pending = _flag(keys.get("pending_when_blank"), "pending_when_blank", ctx)
    interim, tie_break = _history(keys.get("history"), files, ctx)
    clash = [s for s in interim if s in codes.get("outcome", {})]
    if clash:
        raise ctx.error(
            yn.line(keys["history"]),
            f"status {clash[0]!r} is both an interim status (history.interim_statuses) and an "
            "outcome (codes.outcome): keep it in one of the two.",
        )
    return Mapping(
        path=Path(path),
        layout=_text(keys.get("layout"), "layout", ctx, Path(path).parent.name),
        data_source=data_source,
        extraction_date=_extraction_date(keys.get("extraction_date"), ctx),
        files=files,
        columns=_columns(keys.get("columns"), files, ctx),
        force=force,
        force_column=force_column,
        date_formats=formats,
        date_formats_per_column=per_column,
        codes=codes,
        missing_values=missing_values,
        notes=_text(keys.get("notes"), "notes", ctx, ""),
        provenance=_provenance(keys.get("provenance"), ctx),
        blank_outcome=_blank_outcome(pending, codes, missing_values),
        interim_statuses=interim,
        tie_break=tie_break,
    )


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a ``mapping.yaml``.

    Parameters
    ----------
    path
        The mapping file; file globs inside it are relative to its folder.

    Raises
    ------
    MappingError
        The file is missing or not valid YAML, has an unknown key (with the closest valid
        key), lacks a required field, or holds a value that is not allowed; the message
        names the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise MappingError(
            f"No mapping file at {path}. Write one describing the extract's layout "
            "(see docs/mapping.md)."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mapping ({exc}). Save it as UTF-8.") from exc
    return parse_mapping(text, path)
