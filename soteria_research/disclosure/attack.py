"""``soteria audit`` as an attacker: recover withheld cells from what a release shows.

Reads only released files (:mod:`attack_read`), rebuilds the relations a careful reader can
see (:mod:`attack_relations`, :mod:`attack_links`) and bounds every withheld cell by linear
programming (:mod:`attack_solve`). A withheld cell is *exposed* when a reader can narrow it to
an interval narrower than the protection width (``disclosure.protection_width``); the
records counted by one published quantity and not by a subset of it (a "difference") are
exposed when a reader can work them out exactly and they are a small count (above zero, below
the minimum cell count).

Example
-------
>>> exposures = attack_paths(["reports"])            # doctest: +SKIP
>>> [str(e) for e in exposures][:1]                   # doctest: +SKIP
['reports/forces/kent.html: table 1 (...), row 'recorded_date: missing value' ...']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soteria_research.disclosure import attack_links as links
from soteria_research.disclosure import patterns as pat
from soteria_research.disclosure.attack_read import (
    NUMBER,
    Printed,
    Reading,
    Sentence,
    TableReading,
    read_release,
)
from soteria_research.disclosure.attack_relations import (
    Model,
    breakdown_relations,
    difference_cell,
    evidence_cells,
    margin_relations,
    national_relations,
    number_cell,
    pin_share,
    share_relations,
    table_cells,
)
from soteria_research.disclosure.attack_solve import Bound, Cell, Relation, bound_cells
from soteria_research.disclosure.rules import Rules, resolve

log = logging.getLogger(__name__)

_KEY_FINDINGS = re.compile(r"^Key findings for (?P<force>.+), (?P<period>\d{4}/\d{2})$")
_PERIOD = re.compile(r"(\d{4}/\d{2})$")
_SHARE = re.compile(
    rf"(?P<pct>\d+(?:\.\d+)?)% \(95% CI [^;()]*; (?P<num>{NUMBER}) of (?P<den>{NUMBER})\)"
)
_N_IS = re.compile(rf"\bn ?= ?(?P<n>{NUMBER})\)")


def is_national(file: str) -> bool:
    """Whether a report is the national one (in a ``national`` folder or named so)."""
    path = Path(file)
    return path.parent.name == "national" or path.stem.lower().startswith(
        ("national", "england-and-wales")
    )


@dataclass(frozen=True)
class Exposure:
    """A withheld cell (or a small difference) a reader can work out or narrow too far."""

    bound: Bound
    kind: str

    @property
    def message(self) -> str:
        """What a reader can work out, and from which relations."""
        b = self.bound
        what = (
            f"recovered exactly: {b.low:g}" if b.exact else f"narrowed to {b.low:g} to {b.high:g}"
        )
        cell = "withheld cell" if self.kind == "withheld" else "difference of published counts"
        used = "; ".join(b.relations[:4]) + (" ..." if len(b.relations) > 4 else "")
        return f"{cell} {what} (using {used})"

    def __str__(self) -> str:
        return f"{self.bound.where}: {self.message}"


def _resolve(tables: list[TableReading], ref: links.Ref, period: str, model: Model) -> list[str]:
    caption, row, column = (part.replace("{period}", re.escape(period)) for part in ref)
    found = []
    for table in tables:
        if not re.search(caption, table.caption):
            continue
        for r in table.rows:
            if not re.search(row, r.split(" #")[0]):
                continue
            for c in table.count_columns:
                cid = table.cell_id(r, c)
                if re.search(column, c) and cid in model.cells:
                    found.append(cid)
    return found


def unit_relations(
    tables: list[TableReading], sentences: list[Sentence], model: Model
) -> dict[str, list[str]]:
    """The same quantity, subsets and sentence shares within one report; returns the cells of
    each group of :data:`attack_links.SAME` (and ``"years charged"``) found in it."""
    period = next((m.group(1) for t in tables if (m := _PERIOD.search(t.caption))), "")
    groups: dict[str, list[str]] = {}
    for name, refs in links.SAME.items():
        ids = list(dict.fromkeys(c for ref in refs for c in _resolve(tables, ref, period, model)))
        groups[name] = ids
        for other in ids[1:]:
            model.relations.append(Relation.same(ids[0], other, f"the same count ({name})"))
    for part, whole in links.SUBSETS:
        if groups.get(part) and groups.get(whole):
            source = f"{part} counts a subset of {whole}"
            difference_cell(model, groups[part][0], groups[whole][0], source)
    for sentence in sentences:
        for pattern, num, den in links.SENTENCES:
            match = pattern.search(sentence.text)
            if not (match and groups.get(num) and groups.get(den)):
                continue
            source = f"{sentence.name}: {match.group(0)!r}"
            printed = Printed.parse(match.group("pct"))
            pin_share(model, groups[num][0], groups[den][0], printed, 100.0, source)
            if "n" in match.groupdict():
                n = number_cell(model, sentence.where, "n", match.group("n"))
                model.relations.append(Relation.same(n, groups[den][0], source))
    years = [c for t in tables if re.search(links.BY_YEAR, t.caption) for c in _by_year(t)]
    years = years if all(c in model.cells for c in years) else []
    groups["years charged"] = years
    for sentence in sentences:
        match = links.EVENTS.search(sentence.text)
        if match and years:
            events = number_cell(model, sentence.where, "events", match.group("events"))
            source = f"{sentence.name}: {match.group(0)!r} are the charges of every year"
            model.relations.append(Relation.total(events, years, source))
    return groups


def national_sums(
    national: list[TableReading],
    sentences: list[Sentence],
    groups: dict[str, dict[str, list[str]]],
    model: Model,
) -> None:
    """National cells that are sums over the force reports (:data:`attack_links.NATIONAL_SUMS`),
    and the national charge model's events as the charges of every force and year."""
    for ref, group in links.NATIONAL_SUMS:
        parts = [ids[group][0] for ids in groups.values() if ids.get(group)]
        for whole in _resolve(national, ref, "", model):
            if len(parts) == len(groups) >= 2:  # every force report shows the group
                source = f"national {ref[1]!r} {ref[2]!r} = sum over the force reports"
                model.relations.append(Relation.total(whole, parts, source))
    every = all(ids.get("years charged") for ids in groups.values())
    years = [c for ids in groups.values() for c in ids.get("years charged", [])] if every else []
    for sentence in sentences:
        match = links.EVENTS.search(sentence.text)
        if match and len(groups) >= 2 and years:
            events = number_cell(model, sentence.where, "events", match.group("events"))
            source = f"{sentence.name}: {match.group(0)!r} are the charges of every force and year"
            model.relations.append(Relation.total(events, years, source))


def _by_year(table: TableReading) -> list[str]:
    return [table.cell_id(r, "charged so far") for r in table.rows if r not in table.total_rows]


def key_finding_relations(
    table: TableReading, sentences: list[Sentence], model: Model
) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """Key-finding sentences print their row's counts; returns (force, period, measure,
    pillar) -> (numerator, denominator) cell ids for the evidence base."""
    match = _KEY_FINDINGS.match(table.caption)
    if not match:
        return {}
    num_col = next((c for c in table.count_columns if "numerator" in c), None)
    den_col = next((c for c in table.count_columns if "denominator" in c), None)
    if num_col is None or den_col is None:
        return {}
    keys = {}
    by_row = {s.row: s for s in sentences if s.line == table.number and s.row}
    for row in table.rows:
        num, den = table.cell_id(row, num_col), table.cell_id(row, den_col)
        pillar = table.cells.get((row, "pillar"), "")
        keys[(match["force"], match["period"], row.split(" #")[0], pillar)] = (num, den)
        sentence = by_row.get(row)
        if sentence is None:
            continue
        where = f"{sentence.name} (key finding)"
        share = _SHARE.search(sentence.text)
        if share:
            for key, cid in (("num", num), ("den", den)):
                shown = number_cell(model, sentence.where, key, share.group(key))
                if cid in model.cells:
                    model.relations.append(Relation.same(cid, shown, f"{where}: the sentence"))
            if num in model.cells and den in model.cells:
                pin_share(model, num, den, Printed.parse(share["pct"]), 100.0, where)
        n_is = _N_IS.search(sentence.text)
        if n_is and den in model.cells:
            shown = number_cell(model, sentence.where, "n", n_is.group("n"))
            model.relations.append(Relation.same(den, shown, f"{where}: 'n=' in the sentence"))
    return keys


def evidence_relations(
    reading: Reading, keys: dict[tuple[str, str, str, str], tuple[str, str]], model: Model
) -> None:
    """Evidence rows are the key findings of the same force, and national = sum of forces."""
    for file, frame in reading.evidence:
        rows = evidence_cells(file, frame, model)
        labels = ["force", "period", "measure", "pillar"]
        if not set(labels) <= set(frame.columns):
            continue
        table = frame[labels].astype("string").fillna("").to_numpy(str).tolist()
        bases = (
            frame["basis"].astype("string").fillna("").to_numpy(str).tolist()
            if "basis" in frame.columns
            else [""] * len(frame)
        )
        groups: dict[tuple, dict[str, tuple[str, str]]] = {}
        for i, (num, den) in rows.items():
            force, period, measure, pillar = table[i]
            for mine, theirs in zip(
                (num, den), keys.get((force, period, measure, pillar), ()), strict=False
            ):
                if theirs in model.cells and mine in model.cells:
                    source = f"{file}: row {i + 2} is the key finding {measure!r} of {force}"
                    model.relations.append(Relation.same(mine, theirs, source))
            groups.setdefault((period, measure, pillar, bases[i]), {})[force] = (num, den)
        _national_sum(file, groups, model)


def _national_sum(file: str, groups: dict, model: Model) -> None:
    """National evidence rows as the sum of the force rows, for each measure whose fully
    published rows show it (and none contradict it)."""
    usable: dict[str, bool] = {}
    candidates = []
    for key, forces in groups.items():
        whole = [f for f in forces if pat.is_total_label(f)]
        parts = [f for f in forces if not pat.is_total_label(f)]
        if len(whole) != 1 or len(parts) < 2:
            continue
        for k in (0, 1):
            ids = [forces[whole[0]][k]] + [forces[f][k] for f in parts]
            if not all(i in model.cells for i in ids):
                continue
            values = [model.value(i) for i in ids]
            if all(v is not None for v in values):
                usable[key[1]] = usable.get(key[1], True) and values[0] == sum(values[1:])
            candidates.append((key[1], k, ids, key))
    for measure, k, ids, key in candidates:
        if usable.get(measure):
            column = ("numerator", "denominator")[k]
            source = f"{file}: national {key[1]!r} {column} = sum of the forces"
            model.relations.append(Relation.total(ids[0], ids[1:], source))


def figure_relations(reading: Reading, model: Model) -> None:
    """A figure's data value is the table cell with the same row and column labels."""
    by_unit: dict[str, list[TableReading]] = {}
    for table in reading.tables:
        by_unit.setdefault(table.unit, []).append(table)
    for file, frame in reading.figures:
        unit = Path(file.split(" [")[0]).name.split(".")[0]
        labels = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if not labels:
            continue
        for i in range(len(frame)):
            row = str(frame[labels[0]].iloc[i])
            for column in frame.columns:
                if column in labels or pd.isna(frame[column].iloc[i]):
                    continue
                value = float(frame[column].iloc[i])
                shown = model.add(
                    Cell(f"{file}|{i}|{column}", value, f"{file}: row {i + 2}, {column!r}")
                )
                for table in by_unit.get(unit, []):
                    cid = table.cell_id(row, str(column))
                    if cid in model.cells:
                        source = f"{file}: figure value for {row!r}, {column!r}"
                        model.relations.append(Relation.same(cid, shown, source))


def build_model(reading: Reading) -> Model:
    """Every cell of a release and every relation a reader can see between them."""
    model = Model()
    for table in reading.tables:
        table_cells(table, model)
    for table in reading.tables:
        margin_relations(table, model)
        breakdown_relations(table, model)
        share_relations(table, model)
    tables: dict[str, list[TableReading]] = {}
    sentences: dict[str, list[Sentence]] = {}
    for table in reading.tables:
        tables.setdefault(table.file, []).append(table)
    for sentence in reading.sentences:
        sentences.setdefault(sentence.file, []).append(sentence)
    keys = {}
    groups: dict[str, dict[str, list[str]]] = {}
    national = {t.file for t in reading.tables if is_national(t.file)}
    for file, own in tables.items():
        found = unit_relations(own, sentences.get(file, []), model)
        if file not in national:
            groups[file] = found
        for table in own:
            keys.update(key_finding_relations(table, sentences.get(file, []), model))
    for file in national:
        national_sums(tables[file], sentences.get(file, []), groups, model)
    national_relations(model, reading.tables, {Path(f).stem for f in national})
    evidence_relations(reading, keys, model)
    figure_relations(reading, model)
    return model


def protection_width(rules: Rules) -> float:
    """``disclosure.protection_width`` of the rules, by default the minimum cell count."""
    return float(rules.min_cell_count if rules.protection_width is None else rules.protection_width)


def find_exposures(model: Model, rules: Rules, width: float | None = None) -> list[Exposure]:
    """Withheld cells and small differences a reader can narrow below the protection width."""
    width = protection_width(rules) if width is None else width
    found = []
    for bound in bound_cells(model.cells.values(), model.relations):
        kind = model.targets.get(bound.cell)
        if kind is None or bound.width >= width:
            continue
        if kind == "difference" and not (bound.exact and 0 < bound.low < rules.min_cell_count):
            continue
        found.append(Exposure(bound, kind))
    return found


def attack_reading(
    reading: Reading, rules: Rules | None = None, width: float | None = None
) -> list[Exposure]:
    """Attack what a release shows (see :func:`attack_paths`)."""
    rules = resolve(rules)
    model = build_model(reading)
    log.info(
        "attack: %d table(s), %d cell(s), %d relation(s)",
        len(reading.tables),
        len(model.cells),
        len(model.relations),
    )
    return find_exposures(model, rules, width)


def attack_paths(
    paths: Iterable[Path | str], rules: Rules | None = None, width: float | None = None
) -> list[Exposure]:
    """Read the released files among ``paths`` (files, not folders) and attack them.

    Parameters
    ----------
    paths
        Files; those that are not released outputs (output logs, manifests) are ignored.
    rules
        Disclosure thresholds (minimum cell count); the settings file by default.
    width
        Protection width; ``disclosure.protection_width`` (default the minimum cell count).

    Returns
    -------
    list of Exposure
        Every withheld cell a reader can recover exactly or narrow to an interval narrower
        than ``width``, and every small difference of published counts they can work out.
    """
    return attack_reading(read_release(Path(p) for p in paths), rules, width)
