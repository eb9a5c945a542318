"""custval.units: the time units of summarize's docstring and METHODS.md, conversions and calendar spans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custval import units


def test_units_follow_summarize_docstring():
    """Days, weeks of 7 days, months of 365.25 / 12 days; a year of 365.25 days."""
    assert units.UNITS == {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
    assert units.STEPS["Y"] == units.YEAR_DAYS == 365.25
    assert units.unit_days("M", units.STEPS) * 12 == units.unit_days("Y", units.STEPS)


@pytest.mark.parametrize("unit", ["D", "W", "M"])
def test_days_round_trip(unit):
    days = np.array([0.0, 1.0, 7.0, 30.4375, 365.25, 1234.5])
    np.testing.assert_allclose(units.to_days(units.from_days(days, unit), unit), days, rtol=1e-15)


def test_conversions():
    assert units.from_days(14.0, "W") == 2.0
    assert units.to_days(3.0, "W") == 21.0
    assert units.from_days(365.25, "M") == pytest.approx(12.0)
    assert units.from_months(12, "D") == 365.25
    assert units.from_months(1, "W") == 365.25 / 12 / 7
    assert units.unit_ratio("Y", "M") == pytest.approx(12.0)
    assert units.unit_ratio("W", "D") == 7.0
    assert units.per_year(2, 365.25) == 2.0
    assert units.per_year(1, 30) == pytest.approx(12.175)


def test_unknown_units_are_refused_with_the_allowed_ones():
    allowed = r"'D', 'W', 'M' \(days, weeks of 7 days, months of 365.25/12 days\)"
    with pytest.raises(ValueError, match=rf"unit must be one of {allowed}, got 'Y'"):
        units.unit_days("Y")
    with pytest.raises(ValueError, match="got 'Q'"):
        units.unit_ratio("Q", "D")
    with pytest.raises(ValueError, match="got 'W '"):
        units.unit_ratio("D", "W ")


def test_summary_unit():
    summary = pd.DataFrame({"T": [1.0]})
    assert units.summary_unit(summary, default="D") == "D"
    with pytest.raises(ValueError, match="time unit is unknown"):
        units.summary_unit(summary)
    summary.attrs["unit"] = "W"
    assert units.summary_unit(summary, default="D") == "W"
    summary.attrs["unit"] = "Y"
    with pytest.raises(ValueError, match="the summary's unit must be one of"):
        units.summary_unit(summary)


def test_period_rates_and_counts():
    """A yearly rate compounds into a period rate; periods of m months cover H years."""
    assert units.per_period_rate(0.10, 12) == pytest.approx(0.10)
    assert (1 + units.per_period_rate(0.10, 6)) ** 2 == pytest.approx(1.10)
    assert units.per_period_rate(0.0, 3) == 0.0
    assert units.periods_in(5, 12) == 5
    assert units.periods_in(5, 6) == 10
    assert units.periods_in(1, 18) == 1  # at least one period
    assert units.periods_in(2, 5) == 5  # 4.8 periods, rounded


@pytest.mark.parametrize(("text", "months"), [("12M", 12), ("4Q", 12), ("1Y", 12), (" 3m ", 3), ("2Q", 6)])
def test_window_months(text, months):
    assert units.window_months(text) == months


@pytest.mark.parametrize("text", ["", "M", "0M", "12", "12W", "1.5Y", "-1Y"])
def test_window_months_refuses(text):
    with pytest.raises(ValueError, match="window must look like 12M, 4Q or 1Y"):
        units.window_months(text)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2023-01-31", "2023-02-28", 0),
        ("2023-01-31", "2023-03-31", 2),
        ("2023-01-15", "2024-01-15", 12),
        ("2023-01-15", "2024-01-14", 11),
        ("2024-03-01", "2024-03-01", 0),
    ],
)
def test_whole_months(start, end, months):
    """A month is complete on the same day of a later month."""
    assert units.whole_months(pd.Timestamp(start), pd.Timestamp(end)) == months


def test_whole_years_complete_on_the_anniversary():
    start = pd.Series(pd.to_datetime(["2020-02-29", "2020-02-29", "2021-06-15", "2021-06-15", "2021-06-15"]))
    end = pd.Series(pd.to_datetime(["2021-02-28", "2021-03-01", "2022-06-14", "2022-06-15", "2024-12-31"]))
    assert units.whole_years(start, end).tolist() == [0, 1, 0, 1, 3]
