"""Measures kept by the release stage for the render pass (``release.memo``)."""

from __future__ import annotations

import pandas as pd

from soteria_research.release import memo


def test_a_measure_kept_by_the_collect_pass_is_read_back_not_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTERIA_ROOT", str(tmp_path))
    calls = []

    def measure(frame, level):
        calls.append(level)
        return {"mean": float(frame["x"].mean()), "level": level}

    frame = pd.DataFrame({"x": [1.0, 2.0, 6.0]})
    kept = memo.remembered("m", measure, frame, 0.95, keep=True)
    again = memo.remembered("m", measure, frame.copy(), 0.95, keep=False)
    assert again == kept == {"mean": 3.0, "level": 0.95} and calls == [0.95]
    # another input, another setting or another measure finds nothing kept
    assert memo.remembered("m", measure, frame.assign(x=[1.0, 2.0, 9.0]), 0.95, keep=False) == {
        "mean": 4.0,
        "level": 0.95,
    }
    memo.remembered("m", measure, frame, 0.9, keep=False)
    memo.remembered("other", measure, frame, 0.95, keep=False)
    assert calls == [0.95, 0.95, 0.9, 0.95]
    # a render pass keeps nothing; a broken entry is computed again; clear forgets all
    assert len(list(memo.memo_dir().iterdir())) == 1
    entry = next(memo.memo_dir().iterdir())
    entry.write_bytes(b"not a pickle")
    assert memo.remembered("m", measure, frame, 0.95, keep=False)["mean"] == 3.0
    memo.clear()
    assert not memo.memo_dir().exists()


def test_a_context_holding_other_data_finds_nothing_kept():
    # measures are keyed by the contents of the crimes they rest on, not by where they
    # were read from: a context built on other crimes (a test, a notebook's own frame)
    # computes afresh
    from soteria_research.sections.context import frames_digest

    cases = pd.DataFrame({"crime_id": ["a", "b"], "charged": [True, False]})
    assert frames_digest(cases, None) == frames_digest(cases.copy(), None)
    assert frames_digest(cases, None) != frames_digest(cases.assign(charged=[True, True]), None)
    assert frames_digest(cases, None) != frames_digest(cases.rename(columns={"charged": "c"}), None)
    assert frames_digest(cases, None) != frames_digest(cases, cases)
