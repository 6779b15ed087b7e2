"""Period keys and business days in the firm's time zone.

A job run claims `(job, period)`; the period is computed from the local date of the run, so a
run at 08:30 New York time on 2026-03-09 is `2026-03-09` whatever the UTC offset that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dragonfly.businessdays import is_business_day

DAILY = "daily"
WEEKLY = "weekly"


def local(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None:
        raise ValueError("jobs need an aware datetime")
    return now.astimezone(tz)


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return local(now, tz).date()


def period_key(kind: str, now: datetime, tz: ZoneInfo) -> str:
    """`2026-12-01` for daily jobs, `2026-W49` (ISO week) for weekly ones."""
    day = local_date(now, tz)
    if kind == WEEKLY:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return day.isoformat()


def business_day(now: datetime, tz: ZoneInfo) -> bool:
    """Whether the firm's local date is a NY business day (no weekend, no GCL 24 holiday)."""
    return is_business_day(local_date(now, tz))


def previous_business_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """An aware datetime for a wall-clock time on a local date (DST-correct)."""
    return datetime.combine(day, clock, tzinfo=tz)


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())
