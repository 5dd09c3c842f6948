"""Survey instruments: the illustrative defaults load, and every mistake is named."""

from __future__ import annotations

import copy

import pytest
import yaml

from soteria_research.errors import ConfigError
from soteria_research.ingest.instrument import (
    DEFAULT_INSTRUMENTS,
    instrument_file,
    load_instrument,
    parse_instrument,
)


@pytest.mark.parametrize("name", DEFAULT_INSTRUMENTS)
def test_default_instruments_load_and_are_marked_illustrative(name):
    instrument = load_instrument(name)
    assert instrument.illustrative
    assert instrument.scale_min == 1 and instrument.scale_max == 5
    assert set(instrument.labels) == {1, 2, 3, 4, 5}
    in_scales = [item for scale in instrument.scales for item in scale.items]
    assert set(in_scales) <= set(instrument.item_ids)
    assert "ILLUSTRATIVE" in instrument_file(name).read_text(encoding="utf-8")


def test_officer_instrument_has_the_pillar_4_scales_and_grouping_variables():
    officer = load_instrument("officer")
    assert officer.pillar == "learning_wellbeing"
    assert officer.scale_ids == ["learning", "confidence", "workload", "support", "wellbeing"]
    assert officer.grouping_ids == ["role", "team", "length_of_service"]
    assert officer.scale("learning").reverse == ("ld4",)


def test_victim_instrument_has_the_procedural_justice_scales():
    victim = load_instrument("victim")
    assert victim.pillar == "victim_engagement"
    assert victim.scale_ids == ["voice", "respect", "neutrality", "informed", "trust"]


def _base() -> dict:
    return yaml.safe_load(instrument_file("victim").read_text(encoding="utf-8"))


def _break(change):
    data = copy.deepcopy(_base())
    change(data)
    return data


BROKEN = {
    "unknown item in a scale": (
        lambda d: d["scales"][0]["items"].append("zz9"),
        "unknown item(s) zz9",
    ),
    "reverse item outside the scale": (
        lambda d: d["scales"][0].update(reverse=["tr1"]),
        "not among the scale's items",
    ),
    "item in two scales": (
        lambda d: d["scales"][1]["items"].append("vo1"),
        "already in scale voice",
    ),
    "one-item scale": (lambda d: d["scales"][0].update(items=["vo1"]), "at least two items"),
    "duplicate item id": (lambda d: d["items"].append(dict(d["items"][0])), "appears twice"),
    "scale min not below max": (lambda d: d["scale"].update(min=5), "must be below"),
    "label outside the scale": (lambda d: d["scale"]["labels"].update({7: "x"}), "outside 1-5"),
    "unknown pillar": (lambda d: d.update(pillar="wellness"), "pillar 'wellness' unknown"),
    "no items": (lambda d: d.pop("items"), "`items` is missing"),
    "grouping without values": (lambda d: d["grouping"][0].pop("values"), "list of `values`"),
    "repeated grouping value": (
        lambda d: d["grouping"][0].update(values=["A", "a"]),
        "values must be distinct",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_instrument_mistake_names_the_file_and_the_problem(case, tmp_path):
    change, expected = BROKEN[case]
    where = tmp_path / "victim.yaml"
    with pytest.raises(ConfigError) as caught:
        parse_instrument(_break(change), where)
    assert str(where) in str(caught.value)
    assert expected in str(caught.value)


def test_instrument_file_must_match_its_id_and_be_yaml(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(_base()), encoding="utf-8")
    with pytest.raises(ConfigError, match="must match the file name"):
        load_instrument(path)
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_instrument(path)
    with pytest.raises(ConfigError, match="not found"):
        load_instrument("no_such_instrument")


def test_an_instrument_is_replaced_without_code(tmp_path, monkeypatch):
    data = _base()
    data["id"] = "victim"
    data["scales"] = [{"id": "all_voice", "name": "Voice", "items": ["vo1", "vo2", "vo3"]}]
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "victim.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(
        (instrument_file("victim").parents[1] / "settings.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(tmp_path))
    assert load_instrument("victim").scale_ids == ["all_voice"]
