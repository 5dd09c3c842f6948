"""Writing the synthetic data set: one folder per force in ``data/raw/``.

Each folder, named by the force's police.uk id, holds the extract file(s) in the force's
layout, ``mapping.yaml``, ``defects.json`` (the planted defects, for tests of the ingest
stage), ``self_assessment.xlsx`` and a filled ``improvement_plan.xlsx``. A force's files depend only on the parameters and
the force, never on which other forces are generated.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from soteria_research import paths, reference
from soteria_research.errors import ParameterError
from soteria_research.synth import (
    assessment,
    calibration,
    effects,
    extract,
    files,
    generator,
    layouts,
    mess,
    people,
    plans,
    review,
    survey_files,
)
from soteria_research.synth.options import Options, make_options

logger = logging.getLogger(__name__)
MAPPING_FILE = "mapping.yaml"
DEFECTS_FILE = "defects.json"


def _force_cases(options: Options, plan: pd.DataFrame, pools: dict[str, int], force: str):
    rows = plan[plan["force"] == force]
    police_id = str(rows["police_uk_id"].iloc[0])
    layout = layouts.layout_for(police_id)
    frame = generator.force_cases(
        rows,
        options,
        pools[rows["region"].iloc[0]],
        layout.crime_ref_format,
        layouts.force_code(police_id),
    )
    frame = effects.plant(frame, options, police_id)
    return frame, layout, police_id, float(rows["charge_multiplier"].iloc[0])


def _programme_members() -> set[str]:
    """Forces in a programme phase before the National Operating Model."""
    phases = reference.programme_phases()
    return set(phases.loc[phases["phase"] != "nom", "force"].astype(str))


def cases(**parameters) -> pd.DataFrame:
    """Canonical cases of the synthetic data set, without writing files.

    Takes the parameters of :func:`generate` (except ``out_dir``); the frame holds the
    canonical fields as known at the extraction date plus the eventual outcomes.
    """
    options = make_options(**parameters)
    plan = calibration.force_plan(options)
    pools = calibration.regional_pool_sizes(plan)
    frames = [_force_cases(options, plan, pools, force)[0] for force in options.forces]
    return pd.concat(frames, ignore_index=True)


def has_extracts(out_dir: Path | None = None) -> bool:
    """Whether ``out_dir`` already holds a force folder with a ``mapping.yaml``."""
    folder = Path(out_dir) if out_dir else paths.raw_dir()
    return folder.is_dir() and any(folder.glob(f"*/{MAPPING_FILE}"))


def _prepare(folder: Path) -> None:
    """Empty a folder written before by the generator; refuse anything else."""
    if not folder.exists():
        folder.mkdir(parents=True)
        return
    mapping = folder / MAPPING_FILE
    ours = mapping.is_file() and "data_source: synthetic" in mapping.read_text(encoding="utf-8")
    if not ours and any(folder.iterdir()):
        raise ParameterError(
            f"{folder} holds files that `soteria synth` did not write (real data?): move them "
            "or choose another output folder with --out."
        )
    for path in folder.iterdir():
        if path.is_file():
            path.unlink()


def _write_force(
    options: Options,
    out_dir: Path,
    plan: pd.DataFrame,
    pools: dict[str, int],
    framework: dict,
    force: str,
) -> dict:
    frame, layout, police_id, multiplier = _force_cases(options, plan, pools, force)
    rng = people.stream(options.seed, police_id, "extract")
    rows, record = mess.plant(extract.render(frame, layout, rng), frame, layout, rng)
    folder = out_dir / police_id
    _prepare(folder)
    when = dt.datetime.combine(options.extraction_date, dt.time(9, 0))
    title = (
        f"Sexual offences extract - {layouts.force_label(force)} - produced "
        f"{options.extraction_date:%d/%m/%Y}"
    )
    counts = files.write_extract(rows, folder, layout, title, when)
    files.write_yaml(
        extract.mapping_document(layout, force, options),
        folder / MAPPING_FILE,
        f"Synthetic extract written by `soteria synth` (seed {options.seed}).",
    )
    first_row = layout.header_row + 1
    files.write_json(
        {
            "force": force,
            "police_uk_id": police_id,
            "layout": layout.name,
            "seed": options.seed,
            "files": {name: {"rows": n, "first_data_row": first_row} for name, n in counts.items()},
            "defects": record,
        },
        folder / DEFECTS_FILE,
    )
    round_name = f"{options.year_list[-1]}-1"
    answers = assessment.assessment(
        framework, multiplier, people.stream(options.seed, police_id, "assessment")
    )
    book = assessment.workbook(answers, force, round_name, framework)
    (folder / assessment.FILE_NAME).write_bytes(files.xlsx_bytes(book, when))
    if force in review.deep_dive_forces():
        review.write_reviews(frame, force, folder, options, when)
    survey_files.write_surveys(options.seed, police_id, force, folder)
    effect = effects.configured_effect()
    if effect.round_rise > 0 and options.years > 1:
        earlier = effects.earlier_round(
            answers,
            force in _programme_members(),
            effect.round_rise,
            (int(framework["scale"]["min"]), int(framework["scale"]["max"])),
            people.stream(options.seed, police_id, "earlier-round"),
        )
        book = assessment.workbook(earlier, force, f"{options.year_list[-2]}-1", framework)
        (folder / effects.EARLIER_ROUND_FILE).write_bytes(files.xlsx_bytes(book, when))
    actions = plans.plan_actions(
        force, options.extraction_date, people.stream(options.seed, police_id, "plan")
    )
    book = plans.plan_book(force, actions)
    (folder / plans.FILE_NAME).write_bytes(files.xlsx_bytes(book, when))
    rape = int((frame["offence_subgroup"] == "Rape").sum())
    return {
        "force": force,
        "police_uk_id": police_id,
        "layout": layout.name,
        "files": len(counts),
        "rows": int(sum(counts.values())),
        "crimes": len(frame),
        "rapes": rape,
        "other_sexual": len(frame) - rape,
        "defects": sum(kind["count"] for kind in record.values()),
    }


def generate(
    out_dir: Path | str | None = None,
    seed: int | None = None,
    first_year: int | None = None,
    years: int | None = None,
    forces: Iterable[str] | None = None,
    include_btp: bool | None = None,
    scale: float = 1.0,
    extraction_date: dt.date | str | None = None,
) -> pd.DataFrame:
    """Write the synthetic extracts, mappings and self-assessments, one folder a force.

    Parameters
    ----------
    out_dir : path, optional
        Folder of force folders; default ``data/raw/`` (:func:`paths.raw_dir`).
    seed, first_year, years, include_btp, extraction_date : optional
        Default to the ``synthetic`` section of ``config/settings.yaml``
        (``first_year=2021`` means 2021/22).
    forces : iterable of str, optional
        Force names in any known variant; default all 43 (and BTP when included).
    scale : float
        Volume multiplier (1.0 = real volumes).

    Returns
    -------
    pandas.DataFrame
        One row per force written: force, police_uk_id, layout, files, rows (data rows
        written, duplicates included), crimes, rapes, other_sexual, defects.

    Raises
    ------
    ParameterError, UnknownValueError
        Bad parameters, or an output folder holding files the generator did not write.

    Examples
    --------
    >>> summary = generate(tmp_path, forces=["Durham"], scale=0.1)  # doctest: +SKIP
    """
    options = make_options(seed, first_year, years, forces, include_btp, scale, extraction_date)
    out = Path(out_dir) if out_dir else paths.raw_dir()
    out.mkdir(parents=True, exist_ok=True)
    plan = calibration.force_plan(options)
    pools = calibration.regional_pool_sizes(plan)
    framework = assessment.load_framework()
    rows = [_write_force(options, out, plan, pools, framework, f) for f in options.forces]
    logger.info("Wrote %d force folders to %s.", len(rows), out)
    return pd.DataFrame(rows)
