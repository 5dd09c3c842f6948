"""Funnel limits against an independent binomial computation; over-dispersion by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from soteria_research.errors import ParameterError
from soteria_research.measures.funnel import (
    classify,
    funnel_curve,
    funnel_limits,
    funnel_positions,
    overdispersion,
)


def spiegelhalter_exact(q: float, n: int, p: float) -> float:
    """Spiegelhalter (2005) appendix, written out with math.comb: the smallest r with
    P(R <= r) >= q, interpolated by a = (P(R <= r) - q) / P(R = r); limit (r - a) / n."""
    cdf = 0.0
    for r in range(n + 1):
        pmf = math.comb(n, r) * p**r * (1 - p) ** (n - r)
        if cdf + pmf >= q:
            a = (cdf + pmf - q) / pmf
            return (r - a) / n
        cdf += pmf
    return 1.0


@pytest.mark.parametrize(("p", "n"), [(0.05, 100), (0.05, 40), (0.3, 250), (0.02, 1000)])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_limits_match_the_appendix_formula(p, n, level) -> None:
    limits = funnel_limits(p, [n], levels=[level], method="exact").iloc[0]
    name = "95" if level == 0.95 else "998"
    tail = (1 - level) / 2
    assert limits[f"lower{name}"] == pytest.approx(
        max(spiegelhalter_exact(tail, n, p), 0), abs=1e-9
    )
    assert limits[f"upper{name}"] == pytest.approx(spiegelhalter_exact(1 - tail, n, p), abs=1e-9)


def test_exact_limit_worked_value_at_5_percent_and_100() -> None:
    # P(R <= 1) = 0.95^100 + 100 * 0.05 * 0.95^99 = 0.037081; P(R = 1) = 0.031161
    # lower 95%: r = 1, a = (0.037081 - 0.025) / 0.031161 = 0.38770 -> 0.0061230
    limits = funnel_limits(0.05, [100]).iloc[0]
    assert limits["lower95"] == pytest.approx(0.0061230, abs=1e-6)
    # P(R <= 9) = 0.971812, P(R <= 10) = 0.988528; upper 95% r = 10,
    # a = (0.988528 - 0.975) / 0.016716 = 0.80929 -> 0.0919071
    assert limits["upper95"] == pytest.approx(0.0919071, abs=1e-6)


def test_normal_limits() -> None:
    limits = funnel_limits(0.05, [100], method="normal").iloc[0]
    half95 = 1.959964 * math.sqrt(0.05 * 0.95 / 100)
    half998 = 3.090232 * math.sqrt(0.05 * 0.95 / 100)
    assert limits["upper95"] == pytest.approx(0.05 + half95, abs=1e-6)
    assert limits["lower95"] == pytest.approx(0.05 - half95, abs=1e-6)
    assert limits["upper998"] == pytest.approx(0.05 + half998, abs=1e-6)
    assert limits["lower998"] == 0  # clipped at zero


def test_limits_narrow_as_n_grows_and_zero_n_is_nan() -> None:
    curve = funnel_curve(0.1, 5000)
    widths = curve["upper95"] - curve["lower95"]
    assert widths.iloc[-1] < widths.iloc[len(widths) // 2] < widths.iloc[5]
    assert funnel_limits(0.1, [0])["upper95"].isna().all()
    with pytest.raises(ParameterError):
        funnel_limits(0.0, [10])
    with pytest.raises(ParameterError):
        funnel_limits(0.1, [10], method="poisson")


# Ten units of n = 100 around a target of 0.5, so s = 0.05 and z = (y - 50) / 5 exactly.
Z = [-4, -3, -2, -1, 0, 0, 1, 2, 3, 5]
UNITS = pd.DataFrame(
    {"force": list("ABCDEFGHIJ"), "numerator": [50 + 5 * z for z in Z], "denominator": [100] * 10}
)


def test_overdispersion_by_hand() -> None:
    # Winsorised at the 10th/90th percentiles (linear interpolation): -4 -> -3.1, 5 -> 3.2.
    # phi = (3.1^2 + 9 + 4 + 1 + 0 + 0 + 1 + 4 + 9 + 3.2^2) / 10 = 47.85 / 10 = 4.785
    # w = 1 / 0.05^2 = 400: tau2 = (47.85 - 9) / (4000 - 1.6e6 / 4000) = 38.85 / 3600
    disp = overdispersion(UNITS["numerator"], UNITS["denominator"], 0.5)
    assert disp["units"] == 10
    assert disp["phi"] == pytest.approx(4.785)
    assert disp["tau2"] == pytest.approx(38.85 / 3600)


def test_no_overdispersion_gives_zero_tau2() -> None:
    disp = overdispersion([50, 52, 48, 51, 49], [100] * 5, 0.5)
    assert disp["phi"] < 1 and disp["tau2"] == 0


def test_overdispersion_of_a_single_force_is_nan_with_reason() -> None:
    disp = overdispersion([5], [100], 0.05)
    assert np.isnan(disp["phi"]) and disp["reason"] == "single-force input"


def test_positions_with_and_without_overdispersion() -> None:
    plain = funnel_positions(UNITS, target=0.5, method="normal")
    assert plain.set_index("force").loc["J", "position"] == "above998"  # z = 5
    assert plain.set_index("force").loc["A", "position"] == "below998"  # z = -4
    assert plain.set_index("force").loc["C", "position"] == "below95"  # z = -2 < -1.96
    # the exact binomial lower 95% limit at n = 100 is 0.3969, so 0.40 is within it
    exact = funnel_positions(UNITS, target=0.5, method="exact").set_index("force")
    assert exact.loc["C", "position"] == "within"
    widened = funnel_positions(UNITS, target=0.5, adjust_overdispersion=True).set_index("force")
    assert widened.loc["J", "tau2"] == pytest.approx(38.85 / 3600)
    # sqrt(0.0025 + 0.010792) = 0.11529: z_J = 0.25 / 0.11529 = 2.168
    assert widened.loc["J", "z"] == pytest.approx(0.25 / math.sqrt(0.0025 + 38.85 / 3600))
    assert widened.loc["J", "position"] == "above95"
    assert widened.loc["C", "position"] == "within"


def test_default_target_is_the_pooled_rate() -> None:
    placed = funnel_positions(UNITS)
    assert placed["target"].iloc[0] == pytest.approx(UNITS["numerator"].sum() / 1000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.05, "within"),
        (0.0919, "within"),
        (0.0920, "above95"),
        (0.1246, "above95"),
        (0.1247, "above998"),
        (0.0061, "below95"),
        (np.nan, None),
    ],
)
def test_classification_at_the_limits(value, expected) -> None:
    limits = funnel_limits(0.05, [100]).iloc[0]
    got = classify(value, limits)
    assert (pd.isna(got) and expected is None) or got == expected


def test_zero_denominator_and_single_unit_do_not_crash() -> None:
    units = pd.DataFrame({"force": ["A", "B"], "numerator": [0, 3], "denominator": [0, 50]})
    placed = funnel_positions(units, target=0.05, adjust_overdispersion=True)
    assert pd.isna(placed["position"].iloc[0]) and placed["reason"].iloc[0] == "zero denominator"
    assert "single-force input" in placed["reason"].iloc[1]
    assert placed["position"].iloc[1] == "within"
    empty = funnel_positions(units.iloc[0:1])
    assert empty["position"].isna().all() and "no funnel" in empty["reason"].iloc[0]
