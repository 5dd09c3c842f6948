"""The one vocabulary of labels covers every code the package writes."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.errors import ReferenceDataError
from soteria_research.measures import funnel, model
from soteria_research.measures.catalogue import MEASURES
from soteria_research.reference import vocabulary as vocab
from soteria_research.release.evidence_schema import COLUMNS, FUNNEL_POSITIONS


def test_every_catalogue_measure_has_its_catalogue_label() -> None:
    labels = vocab.labels("measure")
    for code, measure in MEASURES.items():
        assert labels.get(code) == measure.label, code


def test_every_code_of_the_package_has_a_label() -> None:
    assert set(reference.pillar_slugs()) <= set(vocab.labels("pillar"))
    assert set(funnel.POSITIONS) | set(FUNNEL_POSITIONS) <= set(vocab.labels("funnel_position"))
    assert set(model.DEFAULT_PREDICTORS) <= set(vocab.labels("model_variable"))
    assert set(model.TABLE_COLUMNS) <= set(vocab.labels("model_column"))
    assert set(COLUMNS) <= set(vocab.labels("evidence_column"))
    assert {m.basis for m in MEASURES.values()} <= set(vocab.labels("basis"))
    assert {m.unit for m in MEASURES.values()} <= set(vocab.labels("unit"))


def test_labels_are_words_not_codes() -> None:
    table = vocab.vocabulary()
    shown = table[table["kind"] != "status"]  # statuses are shown as they are logged
    assert not shown["label"].str.contains("_").any()
    assert not shown.duplicated(["kind", "label"]).any()


def test_labels_of_codes_terms_and_positions() -> None:
    assert vocab.label("funnel_position", "above998") == "Above the 99.8% limit"
    assert vocab.label("funnel_position", pd.NA) == "Not placed on a funnel"
    assert vocab.label("measure", "arrest_share") == "Suspect arrested or interviewed"
    assert vocab.label("pillar", "suspect_focus") == "Suspect focus"
    assert vocab.label("measure", "some_new_measure") == "Some new measure"
    assert vocab.term_label("victim_age_band[0-12]") == "Victim age: 0-12"
    assert vocab.term_label("(intercept)") == "Baseline odds (reference levels)"
    assert vocab.headline_measures()[:2] == ["recorded_crimes", "charge_rate"]
    assert set(vocab.headline_measures()) <= set(MEASURES)


def test_unknown_kind_and_bad_file_say_what_to_do(tmp_path, monkeypatch) -> None:
    with pytest.raises(ReferenceDataError, match="kinds: measure"):
        vocab.labels("measures")
    bad = tmp_path / "vocabulary.csv"
    bad.write_text("kind,code,label,description,headline\npillar,a,A,,\npillar,a,B,,\n")
    monkeypatch.setattr(vocab, "VOCABULARY_FILE", bad)
    vocab._vocabulary.cache_clear()
    try:
        with pytest.raises(ReferenceDataError, match=r"row 3: \(pillar, a\) is listed twice"):
            vocab.vocabulary()
    finally:
        vocab._vocabulary.cache_clear()
