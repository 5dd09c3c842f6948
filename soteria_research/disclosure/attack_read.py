"""Read what a release publishes, as a reader would: every table cell, sentence and evidence row.

The attack in :mod:`attack_relations` and :mod:`attack_solve` works only from these readings.
It reads the files a release hands out (HTML reports, the evidence base in CSV, parquet or
xlsx, figure-data files ``*.figure.csv`` / ``*.figure.json``) and never an output-checking
log (``*.disclosure.json``), a manifest or processed data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from soteria_research.disclosure import patterns as pat
from soteria_research.disclosure.htmltables import expand, parse_html

#: A number as printed: ``2,257``, ``0.4``, ``17``.
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

_EVIDENCE = (".csv", ".parquet", ".xlsx")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value and half the last printed digit (rounding slack)."""

    value: float
    half: float

    @classmethod
    def parse(cls, text: str) -> Printed | None:
        match = re.search(NUMBER, text)
        if not match:
            return None
        digits = match.group(0).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        return cls(float(digits), 0.5 * 10.0**-decimals)


@dataclass
class TableReading:
    """One HTML table as a reader sees it: labels, and each cell's text by row and column."""

    file: str
    unit: str
    number: int
    caption: str
    columns: list[str]
    count_columns: list[str]
    total_columns: list[str]
    rows: list[str]
    total_rows: list[str]
    cells: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.file}: {self.name}"

    @property
    def name(self) -> str:
        """The table as a relation names it (without the file)."""
        return f"table {self.number} ({self.caption!r})"

    def cell_id(self, row: str, column: str) -> str:
        return f"{self.file}|t{self.number}|{row}|{column}"


@dataclass(frozen=True)
class Sentence:
    """A run of visible text (outside or inside a table) that may carry numbers."""

    file: str
    unit: str
    line: int
    text: str
    row: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}: {self.name}"

    @property
    def name(self) -> str:
        """The sentence as a relation names it: its line, or its table and row."""
        return f"table {self.line}, row {self.row!r}" if self.row else f"line {self.line}"


@dataclass
class Reading:
    """Everything a release shows."""

    tables: list[TableReading] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    evidence: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def is_withheld(text: str) -> bool:
    """Whether a cell shows a withheld value (``[c]`` and similar)."""
    return text.strip().lower() in {"[c]", "[x]", "c", "x", "*", "suppressed"}


def column_labels(table) -> tuple[list[str], list[frozenset[str]]]:
    """Each column's header text and its ``data-sdc`` marks (the last header row wins)."""
    width = max((len(expand(r)) for r in table.head + table.body), default=0)
    labels, marks = [""] * width, [frozenset()] * width
    for row in table.head:
        for p, cell in enumerate(expand(row)):
            if cell.text:
                labels[p] = cell.text
            marks[p] = marks[p] | cell.marks
    return labels, marks


def read_table(table, file: str, unit: str) -> TableReading:
    """A parsed HTML table as row/column labelled text cells."""
    labels, marks = column_labels(table)
    marked = any("count" in m for m in marks)
    counts = [
        labels[p]
        for p in range(len(labels))
        if p and ("count" in marks[p] or (not marked and pat.is_count_label(labels[p])))
    ]
    totals = [labels[p] for p in range(len(labels)) if p and "total" in marks[p]]
    reading = TableReading(file, unit, table.number, table.caption, labels, counts, totals, [], [])
    seen: dict[str, int] = {}
    for k, row in enumerate(table.body):
        cells = expand(row)
        heads = [c.text for c in cells if c.header]
        name = " ".join(heads) or f"row {k + 1}"
        if name in seen:  # two rows with one label: keep both apart
            seen[name] += 1
            name = f"{name} #{seen[name]}"
        seen.setdefault(name, 1)
        reading.rows.append(name)
        if any("total" in c.marks for c in cells if c.header) or any(
            pat.is_total_label(h) for h in heads
        ):
            reading.total_rows.append(name)
        for p, cell in enumerate(cells):
            if p < len(labels) and not cell.header:
                reading.cells[(name, labels[p])] = cell.text
    return reading


def read_html(path: Path) -> Reading:
    """Tables and visible sentences of one HTML report."""
    file, unit = str(path), path.stem
    tables, texts = parse_html(path.read_text(encoding="utf-8", errors="replace"))
    reading = Reading(tables=[read_table(t, file, unit) for t in tables])
    for table in reading.tables:
        for (row, _), text in table.cells.items():
            if len(text) > 20 and re.search(r"[a-z]{3}", text):
                reading.sentences.append(Sentence(file, unit, table.number, text, row))
    for line, text in texts:
        text = " ".join(text.split())
        if len(text) > 20 and re.search(NUMBER, text):
            reading.sentences.append(Sentence(file, unit, line, text))
    return reading


def _read_frames(path: Path) -> list[tuple[str, pd.DataFrame]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [(str(path), pd.read_csv(path, dtype={"value": "string"}))]  # printed digits
    if suffix == ".parquet":
        return [(str(path), pd.read_parquet(path))]
    if suffix == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None)
        return [(f"{path} [sheet {name}]", frame) for name, frame in sheets.items()]
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data.get("data", data) if isinstance(data, dict) else data
    return [(str(path), pd.DataFrame(rows))]


def is_released(path: Path) -> bool:
    """Whether the attack reads ``path``: released outputs, never logs or manifests."""
    name = path.name.lower()
    if name.endswith(".disclosure.json") or "manifest" in name:
        return False
    if name.endswith((".figure.csv", ".figure.json")):
        return True
    return path.suffix.lower() in (".html", ".htm", *_EVIDENCE)


def read_release(paths: Iterable[Path]) -> Reading:
    """Read every released file in ``paths`` (already expanded to files)."""
    reading = Reading()
    for path in paths:
        if not is_released(path):
            continue
        name = path.name.lower()
        if name.endswith((".figure.csv", ".figure.json")):
            reading.figures += _read_frames(path)
        elif path.suffix.lower() in (".html", ".htm"):
            one = read_html(path)
            reading.tables += one.tables
            reading.sentences += one.sentences
        else:
            frames = _read_frames(path)
            reading.evidence += [
                (f, frame) for f, frame in frames if {"numerator", "denominator"} <= set(frame)
            ]
    return reading
