"""Drawing the case-file review sample: a reproducible stratified random sample of cases.

Pure: the cleaned cases in, the sample out. The frame is sorted by ``crime_id`` inside
each stratum before drawing, so the same cases, strata, size, allocation and seed give
the same sample whatever the order of the extract. Each sampled case records its stratum,
the stratum's population and sample sizes and its inclusion probability ``n_h / N_h``;
a simple random subsample of the sampled cases is marked for double coding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from soteria_research.errors import ParameterError
from soteria_research.ingest.pseudonymise import normalise_ref, pseudonyms

SAMPLE_COLUMNS = (
    "force",
    "case_number",
    "crime_id",
    "stratum",
    "stratum_population",
    "stratum_sample",
    "inclusion_probability",
    "double_coded",
)
ALLOCATIONS = ("equal", "proportional")
_UNKNOWN = "unknown"


def stratum_labels(cases: pd.DataFrame, strata: Sequence[str]) -> pd.Series:
    """The stratum of each case: its values of ``strata`` joined by ``" | "``."""
    missing = [c for c in strata if c not in cases.columns]
    if missing:
        raise ParameterError(
            f"Unknown stratum column(s) {', '.join(missing)}; use columns of the cases table "
            "such as outcome_group, financial_year or offence_subgroup."
        )
    if not strata:
        return pd.Series("all cases", index=cases.index, dtype="string")
    parts = [cases[c].astype("string").fillna(_UNKNOWN) for c in strata]
    label = parts[0]
    for part in parts[1:]:
        label = label + " | " + part
    return label.astype("string")


def allocate(population: pd.Series, size: int, allocation: str) -> pd.Series:
    """Sample size per stratum (index: stratum, sorted), never above its population.

    ``equal`` gives every stratum the same number (small strata are taken whole and the
    rest shared among the others); ``proportional`` shares ``size`` by population with
    largest remainders. Ties go to strata in label order.
    """
    if allocation not in ALLOCATIONS:
        raise ParameterError(f"Unknown allocation {allocation!r}; use {' or '.join(ALLOCATIONS)}.")
    total = int(population.sum())
    if not 0 < size <= total:
        raise ParameterError(
            f"A sample of {size} cases cannot be drawn from {total} cases: give --size between "
            f"1 and {total}."
        )
    population = population.sort_index()
    if allocation == "proportional":
        exact = population / total * size
        taken = np.floor(exact).astype(int)
        left = size - int(taken.sum())
        order = (exact - taken).sort_values(ascending=False, kind="stable").index[:left]
        taken[order] += 1
        return taken.astype(int)
    taken = pd.Series(0, index=population.index)
    left = size
    while left > 0:
        room = population - taken
        open_strata = room[room > 0].index
        share, extra = divmod(left, len(open_strata))
        add = pd.Series(share, index=open_strata)
        add.iloc[:extra] += 1
        add = np.minimum(add, room[open_strata])
        taken[open_strata] += add
        left -= int(add.sum())
    return taken.astype(int)


def draw_review_sample(
    cases: pd.DataFrame,
    size: int,
    strata: Sequence[str],
    seed: int,
    allocation: str = "equal",
    double_coding_share: float = 0.2,
) -> pd.DataFrame:
    """Draw the stratified random sample of cases for a case-file review.

    Parameters
    ----------
    cases
        One force's canonical cases (``crime_id``, ``force`` and the stratum columns).
    size
        Number of cases to draw.
    strata
        Columns whose combinations of values are the strata (e.g. outcome group and
        financial year); missing values form their own ``unknown`` stratum.
    seed
        Random seed: the same inputs and seed give the same sample.
    allocation
        ``equal`` or ``proportional`` (see :func:`allocate`).
    double_coding_share
        Share of the sampled cases (rounded, at least two when above zero) marked for a
        second, independent coding.

    Returns
    -------
    DataFrame
        One row per sampled case, columns ``SAMPLE_COLUMNS``: ``case_number`` 1..n,
        ``stratum_population`` N_h, ``stratum_sample`` n_h, ``inclusion_probability``
        n_h / N_h, ``double_coded``.
    """
    if not 0 <= double_coding_share <= 1:
        raise ParameterError("The double-coding share must be between 0 and 1.")
    if cases["crime_id"].isna().any() or cases["crime_id"].duplicated().any():
        raise ParameterError("The cases have missing or repeated crime_id: re-run soteria clean.")
    frame = pd.DataFrame(
        {"crime_id": cases["crime_id"].astype("string"), "stratum": stratum_labels(cases, strata)}
    )
    frame = frame.sort_values(["stratum", "crime_id"], kind="stable", ignore_index=True)
    population = frame["stratum"].value_counts().sort_index()
    taken = allocate(population, int(size), allocation)
    rng = np.random.default_rng(seed)
    chosen = []
    for stratum, members in frame.groupby("stratum", sort=True).groups.items():
        count = int(taken[stratum])
        if count:
            chosen.extend(rng.choice(np.asarray(members), size=count, replace=False).tolist())
    sample = frame.loc[sorted(chosen)].reset_index(drop=True)
    sample["stratum_population"] = sample["stratum"].map(population).astype("Int64")
    sample["stratum_sample"] = sample["stratum"].map(taken).astype("Int64")
    sample["inclusion_probability"] = (
        sample["stratum_sample"] / sample["stratum_population"]
    ).astype("Float64")
    wanted = round(double_coding_share * len(sample))
    if double_coding_share > 0:
        wanted = min(max(wanted, 2), len(sample))
    double = np.zeros(len(sample), dtype=bool)
    double[rng.choice(len(sample), size=wanted, replace=False)] = True
    sample["double_coded"] = pd.array(double, dtype="boolean")
    force = cases["force"].dropna().astype("string")
    sample["force"] = pd.array([force.iloc[0] if len(force) else pd.NA] * len(sample), "string")
    sample["case_number"] = pd.array(np.arange(1, len(sample) + 1), dtype="Int64")
    return sample[list(SAMPLE_COLUMNS)]


def sample_id(sample: pd.DataFrame) -> str:
    """A short fingerprint of a sample (its cases and inclusion probabilities)."""
    lines = (
        sample["crime_id"].astype(str)
        + ","
        + sample["inclusion_probability"].astype(float).map(lambda p: f"{p:.12g}")
    )
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()[:12]


def crime_references(
    sample: pd.DataFrame, raw_refs: pd.Series, force: str, key: bytes
) -> pd.Series:
    """The force's own crime reference of each sampled case, found by re-hashing.

    Parameters
    ----------
    sample
        The review sample (``crime_id``).
    raw_refs
        The crime reference column of the force's raw extract, as read.
    force
        The force's Home Office name (part of the hashed message).
    key
        The pseudonymisation key the cases were cleaned with.

    Returns
    -------
    Series
        The reference as written in the extract, indexed like ``sample``.

    Raises
    ------
    ParameterError
        Some sampled case matches no reference: the key or the extract differ from the
        ones the cases were cleaned with.
    """
    refs = raw_refs.dropna().astype(str)
    refs = refs[refs.str.strip() != ""]
    hashed = pseudonyms([normalise_ref(r) for r in refs], key, f"{force}|")
    lookup = dict(zip(hashed, refs.tolist(), strict=True))
    found = sample["crime_id"].astype(str).map(lookup)
    missing = int(found.isna().sum())
    if missing:
        raise ParameterError(
            f"{missing} of {len(sample)} sampled cases match no crime reference in the raw "
            f"extract of {force}: the pseudonymisation key or the extract is not the one the "
            "cases were cleaned with. Set the same key and keep the extract in data/raw/."
        )
    return found.astype("string")
