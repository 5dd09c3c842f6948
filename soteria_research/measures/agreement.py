"""Inter-rater reliability: Cohen's kappa, Gwet's AC1 and Krippendorff's alpha.

Pure functions on codes (NumPy arrays or lists; ``None``/NaN is a missing code):

* :func:`cohens_kappa` for two raters, with the large-sample standard error of Fleiss,
  Cohen and Everitt (1969), as ``statsmodels.stats.inter_rater.cohens_kappa`` gives it;
* :func:`gwet_ac1` for two or more raters with missing codes, with Gwet's (2008)
  linearised variance, stable where one category is rare (kappa's "paradox");
* :func:`krippendorff_alpha` through the ``krippendorff`` package (nominal, ordinal or
  interval), with a bootstrap interval over units.
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np
from scipy import stats

from soteria_research.errors import ParameterError


def _categories(*columns) -> list:
    seen = []
    for column in columns:
        for value in column:
            if not _missing(value) and value not in seen:
                seen.append(value)
    return sorted(seen, key=str)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cohens_kappa(first, second, confidence: float = 0.95) -> dict[str, float]:
    """Cohen's kappa of two raters' codes on the same units (pairs with a missing code
    are left out).

    Returns
    -------
    dict
        ``units``, ``agreement`` (observed), ``expected``, ``estimate`` (kappa), ``se``
        (Fleiss-Cohen-Everitt, not under the null), ``ci_low``, ``ci_high`` (normal).
    """
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if not (_missing(a) or _missing(b))]
    levels = _categories([a for a, _ in pairs], [b for _, b in pairs])
    n = len(pairs)
    if n == 0:
        return dict.fromkeys(
            ("units", "agreement", "expected", "estimate", "se", "ci_low", "ci_high"), float("nan")
        ) | {"units": 0}
    index = {v: i for i, v in enumerate(levels)}
    table = np.zeros((len(levels), len(levels)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return kappa_from_table(table, confidence)


def kappa_from_table(table: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Cohen's kappa and its Fleiss-Cohen-Everitt standard error from a square table of
    counts (rows: first rater, columns: second rater)."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    observed, expected = float(np.trace(p)), float(rows @ cols)
    if expected >= 1:
        kappa, se = float("nan"), float("nan")
    else:
        kappa = (observed - expected) / (1 - expected)
        diagonal = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
        spread = (cols[:, None] + rows[None, :]) ** 2 * p
        np.fill_diagonal(spread, 0)
        inner = diagonal.sum() + (1 - kappa) ** 2 * spread.sum()
        inner -= (kappa - expected * (1 - kappa)) ** 2
        se = math.sqrt(max(inner, 0) / (n * (1 - expected) ** 2))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return {
        "units": int(n),
        "agreement": observed,
        "expected": expected,
        "estimate": kappa,
        "se": se,
        "ci_low": max(kappa - z * se, -1.0),
        "ci_high": min(kappa + z * se, 1.0),
    }


def _count_matrix(codes: np.ndarray) -> tuple[np.ndarray, list]:
    """Units x categories counts from a units x raters array of codes (None = missing)."""
    levels = _categories(*codes.T)
    index = {v: i for i, v in enumerate(levels)}
    counts = np.zeros((codes.shape[0], len(levels)))
    for unit, row in enumerate(codes):
        for value in row:
            if not _missing(value):
                counts[unit, index[value]] += 1
    return counts, levels


def gwet_ac1(codes, confidence: float = 0.95, categories: int | None = None) -> dict[str, float]:
    """Gwet's AC1 for any number of raters, missing codes allowed.

    Parameters
    ----------
    codes
        Units x raters array (list of rows); ``None``/NaN where a rater did not code.
    confidence
        Interval level (Student t on ``units - 1`` degrees of freedom, as Gwet).
    categories
        Number of possible categories ``q`` (default: those observed, at least 2).

    Returns
    -------
    dict
        ``units`` (coded by anyone), ``agreement`` (observed, units with two or more
        codes), ``expected`` (chance agreement), ``estimate``, ``se``, ``ci_low``,
        ``ci_high``. The variance follows Gwet (2008), without a finite-population
        correction.

    Examples
    --------
    Gwet's (2008) two-rater example, 118 yes-yes, 5 yes-no, 2 no-yes, 0 no-no: AC1 0.94
    where kappa is -0.02.

    >>> rows = [("y", "y")] * 118 + [("y", "n")] * 5 + [("n", "y")] * 2
    >>> round(gwet_ac1(rows)["estimate"], 4)
    0.9408
    """
    array = np.asarray(codes, dtype=object)
    if array.ndim != 2:
        raise ParameterError("Give the codes as units x raters.")
    counts, levels = _count_matrix(array)
    per_unit = counts.sum(axis=1)
    keep = per_unit > 0
    counts, per_unit = counts[keep], per_unit[keep]
    n = len(counts)
    q = max(categories or len(levels), 2)
    several = per_unit >= 2
    n2 = int(several.sum())
    if n2 == 0:
        return {
            "units": n,
            "agreement": float("nan"),
            "expected": float("nan"),
            "estimate": float("nan"),
            "se": float("nan"),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
        }
    pairs = np.where(several, per_unit * (per_unit - 1), 1)
    unit_agreement = np.where(several, (counts * (counts - 1)).sum(axis=1) / pairs, 0)
    agreement = unit_agreement[several].sum() / n2
    shares = (counts / per_unit[:, None]).mean(axis=0)
    expected = float((shares * (1 - shares)).sum() / (q - 1))
    ac1 = (agreement - expected) / (1 - expected)
    unit_ac1 = (n / n2) * (unit_agreement - expected * several) / (1 - expected)
    unit_expected = (counts @ (1 - shares)) / per_unit / (q - 1)
    linear = unit_ac1 - 2 * (1 - ac1) * (unit_expected - expected) / (1 - expected)
    variance = ((linear - ac1) ** 2).sum() / (n * (n - 1)) if n > 1 else float("nan")
    se = math.sqrt(variance)
    t = stats.t.ppf(0.5 + confidence / 2, max(n - 1, 1))
    return {
        "units": n,
        "agreement": float(agreement),
        "expected": expected,
        "estimate": float(ac1),
        "se": se,
        "ci_low": float(max(ac1 - t * se, -1.0)),
        "ci_high": float(min(ac1 + t * se, 1.0)),
    }


def krippendorff_alpha(
    codes,
    level: str = "nominal",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Krippendorff's alpha for any number of raters with missing codes.

    Parameters
    ----------
    codes
        Units x raters (list of rows); ``None``/NaN where a rater did not code. Nominal
        codes may be text; ordinal and interval codes must be numbers.
    level
        ``nominal``, ``ordinal`` or ``interval``.
    replicates, seed
        Bootstrap over units (percentile interval); 0 for none.

    Returns
    -------
    dict
        ``units`` (pairable: coded at least twice), ``estimate``, ``se`` (bootstrap),
        ``ci_low``, ``ci_high``.

    Examples
    --------
    Krippendorff's reliability data (4 coders, 12 units, nominal): alpha 0.743.

    >>> n = None
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
    ...         [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    >>> round(krippendorff_alpha(list(zip(*data)), replicates=0)["estimate"], 3)
    0.743
    """
    array = np.asarray(codes, dtype=object)
    counts, levels = _count_matrix(array)
    pairable = counts.sum(axis=1) >= 2
    nan = float("nan")
    result = {
        "units": int(pairable.sum()),
        "estimate": nan,
        "se": nan,
        "ci_low": nan,
        "ci_high": nan,
    }
    if pairable.sum() < 2 or len(levels) < 2:
        return result
    if level == "nominal":
        index = {v: float(i) for i, v in enumerate(levels)}
        values = np.array([[nan if _missing(v) else index[v] for v in row] for row in array])
    else:
        values = np.array([[nan if _missing(v) else float(v) for v in row] for row in array])
    values = values[pairable].T  # raters x units, as the package wants
    result["estimate"] = float(
        krippendorff.alpha(reliability_data=values, level_of_measurement=level)
    )
    if replicates:
        draws = bootstrap_alpha(values.T, level, replicates, seed)
        draws = draws[np.isfinite(draws)]
        if len(draws) > 1:
            low, high = np.quantile(draws, [0.5 - confidence / 2, 0.5 + confidence / 2])
            result.update(se=float(np.std(draws, ddof=1)), ci_low=float(low), ci_high=float(high))
    return result


def unit_coincidences(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's contribution to Krippendorff's coincidence matrix.

    ``values`` is units x raters (NaN = missing); returns the sorted distinct values and
    a units x K x K array ``(n_uc n_uk - [c = k] n_uc) / (m_u - 1)`` (zero for units with
    fewer than two codes).
    """
    distinct = np.unique(values[np.isfinite(values)])
    counts = np.stack([(values == v).sum(axis=1) for v in distinct], axis=1).astype(float)
    coded = counts.sum(axis=1)
    pairs = counts[:, :, None] * counts[:, None, :]
    pairs -= np.eye(len(distinct))[None] * counts[:, :, None]
    scale = np.where(coded >= 2, 1 / np.maximum(coded - 1, 1), 0)
    return distinct, pairs * scale[:, None, None]


def alpha_from_coincidences(matrix: np.ndarray, distinct: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's alpha of coincidence matrices (... x K x K), vectorised."""
    margins = matrix.sum(axis=-1)
    total = margins.sum(axis=-1)
    k = len(distinct)
    if level == "nominal":
        delta = np.broadcast_to(1 - np.eye(k), matrix.shape)
    elif level == "interval":
        delta = np.broadcast_to((distinct[:, None] - distinct[None, :]) ** 2, matrix.shape)
    elif level == "ordinal":
        cum = np.cumsum(margins, axis=-1)
        low = np.minimum.outer(np.arange(k), np.arange(k))
        high = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[..., high] - cum[..., low] + margins[..., low]
        delta = (between - (margins[..., :, None] + margins[..., None, :]) / 2) ** 2
    else:
        raise ParameterError(f"level must be nominal, ordinal or interval, not {level!r}.")
    observed = (matrix * delta).sum(axis=(-2, -1))
    expected = (margins[..., :, None] * margins[..., None, :] * delta).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (total - 1) * observed / expected


def bootstrap_alpha(values: np.ndarray, level: str, replicates: int, seed: int) -> np.ndarray:
    """Krippendorff's alpha of ``replicates`` resamples of the units (units x raters)."""
    distinct, per_unit = unit_coincidences(values)
    units = len(per_unit)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(units, np.full(units, 1 / units), size=replicates).astype(float)
    matrices = np.einsum("ru,ukl->rkl", weights, per_unit)
    return alpha_from_coincidences(matrices, distinct, level)
