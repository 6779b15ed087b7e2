"""New York business days: weekends and General Construction Law 24 public holidays.

GCL 25-a rolls a deadline that falls on a Saturday, Sunday or public holiday to the next business
day. The `holidays` package (US, subdivision NY) is the source, filtered to the days GCL 24 lists:
it also carries commemorations (Susan B. Anthony Day) and federal "observed" Fridays that are not
GCL 24 holidays.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# GCL 24, by the names the `holidays` package uses. Flag Day (second Sunday in June) is a GCL 24
# holiday too but always a Sunday; it is kept so the table is complete, and never moves (GCL 24).
GCL24_NAMES = {
    "New Year's Day",
    "Martin Luther King Jr. Day",
    "Lincoln's Birthday",
    "Washington's Birthday",
    "Memorial Day",
    "Juneteenth National Independence Day",
    "Independence Day",
    "Labor Day",
    "Columbus Day",
    "Election Day",
    "Veterans Day",
    "Thanksgiving Day",
    "Christmas Day",
}
OBSERVED_SUFFIX = " (observed)"


@lru_cache(maxsize=256)
def ny_public_holidays(year: int) -> dict[date, str]:
    """GCL 24 public holidays of a year: Sunday holidays move to Monday; Saturday ones do not move."""
    source = holidays.country_holidays("US", subdiv="NY", years=year, observed=True)
    result: dict[date, str] = {}
    for day, names in source.items():
        for name in names.split("; "):
            base = name.removesuffix(OBSERVED_SUFFIX)
            if base not in GCL24_NAMES:
                continue
            # Only the Sunday -> Monday move is GCL 24; federal Friday "observed" days are not.
            if name.endswith(OBSERVED_SUFFIX) and day.weekday() != 0:
                continue
            result[day] = name
    # Flag Day: the second Sunday in June (GCL 24); on a Sunday, so it never changes a deadline.
    first = date(year, 6, 1)
    flag_day = first + timedelta(days=(6 - first.weekday()) % 7 + 7)
    result[flag_day] = "Flag Day"
    return dict(sorted(result.items()))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in ny_public_holidays(day.year)


def roll_forward(day: date) -> date:
    """The day itself if a business day, else the next business day (GCL 25-a)."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    """The n-th business day after `day`."""
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def holiday_rows(first_year: int, last_year: int) -> list[tuple[date, str]]:
    return [item for y in range(first_year, last_year + 1) for item in ny_public_holidays(y).items()]
