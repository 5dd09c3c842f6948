"""The self-assessment framework: pillars -> themes -> key questions, and a rating scale.

Read from ``config/self_assessment_framework.yaml`` (illustrative until replaced by the
real framework); the template writer and the workbook reader both work from it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from soteria_research import paths, reference
from soteria_research.errors import ConfigError


def framework_file() -> Path:
    """The framework file in the config folder."""
    return paths.config_dir() / "self_assessment_framework.yaml"


def load_framework(path: str | Path | dict | None = None) -> dict:
    """Read and check the self-assessment framework (a path, an already-read dict, or None
    for ``config/self_assessment_framework.yaml``)."""
    if isinstance(path, dict):
        data, where = path, "the framework"
    else:
        where = Path(path) if path else framework_file()
        if not where.is_file():
            raise ConfigError(f"Self-assessment framework not found: {where}.")
        try:
            data = yaml.safe_load(where.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{where}{line}: not valid YAML ({exc}).") from exc
    try:
        low, high = int(data["scale"]["min"]), int(data["scale"]["max"])
        pillars = data["pillars"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: needs scale.min, scale.max and pillars ({exc}).") from exc
    if low >= high:
        raise ConfigError(f"{where}: scale.min must be below scale.max.")
    unknown = sorted(set(pillars) - set(reference.pillar_slugs()))
    if unknown:
        raise ConfigError(
            f"{where}: unknown pillar slug(s) {', '.join(unknown)}; "
            f"use {', '.join(reference.pillar_slugs())}."
        )
    questions = framework_questions(data)
    if questions["question_id"].duplicated().any():
        raise ConfigError(f"{where}: question ids must be unique.")
    return data


def framework_questions(framework: dict) -> pd.DataFrame:
    """The framework's key questions in order: pillar, theme_id, theme, question_id, question."""
    rows = []
    order = {slug: i for i, slug in enumerate(reference.pillar_slugs())}
    for slug in sorted(framework["pillars"], key=lambda s: order.get(s, len(order))):
        for theme in framework["pillars"][slug].get("themes", []):
            for question in theme.get("questions", []):
                rows.append(
                    (slug, str(theme["id"]), theme["name"], str(question["id"]), question["text"])
                )
    columns = ["pillar", "theme_id", "theme", "question_id", "question"]
    return pd.DataFrame(rows, columns=columns).astype("string")


def scale(framework: dict) -> tuple[int, int, dict[int, str]]:
    """Scale minimum, maximum and labels (rating -> label) of a framework."""
    labels = {int(k): str(v) for k, v in (framework["scale"].get("labels") or {}).items()}
    return int(framework["scale"]["min"]), int(framework["scale"]["max"]), labels
