"""The release stage of a run: every report's numbers collected, then protected as a whole.

Before any notebook runs, every force's sections and the national sections run in the
release's collect pass (:mod:`soteria_research.sections.collect`, in a process pool), their
ledgers are merged with the relations between units (national = sum of the forces), and
the whole release is protected and checked (:func:`soteria_research.release.protect`).
The protected ledger is kept in ``data/release/``; the notebooks then render from it.
A run in which no input changed reuses the release without collecting anything: the stamp
beside the ledger records the digest of every unit's published cells, so that check reads
one small JSON file and imports neither the release nor the disclosure modules (nor
SciPy, which they need).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from soteria_research import digests, paths
from soteria_research.batch import plan

if TYPE_CHECKING:
    import pandas as pd

    from soteria_research.release import Ledger

log = logging.getLogger(__name__)

#: The national unit of the release (``release.NATIONAL``), named here so that a run in
#: which nothing changed need not import the release package.
NATIONAL = "England and Wales"
#: The release's stamp (``release.store``: ``data/release/release.json``), read directly for
#: the same reason.
STAMP_PATH = ("release", "release.json")

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
    import pandas as pd

    from soteria_research.release import Ledger
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
    from soteria_research.release import make_key
    from soteria_research.release.ledger import KEY_SEP

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
    import pandas as pd

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
    import pandas as pd

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
    pooled = pd.concat(frames, ignore_index=True).drop_duplicates(["area", "period", "measure"])
    pooled.attrs["forces"] = forces  # every force pooled, collected in this run or not
    return pooled


def unit_digest(ledger: Ledger, unit: str) -> str:
    """A digest of what one unit's report may show (its cells' published values)."""
    h = hashlib.sha256()
    for key in sorted(k for k, c in ledger.cells.items() if c.unit == unit):
        cell = ledger.cells[key]
        h.update(f"{key}\t{cell.status}\t{'' if cell.withheld else cell.value}\n".encode())
    return h.hexdigest()


def stored_stamp() -> dict[str, Any] | None:
    """The stamp of the stored release, or None when there is none or it cannot be read."""
    try:
        data = json.loads(paths.data_dir().joinpath(*STAMP_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stored_digests(stamp: Mapping[str, Any], units: Sequence[str]) -> dict[str, str] | None:
    """The units' digests recorded in the stamp, or from the stored ledger when the stamp
    has none (a release stored before they were recorded); None when unreadable."""
    recorded = stamp.get("units")
    if isinstance(recorded, dict) and all(isinstance(recorded.get(u), str) for u in units):
        return {u: recorded[u] for u in units}
    try:
        from soteria_research.release.store import load_release

        ledger = load_release()
    except Exception:  # an unreadable release is rebuilt
        log.warning("The stored release could not be read; rebuilding it.")
        return None
    return {u: unit_digest(ledger, u) for u in units}


def build_release(
    forces: Sequence[str],
    parameters: Mapping[str, Any],
    shared: Mapping[str, str],
    *,
    jobs: int = 1,
    subgroup: str = "Rape",
    rerun: bool = False,
    data: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, str]:
    """Build (or reuse) the protected release; returns unit -> digest of its published cells.

    ``data`` is :func:`~soteria_research.batch.plan.force_data` when the caller already has
    it (each force's processed data is then hashed once per run).
    """
    data = data if data is not None else plan.force_data(forces)
    inputs = {
        **dict(shared),
        "parameters": digests.params_digest({**parameters, "subgroup": subgroup}),
        **{f"data:{f}": data[f][1] for f in forces},
    }
    units = (*forces, NATIONAL)
    stamp = stored_stamp()
    wanted = digests.combine(inputs)
    if not rerun and stamp and stamp.get("inputs") == wanted:
        stored = _stored_digests(stamp, units)
        if stored is not None:
            return stored
    comparator = str(parameters.get("comparator") or "national")
    return _build(
        forces, str(parameters.get("period", "latest")), subgroup, comparator, wanted, jobs
    )


def _build(
    forces: Sequence[str], period: str, subgroup: str, comparator: str, wanted: str, jobs: int
) -> dict[str, str]:
    """Collect every unit's cells, relate the units, protect the whole and store it."""
    from concurrent.futures import ProcessPoolExecutor

    import pandas as pd

    from soteria_research.disclosure import Rules
    from soteria_research.release import Ledger, memo, protect
    from soteria_research.release.store import save_release

    memo.clear()  # the collect pass keeps its costly measures afresh for the render pass
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
        # the area's forces are every force pooled: in a run of some forces only, the
        # comparator is at least the sum of the forces collected, not equal to it
        every = pooled.attrs.get("forces") or list(forces)
        for kind in dict.fromkeys(("national", comparator)):
            publish_comparator(ledger, pooled, subgroup, force_areas(every, kind))
    from soteria_research.sections.national import open_national

    try:
        national = open_national(period, subgroup=subgroup, collect=ledger, findings=findings)
        collect_national(national)
    except Exception as exc:  # the national report then fails on its own, with the error
        log.warning("release: the national report could not be collected (%s)", exc)
    relate_units(ledger, list(forces))
    summary = protect(ledger, Rules.from_settings())
    units = {u: unit_digest(ledger, u) for u in (*forces, NATIONAL)}
    stamp = {"inputs": wanted, "summary": summary, "cells": len(ledger.cells), "units": units}
    save_release(ledger, stamp)
    _save_fallbacks(ledger, findings, subgroup)
    log.info("release: %s cells, %s", len(ledger.cells), summary)
    return units


def _save_fallbacks(ledger: Ledger, findings: pd.DataFrame, subgroup: str) -> None:
    """Keep each force's headline measures pooled over every year, as the protected release
    publishes them, for the landing page (which then needs neither the ledger nor SciPy)."""
    import pandas as pd

    from soteria_research import files
    from soteria_research.sections.overview import headline_fallbacks

    periods = (  # each force's report period: that of its case findings
        pd.DataFrame(columns=["force", "period"])
        if findings.empty
        else findings.loc[findings["measure"] == "charge_rate", ["force", "period"]]
    )
    table = headline_fallbacks(ledger, periods.drop_duplicates("force").assign(subgroup=subgroup))
    with files.atomic_path(paths.headline_fallbacks_file()) as tmp:
        table.to_parquet(tmp, index=False)
