"""Source codes to canonical codes: the mapping's code maps first, then built-in defaults.

Defaults cover the values forces commonly export (``F``/``Female``, IC codes and census
categories, the usual relationship lists, ``Y``/``N``). A value neither the mapping nor
the defaults know becomes ``unknown`` (NA for yes/no) and is counted as unrecognised in
the data-quality report, so nothing is lost silently. Every function here works on the
*distinct* values of a column.
"""

from __future__ import annotations

import re

from soteria_research.ingest.mapping import fold


def loose(text: str) -> str:
    """Fold case, punctuation and spacing: ``Ex-Partner`` and ``ex partner`` match."""
    out = re.sub(r"[-_/\\.,:;()]", " ", str(text).casefold())
    out = re.sub(r"[^\w\s&+<>]", "", out)
    return " ".join(out.split())


def _table(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {loose(v): canonical for canonical, values in groups.items() for v in values}


SEX = _table(
    {
        "female": ("female", "f", "woman", "girl", "fem"),
        "male": ("male", "m", "man", "boy"),
        "other": ("other", "non-binary", "nonbinary", "non binary", "intersex", "x"),
        "unknown": (
            "unknown",
            "u",
            "not known",
            "nk",
            "not recorded",
            "not stated",
            "not specified",
            "prefer not to say",
            "refused",
            "indeterminate",
        ),
    }
)

RELATIONSHIP = _table(
    {
        "stranger": ("stranger", "strangers", "unknown to victim", "not known to victim"),
        "intimate": (
            "partner",
            "ex partner",
            "ex-partner",
            "expartner",
            "former partner",
            "current partner",
            "intimate partner",
            "spouse",
            "spouse/partner",
            "spouse partner",
            "ex spouse",
            "civil partner",
            "husband",
            "wife",
            "ex husband",
            "ex wife",
            "boyfriend",
            "girlfriend",
            "ex boyfriend",
            "ex girlfriend",
            "partner/ex-partner",
            "intimate",
            "dating",
        ),
        "family": (
            "family",
            "family member",
            "other family member",
            "relative",
            "familial",
            "parent",
            "father",
            "mother",
            "step father",
            "stepfather",
            "step mother",
            "stepmother",
            "step parent",
            "sibling",
            "brother",
            "sister",
            "son",
            "daughter",
            "grandparent",
            "grandfather",
            "grandmother",
            "uncle",
            "aunt",
            "cousin",
        ),
        "acquaintance": (
            "acquaintance",
            "friend",
            "colleague",
            "work colleague",
            "neighbour",
            "neighbor",
            "known",
            "known to victim",
            "known to the victim",
            "associate",
            "acquaintance/friend",
        ),
        "other": (
            "other",
            "carer",
            "professional",
            "position of trust",
            "person in position of trust",
            "teacher",
            "employer",
            "landlord",
        ),
        "unknown": (
            "unknown",
            "not known",
            "nk",
            "not recorded",
            "not stated",
            "not disclosed",
            "unspecified",
            "refused",
            "victim refuses to identify",
            "victim refused to identify",
        ),
    }
)

ETHNICITY = _table(
    {
        "white": ("ic1", "ic 1", "ic2", "ic 2"),
        "black": ("ic3", "ic 3"),
        "asian": ("ic4", "ic 4", "ic5", "ic 5", "chinese"),
        "other": ("ic6", "ic 6", "arab", "other", "any other ethnic group"),
        "unknown": (
            "ic0",
            "ic 0",
            "ic9",
            "ic 9",
            "unknown",
            "not known",
            "nk",
            "not recorded",
            "not stated",
            "ns",
            "refused",
            "prefer not to say",
            "victim refuses to identify",
        ),
    }
)
_SDE = re.compile(r"^([wmabo])\d$")  # 16+1 / 18+1 self-defined codes: W1, M2, A3, B1, O9
_SDE_GROUPS = {"w": "white", "m": "mixed", "a": "asian", "b": "black", "o": "other"}
_ETHNIC_WORDS = (
    ("white", ("white", "gypsy", "traveller", "roma")),
    ("black", ("black", "african", "caribbean")),
    ("asian", ("asian", "indian", "pakistani", "bangladeshi", "chinese")),
)

YES_NO = {
    **dict.fromkeys(("yes", "y", "true", "t", "1"), True),
    **dict.fromkeys(("no", "n", "false", "f", "0"), False),
}


def _ethnicity_rule(key: str) -> str | None:
    if match := _SDE.match(key):
        return _SDE_GROUPS[match.group(1)]
    words = set(key.split())
    if words & {"mixed", "multiple"}:
        return "mixed"
    groups = [g for g, names in _ETHNIC_WORDS if words & set(names)]
    if len(groups) > 1:
        return "mixed"
    if groups:
        return groups[0]
    if "other" in words or "arab" in words:
        return "other"
    return None


DEFAULTS = {"sex": SEX, "relationship": RELATIONSHIP, "ethnicity": ETHNICITY, "yes_no": YES_NO}


def lookup(values: list[str], kind: str, mapped: dict[str, object]) -> list[object | None]:
    """Canonical value of each (non-missing) source value, None where not recognised.

    Parameters
    ----------
    values
        Distinct source values, already trimmed.
    kind
        ``sex``, ``relationship``, ``ethnicity`` or ``yes_no``.
    mapped
        The mapping's code map for this kind (folded source value -> canonical value).
    """
    defaults = DEFAULTS[kind]
    out: list[object | None] = []
    for value in values:
        key = fold(value)
        if key in mapped:
            out.append(mapped[key])
            continue
        key = loose(value)
        found = defaults.get(key)
        if found is None and kind == "ethnicity":
            found = _ethnicity_rule(key)
        out.append(found)
    return out
