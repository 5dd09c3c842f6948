"""Completed case-file review workbooks for the deep-dive forces, with planted truths.

For each force of the pathfinder and the deep dives (``soteria_phase`` in the forces
reference table: Avon and Somerset, Metropolitan Police, Durham, West Midlands, South
Wales) the generator draws the review sample from the force's synthetic cases exactly as
``soteria review-sample`` would (same strata, allocation and double-coding share from the
settings), gives every sampled case a true answer to each item, and has reviewers code
it with planted error rates. What was planted is written beside the workbook in
``review_planted.json``, for tests:

* ``prevalence``: the probability of each response of each item (yes/no items with a
  share not recorded);
* ``odds_ratio``: the odds ratio of charge, yes against no, for the practice item
  ``associated_item`` (the other items are independent of the outcome);
* ``coded_prevalence`` and ``coded_odds_ratio``: what reviewers' codings are expected to
  show once their errors are added (the targets of the estimates);
* ``error_rate``: per item, the chance that a reviewer codes a case wrongly (another
  response, at random; days off by a few days), independently for each reviewer.

An earlier review round is written beside it (``review_earlier.xlsx``, its own sample drawn
from the cases of the first financial year, reviewed a year earlier) with
``review_earlier_planted.json``. Its files show less suspect-focused practice
(``EARLIER_YES_SHARE``): the later round's rise in the suspect-focus pillar's share of yes
codings is the planted change (``planted_pillar_change``); the other pillars do not change.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from soteria_research import reference, settings
from soteria_research.ingest.pseudonymise import normalise_ref, pseudonyms, resolve_key
from soteria_research.ingest.review_framework import (
    load_review_framework,
    response_levels,
    review_items,
)
from soteria_research.ingest.review_sample import draw_review_sample
from soteria_research.ingest.review_workbook import (
    HEADER_ROW,
    REVIEW_DATE,
    REVIEW_SHEET,
    REVIEWER,
    SECOND_SHEET,
    review_workbook,
)
from soteria_research.synth import files, people

FILE_NAME = "review.xlsx"
PLANTED_FILE = "review_planted.json"
EARLIER_FILE = "review_earlier.xlsx"
EARLIER_PLANTED_FILE = "review_earlier_planted.json"
DEEP_DIVE_PHASES = ("pathfinder", "deep_dive")
ASSOCIATED_ITEM = "SF02"
ODDS_RATIO = 4.0
NOT_RECORDED = 0.08
#: Share answering yes (yes/no items, among those recorded).
YES_SHARE = {
    "SF01": 0.55, "SF02": 0.35, "SF03": 0.30, "SF04": 0.25, "RS01": 0.60, "RS02": 0.20,
    "VE01": 0.65, "VE02": 0.80, "DP01": 0.70,
}  # fmt: skip
#: The earlier round's yes shares: less suspect-focused practice, the rest as later.
EARLIER_YES_SHARE = YES_SHARE | {"SF01": 0.30, "SF02": 0.15, "SF04": 0.10}
CHANGED_PILLAR = "suspect_focus"
#: Chance that one reviewer codes a case wrongly; the judgement items disagree more.
ERROR_RATE = {"SF03": 0.20, "SF06": 0.15, "DF01": 0.12}
DEFAULT_ERROR = 0.06
REVIEWERS = ("AB", "CD", "EF", "GH")
_DAYS_BLANK = {"SF05": 0.25, "DF02": 0.55}
_DAYS_MEDIAN = {"SF05": 21.0, "DF02": 90.0}


def deep_dive_forces() -> list[str]:
    """The forces of the pathfinder and the deep dives (forces reference table)."""
    table = reference.forces()
    return table.loc[table["soteria_phase"].isin(DEEP_DIVE_PHASES), "name"].tolist()


def _shape(count: int, response: str) -> np.ndarray:
    """Planted shares of the responses: falling for categories, a hump for ordinal scales."""
    if response == "category":
        weights = np.arange(count, 0, -1, dtype=float)
    else:
        weights = 1 + count / 2 - np.abs(np.arange(count) - (count - 1) * 0.6)
    return weights / weights.sum()


def planted_prevalence(
    items: pd.DataFrame, yes_share: dict[str, float] | None = None
) -> dict[str, dict[str, float]]:
    """The planted probability of each response of each item with choices."""
    yes_share = YES_SHARE if yes_share is None else yes_share
    planted = {}
    for item in items.itertuples(index=False):
        levels = response_levels(item._asdict())
        if item.response == "yes_no":
            yes = yes_share.get(item.item_id, 0.5) * (1 - NOT_RECORDED)
            planted[item.item_id] = {
                "yes": yes,
                "no": 1 - NOT_RECORDED - yes,
                "not recorded": NOT_RECORDED,
            }
        elif levels:
            weights = _shape(len(levels), item.response)
            planted[item.item_id] = dict(zip(levels, weights.tolist(), strict=True))
    return planted


def _confusion(levels: list[str], error: float) -> np.ndarray:
    """P(coded response | true response) for a reviewer with the given error rate."""
    k = len(levels)
    return np.full((k, k), error / (k - 1)) + np.eye(k) * (1 - error - error / (k - 1))


def coded_prevalence(planted: dict, item_id: str) -> dict[str, float]:
    """What one reviewer's coding is expected to show: the planted shares through the
    reviewer's errors (errors pull every share towards the others)."""
    levels = list(planted[item_id])
    shares = np.array(list(planted[item_id].values())) @ _confusion(
        levels, ERROR_RATE.get(item_id, DEFAULT_ERROR)
    )
    return dict(zip(levels, shares.tolist(), strict=True))


def coded_odds_ratio(base: float | None = None) -> float:
    """The odds ratio of charge, coded yes against coded no, that the planted odds ratio
    gives once reviewers' errors are added (errors weaken an association); ``base`` is the
    associated item's yes share when not charged (default the later round's)."""
    base = YES_SHARE[ASSOCIATED_ITEM] if base is None else base
    matrix = _confusion(
        ["yes", "no", "not recorded"], ERROR_RATE.get(ASSOCIATED_ITEM, DEFAULT_ERROR)
    )
    odds = []
    for charged in (0, 1):
        yes = 1 / (1 + math.exp(-(math.log(base / (1 - base)) + math.log(ODDS_RATIO) * charged)))
        true = np.array([yes * (1 - NOT_RECORDED), (1 - yes) * (1 - NOT_RECORDED), NOT_RECORDED])
        coded = true @ matrix
        odds.append(coded[0] / coded[1])
    return float(odds[1] / odds[0])


def planted_pillar_change(items: pd.DataFrame) -> dict[str, float]:
    """Each pillar's change in the coded share of yes (later minus earlier round): the mean
    over its yes/no items of the coded yes share, every item being coded on every case."""
    later, earlier = planted_prevalence(items), planted_prevalence(items, EARLIER_YES_SHARE)
    yes_no = items[items["response"] == "yes_no"]
    out = {}
    for pillar, part in yes_no.groupby("pillar", sort=False):
        ids = part["item_id"].tolist()
        after = np.mean([coded_prevalence(later, i)["yes"] for i in ids])
        before = np.mean([coded_prevalence(earlier, i)["yes"] for i in ids])
        out[str(pillar)] = float(after - before)
    return out


def _truth(items, planted, charged: np.ndarray, rng, yes_share=None) -> dict[str, np.ndarray]:
    """The true answer of each sampled case to each item (object arrays, None = blank)."""
    n = len(charged)
    truth = {}
    for item in items.itertuples(index=False):
        if item.response == "days":
            days = np.round(rng.lognormal(math.log(_DAYS_MEDIAN.get(item.item_id, 30.0)), 0.8, n))
            days = np.clip(days, int(item.min), int(item.max)).astype(int)
            blank = rng.random(n) < _DAYS_BLANK.get(item.item_id, 0.3)
            truth[item.item_id] = np.array(
                [None if b else int(d) for b, d in zip(blank, days, strict=True)], dtype=object
            )
            continue
        shares = planted[item.item_id]
        levels = list(shares)
        if item.item_id == ASSOCIATED_ITEM:
            base = (YES_SHARE if yes_share is None else yes_share)[ASSOCIATED_ITEM]
            logit = math.log(base / (1 - base)) + math.log(ODDS_RATIO) * charged
            yes = rng.random(n) < 1 / (1 + np.exp(-logit))
            recorded = rng.random(n) >= NOT_RECORDED
            truth[item.item_id] = np.where(
                recorded, np.where(yes, "yes", "no"), "not recorded"
            ).astype(object)
        else:
            truth[item.item_id] = rng.choice(
                np.array(levels, dtype=object), size=n, p=list(shares.values())
            )
    return truth


def _code(items, truth: dict, rng) -> dict[str, list]:
    """One reviewer's coding of the true answers, with the planted error rates."""
    coded = {}
    for item in items.itertuples(index=False):
        true = truth[item.item_id]
        wrong = rng.random(len(true)) < ERROR_RATE.get(item.item_id, DEFAULT_ERROR)
        if item.response == "days":
            shift = rng.integers(1, 8, len(true)) * rng.choice([-1, 1], len(true))
            coded[item.item_id] = [
                None if t is None else int(max(t + s, 0)) if w else int(t)
                for t, w, s in zip(true, wrong, shift, strict=True)
            ]
            continue
        levels = response_levels(item._asdict())
        out = []
        for t, w in zip(true, wrong, strict=True):
            others = [v for v in levels if v != t]
            out.append(str(others[rng.integers(0, len(others))]) if w else str(t))
        coded[item.item_id] = [int(v) if item.response == "ordinal" else v for v in out]
    return coded


def _fill(sheet, rows: pd.DataFrame, coded: dict, reviewers: list[str], when: dt.date) -> None:
    header = [c.value for c in sheet[HEADER_ROW]]
    where = {name: header.index(name) + 1 for name in header if name}
    for offset, (reviewer, index) in enumerate(zip(reviewers, rows.index, strict=True)):
        number = HEADER_ROW + 1 + offset
        sheet.cell(number, where[REVIEWER], reviewer)
        sheet.cell(number, where[REVIEW_DATE], dt.datetime.combine(when, dt.time(0)))
        for item_id, values in coded.items():
            sheet.cell(number, where[item_id], values[index])


def review_files(
    frame: pd.DataFrame, force: str, options, when: dt.datetime, *, earlier: bool = False
) -> tuple[bytes, dict]:
    """A force's completed review workbook (bytes) and what was planted in it.

    Parameters
    ----------
    frame
        The force's synthetic cases (``crime_ref``, ``outcome_type``, ``financial_year``).
    force
        Its Home Office name.
    options
        The synthetic options (seed).
    when
        The extraction time (reviews are dated the day before).
    earlier
        The earlier round instead: a sample of the first financial year's cases, coded with
        ``EARLIER_YES_SHARE`` and dated a year before the later round.
    """
    config = settings.section("review")
    framework = load_review_framework()
    items = review_items(framework)
    police_id = reference.forces().set_index("name").loc[force, "police_uk_id"]
    key = resolve_key("synthetic")
    groups = reference.outcomes().set_index("type")["group"]
    if earlier:
        frame = frame[frame["financial_year"] == min(frame["financial_year"])]
    cases = pd.DataFrame(
        {
            "force": frame["force"].astype("string"),
            "crime_id": pseudonyms(
                [normalise_ref(r) for r in frame["crime_ref"]], key, f"{force}|"
            ),
            "outcome_group": frame["outcome_type"].fillna(0).astype(int).map(groups),
            "financial_year": frame["financial_year"],
            "charged": frame["outcome_type"].fillna(0).eq(1).to_numpy(dtype=bool),
        }
    ).drop_duplicates("crime_id")
    size = min(int(config["synthetic_sample_size"]), len(cases))
    sample = draw_review_sample(
        cases, size, list(config["strata"]), options.seed, str(config["allocation"]),
        float(config["double_coding_share"]),
    )  # fmt: skip
    charged = sample["crime_id"].map(cases.set_index("crime_id")["charged"]).to_numpy(dtype=float)
    rng = people.stream(options.seed, str(police_id), "review-earlier" if earlier else "review")
    yes_share = EARLIER_YES_SHARE if earlier else YES_SHARE
    planted = planted_prevalence(items, yes_share)
    truth = _truth(items, planted, charged, rng, yes_share)
    first, second = _code(items, truth, rng), _code(items, truth, rng)
    team = np.array(REVIEWERS)
    primary = rng.integers(0, len(team), len(sample))
    design = {
        "seed": options.seed, "size": size, "strata": ", ".join(config["strata"]),
        "allocation": config["allocation"], "double-coding share": config["double_coding_share"],
    }  # fmt: skip
    book = review_workbook(sample, framework, design=design)
    day = (when - dt.timedelta(days=366 if earlier else 1)).date()
    _fill(book[REVIEW_SHEET], sample, first, team[primary].tolist(), day)
    double = sample.index[sample["double_coded"].fillna(False).to_numpy(dtype=bool)]
    offsets = rng.integers(1, len(team), len(double))
    other = team[(primary[double] + offsets) % len(team)].tolist()
    picked = {k: [v[i] for i in double] for k, v in second.items()}
    _fill(book[SECOND_SHEET], sample.loc[double].reset_index(drop=True), picked, other, day)
    record = {
        "force": force,
        "seed": options.seed,
        "sample_size": size,
        "double_coded": len(double),
        "prevalence": planted,
        "associated_item": ASSOCIATED_ITEM,
        "odds_ratio": ODDS_RATIO,
        "coded_prevalence": {i: coded_prevalence(planted, i) for i in planted},
        "coded_odds_ratio": coded_odds_ratio(yes_share[ASSOCIATED_ITEM]),
        "error_rate": {i: ERROR_RATE.get(i, DEFAULT_ERROR) for i in items["item_id"]},
    }
    if earlier:
        record["financial_years"] = sorted(set(cases["financial_year"]))
        record["pillar_change"] = planted_pillar_change(items)
        record["changed_pillar"] = CHANGED_PILLAR
    return files.xlsx_bytes(book, when), record


def write_reviews(
    frame: pd.DataFrame, force: str, folder: Path, options, when: dt.datetime
) -> None:
    """Write ``review.xlsx`` and ``review_planted.json`` into a deep-dive force's folder,
    and the earlier round ``review_earlier.xlsx`` with ``review_earlier_planted.json``."""
    for earlier, name, planted in ((False, FILE_NAME, PLANTED_FILE),
                                   (True, EARLIER_FILE, EARLIER_PLANTED_FILE)):  # fmt: skip
        data, record = review_files(frame, force, options, when, earlier=earlier)
        (Path(folder) / name).write_bytes(data)
        text = json.dumps(record, indent=2) + "\n"
        (Path(folder) / planted).write_text(text, encoding="utf-8")
