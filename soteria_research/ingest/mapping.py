"""Extract mappings: a force's layout described once, in YAML (see ``docs/mapping.md``).

:func:`load_mapping` reads a ``mapping.yaml``, checks every key and value, and returns a
:class:`Mapping`. Mistakes are reported with the line at fault: an unknown key names the
closest valid key, invalid YAML gives the line the parser stopped at, and a code map value
that is not a canonical code lists the valid ones.
"""

from __future__ import annotations

import codecs
import difflib
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
    DATE_FIELDS,
    DATE_KEYS,
    DEFAULT_MISSING,
    EXCEL_SERIAL,
    FILE_KEYS,
    FLAG_FIELDS,
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

    @property
    def folder(self) -> Path:
        """The folder the file globs are relative to."""
        return self.path.parent

    def formats_for(self, date_field: str) -> tuple[str, ...]:
        """Date formats tried, in order, for one canonical date field."""
        return self.date_formats_per_column.get(date_field, self.date_formats)

    def source_columns(self) -> list[str]:
        """Every source column the mapping reads (each once, in mapping order)."""
        cols = list(self.columns.values())
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
        specs.append(
            FileSpec(
                path=_text(keys["path"], f"{where} path", ctx),
                format=fmt,
                encoding=encoding,
                delimiter=delimiter,
                sheet=_text(keys.get("sheet"), f"{where} sheet", ctx),
                header_row=int(header),
            )
        )
    if not specs:
        raise ctx.error(yn.line(node), "`files:` lists no files.")
    return tuple(specs)


def _columns(node: yn.Node, ctx: yn.Context) -> dict[str, str]:
    keys = _keys(node, SOURCE_FIELDS, "columns", ctx)
    columns = {k: _text(v, f"columns.{k}", ctx) for k, v in keys.items()}
    columns = {k: v for k, v in columns.items() if v}
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise ctx.error(
            yn.line(node),
            f"`columns:` must name the source column for {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED_FIELDS)}).",
        )
    return columns


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


def parse_mapping(text: str, path: Path) -> Mapping:
    """Validate mapping YAML text; ``path`` is where it came from (for messages and globs)."""
    ctx = yn.Context(Path(path))
    root = yn.compose(text, ctx)
    keys = _keys(root, TOP_KEYS, "the mapping", ctx)
    for required in ("files", "columns"):
        if required not in keys:
            raise ctx.error(1, f"the mapping has no `{required}:` section (see docs/mapping.md).")
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
    return Mapping(
        path=Path(path),
        layout=_text(keys.get("layout"), "layout", ctx, Path(path).parent.name),
        data_source=data_source,
        extraction_date=_extraction_date(keys.get("extraction_date"), ctx),
        files=_files(keys["files"], ctx),
        columns=_columns(keys["columns"], ctx),
        force=force,
        force_column=force_column,
        date_formats=formats,
        date_formats_per_column=per_column,
        codes=_codes(keys["codes"], ctx) if "codes" in keys else {},
        missing_values=tuple(dict.fromkeys((*DEFAULT_MISSING, *missing))),
        notes=_text(keys.get("notes"), "notes", ctx, ""),
        provenance=_provenance(keys.get("provenance"), ctx),
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
