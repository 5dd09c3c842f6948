"""Normalisers every stage uses: forces, outcome labels, offence codes.

Each takes a value in any known variant and returns the canonical one, or raises
:class:`~soteria_research.errors.UnknownValueError` listing the closest valid values.
Near-misses are never accepted silently. The ``*_series`` forms normalise a column by
its distinct values, so a million rows cost what a few hundred distinct values cost.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from soteria_research import reference
from soteria_research.errors import UnknownValueError
from soteria_research.paths import REFERENCE_DIR

_SUFFIXES = (" police service", " constabulary", " police")


def _key(text: str) -> str:
    """Fold case, '&', hyphens, punctuation and spacing."""
    out = text.casefold().replace("&", " and ").replace("–", "-").replace("—", "-")
    out = re.sub(r"[-_/]", " ", out)
    out = re.sub(r"[^\w\s]", "", out)
    return re.sub(r"\s+", " ", out).strip()


def _force_lookup() -> dict[str, str]:
    return _force_table(reference.aliases_stamp())


@lru_cache(maxsize=2)
def _force_table(_stamp: tuple | None) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for row in reference.forces().itertuples(index=False):
        variants = [row.name, row.police_uk_id, row.pfa_code, *filter(None, row.aliases.split("|"))]
        for variant in filter(None, variants):
            lookup[_key(variant)] = row.name
    return lookup


def _suggest(value: str, choices: list[str], n: int = 3) -> list[str]:
    keyed = {_key(c): c for c in choices}
    wanted = _key(value)
    close = difflib.get_close_matches(wanted, list(keyed), n=n, cutoff=0.6)
    if not close and len(wanted) >= 3:  # the start of a word: "avon", "somerset", "north"
        close = [k for k in keyed if any(w.startswith(wanted) for w in k.split())][: n + 2]
    return list(dict.fromkeys(keyed[c] for c in close))


def force_name(value: object) -> str:
    """Return the Home Office name of a force given any known variant.

    >>> force_name("Avon & Somerset Constabulary")
    'Avon and Somerset'
    >>> force_name("metropolitan")
    'Metropolitan Police'
    """
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    key = _key(text)
    lookup = _force_lookup()
    if key in lookup:
        return lookup[key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix.strip()) and key[: -len(suffix.strip())].strip() in lookup:
            return lookup[key[: -len(suffix.strip())].strip()]
    names = reference.force_names()
    aliases = list(_force_lookup())
    suggestions = _suggest(text, names) or [lookup[k] for k in _suggest(text, aliases)]
    raise UnknownValueError(
        "force",
        value,
        list(dict.fromkeys(suggestions)),
        "Use a Home Office force name (see `soteria forces`) or add your variant under "
        f"`forces:` in {reference.aliases_file()}.",
    )


@dataclass(frozen=True)
class Outcome:
    """A normalised outcome: Home Office type and whether it was for an alternate offence."""

    type: int
    alternate: bool = False


_NUMBER = re.compile(r"^(?:oc|outcome|outcome type|type|o)?\s*[-:.#]?\s*(\d{1,2})\s*(a?)$")
_PAREN = re.compile(r"\(\s*(?:oc|outcome)?\s*(\d{1,2})\s*(a?)\s*\)")


def _outcome_lookup() -> dict[str, Outcome]:
    return _outcome_table(reference.aliases_stamp())


@lru_cache(maxsize=2)
def _outcome_table(_stamp: tuple | None) -> dict[str, Outcome]:
    lookup: dict[str, Outcome] = {}
    for row in reference.outcomes().itertuples(index=False):
        lookup[_key(row.description)] = Outcome(int(row.type))
    labels = pd.read_csv(REFERENCE_DIR / "outcome_labels.csv", dtype=str)
    for row in labels.itertuples(index=False):
        lookup[_key(row.label)] = Outcome(int(row.type), row.alternate == "true")
    for code, variants in reference.user_aliases()["outcomes"].items():
        match = _NUMBER.match(str(code).strip().casefold())
        if not match:
            raise UnknownValueError(
                "outcome type",
                code,
                [],
                f"Keys under `outcomes:` in {reference.aliases_file()} are outcome types "
                "(0-22, 1A, 2A, 3A); `soteria outcomes` lists them.",
            )
        found = _from_number(match.group(1), match.group(2), code)
        lookup.update({_key(v): found for v in variants})
    return lookup


def _valid_types() -> set[int]:
    return set(reference.outcomes()["type"].astype(int))


def _from_number(number: str, alt: str, original: object) -> Outcome:
    kind = int(number)
    if kind not in _valid_types():
        raise UnknownValueError(
            "outcome type",
            original,
            [],
            "Home Office outcome types are 0-18 and 20-22 (19 is fraud-only).",
        )
    if alt and kind not in reference.ALTERNATE_PARENTS:
        raise UnknownValueError("outcome type", original, [f"{kind}"], "Only 1A, 2A and 3A exist.")
    return Outcome(kind, bool(alt))


def outcome(value: object) -> Outcome:
    """Return the outcome type of a label in any known form.

    Accepts "16", 16, "OC16", "Outcome 16", "1A", the official description, known force
    labels and labels ending in "(OC14)".

    >>> outcome("OC16")
    Outcome(type=16, alternate=False)
    >>> outcome("1A")
    Outcome(type=1, alternate=True)
    """
    if isinstance(value, bool):
        raise UnknownValueError("outcome", value, [])
    if isinstance(value, (int, float)) and not pd.isna(value) and float(value).is_integer():
        return _from_number(str(int(value)), "", value)
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    folded = text.strip().casefold()
    match = _NUMBER.match(folded) or _PAREN.search(folded)
    if match:
        return _from_number(match.group(1), match.group(2), value)
    key = _key(text)
    lookup = _outcome_lookup()
    if key in lookup:
        return lookup[key]
    stripped = re.sub(r"^[a-z]\s", "", key)  # "f. Evidential difficulties ..."
    if stripped in lookup:
        return lookup[stripped]
    descriptions = reference.outcomes()["description"].tolist()
    raise UnknownValueError(
        "outcome",
        value,
        _suggest(text, descriptions),
        "Map it in the extract's mapping under codes.outcome, or add it under `outcomes:` in "
        f"{reference.aliases_file()} (`soteria outcomes` lists the types).",
    )


def offence_code(value: object) -> str:
    """Return a Home Office offence code ("19C") from "19c", "019C", "19 C" or "19C.00"."""
    text = "" if value is None else str(value)
    folded = re.sub(r"[\s.]", "", text.upper())
    folded = re.sub(r"^0+(?=\d)", "", folded)
    folded = re.sub(r"(?<=[0-9A-Z])0+$", "", folded) if "." in text else folded
    codes = reference.offences()["code"].tolist()
    if folded in codes:
        return folded
    descriptions = dict(zip(reference.offences()["description"].map(_key), codes, strict=True))
    if _key(text) in descriptions:
        return descriptions[_key(text)]
    for code, variants in reference.user_aliases()["offences"].items():
        if _key(text) in {_key(v) for v in variants}:
            if str(code).upper() not in codes:
                raise UnknownValueError(
                    "offence code",
                    code,
                    difflib.get_close_matches(str(code).upper(), codes, n=3, cutoff=0.5),
                    f"Keys under `offences:` in {reference.aliases_file()} must be codes "
                    "`soteria offences` lists.",
                )
            return str(code).upper()
    raise UnknownValueError(
        "offence code",
        value,
        difflib.get_close_matches(folded, codes, n=3, cutoff=0.5),
        "Sexual offence codes are listed by `soteria offences`.",
    )


def _series(values: pd.Series, func) -> pd.Series:
    uniques = values.dropna().unique()
    mapping = {u: func(u) for u in uniques}
    return values.map(mapping)


def force_series(values: pd.Series) -> pd.Series:
    """Normalise a column of force names (raises on the first unknown one)."""
    return _series(values, force_name)


def offence_series(values: pd.Series) -> pd.Series:
    """Normalise a column of offence codes or descriptions."""
    return _series(values, offence_code)


def police_uk_id(force: str) -> str:
    """The police.uk id (folder and file name) of a force, given any known variant of its name.

    >>> police_uk_id("Avon & Somerset Constabulary")
    'avon-and-somerset'
    """
    name = force_name(force)
    table = reference.forces().set_index("name")["police_uk_id"]
    return str(table[name])
