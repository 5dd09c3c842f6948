"""The context a force report is built in: parameters, data, rules and output log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from soteria_research import normalise, notebook_policy, paths, reference, versions
from soteria_research.disclosure import OutputLog, Rules
from soteria_research.errors import DataError
from soteria_research.measures import Period, resolve_period
from soteria_research.measures.defaults import measure_settings
from soteria_research.release import Ledger, memo, shared_key
from soteria_research.release.publisher import COLLECT, RENDER, Publisher
from soteria_research.release.store import load_release


def read_provenance(force_dir) -> dict[str, Any]:
    """The provenance record ``soteria clean`` keeps beside a force's tables (or {})."""
    path = force_dir / "provenance.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def code_version() -> str:
    """The code version label reports carry."""
    return versions.code_version_label()


def cohort_key(ctx: Any, what: object, year: str | None = None) -> str:
    """The shared ledger key of a count about the force's crimes recorded in ``year`` (the
    report's period by default), e.g. those charged so far: one quantity, one key,
    wherever a section shows it."""
    return shared_key(ctx.force, ctx.subgroup, year or ctx.period_label, "cohort", what)


def recorded_key(ctx: Any, denominator: object) -> str | None:
    """The shared key of the crimes recorded in the period when ``denominator`` is that count
    (a cohort measure), else None (the cell keeps a key of its own)."""
    key = cohort_key(ctx, "recorded")
    cell = ctx.publisher.ledger.cells.get(key)
    if cell is None or pd.isna(denominator) or float(denominator) != cell.value:
        return None
    return key


def data_sources(cases: pd.DataFrame) -> str:
    """The cases' data sources (``synthetic``, a force's records system ...), joined; "none"
    for no cases."""
    sources = sorted(cases["data_source"].dropna().unique().tolist()) if len(cases) else []
    return ", ".join(sources) or "none"


@dataclass
class ForceContext:
    """Everything a force report's sections need.

    ``cases`` are the force's canonical cases of the chosen offence subgroup (all years,
    so trends and censoring-aware estimates can use them), ``period`` the reporting
    period resolved against them, ``log`` the output-checking log every section adds to.
    """

    force: str
    slug: str
    subgroup: str
    comparator: str
    cases: pd.DataFrame
    assessment: pd.DataFrame
    quality: pd.DataFrame
    period: Period | None
    provenance: dict[str, Any]
    rules: Rules
    measures: dict[str, Any]
    run_id: str
    log: OutputLog
    publisher: Publisher | None = None
    notes: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The crimes repeat suspects are linked over (``measures.repeat_links``): every
    #: sexual offence in the extract, or None for the report's offences only.
    links: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def period_label(self) -> str:
        return self.period.label if self.period is not None else "no data"

    @property
    def data_source(self) -> str:
        return data_sources(self.cases)

    @property
    def in_period(self) -> pd.DataFrame:
        """Cases recorded in the reporting period (the cohort)."""
        if self.period is None:
            return self.cases.iloc[0:0]
        from soteria_research.measures import cohort

        return cohort(self.cases, self.period)

    def remembered(self, name: str, compute: Any, *args: Any, key: tuple[Any, ...] = ()) -> Any:
        """``compute(*args)``: computed once, in the release stage's collect pass, and read
        back when the report renders (:mod:`soteria_research.release.memo`). It must be a
        pure function of the context's crimes and self-assessment (their contents key it),
        the report's parameters, the measure settings and ``key``: a measure, not a
        published value."""
        if "data_digest" not in self.cache:
            crimes = self.links if self.links is not None else self.cases
            self.cache["data_digest"] = frames_digest(crimes, self.assessment)
        whole = (self.cache["data_digest"], self.force, self.period_label, *key)
        return remembered(self, name, compute, *args, key=whole)

    def provenance_line(self) -> str:
        notes = self.provenance.get("notes", {})
        synthetic = None
        if notes.get("generator") == "soteria synth":
            synthetic = {k: int(notes[k]) for k in ("seed", "first_year", "years") if k in notes}
            synthetic["scale"] = float(notes.get("scale", 1))
        return notebook_policy.provenance_line(self.data_source, synthetic)

    def __repr__(self) -> str:
        lines = [
            f"Force: {self.force}",
            f"Period: {self.period_label} (financial year of recording; offences: {self.subgroup})",
            f"Comparator: {self.comparator}",
            self.provenance_line(),
            f"Extracted: {self.provenance.get('extraction_date', 'unknown')}",
            f"Code version: {code_version()}",
            f"Run: {self.run_id} on {date.today().isoformat()}",
        ]
        return "\n".join(lines + self.notes)


def frames_digest(*frames: pd.DataFrame | None) -> str:
    """SHA-256 of the tables' contents (columns, types and every value): what a measure
    kept for the render pass is keyed by, so a context holding other data finds nothing."""
    import hashlib

    digest = hashlib.sha256()
    for frame in frames:
        if frame is None:
            digest.update(b"none;")
            continue
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def remembered(ctx: Any, name: str, compute: Any, *args: Any, key: tuple[Any, ...]) -> Any:
    """``compute(*args)`` kept by a collect-pass context (``ctx``, force or national) and
    read back by a render-pass one, keyed by ``key`` (the digest of the data it rests on,
    and whatever else it depends on), the offences and the measure settings."""
    keep = ctx.publisher is not None and ctx.publisher.collecting
    whole = (*key, ctx.subgroup, sorted(ctx.measures.items(), key=str))
    return memo.remembered(name, compute, *args, keep=keep, key=whole)


def _table(loader, force: str) -> pd.DataFrame | None:
    try:
        return loader(force)
    except DataError:
        return None


def open_force(
    force: str,
    period: str = "latest",
    comparator: str = "national",
    subgroup: str = "Rape",
    run_id: str = "interactive",
    *,
    collect: Ledger | None = None,
) -> ForceContext:
    """Load a force's processed tables and resolve the report's parameters.

    An unknown force raises at once, naming the closest forces. A force without
    processed data gives a context with no cases, so each section says so.

    With ``collect`` the sections add their numbers to that ledger (the release's collect
    pass). Otherwise they render from the latest release (``data/release/``); with no
    release built yet, the force is protected on its own, with a note saying so.
    """
    from soteria_research import ingest

    name = normalise.force_name(force)
    slug = normalise.police_uk_id(name)
    subgroups = set(reference.offences()["subgroup"]) | {"all"}
    if subgroup not in subgroups:
        raise DataError(f"Unknown offence subgroup {subgroup!r}; use one of {sorted(subgroups)}.")
    notes: list[str] = []
    cases = _table(ingest.load_cases, name)
    if cases is None:
        notes.append(f"No processed data for {name}: run `soteria clean` (or `make reports`).")
        cases = pd.DataFrame(
            {c: pd.Series(dtype="object") for c in ingest.CasesSchema.to_schema().columns}
        )
    every_offence = cases
    if subgroup != "all":
        cases = cases[cases["offence_subgroup"] == subgroup].reset_index(drop=True)
    assessment = _table(ingest.load_assessment, name)
    quality = _table(ingest.load_quality, name)
    resolved = resolve_period(cases, period) if len(cases) else None
    ctx = ForceContext(
        force=name,
        slug=slug,
        subgroup=subgroup,
        comparator=comparator,
        cases=cases,
        assessment=assessment if assessment is not None else pd.DataFrame(),
        quality=quality if quality is not None else pd.DataFrame(),
        period=resolved,
        provenance=read_provenance(paths.processed_dir() / slug),
        rules=Rules.from_settings(),
        measures=measure_settings(),
        run_id=run_id,
        log=OutputLog(f"Force report: {name}"),
        notes=notes,
    )
    if ctx.measures["repeat_links"] == "all_sexual_offences":
        ctx.links = every_offence
    rules = ctx.rules
    if collect is not None:
        ctx.publisher = Publisher(name, collect, COLLECT, rules)
        return ctx
    try:
        ctx.publisher = Publisher(name, load_release(), RENDER, rules)
    except DataError:
        from soteria_research.sections.collect import single_force_release

        single_force_release(ctx)
        ctx.notes.append(
            "No release has been built yet, so this force was protected on its own; "
            "`soteria reports` protects every report of a release together."
        )
    return ctx
