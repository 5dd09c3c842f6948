"""Small frames for the improvement-loop section tests: cases by quarter, a plan, rounds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteria_research.disclosure import OutputLog, Rules
from soteria_research.measures.defaults import measure_settings
from soteria_research.release.publisher import Publisher
from soteria_research.sections.context import ForceContext

RULES = Rules(min_cell_count=10, zeros_disclosive=False)
EXTRACTION = pd.Timestamp("2024-06-30")


def quarter_cases(force: str, shares: dict[str, tuple[int, int]], isva: float = 0.6, seed=0):
    """Cases of ``force``: for each quarter ``"2022Q1"``, (crimes, arrested within days)."""
    rng = np.random.default_rng(seed)
    rows = []
    for quarter, (n, arrested) in shares.items():
        start = pd.Period(quarter, freq="Q").start_time
        for i in range(n):
            recorded = start + pd.Timedelta(days=int(i % 80))
            hit = i < arrested
            rows.append(
                {
                    "force": force,
                    "recorded_date": recorded,
                    "arrested": hit,
                    "arrest_date": recorded + pd.Timedelta(days=5) if hit else pd.NaT,
                    "charged": False,
                    "outcome_date": pd.NaT,
                    "isva_referred": bool(rng.random() < isva),
                    "offence_subgroup": "Rape",
                    "extraction_date": EXTRACTION,
                    "data_source": "synthetic",
                }
            )
    out = pd.DataFrame(rows)
    for column in ("arrested", "charged", "isva_referred"):
        out[column] = out[column].astype("boolean")
    for column in ("recorded_date", "arrest_date", "outcome_date", "extraction_date"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    return out


def force_context(ledger, mode, cases, assessment=None, plan=None, force="Durham"):
    ctx = ForceContext(
        force=force,
        slug=force.lower(),
        subgroup="Rape",
        comparator="national",
        cases=cases,
        assessment=assessment if assessment is not None else pd.DataFrame(),
        quality=pd.DataFrame(),
        period=None,
        provenance={},
        rules=RULES,
        measures=measure_settings(),
        run_id="test",
        log=OutputLog("test"),
        publisher=Publisher(force, ledger, mode, RULES),
    )
    ctx.cache["plan"] = plan
    return ctx


def two_rounds(forces: list[str], rise: dict[str, float], seed: int = 0) -> pd.DataFrame:
    """Self and peer ratings of five questions a pillar in rounds 9 and 10 (10 after 9:
    ordered as numbers): each force's questions rise by ``rise[force]`` points."""
    from soteria_research import reference

    rng = np.random.default_rng(seed)
    rows = []
    for force in forces:
        for pillar in reference.pillar_slugs():
            for q in range(5):
                base = int(rng.integers(1, 4))
                up = int(rng.random() < rise.get(force, 0.0))
                for label, rating in (("9", base), ("10", base + up)):
                    rows.append(
                        {
                            "force": force,
                            "round": label,
                            "pillar": pillar,
                            "question_id": f"{pillar}-{q}",
                            "self_rating": rating,
                            "peer_rating": rating,
                        }
                    )
    out = pd.DataFrame(rows)
    out[["self_rating", "peer_rating"]] = out[["self_rating", "peer_rating"]].astype("Int64")
    return out.astype({"force": "string", "round": "string", "pillar": "string"})
