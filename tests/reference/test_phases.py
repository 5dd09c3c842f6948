"""Programme phases: the built-in table, the override file and the forces view."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.errors import ReferenceDataError
from soteria_research.reference import phases

HEADER = "force,phase,start_date,source,illustrative\n"


def _built_in() -> pd.DataFrame:
    return phases.programme_phases(use_override=False)


def test_public_facts_are_in_the_table():
    table = _built_in().set_index(["force", "phase"])
    assert table.loc[("Avon and Somerset", "pathfinder"), "start_date"].year == 2021
    for force in ("Metropolitan Police", "Durham", "West Midlands", "South Wales"):
        assert table.loc[(force, "deep_dive"), "start_date"] == pd.Timestamp("2021-09-01")
        assert not table.loc[(force, "deep_dive"), "illustrative"]
    expansion = _built_in().query("phase == 'expansion'")
    assert set(expansion["force"]) == {
        "Dyfed-Powys",
        "Gloucestershire",
        "Greater Manchester",
        "Gwent",
        "Hampshire",
        "North Wales",
        "Northumbria",
        "Wiltshire",
    }
    assert (expansion["start_date"] == pd.Timestamp("2022-10-01")).all()
    nom = _built_in().query("phase == 'nom'")
    assert len(nom) == 43 and (nom["start_date"] == pd.Timestamp("2023-07-10")).all()
    assert _built_in()["source"].str.len().gt(0).all()


def test_forces_view_reads_the_phases_table():
    forces = reference.forces().set_index("name")
    assert forces.loc["Durham", "soteria_phase"] == "deep_dive"
    assert forces.loc["Avon and Somerset", "soteria_phase"] == "pathfinder"
    assert forces.loc["Kent", "soteria_phase"] == ""
    assert "September 2021" in forces.loc["Durham", "phase_source"]


def test_entry_phase_is_the_first_before_the_national_model():
    entry = phases.entry_phases(_built_in()).set_index("force")
    assert entry.loc["Durham", "phase"] == "deep_dive"
    assert "Kent" not in entry.index
    national = phases.entry_phases(_built_in(), national=True).set_index("force")
    assert national.loc["Kent", "phase"] == "nom" and len(national) == 43


def test_override_adds_replaces_and_removes(tmp_path):
    path = tmp_path / "programme_phases.csv"
    path.write_text(
        HEADER
        + "Kent Police,expansion,2022-11-01,local record,true\n"
        + "durham,deep_dive,2021-10-01,force minutes,false\n"
        + "Gwent,expansion,,left the phase,false\n",
        encoding="utf-8",
    )
    table = phases.programme_phases(path).set_index(["force", "phase"])
    assert table.loc[("Kent", "expansion"), "illustrative"]
    assert table.loc[("Kent", "expansion"), "overridden"]
    assert table.loc[("Durham", "deep_dive"), "start_date"] == pd.Timestamp("2021-10-01")
    assert ("Gwent", "expansion") not in table.index
    assert ("Gwent", "nom") in table.index


def test_override_from_config_dir_reaches_the_forces_view(tmp_path, monkeypatch):
    (tmp_path / "programme_phases.csv").write_text(
        HEADER + "Kent,expansion,2022-11-01,local record,true\n", encoding="utf-8"
    )
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(tmp_path))
    forces = reference.forces().set_index("name")
    assert forces.loc["Kent", "soteria_phase"] == "expansion"


def test_the_shipped_override_file_changes_nothing():
    shipped = phases.override_file()
    assert shipped.is_file()
    pd.testing.assert_frame_equal(
        phases.programme_phases(shipped).drop(columns="overridden"),
        _built_in().drop(columns="overridden"),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Narnia,expansion,2022-10-01,x,false", "row 2, column force: unknown force 'Narnia'"),
        ("Kent,launch,2022-10-01,x,false", "row 2, column phase: 'launch' is not one of"),
        ("Kent,expansion,01/10/2022,x,false", "row 2, column start_date: '01/10/2022'"),
        ("Kent,expansion,2022-10-01,x,maybe", "row 2, column illustrative: 'maybe'"),
    ],
)
def test_bad_override_rows_name_file_row_and_column(tmp_path, line, expected):
    path = tmp_path / "phases.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=str(path).replace("\\", "\\\\")) as err:
        phases.programme_phases(path)
    assert expected in str(err.value)


def test_override_missing_column_and_duplicate(tmp_path):
    path = tmp_path / "phases.csv"
    path.write_text("force,phase\nKent,nom\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="missing column"):
        phases.programme_phases(path)
    path.write_text(HEADER + "Kent,nom,2023-07-10,a,false\nKent,nom,2023-07-11,b,false\n")
    with pytest.raises(ReferenceDataError, match="more than one 'nom' row"):
        phases.programme_phases(path)
