"""The case-file review framework: pillars -> items -> response types, with help text.

Read from ``config/review_framework.yaml`` (illustrative until replaced by a team's own
coding frame). The sample workbook writer, the workbook reader and the synthetic reviews
all work from it. Each item has one response type:

* ``yes_no``: ``yes``, ``no`` or ``not recorded``;
* ``ordinal``: whole numbers from ``min`` to ``max`` (optional ``labels``);
* ``days``: a whole number of days from ``min`` (default 0) to ``max``;
* ``category``: one of ``choices``.

>>> items = review_items(load_review_framework())  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from soteria_research import paths, reference
from soteria_research.errors import ConfigError

RESPONSE_TYPES = ("yes_no", "ordinal", "days", "category")
YES_NO = ("yes", "no", "not recorded")
ITEM_COLUMNS = ("pillar", "item_id", "item", "response", "choices", "min", "max", "help")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,19}$")
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+)(?:\.0+)?(?:\s*[-–:.)]\s*.*)?$")


def review_framework_file() -> Path:
    """The review framework file in the config folder."""
    return paths.config_dir() / "review_framework.yaml"


def _read(path: str | Path | dict | None) -> tuple[dict, str]:
    if isinstance(path, dict):
        return path, "the review framework"
    where = Path(path) if path else review_framework_file()
    if not where.is_file():
        raise ConfigError(
            f"Review framework not found: {where}. Restore config/review_framework.yaml."
        )
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{where}{line}: not valid YAML ({exc}).") from exc
    return data, str(where)


def _check_item(item: object, slug: str, where: str) -> str:
    """Check one item's keys; return its id."""
    if not isinstance(item, dict) or "id" not in item or "text" not in item:
        raise ConfigError(f"{where}: every item of {slug} needs an id and a text.")
    item_id = str(item["id"])
    at = f"{where}: item {item_id}"
    if not _ID.match(item_id):
        raise ConfigError(f"{at}: ids are a letter then letters, digits, '_' or '.' (max 20).")
    kind = item.get("response")
    if kind not in RESPONSE_TYPES:
        raise ConfigError(f"{at}: response must be one of {', '.join(RESPONSE_TYPES)}.")
    if kind == "category":
        choices = item.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise ConfigError(f"{at}: a category item needs a list of at least two choices.")
        folded = [str(c).strip().casefold() for c in choices]
        if len(set(folded)) != len(folded) or not all(folded):
            raise ConfigError(f"{at}: choices must be distinct and not empty.")
        if any("," in c for c in folded):
            raise ConfigError(
                f"{at}: choices may not hold commas (Excel drop-downs split on them)."
            )
    if kind in ("ordinal", "days"):
        try:
            low = int(item.get("min", 0 if kind == "days" else None))
            high = int(item["max"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{at}: an {kind} item needs whole-number min and max.") from None
        if low >= high or (kind == "days" and low < 0):
            raise ConfigError(f"{at}: min must be below max (and not negative for days).")
    return item_id


def load_review_framework(path: str | Path | dict | None = None) -> dict:
    """Read and check the review framework.

    Parameters
    ----------
    path
        A YAML file, an already-read dict, or None for ``config/review_framework.yaml``.

    Raises
    ------
    ConfigError
        Missing file, bad YAML, unknown pillar slug, an item without id, text or a valid
        response type, a category without choices, ordinal/days bounds missing or
        reversed, or an id used twice. The message names the file and the item.
    """
    data, where = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("pillars"), dict):
        raise ConfigError(f"{where}: needs `pillars:`, a mapping of pillar slug -> items.")
    unknown = sorted(set(data["pillars"]) - set(reference.pillar_slugs()))
    if unknown:
        raise ConfigError(
            f"{where}: unknown pillar slug(s) {', '.join(unknown)}; "
            f"use {', '.join(reference.pillar_slugs())}."
        )
    seen: set[str] = set()
    for slug, pillar in data["pillars"].items():
        items = (pillar or {}).get("items") if isinstance(pillar, dict) else None
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}: pillar {slug} needs a list of items.")
        for item in items:
            item_id = _check_item(item, slug, where)
            if item_id.casefold() in seen:
                raise ConfigError(f"{where}: item id {item_id} is used twice; ids must be unique.")
            seen.add(item_id.casefold())
    return data


def response_levels(item: dict | pd.Series) -> list[str] | None:
    """The valid responses of an item as text, in order (None for days: any whole number)."""
    kind = item["response"]
    if kind == "yes_no":
        return list(YES_NO)
    if kind == "category":
        choices = item["choices"]
        return [
            str(c).strip() for c in (choices.split("; ") if isinstance(choices, str) else choices)
        ]
    if kind == "ordinal":
        return [str(v) for v in range(int(item["min"]), int(item["max"]) + 1)]
    return None


def review_items(framework: dict) -> pd.DataFrame:
    """The framework's items in pillar order.

    Returns
    -------
    DataFrame
        ``pillar`` (slug), ``item_id``, ``item`` (text), ``response`` (type), ``choices``
        (valid responses joined by ``"; "``; empty for days), ``min``, ``max`` (Int64,
        ordinal and days only) and ``help``.
    """
    order = {slug: i for i, slug in enumerate(reference.pillar_slugs())}
    rows = []
    for slug in sorted(framework["pillars"], key=lambda s: order.get(s, len(order))):
        for item in framework["pillars"][slug]["items"]:
            kind = item["response"]
            ranged = kind in ("ordinal", "days")
            low = int(item.get("min", 0)) if ranged else None
            high = int(item["max"]) if ranged else None
            levels = response_levels(item) or []
            rows.append(
                (
                    slug,
                    str(item["id"]),
                    str(item["text"]),
                    kind,
                    "; ".join(levels),
                    low,
                    high,
                    str(item.get("help") or ""),
                )
            )
    frame = pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
    types = dict.fromkeys(ITEM_COLUMNS, "string")
    types.update({"min": "Int64", "max": "Int64"})
    return frame.astype(types)


def ordinal_labels(framework: dict) -> dict[str, dict[int, str]]:
    """Labels of each ordinal item: item id -> {value: label}."""
    found = {}
    for pillar in framework["pillars"].values():
        for item in pillar["items"]:
            if item["response"] == "ordinal":
                found[str(item["id"])] = {
                    int(k): str(v) for k, v in (item.get("labels") or {}).items()
                }
    return found


def parse_response(value: object, item: pd.Series, labels: dict[int, str] | None = None):
    """A cell's response to an item: ``(text, number)``, ``None`` when blank, or a
    string saying why it is not a valid response.

    ``text`` is the canonical response (``yes``, a choice as written in the framework, the
    ordinal value or the days as digits); ``number`` is the ordinal value or the days
    (NaN for yes/no and category items). Case and surrounding spaces are ignored; an
    ordinal may be given as ``3``, ``3 - Adequate`` or its label.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "not a valid response"
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = text.strip()
    kind = item["response"]
    if kind in ("yes_no", "category"):
        for level in response_levels(item):
            if level.casefold() == text.casefold():
                return level, float("nan")
        return "not one of the choices"
    number = None
    if match := _LEADING_NUMBER.match(text):
        number = int(match.group(1))
    elif kind == "ordinal" and labels:
        by_label = {label.casefold(): key for key, label in labels.items()}
        number = by_label.get(text.casefold())
    if number is None:
        return "not a whole number"
    if not int(item["min"]) <= number <= int(item["max"]):
        return "out of range"
    return str(number), float(number)
