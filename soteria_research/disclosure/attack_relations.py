"""Rebuild the relations a careful reader can see between published quantities.

From a :class:`~soteria_research.disclosure.attack_read.Reading` this builds the cells (each
count a table, sentence, figure or evidence row shows or withholds) and the linear relations
between them:

* margins: a row or column marked or labelled as a total is the sum of the others;
* breakdowns: parts of a whole found by their labels (``reason: ...`` rows make up
  ``quarantined``) or by exact arithmetic (a run of rows whose published values add up to the
  row above them);
* printed shares: a percentage beside (or in a sentence with) its numerator and denominator
  pins the numerator to ``[n (r - h), n (r + h)]``, ``h`` half the last printed digit; a
  column of percentages is used only where every fully published row agrees with it;
* the same quantity printed elsewhere (another table, a sentence, a figure, an evidence row),
  and subsets (:mod:`attack_links`);
* national = the sum of the forces, for quantities published for every force.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from soteria_research.disclosure.attack_read import (
    NUMBER,
    Printed,
    TableReading,
    is_withheld,
)
from soteria_research.disclosure.attack_solve import Cell, Relation, shares


@dataclass
class Model:
    """Cells and relations of a release; ``targets`` are the cells whose exposure matters."""

    cells: dict[str, Cell] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)  # id -> kind ("withheld", "difference")

    def add(self, cell: Cell, target: str = "") -> str:
        if cell.id not in self.cells:
            self.cells[cell.id] = cell
            if target:
                self.targets[cell.id] = target
        return cell.id

    def value(self, cid: str) -> float | None:
        cell = self.cells.get(cid)
        return None if cell is None else cell.value


def parse_count(text: str) -> float | None:
    """The whole number a count cell shows (``1,234``), ``None`` if it shows none."""
    match = re.fullmatch(r"\s*(\d{1,3}(?:,\d{3})+|\d+)\s*", text)
    return float(match.group(1).replace(",", "")) if match else None


def table_cells(table: TableReading, model: Model) -> None:
    """Add every count cell of ``table``: published values and withheld unknowns."""
    for row in table.rows:
        for column in table.count_columns:
            text = table.cells.get((row, column))
            if text is None:
                continue
            cid = table.cell_id(row, column)
            where = f"{table.where}, row {row!r}, column {column!r}"
            if is_withheld(text):
                model.add(Cell(cid, None, where), "withheld")
            elif (value := parse_count(text)) is not None:
                model.add(Cell(cid, value, where))


def margin_relations(table: TableReading, model: Model) -> None:
    """Total rows and total columns are the sums of the other rows and columns."""
    plain_rows = [r for r in table.rows if r not in table.total_rows]
    plain_cols = [c for c in table.count_columns if c not in table.total_columns]
    for total in table.total_rows:
        for column in table.count_columns:
            whole = table.cell_id(total, column)
            parts = [table.cell_id(r, column) for r in plain_rows]
            if whole in model.cells and all(p in model.cells for p in parts):
                model.relations.append(
                    Relation.total(whole, parts, f"{table.name}: row {total!r} = sum of rows")
                )
    for total in table.total_columns:
        for row in table.rows:
            whole = table.cell_id(row, total)
            parts = [table.cell_id(row, c) for c in plain_cols]
            if whole in model.cells and all(p in model.cells for p in parts):
                model.relations.append(
                    Relation.total(whole, parts, f"{table.name}: column {total!r} = sum")
                )


_REASON = re.compile(r"^[a-z_]+: ")


def breakdown_relations(table: TableReading, model: Model) -> None:
    """Parts of a whole within one count column, by label and by exact arithmetic."""
    for column in table.count_columns:
        ids = {r: table.cell_id(r, column) for r in table.rows}
        ids = {r: c for r, c in ids.items() if c in model.cells}
        rows = list(ids)
        by_label = {
            "quarantined": [r for r in rows if _REASON.match(r)],
            "duplicates": [r for r in rows if "duplicate" in r and r != "duplicates"],
            "input rows": [r for r in rows if r in ("clean", "quarantined", "duplicates")],
        }
        for whole, parts in by_label.items():
            if whole in ids and parts and (whole != "input rows" or len(parts) == 3):
                model.relations.append(
                    Relation.total(
                        ids[whole],
                        [ids[p] for p in parts],
                        f"{table.name}: {whole!r} = {' + '.join(repr(p) for p in parts)}",
                    )
                )
        values = [model.value(ids[r]) for r in rows]
        for i, whole in enumerate(values):
            if whole is None or whole == 0:
                continue
            running = 0.0
            for j in range(i + 1, len(rows)):
                if values[j] is None:
                    break
                running += values[j]
                if running == whole and j > i + 1:
                    parts = [ids[r] for r in rows[i + 1 : j + 1]]
                    model.relations.append(
                        Relation.total(
                            ids[rows[i]], parts, f"{table.name}: {rows[i]!r} = the rows below"
                        )
                    )
                if running >= whole:
                    break


def _printed(text: str | None) -> Printed | None:
    if text is None or is_withheld(text) or not re.fullmatch(rf"\s*({NUMBER})\s*", text):
        return None
    return Printed.parse(text)


def share_relations(table: TableReading, model: Model) -> None:
    """A percentage column pins numerator / denominator where published rows agree with it."""
    shares_cols = [c for c in table.columns if re.search(r"%|per ?cent", c)]
    counts = table.count_columns
    for pct in shares_cols:
        for num in counts:
            for den in counts:
                if num == den:
                    continue
                checked, agree = 0, True
                for row in table.rows:
                    p = _printed(table.cells.get((row, pct)))
                    n = model.value(table.cell_id(row, num))
                    d = model.value(table.cell_id(row, den))
                    if p is None or n is None or d is None or d == 0:
                        continue
                    checked += 1
                    if abs(100 * n / d - p.value) > p.half + 1e-9:
                        agree = False
                        break
                if not agree or checked == 0:
                    continue
                for row in table.rows:
                    p = _printed(table.cells.get((row, pct)))
                    n, d = table.cell_id(row, num), table.cell_id(row, den)
                    if p is None or n not in model.cells or d not in model.cells:
                        continue
                    if model.value(n) is None or model.value(d) is None:
                        model.relations += shares(
                            n,
                            d,
                            max(0.0, p.value - p.half) / 100,
                            (p.value + p.half) / 100,
                            f"{table.name}, row {row!r}: {pct!r} = {num!r} / {den!r}",
                        )


def pin_share(
    model: Model, part: str, whole: str, printed: Printed, scale: float, source: str
) -> None:
    """A printed share ``part / whole`` (``scale`` 100 for a percentage)."""
    low = max(0.0, printed.value - printed.half) / scale
    high = (printed.value + printed.half) / scale
    model.relations += shares(part, whole, low, high, source)


def number_cell(model: Model, where: str, key: str, text: str) -> str:
    """A count printed in a sentence, as a published cell."""
    value = float(text.replace(",", ""))
    return model.add(Cell(f"{where}|{key}", value, f"{where}: {text!r}"))


def national_relations(model: Model, tables: Iterable[TableReading], national: set[str]) -> None:
    """A national table cell is the sum of the same cell in every force report."""
    groups: dict[tuple[str, str, str], dict[str, str]] = {}
    for table in tables:
        caption = re.sub(r"\bfor .+?, (\d{4}/\d{2})", r"\1", table.caption)
        for row in table.rows:
            for column in table.count_columns:
                cid = table.cell_id(row, column)
                if cid in model.cells:
                    groups.setdefault((caption, row, column), {})[table.unit] = cid
    for (caption, row, column), units in groups.items():
        whole = [units[u] for u in units if u in national]
        parts = [units[u] for u in units if u not in national]
        if len(whole) == 1 and len(parts) >= 2:
            model.relations.append(
                Relation.total(
                    whole[0], parts, f"national {caption!r} {row!r} {column!r} = sum of forces"
                )
            )


def difference_cell(model: Model, part: str, whole: str, source: str) -> None:
    """``part`` counts a subset of ``whole``: the records in one and not the other are a count."""
    if part not in model.cells or whole not in model.cells:
        return
    diff = model.add(
        Cell(
            f"{whole} minus {part}",
            None,
            f"{model.cells[whole].where} minus {model.cells[part].where}",
        ),
        "difference",
    )
    model.relations.append(Relation.total(whole, [part, diff], source))


def evidence_cells(file: str, frame: pd.DataFrame, model: Model) -> dict[int, tuple[str, str]]:
    """Numerator and denominator cells of evidence rows (withheld where empty in a row marked
    suppressed); a printed proportion pins numerator / denominator. Returns the row's cell ids
    by position."""
    found = {}
    flagged = (
        frame["suppressed"] if "suppressed" in frame.columns else pd.Series(False, frame.index)
    )
    flagged = flagged.astype("string").str.lower().isin(["true", "1", "yes"]).to_numpy(bool)
    values = {
        c: pd.to_numeric(frame[c], errors="coerce").to_numpy(float, na_value=math.nan)
        for c in ("numerator", "denominator", "value")
        if c in frame.columns
    }
    units = (
        frame["unit"].astype("string").str.lower().fillna("").to_numpy(str)
        if "unit" in frame.columns
        else [""] * len(frame)
    )
    printed_text = "value" in frame.columns and isinstance(frame["value"].dtype, pd.StringDtype)
    text = frame["value"].fillna("").to_numpy(str).tolist() if printed_text else None
    for i in range(len(frame)):
        ids = []
        for column in ("numerator", "denominator"):
            cid = f"{file}|row {i + 2}|{column}"
            where = f"{file}: row {i + 2}, column {column!r}"
            value = values[column][i]
            if math.isnan(value):
                if flagged[i]:
                    model.add(Cell(cid, None, where), "withheld")
            else:
                model.add(Cell(cid, float(value), where))
            ids.append(cid)
        found[i] = (ids[0], ids[1])
        value = values.get("value", [math.nan] * len(frame))[i]
        if (
            units[i] == "proportion"
            and not math.isnan(value)
            and all(c in model.cells for c in ids)
        ):
            printed = Printed.parse(text[i]) if text is not None else None
            half = printed.half if printed is not None else 1e-9
            pin_share(
                model,
                ids[0],
                ids[1],
                Printed(float(value), half),
                1.0,
                f"{file}: row {i + 2}: value = numerator / denominator",
            )
    return found


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
