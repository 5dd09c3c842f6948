"""Filled self-assessment workbooks, one per force, from the (illustrative) framework.

The workbook layout is the one the ingest stage reads: sheet "Assessment" with a title
row, a round row, a blank row, the header on row 4 and one question a row from row 5;
sheet "About" with Key/Value rows Force, Round, Framework, Scale min, Scale max.
Self ratings run a little above peer ratings, both rise with the force's case-level
performance, and a few peer ratings are left unanswered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook

from soteria_research import paths, reference
from soteria_research.errors import ConfigError
from soteria_research.ingest.assessment import HEADER as WORKBOOK_HEADER

FILE_NAME = "self_assessment.xlsx"
#: The workbook layout is the one the ingest stage reads (and its template writes).
HEADER = list(WORKBOOK_HEADER)
_SELF_LIFT = 0.4
_UNANSWERED = 0.06
_EVIDENCE = (
    (
        "Not yet in place; {theme} discussed at the RASSO board.",
        "No written process for {theme}; practice varies by team.",
    ),
    (
        "Process for {theme} written and piloted in one area.",
        "Dip sample of 20 cases shows {theme} in about half.",
    ),
    (
        "{theme} in the force policy; monthly audit shows most cases comply.",
        "Case reviews show {theme} applied consistently.",
    ),
)
_ACTIONS = (
    "Write a procedure for {theme} and train supervisors.",
    "Extend the {theme} pilot force-wide and audit quarterly.",
    "Keep the {theme} audit; share practice with the peer force.",
)
_OWNERS = {
    "suspect_focus": "DCI RASSO lead",
    "repeat_suspects": "Det Supt Public Protection",
    "victim_engagement": "Victim Services lead",
    "learning_wellbeing": "Learning and Development lead",
    "data_performance": "Head of Performance",
    "digital_forensics": "Head of Digital Forensics",
}


def load_framework(path: Path | None = None) -> dict:
    """Read the self-assessment framework (``config/self_assessment_framework.yaml``)."""
    path = Path(path) if path else paths.config_dir() / "self_assessment_framework.yaml"
    try:
        framework = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the self-assessment framework ({exc}).") from exc
    unknown = set(framework.get("pillars", {})) - set(reference.pillar_slugs())
    if unknown or "scale" not in framework:
        raise ConfigError(
            f"{path}: needs a scale and pillars keyed by slug "
            f"({', '.join(reference.pillar_slugs())}); unknown: {sorted(unknown)}."
        )
    return framework


def questions(framework: dict) -> pd.DataFrame:
    """One row per key question: pillar, theme_id, theme, question_id, question."""
    rows = [
        (slug, theme["id"], theme["name"], q["id"], q["text"])
        for slug, pillar in framework["pillars"].items()
        for theme in pillar["themes"]
        for q in theme["questions"]
    ]
    return pd.DataFrame(rows, columns=["pillar", "theme_id", "theme", "question_id", "question"])


def assessment(framework: dict, performance: float, rng: np.random.Generator) -> pd.DataFrame:
    """A force's filled self-assessment, with the workbook's column names.

    Parameters
    ----------
    framework : dict
        As read by :func:`load_framework`.
    performance : float
        The force's case-level performance relative to national (its charge-rate
        multiplier: 1 = national); ratings rise with its logarithm.
    rng : numpy.random.Generator
    """
    table = questions(framework)
    low, high = int(framework["scale"]["min"]), int(framework["scale"]["max"])
    n = len(table)
    pillar_effect = table["pillar"].map({p: rng.normal(0, 0.3) for p in table["pillar"].unique()})
    latent = (low + high) / 2 - 0.2 + 0.9 * np.log(performance) + pillar_effect.to_numpy()
    latent = latent + rng.normal(0, 0.5, n)
    peer = np.clip(np.round(latent), low, high).astype(int)
    own = np.clip(np.round(latent + _SELF_LIFT + rng.normal(0, 0.3, n)), low, high).astype(int)
    level = np.clip(np.round((peer - low) / max(high - low, 1) * 2), 0, 2).astype(int)
    themes = table["theme"].str.lower().tolist()
    frame = pd.DataFrame(
        {
            "Pillar": table["pillar"],
            "Theme ID": table["theme_id"],
            "Theme": table["theme"],
            "Question ID": table["question_id"],
            "Question": table["question"],
            "Self rating": pd.array(own, dtype="Int64"),
            "Peer rating": pd.array(peer, dtype="Int64"),
            "Evidence": [
                _EVIDENCE[lv][rng.integers(0, 2)].format(theme=t)
                for lv, t in zip(level.tolist(), themes, strict=True)
            ],
            "Actions": [
                _ACTIONS[lv].format(theme=t) for lv, t in zip(level.tolist(), themes, strict=True)
            ],
            "Owner": table["pillar"].map(_OWNERS).fillna("RASSO lead"),
        }
    )
    unanswered = rng.random(n) < _UNANSWERED
    frame.loc[unanswered, "Peer rating"] = pd.NA
    return frame


def workbook(frame: pd.DataFrame, force: str, round_name: str, framework: dict) -> Workbook:
    """The self-assessment workbook of one force and round."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Assessment"
    sheet.append([f"Soteria self-assessment: {force}"])
    sheet.append([f"Round: {round_name}"])
    sheet.append([])
    sheet.append(HEADER)
    for values in frame[HEADER].astype(object).itertuples(index=False, name=None):
        sheet.append(
            [None if pd.isna(v) else (int(v) if isinstance(v, np.integer) else v) for v in values]
        )
    about = book.create_sheet("About")
    about.append(["Key", "Value"])
    for key, value in (
        ("Force", force),
        ("Round", round_name),
        ("Framework", framework.get("name", "")),
        ("Scale min", int(framework["scale"]["min"])),
        ("Scale max", int(framework["scale"]["max"])),
    ):
        about.append([key, value])
    return book
