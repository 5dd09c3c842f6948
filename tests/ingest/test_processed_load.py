"""Every force's processed table loads as each force's file read and joined would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.ingest import processed

FORCES = ("durham", "kent", "surrey")


def _frame(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    missing = rng.random(rows) < 0.2
    return pd.DataFrame(
        {
            "force": pd.array([f"force {seed}"] * rows, dtype="string"),
            "crime_id": pd.array([f"{seed:02d}{i:014x}" for i in range(rows)], dtype="string"),
            "outcome_type": pd.array(np.where(missing, None, rng.integers(1, 22, rows)), "Int64"),
            "charged": pd.array(np.where(missing, None, rng.random(rows) < 0.1), "boolean"),
            "age": pd.array(np.where(missing, np.nan, rng.random(rows) * 90), "Float64"),
            "recorded": pd.to_datetime("2023-04-01")
            + pd.to_timedelta(rng.integers(0, 365, rows), "D"),
            "text": pd.Series(
                [None if m else "x" * (i % 5) for i, m in enumerate(missing)], dtype="str"
            ),
        }
    )


def _one_by_one(root, table: str) -> pd.DataFrame:
    files = [root / force / f"{table}.parquet" for force in FORCES]
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _write(root, frames: list[pd.DataFrame]) -> None:
    for force, frame in zip(FORCES, frames, strict=True):
        processed.write_tables(root / force, {"cases": frame})


def test_every_force_loads_as_the_files_read_one_by_one(tmp_path) -> None:
    _write(tmp_path, [_frame(1, 500), _frame(2, 0), _frame(3, 1200)])  # an empty one too
    got = processed.load_table("cases", None, tmp_path)
    pd.testing.assert_frame_equal(got, _one_by_one(tmp_path, "cases"))
    assert len(got) == 1700
    assert got["crime_id"].is_unique


def _no_ages(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(age=pd.Series([None] * len(frame), dtype="object"))


def _categories(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(force=frame["force"].astype("category"))


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        # a column held in one force only as missing values, written with another type
        (_no_ages, [1]),
        # categories in every force, which pandas joins into text where they differ
        (_categories, [0, 1, 2]),
    ],
    ids=["a column of another type", "categories"],
)
def test_files_that_differ_load_as_before(tmp_path, change, changed) -> None:
    frames = [_frame(1, 300), _frame(2, 200), _frame(3, 100)]
    _write(tmp_path, [change(f) if i in changed else f for i, f in enumerate(frames)])
    got = processed.load_table("cases", None, tmp_path)
    pd.testing.assert_frame_equal(got, _one_by_one(tmp_path, "cases"))
