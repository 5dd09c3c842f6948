"""Survey instruments: items, a Likert scale, scales of items and grouping variables.

An instrument is a YAML file in ``config/surveys/`` (``officer.yaml``, ``victim.yaml``;
illustrative until replaced by the real questionnaires). :func:`load_instrument` reads and
checks one; every mistake names the file and the key at fault. The ingest, measures and
synthetic stages all work from the same :class:`Instrument`, so replacing a file changes
them all without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from soteria_research import paths, reference, settings
from soteria_research.errors import ConfigError

DEFAULT_INSTRUMENTS = ("officer", "victim")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when available


@dataclass(frozen=True)
class Item:
    """One Likert item: its id and the question text."""

    id: str
    text: str


@dataclass(frozen=True)
class Scale:
    """A scale: the items whose (reverse-scored where listed) answers are averaged."""

    id: str
    name: str
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grouping:
    """A grouping variable (a quasi-identifier) and its allowed answers."""

    id: str
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """A validated survey instrument."""

    id: str
    name: str
    pillar: str
    path: Path
    scale_min: int
    scale_max: int
    labels: dict[int, str]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    grouping: tuple[Grouping, ...]
    free_text: tuple[Item, ...]
    illustrative: bool = True

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def grouping_ids(self) -> list[str]:
        return [group.id for group in self.grouping]

    def scale(self, scale_id: str) -> Scale:
        """The scale with this id."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise ConfigError(
            f"{self.path}: no scale {scale_id!r}; scales: {', '.join(self.scale_ids)}."
        )

    @property
    def scale_ids(self) -> list[str]:
        return [scale.id for scale in self.scales]


#: Survey settings used when ``config/settings.yaml`` has no ``surveys`` section.
SURVEY_DEFAULTS = {
    "instruments_dir": "surveys",
    "k_anonymity": 10,
    "straightlining_min_items": 8,
    "min_scale_items_share": 0.5,
    "bootstrap_replicates": 1000,
    "bootstrap_seed": 0,
}


def survey_settings() -> dict[str, Any]:
    """The ``surveys`` section of the settings, defaults filled in for absent keys."""
    try:
        section = settings.section("surveys") or {}
    except ConfigError:
        section = {}
    return {**SURVEY_DEFAULTS, **{k: v for k, v in section.items() if v is not None}}


def instruments_dir() -> Path:
    """The folder of instrument files (``config/surveys`` unless the settings move it)."""
    return paths.config_dir() / str(survey_settings()["instruments_dir"])


def instrument_file(instrument_id: str) -> Path:
    """``config/surveys/<id>.yaml``."""
    return instruments_dir() / f"{instrument_id}.yaml"


def _need(data: dict, key: str, where: Path, kind: type | tuple = str) -> Any:
    if not isinstance(data, dict) or key not in data or data[key] in (None, ""):
        raise ConfigError(f"{where}: `{key}` is missing. See docs/surveys.md for the format.")
    value = data[key]
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: `{key}` has the wrong form ({type(value).__name__}).")
    return value


def _unique(ids: list[str], what: str, where: Path) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ConfigError(f"{where}: {what} id {value!r} appears twice; ids must be unique.")
        seen.add(value)


def _items(entries: Any, key: str, where: Path) -> tuple[Item, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: `{key}` must be a list of {{id, text}} entries.")
    items = []
    for i, entry in enumerate(entries, start=1):
        at = f"{where}: {key} entry {i}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("text"):
            raise ConfigError(f"{at} needs an `id` and a `text`.")
        items.append(Item(str(entry["id"]), str(entry["text"])))
    _unique([item.id for item in items], key, where)
    return tuple(items)


def _scales(entries: Any, item_ids: set[str], where: Path) -> tuple[Scale, ...]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: `scales` must list at least one scale.")
    scales = []
    used: dict[str, str] = {}
    for i, entry in enumerate(entries, start=1):
        at = f"{where}: scales entry {i}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("items"):
            raise ConfigError(f"{at} needs an `id` and `items`.")
        items = tuple(str(v) for v in entry["items"])
        reverse = tuple(str(v) for v in entry.get("reverse") or ())
        unknown = [v for v in items if v not in item_ids]
        if unknown:
            raise ConfigError(f"{at} ({entry['id']}): unknown item(s) {', '.join(unknown)}.")
        stray = [v for v in reverse if v not in items]
        if stray:
            raise ConfigError(
                f"{at} ({entry['id']}): reverse-scored item(s) {', '.join(stray)} are not "
                "among the scale's items."
            )
        if len(items) < 2:
            raise ConfigError(f"{at} ({entry['id']}): a scale needs at least two items.")
        for item in items:
            if item in used:
                raise ConfigError(
                    f"{at} ({entry['id']}): item {item} is already in scale {used[item]}."
                )
            used[item] = str(entry["id"])
        scales.append(
            Scale(str(entry["id"]), str(entry.get("name") or entry["id"]), items, reverse)
        )
    _unique([s.id for s in scales], "scale", where)
    return tuple(scales)


def _grouping(entries: Any, where: Path) -> tuple[Grouping, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: `grouping` must be a list of {{id, text, values}} entries.")
    groups = []
    for i, entry in enumerate(entries, start=1):
        at = f"{where}: grouping entry {i}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("values"):
            raise ConfigError(f"{at} needs an `id` and a list of `values`.")
        values = tuple(str(v) for v in entry["values"])
        if len(set(v.casefold() for v in values)) != len(values):
            raise ConfigError(f"{at} ({entry['id']}): values must be distinct.")
        groups.append(Grouping(str(entry["id"]), str(entry.get("text") or entry["id"]), values))
    _unique([g.id for g in groups], "grouping", where)
    return tuple(groups)


def parse_instrument(data: Any, where: Path) -> Instrument:
    """Check an instrument already read from YAML; ``where`` names it in messages."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: an instrument is a set of `key: value` lines.")
    scale = _need(data, "scale", where, dict)
    try:
        low, high = int(scale["min"]), int(scale["max"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: `scale` needs whole numbers `min` and `max`.") from exc
    if low >= high:
        raise ConfigError(f"{where}: scale.min ({low}) must be below scale.max ({high}).")
    labels = {int(k): str(v) for k, v in (scale.get("labels") or {}).items()}
    outside = [k for k in labels if not low <= k <= high]
    if outside:
        raise ConfigError(f"{where}: scale label(s) {outside} outside {low}-{high}.")
    pillar = _need(data, "pillar", where)
    if pillar not in reference.pillar_slugs():
        raise ConfigError(
            f"{where}: pillar {pillar!r} unknown; use {', '.join(reference.pillar_slugs())}."
        )
    items = _items(_need(data, "items", where, list), "items", where)
    free_text = _items(data.get("free_text"), "free_text", where)
    grouping = _grouping(data.get("grouping"), where)
    ids = [i.id for i in items] + [f.id for f in free_text] + [g.id for g in grouping]
    _unique(ids, "item, free-text or grouping", where)
    return Instrument(
        id=str(_need(data, "id", where)),
        name=str(_need(data, "name", where)),
        pillar=pillar,
        path=where,
        scale_min=low,
        scale_max=high,
        labels=labels,
        items=items,
        scales=_scales(data.get("scales"), {i.id for i in items}, where),
        grouping=grouping,
        free_text=free_text,
        illustrative=bool(data.get("illustrative", False)),
    )


def load_instrument(instrument: str | Path) -> Instrument:
    """Read and check an instrument: an id (``officer``) or the path of a YAML file.

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or a key is missing or inconsistent (the message
        names the file and the entry).
    """
    path = Path(instrument)
    if path.suffix not in (".yaml", ".yml"):
        path = instrument_file(str(instrument))
    if not path.is_file():
        raise ConfigError(
            f"Survey instrument not found: {path}. Instruments live in config/surveys/ "
            "(see docs/surveys.md)."
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({exc}).") from exc
    parsed = parse_instrument(data, path)
    if parsed.id != path.stem:
        raise ConfigError(f"{path}: id {parsed.id!r} must match the file name {path.stem!r}.")
    return parsed
