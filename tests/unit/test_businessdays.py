"""New York business days (GCL 24 holidays, GCL 25-a rolling): pure functions, no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from dragonfly.businessdays import (
    add_business_days,
    holiday_rows,
    is_business_day,
    ny_public_holidays,
    roll_forward,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday -> Monday
        (date(2026, 11, 30), date(2026, 11, 30)),  # a plain Monday stays
        (date(2026, 11, 25), date(2026, 11, 25)),  # the Wednesday before Thanksgiving stays
    ],
)
def test_weekend_rolls_to_monday(day: date, expected: date) -> None:
    assert roll_forward(day) == expected


def test_lincolns_birthday_is_a_new_york_holiday() -> None:
    assert date(2026, 2, 12).weekday() == 3  # a Thursday
    assert not is_business_day(date(2026, 2, 12))
    assert roll_forward(date(2026, 2, 12)) == date(2026, 2, 13)


def test_election_day_first_tuesday_after_first_monday_in_november() -> None:
    # 2026: Monday 2 November, so Election Day is Tuesday 3 November.
    assert ny_public_holidays(2026)[date(2026, 11, 3)] == "Election Day"
    assert not is_business_day(date(2026, 11, 3))
    assert roll_forward(date(2026, 11, 3)) == date(2026, 11, 4)
    # 2027: 1 November is a Monday, so Election Day is Tuesday the 2nd.
    assert date(2027, 11, 2) in ny_public_holidays(2027)
    # 2022: 1 November is a Tuesday, so Election Day is the 8th, not the 1st.
    assert date(2022, 11, 8) in ny_public_holidays(2022)
    assert date(2022, 11, 1) not in ny_public_holidays(2022)


def test_thanksgiving_and_friday_after() -> None:
    assert not is_business_day(date(2026, 11, 26))
    assert is_business_day(date(2026, 11, 27))  # the day after Thanksgiving is not a GCL 24 holiday
    assert roll_forward(date(2026, 11, 26)) == date(2026, 11, 27)


def test_sunday_holiday_moves_to_monday() -> None:
    # New Year's Day 2023 was a Sunday: Monday 2 January is the holiday (GCL 24).
    assert date(2023, 1, 1).weekday() == 6
    assert not is_business_day(date(2023, 1, 2))
    assert roll_forward(date(2022, 12, 31)) == date(2023, 1, 3)
    # Christmas 2022 on a Sunday -> Monday 26 December.
    assert not is_business_day(date(2022, 12, 26))
    assert roll_forward(date(2022, 12, 24)) == date(2022, 12, 27)
    # Lincoln's Birthday 2023 on a Sunday -> Monday 13 February.
    assert not is_business_day(date(2023, 2, 13))


def test_saturday_holiday_does_not_move() -> None:
    # Independence Day 2026 is a Saturday: the Friday before is a business day in New York.
    assert date(2026, 7, 4).weekday() == 5
    assert date(2026, 7, 4) in ny_public_holidays(2026)
    assert date(2026, 7, 3) not in ny_public_holidays(2026)
    assert roll_forward(date(2026, 7, 4)) == date(2026, 7, 6)


@pytest.mark.parametrize("day", [date(2026, 7, 3), date(2027, 12, 24), date(2027, 12, 31)])
def test_federal_observed_friday_is_not_a_holiday(day: date) -> None:
    assert day.weekday() == 4
    assert is_business_day(day)
    assert roll_forward(day) == day


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026, 2027])
def test_susan_b_anthony_day_is_not_a_holiday(year: int) -> None:
    feb15 = date(year, 2, 15)
    assert "Susan B. Anthony" not in ny_public_holidays(year).get(feb15, "")
    if feb15.weekday() < 5 and ny_public_holidays(year).get(feb15) is None:
        assert is_business_day(feb15)


def test_susan_b_anthony_day_on_a_weekday_is_a_business_day() -> None:
    # 2024: Thursday 15 February, a plain business day (the `holidays` package lists it).
    assert date(2024, 2, 15).weekday() == 3
    assert is_business_day(date(2024, 2, 15))


def test_only_gcl24_names() -> None:
    allowed = {
        "New Year's Day",
        "Martin Luther King Jr. Day",
        "Lincoln's Birthday",
        "Washington's Birthday",
        "Memorial Day",
        "Flag Day",
        "Juneteenth National Independence Day",
        "Independence Day",
        "Labor Day",
        "Columbus Day",
        "Election Day",
        "Veterans Day",
        "Thanksgiving Day",
        "Christmas Day",
    }
    for _day, name in holiday_rows(2000, 2040):
        assert name.removesuffix(" (observed)") in allowed


def test_observed_days_are_only_mondays() -> None:
    for day, name in holiday_rows(2000, 2040):
        if name.endswith("(observed)"):
            assert day.weekday() == 0, (day, name)


def test_twelve_weekday_holidays_a_year_at_most() -> None:
    for year in range(2020, 2031):
        weekday = [d for d in ny_public_holidays(year) if d.weekday() < 5]
        assert 10 <= len(weekday) <= 13, (year, weekday)


def test_add_business_days_skips_weekend_and_holiday() -> None:
    # Wednesday 25 Nov 2026 + 1 business day skips Thanksgiving.
    assert add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert add_business_days(date(2026, 11, 25), 2) == date(2026, 11, 30)
    assert add_business_days(date(2026, 11, 2), 1) == date(2026, 11, 4)  # over Election Day
    assert add_business_days(date(2026, 11, 2), 0) == date(2026, 11, 2)


def test_roll_forward_is_idempotent_and_never_goes_back() -> None:
    day = date(2025, 1, 1)
    while day < date(2028, 1, 1):
        rolled = roll_forward(day)
        assert rolled >= day
        assert is_business_day(rolled)
        assert roll_forward(rolled) == rolled
        day = date.fromordinal(day.toordinal() + 1)
