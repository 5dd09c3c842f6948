"""Writing a force's synthetic survey exports as survey tools write them.

Officer waves look like a tool that writes two header rows (question text, then "Response"
or the statement of a grid question) and answer labels; victim-survivor waves like one
that writes one header row of question text and answer numbers. Each folder gets the
``surveys.yaml`` that reads its exports and a ``truth.json`` of planted truths and defects.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from soteria_research.ingest.instrument import Instrument, load_instrument
from soteria_research.synth import people
from soteria_research.synth.files import write_json, write_yaml
from soteria_research.synth.survey import (
    FOLDER,
    FREE_TEXT,
    GROUP_SHARES,
    RETURNING,
    SIZES,
    STABILITY,
    Model,
    answers,
    model,
    truths,
)

GRID = "Please say how far you agree with each statement."
TWO_HEADER_ROWS = ("officer",)
MAPPING_FILE = "surveys.yaml"
TRUTH_FILE = "truth.json"


def _sizes(instrument: Instrument, m: Model, rng: np.random.Generator) -> int:
    low, high, low_dd, high_dd = SIZES.get(instrument.id, SIZES["victim"])
    improves = any(v != 0 for v in m.change.values())
    return int(rng.integers(low_dd, high_dd) if improves else rng.integers(low, high))


def _groups(instrument: Instrument, n: int, rng: np.random.Generator) -> pd.DataFrame:
    columns = {}
    for group in instrument.grouping:
        shares = np.array(GROUP_SHARES.get(group.id, [1] * len(group.values)), float)
        shares = shares[: len(group.values)] / shares[: len(group.values)].sum()
        columns[group.id] = rng.choice(np.array(group.values, dtype=object), n, p=shares)
    return pd.DataFrame(columns, index=range(n))


def waves(m: Model, seed: int, police_id: str) -> list[pd.DataFrame]:
    """Two waves of responses: ``ref``, grouping variables and item answers."""
    ins = m.instrument
    rng = people.stream(seed, police_id, f"survey-{ins.id}")
    n1 = _sizes(ins, m, rng)
    first_latent = {s.id: rng.standard_normal(n1) for s in ins.scales}
    first = pd.concat([_groups(ins, n1, rng), answers(m, first_latent, rng)], axis=1)
    first.insert(0, "ref", [f"{ins.id[0].upper()}{i:05d}" for i in range(n1)])
    if ins.id == "officer":  # officers return: the same person, a related latent level
        back = np.flatnonzero(rng.random(n1) < RETURNING)
        n_new = int(rng.integers(0, max(n1 // 4, 1)))
        latent = {}
        for s in ins.scales:
            again = STABILITY * first_latent[s.id][back]
            again = again + np.sqrt(1 - STABILITY**2) * rng.standard_normal(len(back))
            latent[s.id] = np.concatenate([again, rng.standard_normal(n_new)]) + m.change[s.id]
        groups = pd.concat(
            [first.loc[back, ins.grouping_ids].reset_index(drop=True), _groups(ins, n_new, rng)],
            ignore_index=True,
        )
        refs = list(first.loc[back, "ref"]) + [f"O{n1 + i:05d}" for i in range(n_new)]
    else:  # victim-survivors: a new, independent sample
        n2 = _sizes(ins, m, rng)
        latent = {s.id: rng.standard_normal(n2) + m.change[s.id] for s in ins.scales}
        groups = _groups(ins, n2, rng)
        refs = [f"V{n1 + i:05d}" for i in range(n2)]
    second = pd.concat([groups, answers(m, latent, rng)], axis=1)
    second.insert(0, "ref", refs)
    return [first, second]


def _mess(frame: pd.DataFrame, ins: Instrument, rng: np.random.Generator) -> tuple:
    """Plant defects in a wave (as text) and return it with the record of what was planted."""
    text = frame.astype(object).copy()
    items = ins.item_ids
    n = len(text)
    rows = rng.choice(n, 6, replace=False)
    text.loc[rows[0], items[0]] = ins.scale_max + 1
    text.loc[rows[1], items[1]] = ins.scale_min - 1
    text.loc[rows[2], items[2]] = "??"
    text.loc[rows[3], items] = ins.scale_max - 1  # straight-lining
    text.loc[rows[4], items] = ""  # no item answered
    if len(ins.grouping_ids) > 1:  # (one variable: its breakdown would be withheld whole)
        text.loc[rows[5], ins.grouping_ids[0]] = "Prefer not to say"
    drop = rng.random(n) < 0.08  # drop-off: the last third of the items unanswered
    drop[rows[:5]] = False
    tail = items[-(len(items) // 3) :]
    text.loc[drop, tail] = ""
    for free in ins.free_text:
        said = rng.random(n) < 0.2
        text[free.id] = np.where(said, rng.choice(np.array(FREE_TEXT, dtype=object), n), "")
    duplicate = text.loc[[rows[0] if rows[0] != rows[3] else rows[1]]]
    text = pd.concat([text, duplicate], ignore_index=True)
    record = {
        "out_of_range": 2,
        "unreadable": 1,
        "straightlined": 1,
        "no_item_answered": 1,
        "grouping_not_stated": int(len(ins.grouping_ids) > 1),
        "drop_off": int(drop.sum()),
        "duplicates": 1,
        "free_text_answers": int((text[[f.id for f in ins.free_text]] != "").to_numpy().sum()),
        "rows": len(text),
    }
    return text, record


def _labelled(frame: pd.DataFrame, ins: Instrument) -> pd.DataFrame:
    """Answers as the scale's labels (values not on the scale stay as written)."""
    out = frame.copy()
    for item in ins.item_ids:
        out[item] = [
            ins.labels.get(v, v) if isinstance(v, (int, np.integer)) else v for v in out[item]
        ]
    return out


def _csv(header: list[list[str]], body: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(header)
    writer.writerows(body.astype(str).replace({"nan": ""}).to_numpy().tolist())
    return buffer.getvalue().encode("utf-8-sig")


def export_bytes(frame: pd.DataFrame, ins: Instrument) -> tuple[bytes, dict]:
    """One wave as CSV bytes and its ``exports`` entry (``columns`` header of each key)."""
    keys = ["ref", *ins.grouping_ids, *ins.item_ids, *[f.id for f in ins.free_text]]
    texts = {g.id: g.text for g in ins.grouping} | {i.id: i.text for i in ins.items}
    texts |= {f.id: f.text for f in ins.free_text}
    id_header = "Respondent ID" if ins.id in TWO_HEADER_ROWS else "ResponseId"
    if ins.id in TWO_HEADER_ROWS:
        first = [id_header] + [texts[g] for g in ins.grouping_ids]
        first += [GRID] + [""] * (len(ins.item_ids) - 1) + [f.text for f in ins.free_text]
        second = [""] + ["Response"] * len(ins.grouping_ids) + [texts[i] for i in ins.item_ids]
        second += ["Open-Ended Response"] * len(ins.free_text)
        header, body = [first, second], _labelled(frame, ins)
    else:
        header, body = [[id_header] + [texts[k] for k in keys[1:]]], frame
    entry = {
        "instrument": ins.id,
        "header_rows": len(header),
        "respondent_id": id_header,
        "columns": {k: texts[k] for k in keys[1:]},
    }
    return _csv(header, body[keys]), entry


def write_surveys(seed: int, police_id: str, force: str, folder: Path) -> dict:
    """Write both waves of every default instrument into ``folder/surveys/``.

    Returns the planted truths per instrument (also written to ``truth.json``).
    """
    target = folder / FOLDER
    target.mkdir(exist_ok=True)
    for path in target.iterdir():
        if path.is_file():
            path.unlink()
    exports, record = [], {"force": force, "seed": seed, "instruments": {}}
    for name in ("officer", "victim"):
        ins = load_instrument(name)
        m = model(ins, seed, police_id)
        rng = people.stream(seed, police_id, f"survey-mess-{name}")
        planted = {"truths": truths(m), "waves": {}}
        for number, wave in enumerate(waves(m, seed, police_id), start=1):
            text, defects = _mess(wave, ins, rng)
            data, entry = export_bytes(text, ins)
            file = f"{name}_survey_wave{number}.csv"
            (target / file).write_bytes(data)
            exports.append({"file": file, "wave": f"wave {number}", **entry})
            planted["waves"][f"wave {number}"] = defects
        record["instruments"][name] = planted
    document = {"force": force, "data_source": "synthetic", "exports": exports}
    write_yaml(document, target / MAPPING_FILE, f"Synthetic survey exports (seed {seed}).")
    write_json(record, target / TRUTH_FILE)
    return record
