"""``soteria ho-outcomes`` end to end: both header styles, --out, clean error messages."""

from __future__ import annotations

import csv
import io

import pytest

from soteria_research import cli, homeoffice

COHORT = "Force outcomes for offences recorded in quarter"


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["force"]: r for r in csv.DictReader(io.StringIO(text))}


def test_published_file_per_force(capsys):
    assert cli.main(["ho-outcomes", str(homeoffice.PUBLISHED_FILE), "--year", "2017/18"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows) == 44
    assert rows["South Wales"]["charge_rate"] == "9.48"
    assert rows["London, City of"]["recorded"] == "25"
    wanted = {"force", "recorded", "charged", "outcome_14", "outcome_15", "outcome_16",
              "outcome_18", "pending", "charge_rate"}  # fmt: skip
    assert wanted <= set(rows["Kent"])


@pytest.mark.parametrize("snake_case", [False, True])
def test_both_header_styles_national(tmp_path, capsys, raw_rows, write_subset, snake_case):
    forces, codes = {"Durham", "Kent"}, {"19C", "19D", "19E", "19F", "19G", "19H"}
    path = write_subset(tmp_path / "subset.csv", forces, codes, snake_case=snake_case)
    chosen = [r for r in raw_rows if r["Force Name"] in forces and r["Offence Code"] in codes]
    recorded = sum(int(r[COHORT]) for r in chosen)
    charged = sum(int(r[COHORT]) for r in chosen if r["Outcome Type"] == "1")
    assert cli.main(["ho-outcomes", str(path), "--by", "national"]) == 0
    row = _rows(capsys.readouterr().out)["All forces"]
    assert (row["recorded"], row["charged"], row["n_forces"]) == (str(recorded), str(charged), "2")
    assert row["charge_rate"] == f"{100 * charged / recorded:.2f}"


def test_activity_measure_and_out_file(tmp_path, capsys, write_subset):
    path = write_subset(tmp_path / "subset.csv", {"Durham"}, {"19C", "71"}, snake_case=True)
    out = tmp_path / "reports" / "summary.csv"
    argv = ["ho-outcomes", str(path), "--measure", "activity", "--subgroup", "all", "--out",
            str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    assert "wrote 1 row(s)" in capsys.readouterr().err
    row = _rows(out.read_text())["Durham"]
    assert row["measure"] == "activity" and row["subgroup"] == "All sexual offences"
    assert row["pending"] == ""  # blank in the source, so missing, not 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Force Name,Offence Code,Number of Offences\nKent,19C,4\n", "recorded crime"),
        ("a,b\n1,2\n", "missing required column(s) 'Financial Year'"),
        ("", "empty"),
    ],
)
def test_errors_are_one_clear_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert cli.main(["ho-outcomes", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("soteria ho-outcomes: error: ")


def test_unknown_subgroup_is_an_error_not_a_traceback(tmp_path, capsys, write_subset):
    path = write_subset(tmp_path / "subset.csv", {"Durham"}, {"19C"})
    assert cli.main(["ho-outcomes", str(path), "--subgroup", "Robbery"]) == 1
    assert "No rows of offence subgroup 'Robbery'" in capsys.readouterr().err
