"""Frequency tables: boundaries, zeros, secondary suppression, national totals, rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteria_research.disclosure import Rules, protect_by_unit, protect_table
from soteria_research.errors import DataError

from .checkers import bridges


def _table(corner: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"charged": [corner, 40, 35], "not charged": [50, 60, 70], "pending": [30, 20, 25]},
        index=["13-15", "16-17", "18-24"],
    )


@pytest.mark.parametrize(("corner", "hidden"), [(9, True), (10, False), (11, False)])
def test_minimum_count_boundary(rules, corner, hidden):
    protected = protect_table(_table(corner), rules, name="t")
    assert pd.isna(protected.table.loc["13-15", "charged"]) is hidden
    assert (protected.mask.loc["13-15", "charged"] == "primary") is hidden


def test_a_primary_cell_gets_a_partner_in_its_row_and_column(rules):
    protected = protect_table(_table(3), rules, name="t")
    hidden = protected.table.isna()
    assert hidden.sum().sum() == 4
    assert hidden.loc["13-15"].sum() == 2 and hidden["charged"].sum() == 2
    assert (protected.mask == "secondary").sum().sum() == 3
    # the smallest partners are chosen: 30 in the row, 35 in the column
    assert hidden.loc["13-15", "pending"] and hidden.loc["18-24", "charged"]
    # totals are the true totals and stay published
    assert protected.table.loc["Total", "Total"] == _table(3).to_numpy().sum()
    assert bridges(hidden.to_numpy()) == []


def test_nothing_is_hidden_when_every_count_passes(rules):
    protected = protect_table(_table(12), rules, name="t")
    assert protected.table.notna().all().all()
    assert protected.log_entry["status"] == "pass"


@pytest.mark.parametrize("zeros_disclosive", [True, False])
def test_zeros_follow_the_setting(zeros_disclosive):
    rules = Rules(zeros_disclosive=zeros_disclosive)
    protected = protect_table(_table(0), rules, name="t")
    assert pd.isna(protected.table.loc["13-15", "charged"]) is zeros_disclosive
    assert protected.table.isna().sum().sum() == (4 if zeros_disclosive else 0)


def test_zero_cells_are_not_chosen_as_partners_while_others_remain(rules):
    counts = pd.DataFrame({"a": [4, 0, 30], "b": [50, 0, 40], "c": [60, 15, 20]})
    hidden = protect_table(counts, rules, name="t").table.isna()
    assert not hidden.loc[1, "a"] and not hidden.loc[1, "b"]  # a line of zeros protects nothing


def test_a_small_total_is_hidden_too(rules):
    counts = pd.DataFrame({"a": [3, 40], "b": [4, 50]}, index=["x", "y"])
    protected = protect_table(counts, rules, name="t")
    assert pd.isna(protected.table.loc["x", "Total"])
    assert not (protected.table.isna().sum(axis=1) == 1).any()
    assert not (protected.table.isna().sum(axis=0) == 1).any()


def test_single_column_table_has_a_total_row_only(rules):
    counts = pd.Series({"white": 40, "black": 3, "asian": 25, "mixed": 12}, name="victims")
    protected = protect_table(counts, rules, name="t")
    assert list(protected.table.columns) == ["victims"]
    assert protected.table["victims"].isna().sum() == 2  # 3 and the next smallest, 12
    assert pd.isna(protected.table.loc["mixed", "victims"])


def test_no_margins_means_primary_suppression_only(rules):
    protected = protect_table(_table(3), rules, name="t", margins=False)
    assert "Total" not in protected.table.index
    assert protected.table.isna().sum().sum() == 1


def test_national_totals_protect_forces_against_differencing(rules):
    forces = pd.DataFrame(
        {"charged": [4, 40, 35], "not charged": [50, 60, 70]}, index=["Durham", "Gwent", "Kent"]
    )
    national = forces.sum()
    protected = protect_table(forces, rules, name="t", margins=False, national_total=national)
    hidden = protected.table.isna()
    assert list(protected.table.index) == ["Durham", "Gwent", "Kent"]
    assert hidden["charged"].sum() == 2  # Durham's 4 cannot be national minus the others
    assert hidden.loc["Durham"].sum() == 1  # no row totals published: rows are not lines


def test_national_totals_must_cover_the_table(rules):
    forces = pd.DataFrame({"charged": [4, 40]}, index=["Durham", "Gwent"])
    with pytest.raises(DataError, match="charged"):
        protect_table(forces, rules, name="t", national_total=pd.Series({"charged": 10}))
    with pytest.raises(DataError, match="indexed by"):
        protect_table(forces, rules, name="t", national_total=pd.Series({"other": 10}))


def test_one_force_beside_national_totals_is_refused(rules):
    one = pd.DataFrame({"charged": [4], "not charged": [50]}, index=["Durham"])
    with pytest.raises(DataError, match="protect_by_unit"):
        protect_table(one, rules, name="t", national_total=pd.Series([500, 900], one.columns))


def test_units_are_protected_together_with_the_national_table(rules):
    rng = np.random.default_rng(3)
    tables = {
        f"force {k}": pd.DataFrame(rng.poisson(14, (3, 2)), columns=["f", "m"]) for k in range(5)
    }
    tables["force 0"].iloc[0, 0] = 2
    out = protect_by_unit(tables, rules, name="victims")
    assert set(out) == {*tables, "National"}
    cube = np.stack([out[u].table.to_numpy(float, na_value=np.nan) for u in tables])
    across = np.isnan(cube).sum(axis=0)  # hidden cells per line across the forces
    assert not (across == 1).any()
    assert np.isnan(cube[0, 0, 0])
    national = out["National"].table
    assert national.loc["Total", "Total"] == sum(t.to_numpy().sum() for t in tables.values())


@pytest.mark.parametrize(("counts", "bad"), [([1.5, 2], "whole"), ([-1, 2], "negative")])
def test_bad_counts_are_refused_with_their_place(rules, counts, bad):
    with pytest.raises(DataError, match=bad):
        protect_table(pd.DataFrame({"x": counts}, index=["a", "b"]), rules, name="t")


def test_missing_counts_are_refused(rules):
    frame = pd.DataFrame({"x": pd.array([1, None], dtype="Int64")}, index=["a", "b"])
    with pytest.raises(DataError, match="row 'b'"):
        protect_table(frame, rules, name="t")


def test_rounding_rounds_cells_and_totals_independently():
    counts = pd.DataFrame({"a": [1, 1, 1], "b": [12, 13, 7]})
    protected = protect_table(counts, Rules(method="round"), name="t")
    table = protected.table
    assert table["a"].tolist() == [0, 0, 0, 5]  # total 3 rounds to 5 on its own
    assert table["b"].tolist() == [10, 15, 5, 30]  # 32 -> 30
    assert (table.to_numpy() % 5 == 0).all()
    assert protected.table.notna().all().all()
    assert protected.log_entry["status"] == "protected"


def test_input_is_not_changed(rules):
    counts = _table(3)
    before = counts.copy()
    protect_table(counts, rules, name="t")
    pd.testing.assert_frame_equal(counts, before)


def test_log_entry_names_cells_and_reasons_without_values(rules):
    entry = protect_table(_table(3), rules, name="Victims by age", margins=True).log_entry
    assert entry["output"] == "Victims by age"
    assert entry["suppressed"] == {"primary": 1, "secondary": 3}
    primary = [c for c in entry["cells"] if c["suppression"] == "primary"]
    assert primary == [
        {"row": "13-15", "column": "charged", "suppression": "primary", "reason": "count below 10"}
    ]
    assert all(set(c) == {"row", "column", "suppression", "reason"} for c in entry["cells"])


def test_counts_with_totals_already_are_refused(rules):
    with pytest.raises(DataError, match="without totals"):
        protect_table(_table(12).assign(Total=1), rules, name="t")


def test_switched_off_rules_publish_everything_and_say_so():
    protected = protect_table(_table(3), Rules(enabled=False), name="t")
    assert protected.table.notna().all().all()
    assert protected.log_entry["status"] == "unchecked"
