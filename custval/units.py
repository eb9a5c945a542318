"""Time units and period arithmetic in one place: the summary's time units, conversion to and from
days and years, whole calendar months and years between days, and rates and counts of periods.

Conventions (``custval.summarize``'s docstring, METHODS.md): a year is ``YEAR_DAYS`` = 365.25 days;
a summary measures time in ``"D"`` days, ``"W"`` weeks of 7 days or ``"M"`` months of 365.25 / 12
days (continuous, not calendar, weeks and months); ``"Y"`` (a year) is a period length, not a
summary unit. Spans counted by the calendar (:func:`whole_months`, :func:`whole_years`, windows
such as ``12M``) complete a month on the same day of a later month and a year on its anniversary.
The arithmetic of each function is the one its callers used before, so results are bit-for-bit the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR_DAYS = 365.25
UNITS = {"D": 1.0, "W": 7.0, "M": YEAR_DAYS / 12}  # a summary's time units, in days
STEPS = {**UNITS, "Y": YEAR_DAYS}  # period lengths: the summary's units and a year, in days
UNIT_NAMES = {"D": "days", "W": "weeks of 7 days", "M": "months of 365.25/12 days", "Y": "years of 365.25 days"}
WINDOWS = {"M": 1, "Q": 3, "Y": 12}  # months in one window letter (``12M``, ``4Q``, ``1Y``)


def check_unit(unit, allowed=UNITS, name: str = "unit") -> str:
    """``unit`` when it is one of ``allowed`` (``UNITS`` or ``STEPS``), else a ValueError listing them."""
    if unit not in allowed:
        names = ", ".join(UNIT_NAMES[u] for u in allowed)
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))} ({names}), got {unit!r}")
    return unit


def unit_days(unit, allowed=UNITS) -> float:
    """Days in one ``unit`` (a summary unit; with ``allowed=STEPS`` also ``"Y"``)."""
    return allowed[check_unit(unit, allowed)]


def summary_unit(summary: pd.DataFrame, default: str | None = None) -> str:
    """The time unit a summary records in ``attrs["unit"]`` (``default`` when it records none)."""
    unit = summary.attrs.get("unit", default)
    if unit is None:
        raise ValueError(
            "the summary's time unit is unknown: summarize with custval.summarize (it records "
            "the unit in .attrs['unit']) or pass the unit ('D', 'W' or 'M')"
        )
    return check_unit(unit, name="the summary's unit")


def from_days(days, unit: str):
    """A time in days expressed in ``unit`` (days / days per unit)."""
    return days / unit_days(unit)


def to_days(value, unit: str):
    """A time in ``unit`` expressed in days (value × days per unit)."""
    return value * unit_days(unit)


def from_months(months, unit: str):
    """A number of (365.25 / 12-day) months expressed in ``unit``."""
    return months * YEAR_DAYS / 12 / unit_days(unit)


def unit_ratio(step: str, unit: str) -> float:
    """One period of length ``step`` (D, W, M or Y) measured in the summary unit ``unit``."""
    return unit_days(step, STEPS) / unit_days(unit)


def per_year(count, days):
    """A count over ``days`` days as a rate per year (count / days × 365.25)."""
    return count / days * YEAR_DAYS


def per_period_rate(yearly_rate: float, months: float) -> float:
    """The compound rate over a period of ``months`` months equivalent to ``yearly_rate`` a year."""
    return (1.0 + yearly_rate) ** (months / 12) - 1


def periods_in(years: float, months: int) -> int:
    """How many periods of ``months`` months cover ``years`` years (rounded, at least one)."""
    return max(1, round(years * 12 / months))


def window_months(window: str) -> int:
    """``12M``, ``4Q`` or ``1Y`` as a number of months."""
    text = str(window).strip().upper()
    if len(text) < 2 or text[-1] not in WINDOWS or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise ValueError(f"window must look like 12M, 4Q or 1Y, got {window!r}")
    return int(text[:-1]) * WINDOWS[text[-1]]


def whole_months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Whole calendar months from ``start`` to ``end``: a month is complete on the same day of the next month."""
    return (end.year - start.year) * 12 + end.month - start.month - int(start.day > end.day)


def whole_years(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Whole years from each ``start`` to its ``end`` (date Series): a year is complete on its anniversary."""
    early = (end.dt.month * 100 + end.dt.day).to_numpy() < (start.dt.month * 100 + start.dt.day).to_numpy()
    return (end.dt.year - start.dt.year).to_numpy() - early
