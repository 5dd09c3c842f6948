"""The parameters of a synthetic data set, checked once.

:func:`make_options` fills what the caller leaves out from the ``synthetic`` section of
``config/settings.yaml`` and raises :class:`~soteria_research.errors.ParameterError` with a
clear message for anything out of range, so that the generator itself can trust its input.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from soteria_research import normalise, reference, settings
from soteria_research.errors import ParameterError
from soteria_research.synth import targets

logger = logging.getLogger(__name__)

#: The Home Office outcomes framework began in April 2013.
FIRST_POSSIBLE_YEAR = 2013


@dataclass(frozen=True)
class Options:
    """Everything that determines a synthetic data set.

    Attributes
    ----------
    seed : int
        Seed of every random stream (each force's stream also depends on its id).
    first_year : int
        First financial year, by its first calendar year (2021 = 2021/22).
    years : int
        Number of financial years.
    extraction_date : datetime.date
        Day the extracts were "taken": later events are not yet known (right-censoring).
    charge_rates : Mapping[int, float]
        National cohort charge rate for rape by financial year (eventual share charged).
    scale : float
        Multiplier of every volume (1.0 = real volumes).
    forces : tuple of str
        Home Office names of the forces to write.
    include_btp : bool
        Whether British Transport Police is part of the national picture.
    """

    seed: int
    first_year: int
    years: int
    extraction_date: dt.date
    charge_rates: Mapping[int, float] = field(default_factory=dict)
    scale: float = 1.0
    forces: tuple[str, ...] = ()
    include_btp: bool = False

    @property
    def year_list(self) -> list[int]:
        """First calendar year of each financial year covered."""
        return list(range(self.first_year, self.first_year + self.years))

    def charge_rate(self, year: int) -> float:
        """National rape charge rate for ``year`` (the nearest year given when absent)."""
        return float(self.charge_rates[_nearest(self.charge_rates, year)])

    def national_rapes(self, year: int) -> float:
        """Rapes recorded nationally in ``year`` (the nearest year known when absent)."""
        return float(targets.NATIONAL_RAPES[_nearest(targets.NATIONAL_RAPES, year)])


def _nearest(table: Mapping[int, object], year: int) -> int:
    return min(table, key=lambda known: (abs(int(known) - year), -int(known)))


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ParameterError(f"{what} {value!r} is not a date: use YYYY-MM-DD.") from exc


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer():
        raise ParameterError(f"{what} must be a whole number, got {value!r}.")
    return int(value)


def _force_names(forces: Iterable[str] | None, include_btp: bool) -> tuple[str, ...]:
    if forces is None:
        return tuple(reference.force_names(include_btp=include_btp))
    if isinstance(forces, str):
        forces = [forces]
    names = [normalise.force_name(f) for f in forces]
    if not names:
        raise ParameterError("No forces given: name at least one force, or none for all 43.")
    order = reference.force_names(include_btp=True)
    return tuple(sorted(set(names), key=order.index))


def make_options(
    seed: int | None = None,
    first_year: int | None = None,
    years: int | None = None,
    forces: Iterable[str] | None = None,
    include_btp: bool | None = None,
    scale: float = 1.0,
    extraction_date: dt.date | str | None = None,
) -> Options:
    """Check the parameters and fill the missing ones from ``settings.yaml``.

    Parameters
    ----------
    seed, first_year, years, include_btp, extraction_date
        As in :class:`Options`; ``None`` takes the value in the ``synthetic`` settings.
    forces : iterable of str, optional
        Force names in any known variant; ``None`` for all 43 (and BTP when included).
        Naming British Transport Police includes it.
    scale : float
        Volume multiplier, greater than zero.

    Raises
    ------
    ParameterError
        A parameter is out of range.
    UnknownValueError
        A force name is not known (the message suggests close names).
    """
    conf = settings.section("synthetic")
    seed = _whole(conf.get("seed", 0) if seed is None else seed, "The seed")
    if seed < 0:
        raise ParameterError(f"The seed must be zero or more, got {seed}.")
    first_year = _whole(
        conf.get("first_year", 2021) if first_year is None else first_year, "The first year"
    )
    years = _whole(conf.get("years", 3) if years is None else years, "The number of years")
    if years < 1:
        raise ParameterError(f"The number of years must be 1 or more, got {years}.")
    if first_year < FIRST_POSSIBLE_YEAR:
        raise ParameterError(
            f"The first year {first_year} is before the outcomes framework began "
            f"(April {FIRST_POSSIBLE_YEAR}): choose {FIRST_POSSIBLE_YEAR} or later."
        )
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
        raise ParameterError(f"The scale must be a number greater than zero, got {scale!r}.")
    extraction = _as_date(
        conf.get("extraction_date", "2024-06-30") if extraction_date is None else extraction_date,
        "The extraction date",
    )
    last_start = dt.date(first_year + years - 1, 4, 1)
    if last_start > extraction:
        raise ParameterError(
            f"The financial year {last_start.year}/{(last_start.year + 1) % 100:02d} starts "
            f"after the extraction date {extraction}: use fewer years, an earlier first year "
            "or a later extraction date."
        )
    rates = {int(k): float(v) for k, v in (conf.get("national_charge_rate") or {}).items()}
    rates = rates or {2017: targets.CHARGE_RATE_2017_18}
    bad = {k: v for k, v in rates.items() if not 0 <= v < 1}
    if bad:
        raise ParameterError(f"national_charge_rate in settings.yaml must be in [0, 1): {bad}.")
    btp = bool(conf.get("include_btp", False) if include_btp is None else include_btp)
    names = _force_names(forces, btp)
    btp = btp or "British Transport Police" in names
    for year in range(first_year, first_year + years):
        if year not in rates:
            logger.info(
                "No national charge rate for %d in settings: the nearest year's is used.", year
            )
    return Options(seed, first_year, years, extraction, rates, float(scale), names, btp)
