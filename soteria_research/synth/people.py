"""Victim and suspect references, with repeat suspects within and across forces.

A suspect is one of three kinds: named in this crime only, a repeat suspect from the
force's own pool, or a suspect from the region's pool, shared by neighbouring forces.
A regional pool is a fixed list of references for a given size, so two forces that draw
from it name the same people without either knowing the other was generated.
References look like Police National Computer ids (``YY/NNNNNNNL``) and are unique by
construction: the number interleaves a force or region slot with a counter.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from soteria_research.synth import targets

_SLOTS = 64  # force slots 0-49, region slots 50-63
_REGION_SLOT = 50
_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"


def stream(seed: int, name: str, purpose: str) -> np.random.Generator:
    """A random generator for one force (or region) and purpose, stable across runs.

    >>> float(stream(1, "durham", "cases").random()) == float(stream(1, "durham", "cases").random())
    True
    """
    digest = hashlib.sha256(f"{name}|{purpose}".encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def pnc_refs(numbers: np.ndarray) -> np.ndarray:
    """Format unique numbers as PNC-like references ``YY/NNNNNNNL``."""
    years = (numbers * 37) % 40 + 84
    return np.array(
        [
            f"{y % 100:02d}/{n:07d}{_CHECK[n % 23]}"
            for y, n in zip(years.tolist(), numbers.tolist(), strict=True)
        ],
        dtype=object,
    )


def local_repeat_share() -> float:
    """Share of suspect crimes drawn from the force's own repeat pool.

    With pools sized for ``CRIMES_PER_REPEAT_SUSPECT`` draws a suspect, a drawn suspect is
    drawn again with probability about ``1 - exp(-CRIMES_PER_REPEAT_SUSPECT)``.
    """
    again = 1 - math.exp(-targets.CRIMES_PER_REPEAT_SUSPECT)
    return targets.REPEAT_SUSPECT_SHARE / again - targets.REGIONAL_SUSPECT_SHARE


def suspect_refs(
    has_suspect: np.ndarray,
    rng: np.random.Generator,
    force_index: int,
    region_index: int,
    pool_size: int,
) -> np.ndarray:
    """Suspect reference of each crime; ``None`` where no suspect is identified.

    Parameters
    ----------
    has_suspect : numpy.ndarray of bool
    rng : numpy.random.Generator
    force_index, region_index : int
        Slots that keep references unique between forces and regions.
    pool_size : int
        Size of the region's pool of suspects active in several forces.
    """
    n = int(has_suspect.sum())
    draw = rng.random(n)
    regional = draw < targets.REGIONAL_SUSPECT_SHARE
    local = ~regional & (draw < targets.REGIONAL_SUSPECT_SHARE + local_repeat_share())
    single = ~regional & ~local
    counter = np.empty(n, dtype=np.int64)
    counter[single] = np.arange(single.sum())
    pool = max(1, round(local.sum() / targets.CRIMES_PER_REPEAT_SUSPECT))
    counter[local] = single.sum() + rng.integers(0, pool, local.sum())
    counter[regional] = rng.integers(0, max(1, pool_size), regional.sum())
    slot = np.where(regional, _REGION_SLOT + region_index, force_index)
    refs = np.full(len(has_suspect), None, dtype=object)
    refs[has_suspect] = pnc_refs(counter * _SLOTS + slot)
    return refs


def victim_refs(
    offence_code: np.ndarray, rng: np.random.Generator, prefix: str, repeat_share: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    """Victim references, a few victims named in more than one crime of the same code.

    Returns the references and, per crime, the index of the crime whose victim it is
    (itself for most), so that age, sex and ethnicity can be copied from it.
    """
    n = len(offence_code)
    source = np.arange(n)
    repeat = np.flatnonzero(rng.random(n) < repeat_share)
    for code in np.unique(offence_code[repeat]):
        same = np.flatnonzero(offence_code == code)
        chosen = repeat[offence_code[repeat] == code]
        earlier = np.searchsorted(same, chosen)  # victims of earlier crimes only: no cycles
        donor = same[(rng.random(len(chosen)) * earlier).astype(np.int64)]
        source[chosen] = np.where(earlier > 0, donor, chosen)
    while (source[source] != source).any():  # a victim copied from a copy: the original
        source = source[source]
    refs = np.array([f"{prefix}V{k:07d}" for k in source.tolist()], dtype=object)
    return refs, source
