"""Rows sharing a key, found by one sort, are those pandas' ``duplicated(keep=False)`` finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.ingest.duplicates import repeated


@pytest.mark.parametrize(
    "keys",
    [
        [],
        [5],
        [3, 1, 2],
        [3, 1, 3, 2, 1, 3],
        [-1, -1, 0, 2**62, -(2**62), 2**62],
    ],
)
def test_repeated_keys_as_pandas(keys) -> None:
    values = np.asarray(keys, dtype=np.int64)
    expected = pd.Series(values).duplicated(keep=False).to_numpy()
    assert repeated(values).tolist() == expected.tolist()


def test_repeated_keys_random() -> None:
    values = np.random.default_rng(7).integers(-500, 500, 2000)
    expected = pd.Series(values).duplicated(keep=False).to_numpy()
    assert (repeated(values) == expected).all()
