"""Scan published outputs for disclosure: the engine of ``soteria audit``.

Each file is read as a reader would see it and checked for

* a visible count below the threshold in a count column (or, in a rounded table, a count
  that is not a multiple of the rounding base);
* a suppressed cell that can be recovered: a row or column, beside its total, with
  exactly one suppressed cell;
* anything that looks like a source identifier or pseudonym, and columns that hold
  identifiers or free text from case data;
* in an evidence-base file, a suppressed row that still shows its value;
* in an output log, an output recorded as published although it failed a rule.

HTML reports (``.html``), evidence-base files (``.csv``, ``.parquet``, ``.xlsx``) and JSON
(output logs and manifests) are scanned; other files are skipped.

Then the release as a whole is attacked (:mod:`soteria_research.disclosure.attack`): from the
released files alone (never the output logs) the relations a reader can see are rebuilt and
each withheld cell is bounded by linear programming; a cell recovered exactly or narrowed below
the protection width is a problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from soteria_research.disclosure import patterns as pat
from soteria_research.disclosure.attack import attack_reading
from soteria_research.disclosure.attack_medians import median_exposures
from soteria_research.disclosure.attack_read import column_labels, read_release
from soteria_research.disclosure.htmltables import Table, expand, parse_html
from soteria_research.disclosure.outputlog import FORMAT, STATUSES
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.errors import DisclosureError

SUFFIXES = (".html", ".htm", ".csv", ".parquet", ".xlsx", ".json")


@dataclass(frozen=True)
class Problem:
    """One disclosure problem: where it is and what is wrong."""

    file: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.message}"


@dataclass
class AuditReport:
    """What an audit looked at and what it found."""

    files: int = 0
    tables: int = 0
    exposures: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _count_problem(value: float, rules: Rules, method: str, base: int) -> str:
    if method == "round":
        return "" if value % base == 0 else f"count {value:g} is not rounded to base {base}"
    if rules.count_fails(value):
        what = "zero count (zeros are disclosive)" if value == 0 else f"count {value:g}"
        return f"visible {what} below the threshold of {rules.min_cell_count}"
    return ""


def audit_table(table: Table, file: str, rules: Rules) -> list[Problem]:
    """Check one HTML table: small counts, recoverable cells, identifier columns."""
    labels, marks = column_labels(table)
    width = len(labels)
    table_marks = set(table.attrs.get("data-sdc", "").split())
    marked = any("count" in m for m in marks)
    count_pos = [
        p
        for p in range(width)
        if "count" in marks[p]
        or "counts" in table_marks
        or (not marked and pat.is_count_label(labels[p]))
    ]
    total_pos = [p for p in range(width) if "total" in marks[p] or pat.is_total_label(labels[p])]
    method = table.attrs.get("data-sdc-method", rules.method)
    base_text = table.attrs.get("data-sdc-base", "")
    base = int(base_text) if base_text.isdigit() else rules.rounding_base
    problems = [
        Problem(file, table.title, f"column {labels[p]!r} holds record-level identifiers")
        for p in range(width)
        if pat.is_identifier_column(labels[p])
    ]
    grid: list[dict[int, bool]] = []
    row_names, total_rows = [], []
    for k, row in enumerate(table.body):
        cells = expand(row)
        heads = [c.text for c in cells if c.header]
        name = " ".join(heads) or f"row {k + 1}"
        row_names.append(name)
        if any("total" in c.marks for c in cells) or any(pat.is_total_label(h) for h in heads):
            total_rows.append(k)
        states: dict[int, bool] = {}
        for p in count_pos:
            if p >= len(cells) or cells[p].header:
                continue
            cell = cells[p]
            hidden = "suppressed" in cell.marks or pat.is_suppressed_text(cell.text)
            states[p] = hidden
            value = None if hidden else pat.parse_count(cell.text)
            issue = "" if value is None else _count_problem(value, rules, method, base)
            if issue:
                where = f"{table.title}, row {name!r}, column {labels[p]!r} (line {cell.line})"
                problems.append(Problem(file, where, issue))
        grid.append(states)
    if method != "round":
        problems += _recoverable(table, file, grid, row_names, labels, total_pos, total_rows)
    return problems


def _recoverable(table, file, grid, row_names, labels, total_pos, total_rows) -> list[Problem]:
    problems = []
    if any(p in states for states in grid for p in total_pos):
        for name, states in zip(row_names, grid, strict=True):
            if sum(states.values()) == 1 and any(p in states for p in total_pos):
                problems.append(
                    Problem(
                        file,
                        f"{table.title}, row {name!r}",
                        "exactly one suppressed cell beside the row total: it can be recovered",
                    )
                )
    if len(total_rows) == 1:
        positions = sorted({p for states in grid for p in states})
        for p in positions:
            line = [states[p] for states in grid if p in states]
            if sum(line) == 1 and p in grid[total_rows[0]]:
                problems.append(
                    Problem(
                        file,
                        f"{table.title}, column {labels[p]!r}",
                        "exactly one suppressed cell above the column total: it can be recovered",
                    )
                )
    return problems


def _identifier_problems(file: str, chunks: Iterable[tuple[str, str]]) -> list[Problem]:
    return [
        Problem(file, where, f"looks like a {kind}: {shown}")
        for where, text in chunks
        for kind, shown in pat.find_identifiers(text)
    ]


def audit_html(text: str, file: str, rules: Rules | None = None) -> tuple[list[Problem], int]:
    """Problems in an HTML document, and the number of tables checked."""
    rules = resolve(rules)
    tables, texts = parse_html(text)
    problems = [p for table in tables for p in audit_table(table, file, rules)]
    problems += _identifier_problems(file, ((f"line {line}", chunk) for line, chunk in texts))
    return problems, len(tables)


def audit_frame(frame: pd.DataFrame, file: str, rules: Rules | None = None) -> list[Problem]:
    """Problems in an evidence-base table (rows numbered as a spreadsheet shows them)."""
    rules = resolve(rules)
    problems = [
        Problem(file, f"column {c!r}", "holds record-level identifiers or free text: remove it")
        for c in frame.columns
        if pat.is_identifier_column(c)
    ]
    flagged = np.zeros(len(frame), bool)
    if "suppressed" in frame.columns:
        flag = frame["suppressed"].astype("string").str.lower().isin(["true", "1", "yes"])
        flagged = flag.fillna(False).to_numpy(bool)
    for column in frame.columns:
        raw = frame[column]
        if pat.is_count_label(column):
            values = pd.to_numeric(raw, errors="coerce").to_numpy(float, na_value=np.nan)
            for i in np.flatnonzero(np.isfinite(values) & ~flagged):
                issue = _count_problem(values[i], rules, rules.method, rules.rounding_base)
                if issue:
                    problems.append(Problem(file, f"row {i + 2}, column {column!r}", issue))
        if column == "value" or str(column).startswith("ci_"):
            shown = raw.notna().to_numpy(bool) & flagged
            for i in np.flatnonzero(shown):
                problems.append(
                    Problem(file, f"row {i + 2}, column {column!r}", "suppressed row shows a value")
                )
        if not pd.api.types.is_float_dtype(raw):
            present = np.flatnonzero(raw.notna().to_numpy(bool))
            chunks = ((f"row {i + 2}, column {column!r}", str(raw.iloc[i])) for i in present)
            problems += _identifier_problems(file, chunks)
    return problems


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield path or "top", str(key)
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, str):  # numbers in JSON are sizes, times, counts: not scanned
        yield path or "top", value


def audit_json(data: Any, file: str) -> list[Problem]:
    """Problems in a JSON output (output log or manifest)."""
    problems = _identifier_problems(file, _strings(data, ""))
    if isinstance(data, dict) and data.get("format") == FORMAT:
        for i, entry in enumerate(data.get("outputs", [])):
            where = f"outputs[{i}] ({entry.get('output', '?')!r})"
            status = entry.get("status")
            if status == "fail":
                problems.append(Problem(file, where, "published although it failed a rule"))
            elif status not in STATUSES:
                problems.append(Problem(file, where, f"unknown status {status!r}"))
            if any("value" in cell for cell in entry.get("cells", [])):
                problems.append(Problem(file, where, "the log records cell values"))
    return problems


def files_to_audit(paths: Iterable[Path | str]) -> list[Path]:
    """The files under ``paths`` with an audited suffix (a missing path is an error)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise DisclosureError(f"{path}: no such file or folder to audit.")
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        elif path.suffix.lower() in SUFFIXES:
            found.append(path)
    return found


def audit_file(path: Path, rules: Rules | None = None) -> tuple[list[Problem], int]:
    """Problems in one file and the number of tables checked."""
    rules = resolve(rules)
    file, suffix = str(path), path.suffix.lower()
    try:
        if suffix in (".html", ".htm"):
            return audit_html(path.read_text(encoding="utf-8", errors="replace"), file, rules)
        if suffix == ".json":
            return audit_json(json.loads(path.read_text(encoding="utf-8")), file), 0
        if suffix == ".csv":
            frames = {"": pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])}
        elif suffix == ".parquet":
            frames = {"": pd.read_parquet(path)}
        else:
            frames = pd.read_excel(path, sheet_name=None)
    except (OSError, ValueError, ImportError) as exc:
        return [Problem(file, "file", f"cannot be read for the audit ({exc})")], 0
    problems = []
    for sheet, frame in frames.items():
        name = f"{file} [sheet {sheet}]" if sheet else file
        problems += audit_frame(frame, name, rules)
    return problems, len(frames)


def audit_paths(
    paths: Iterable[Path | str],
    rules: Rules | None = None,
    *,
    attack: bool = True,
    width: float | None = None,
) -> AuditReport:
    """Audit every output under ``paths``, file by file and then as one release.

    Parameters
    ----------
    paths
        Files or folders.
    rules
        Disclosure thresholds; the settings file by default.
    attack
        Also attack the release as a whole: withheld cells by linear programming
        (:func:`~soteria_research.disclosure.attack.attack_reading`) and median intervals
        whose ends are single records
        (:func:`~soteria_research.disclosure.attack_medians.median_exposures`).
    width
        Protection width of the attack; ``disclosure.protection_width`` (by default the
        minimum cell count) when not given.
    """
    rules = resolve(rules)
    report = AuditReport()
    files = files_to_audit(paths)
    for path in files:
        problems, tables = audit_file(path, rules)
        report.files += 1
        report.tables += tables
        report.problems += problems
    if attack:
        reading = read_release(_released(paths))
        found = [(e.bound.where, e.message) for e in attack_reading(reading, rules, width)]
        found += [(e.where, e.message) for e in median_exposures(reading, rules.min_cell_count)]
        for where, message in found:
            file, _, location = where.partition(": ")
            report.problems.append(Problem(file, location, message))
        report.exposures += len(found)
    return report


def _released(paths: Iterable[Path | str]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found
