"""The release stage of a run: every report's numbers collected, then protected as a whole.

Before any notebook runs, every force's sections and the national sections run in the
release's collect pass (:mod:`soteria_research.sections.collect`, in a process pool), their
ledgers are merged with the relations between units (national = sum of the forces), and
the whole release is protected and checked (:func:`soteria_research.release.protect`).
The protected ledger is kept in ``data/release/``; the notebooks then render from it.
A run in which no input changed reuses the release without collecting anything.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from soteria_research import digests, normalise
from soteria_research.disclosure import Rules
from soteria_research.release import NATIONAL, Ledger, make_key, protect
from soteria_research.release.ledger import KEY_SEP
from soteria_research.release.store import load_release, read_stamp, save_release

log = logging.getLogger(__name__)

#: Outputs whose national cells are the sum of the forces' cells with the same row and
#: column: (force output, national output, {force row: national row}).
NATIONAL_SUMS = (
    ("recorded crimes by month", "national recorded crimes by month", None),
    (
        "repeat suspects",
        "repeat suspects, national",
        {
            "suspect linked to another crime of the force": (
                "suspect linked to another crime of the same force"
            )
        },
    ),
)


def _collect_force(
    args: tuple[str, str, str, str, pd.DataFrame],
) -> tuple[Ledger, pd.DataFrame, str]:
    """One force's part of the release; a force whose sections fail adds nothing (its report
    then fails on its own, with the error) and the others go on."""
    from soteria_research.sections import open_force
    from soteria_research.sections.collect import collect_force

    force, period, subgroup, comparator, pooled = args
    ledger = Ledger()
    try:
        ctx = open_force(force, period, comparator, subgroup=subgroup, collect=ledger)
        ctx.cache["comparator"] = pooled
        return ledger, collect_force(ctx), ""
    except Exception as exc:  # isolated like a failing notebook
        return Ledger(), pd.DataFrame(), f"{type(exc).__name__}: {exc}"


def relate_units(ledger: Ledger, forces: Sequence[str]) -> int:
    """National = sum of the forces for the outputs in :data:`NATIONAL_SUMS`; returns how
    many relations were added."""
    added = 0
    nat_cells = {k: c for k, c in ledger.cells.items() if c.unit == NATIONAL and c.kind == "count"}
    for force_output, national_output, rows in NATIONAL_SUMS:
        prefix = KEY_SEP.join((NATIONAL, national_output)) + KEY_SEP
        for key in nat_cells:
            if not key.startswith(prefix):
                continue
            row, column = key[len(prefix) :].rsplit(KEY_SEP, 1)
            force_row = row
            if rows is not None:
                back = {v: k for k, v in rows.items()}
                if row not in back:
                    continue
                force_row = back[row]
            parts = [make_key(f, force_output, force_row, column) for f in forces]
            parts = [p for p in parts if p in ledger.cells]
            if not parts:
                continue
            if len(parts) == len(forces):
                ledger.total(key, parts, "national = sum of the forces")
            else:
                ledger.relate(
                    {p: 1.0 for p in parts} | {key: -1.0}, "<=", 0.0, "national >= forces"
                )
            added += 1
    return added


def pooled_comparator(period: str, subgroup: str, comparator: str) -> pd.DataFrame:
    """The key measures pooled over every force with processed data (England and Wales,
    and each region when ``comparator`` is ``region``), before protection."""
    from soteria_research import ingest
    from soteria_research.errors import DataError

    try:
        cases = ingest.load_cases()
    except DataError as exc:
        log.warning("release: no comparator (%s)", exc)
        return pd.DataFrame()
    try:
        return _pool(cases, period, subgroup, comparator)
    except Exception as exc:  # the reports then go without a comparator, and say so
        log.warning("release: no comparator (%s: %s)", type(exc).__name__, exc)
        return pd.DataFrame()


def _pool(cases: pd.DataFrame, period: str, subgroup: str, comparator: str) -> pd.DataFrame:
    from soteria_research import measures

    s = measures.measure_settings()
    links = cases if s["repeat_links"] == "all_sexual_offences" else None
    if subgroup != "all":
        cases = cases[cases["offence_subgroup"] == subgroup].reset_index(drop=True)
    if cases.empty:
        return pd.DataFrame()
    forces = sorted(cases["force"].dropna().unique())
    frames = [measures.national_comparator(cases, None, period, s, links=links)]
    if comparator == "region":
        areas = measures.force_areas(forces, "region")
        frames.append(measures.national_comparator(cases, None, period, s, areas, links))
    return pd.concat(frames, ignore_index=True).drop_duplicates(["area", "period", "measure"])


def unit_digest(ledger: Ledger, unit: str) -> str:
    """A digest of what one unit's report may show (its cells' published values)."""
    h = hashlib.sha256()
    for key in sorted(k for k, c in ledger.cells.items() if c.unit == unit):
        cell = ledger.cells[key]
        h.update(f"{key}\t{cell.status}\t{'' if cell.withheld else cell.value}\n".encode())
    return h.hexdigest()


def build_release(
    forces: Sequence[str],
    parameters: Mapping[str, Any],
    shared: Mapping[str, str],
    *,
    jobs: int = 1,
    subgroup: str = "Rape",
    rerun: bool = False,
) -> dict[str, str]:
    """Build (or reuse) the protected release; returns unit -> digest of its published cells."""
    inputs = {
        **dict(shared),
        "parameters": digests.params_digest({**parameters, "subgroup": subgroup}),
        **{f"data:{f}": digests.force_data_digest(normalise.police_uk_id(f)) for f in forces},
    }
    stamp = read_stamp()
    wanted = digests.combine(inputs)
    if not rerun and stamp and stamp.get("inputs") == wanted:
        try:
            ledger = load_release()
            return {u: unit_digest(ledger, u) for u in (*forces, NATIONAL)}
        except Exception:  # an unreadable release is rebuilt
            log.warning("The stored release could not be read; rebuilding it.")
    period = str(parameters.get("period", "latest"))
    comparator = str(parameters.get("comparator") or "national")
    pooled = pooled_comparator(period, subgroup, comparator)
    args = [(f, period, subgroup, comparator, pooled) for f in forces]
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as executor:
            results = list(executor.map(_collect_force, args))
    else:
        results = [_collect_force(a) for a in args]
    ledger = Ledger()
    for (force, *_), (part, _, error) in zip(args, results, strict=True):
        if error:
            log.warning("release: %s could not be collected (%s)", force, error)
        ledger.merge(part)
    frames = [f for _, f, _ in results if len(f)]
    findings = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    from soteria_research.measures import force_areas
    from soteria_research.sections.collect import collect_national
    from soteria_research.sections.summary import publish_comparator

    if len(pooled):
        collected = [f for (f, *_), (_, _, error) in zip(args, results, strict=True) if not error]
        for kind in dict.fromkeys(("national", comparator)):
            publish_comparator(ledger, pooled, subgroup, force_areas(collected, kind))
    from soteria_research.sections.national import open_national

    try:
        national = open_national(period, subgroup=subgroup, collect=ledger, findings=findings)
        collect_national(national)
    except Exception as exc:  # the national report then fails on its own, with the error
        log.warning("release: the national report could not be collected (%s)", exc)
    relate_units(ledger, list(forces))
    summary = protect(ledger, Rules.from_settings())
    save_release(ledger, {"inputs": wanted, "summary": summary, "cells": len(ledger.cells)})
    log.info("release: %s cells, %s", len(ledger.cells), summary)
    return {u: unit_digest(ledger, u) for u in (*forces, NATIONAL)}
