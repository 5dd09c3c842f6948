"""What the landing page reads besides the run state: the data source and headline figures.

* :func:`data_source`: ``synthetic``, ``real``, ``mixed (...)`` or ``unknown``, from the
  ``data_source`` column of the forces' processed cases;
* :func:`headline_figures`: each force's headline measures (the vocabulary's
  ``headline`` measures) in its latest period, from the published evidence base
  (``reports/evidence/*.parquet``), already through disclosure control; where a figure
  is withheld for the period alone, the same measure pooled over every year as the
  release published it (:func:`with_fallbacks`), as the force report's summary shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from soteria_research import paths
from soteria_research.reference import vocabulary

log = logging.getLogger(__name__)

#: Columns of the evidence base the landing page shows.
HEADLINE_COLUMNS = [
    "force",
    "period",
    "measure",
    "unit",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
]


def data_source(slugs: Iterable[str], processed_dir: str | Path | None = None) -> str:
    """``synthetic``, ``real``, ``mixed (real, synthetic)`` or ``unknown`` for these forces."""
    import pyarrow.parquet as pq

    folder = Path(processed_dir or paths.processed_dir())
    found: set[str] = set()
    for slug in slugs:
        path = folder / slug / "cases.parquet"
        try:
            column = pq.read_table(path, columns=["data_source"]).column(0)
        except (OSError, KeyError, ValueError):  # no data, or no such column
            continue
        found |= {str(v) for v in column.unique().to_pylist() if v is not None}
    if len(found) == 1:
        return found.pop()
    return f"mixed ({', '.join(sorted(found))})" if found else "unknown"


def latest_headlines(evidence: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """The rows of ``measures`` in each force's latest period (greatest period label).

    Returns
    -------
    DataFrame
        :data:`HEADLINE_COLUMNS`, one row per force and measure; measures a force lacks are
        absent. Withheld rows keep ``suppressed = True`` and no value.
    """
    missing = [c for c in HEADLINE_COLUMNS if c not in evidence.columns and c != "unit"]
    if missing:
        raise KeyError(f"evidence base lacks {', '.join(missing)}")
    frame = evidence.reindex(columns=HEADLINE_COLUMNS)
    frame = frame[frame["measure"].isin(list(measures))]
    latest = frame.groupby("force")["period"].transform("max")
    frame = frame[frame["period"] == latest]
    return frame.drop_duplicates(["force", "measure"]).reset_index(drop=True)


def headline_figures(
    evidence_dir: str | Path | None = None, measures: Sequence[str] | None = None
) -> pd.DataFrame:
    """Headline figures of every force from ``reports/evidence/*.parquet`` (empty if none).

    A missing or unreadable evidence base is not an error: the landing page then shows no
    figures, and the reason is logged.
    """
    folder = Path(evidence_dir or paths.reports_dir() / "evidence")
    measures = list(measures or vocabulary.headline_measures())
    sources = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
    if not sources:
        return pd.DataFrame(columns=HEADLINE_COLUMNS)
    try:
        evidence = pd.concat([pd.read_parquet(p) for p in sources], ignore_index=True)
        figures = latest_headlines(evidence, measures)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("Headline figures left off the index: %s cannot be read (%s)", folder, exc)
        return pd.DataFrame(columns=HEADLINE_COLUMNS)
    return with_fallbacks(figures)


#: Columns :func:`with_fallbacks` adds: the pooled figure shown where the period's is withheld.
FALLBACK_COLUMNS = ["pooled_over", "pooled_value", "pooled_low", "pooled_high", "pooled_n"]


def with_fallbacks(figures: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """``figures`` with :data:`FALLBACK_COLUMNS`, filled where a figure is withheld and the
    release published the same measure pooled over every year for that force and period
    (``data/release/headline_fallbacks.parquet``, written with the release); empty
    elsewhere. A missing or unreadable file leaves them empty (logged)."""
    out = figures.copy()
    for column in FALLBACK_COLUMNS:
        out[column] = pd.NA
    source = Path(path or paths.headline_fallbacks_file())
    if not source.is_file() or out.empty:
        return out
    try:
        pooled = pd.read_parquet(source)
        pooled = pooled.rename(
            columns={
                "value": "pooled_value",
                "ci_low": "pooled_low",
                "ci_high": "pooled_high",
                "n": "pooled_n",
            }
        )[["force", "measure", "period", *FALLBACK_COLUMNS]]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("Pooled headline figures left off the index: %s (%s)", source, exc)
        return out
    merged = out.drop(columns=FALLBACK_COLUMNS).merge(
        pooled, on=["force", "measure", "period"], how="left"
    )
    merged.loc[~merged["suppressed"].fillna(False).astype(bool), FALLBACK_COLUMNS] = pd.NA
    return merged
