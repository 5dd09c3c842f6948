"""Disclosure control for people: k-anonymity over a survey's grouping variables.

Respondents in small teams are identifiable by their role, team and length of service (the
quasi-identifiers). A breakdown of survey results by some of these variables may be
published only when

* every group of the breakdown (every combination of the variables' values, a missing
  value counting as its own group "not stated") holds at least ``k`` respondents, and
* taken with every breakdown already allowed (and the whole population), no published
  group differs by fewer than ``k`` respondents from a group, or a union of groups, of
  another allowed breakdown that contains it: otherwise subtracting one sum from the other
  would give the answers of those few.

:func:`publishable_breakdowns` applies both rules to every combination of the variables,
one-way breakdowns first; :func:`respondents_below_k` says which respondents fall in a
combination of all the variables that holds fewer than ``k``. ``k`` is ``surveys.k_anonymity``
in ``config/settings.yaml``. Nothing here returns a respondent's answers.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from soteria_research.ingest.instrument import survey_settings

NOT_STATED = "not stated"
BREAKDOWN_COLUMNS = ("breakdown", "variables", "order", "groups", "publishable", "reason")


def k_anonymity(k: int | None = None) -> int:
    """``k``: the given value, or ``surveys.k_anonymity`` from the settings."""
    if k is not None:
        return int(k)
    return int(survey_settings()["k_anonymity"])


def group_keys(responses: pd.DataFrame, variables: list[str] | tuple[str, ...]) -> pd.Series:
    """Each respondent's group in a breakdown: values joined by `` | `` (NA "not stated")."""
    if not variables:
        return pd.Series("all", index=responses.index, dtype="string")
    parts = [responses[v].astype("string").fillna(NOT_STATED) for v in variables]
    key = parts[0]
    for part in parts[1:]:
        key = key + " | " + part
    return key


def group_sizes(responses: pd.DataFrame, variables: list[str] | tuple[str, ...]) -> pd.Series:
    """Respondents in each group of a breakdown (for checks, never for publication)."""
    return group_keys(responses, variables).value_counts(sort=False)


def respondents_below_k(
    responses: pd.DataFrame, variables: list[str] | tuple[str, ...], k: int | None = None
) -> pd.Series:
    """Whether each respondent is in a combination of ``variables`` held by fewer than ``k``.

    Returns a boolean Series aligned with ``responses``: these respondents are
    identifiable by their grouping variables together.
    """
    k = k_anonymity(k)
    keys = group_keys(responses, list(variables))
    return keys.map(keys.value_counts()).lt(k).astype(bool)


def _members(responses: pd.DataFrame, variables: tuple[str, ...]) -> list[np.ndarray]:
    keys = group_keys(responses, variables).to_numpy(dtype=object)
    return [keys == value for value in pd.unique(keys)]


def _cover_gap(groups: list[np.ndarray], partition: list[np.ndarray], k: int) -> bool:
    """Whether a group, and the union of another breakdown's groups that meet it, differ
    by 1 to k-1 respondents (the sums of both are published, so their difference is)."""
    for group in groups:
        cover = np.zeros_like(group)
        for other in partition:
            if (group & other).any():
                cover |= other
        if 0 < int(cover.sum()) - int(group.sum()) < k:
            return True
    return False


def _differs_by_few(groups: list[np.ndarray], accepted: list[list[np.ndarray]], k: int) -> bool:
    """Differencing: a new breakdown against every breakdown already allowed, both ways."""
    return any(
        _cover_gap(groups, partition, k) or _cover_gap(partition, groups, k)
        for partition in accepted
    )


def publishable_breakdowns(
    responses: pd.DataFrame,
    variables: list[str] | tuple[str, ...],
    k: int | None = None,
    max_order: int | None = None,
) -> pd.DataFrame:
    """Which breakdowns by the grouping variables may be published together.

    Parameters
    ----------
    responses
        One row per respondent, with the grouping variables as columns.
    variables
        The quasi-identifiers (e.g. ``["role", "team", "length_of_service"]``).
    k
        Smallest group that may be published (default ``surveys.k_anonymity``).
    max_order
        Largest number of variables combined in one breakdown (default all).

    Returns
    -------
    DataFrame
        One row per breakdown (one-way first): ``breakdown`` (``role × team``),
        ``variables`` (tuple), ``order``, ``groups``, ``publishable`` and ``reason``. The
        publishable ones can all be published together with the overall figure.
    """
    k = k_anonymity(k)
    variables = tuple(variables)
    top = len(variables) if max_order is None else min(max_order, len(variables))
    everyone = np.ones(len(responses), dtype=bool)
    accepted: list[list[np.ndarray]] = [[everyone]] if len(responses) >= k else []
    rows = []
    for order in range(1, top + 1):
        for combo in combinations(variables, order):
            groups = _members(responses, combo)
            if len(responses) < k:
                reason = f"fewer than {k} respondents in all"
            elif any(int(g.sum()) < k for g in groups):
                reason = f"a group holds fewer than {k} respondents"
            elif _differs_by_few(groups, accepted, k):
                reason = f"a group differs from a published group by fewer than {k} respondents"
            else:
                reason = ""
                accepted.append(groups)
            rows.append((" × ".join(combo), combo, order, len(groups), reason == "", reason))
    return pd.DataFrame(rows, columns=list(BREAKDOWN_COLUMNS))
