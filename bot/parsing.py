"""Parsing what people type after `/enforce`: words, case ids, amounts, dates. Pure functions."""

from __future__ import annotations

import re
import shlex
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dragonfly.errors import InvalidInput
from dragonfly.money import parse_amount
from dragonfly.queries import normalize_case_ref

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


def words(text: str | None) -> list[str]:
    """Split command text like a shell would (quotes group words); fall back to spaces."""
    text = (text or "").strip()
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def case_ref(text: str | None) -> str:
    """'DF-12', 'df-12' or '12' -> 'DF-12'; anything else is refused."""
    ref = normalize_case_ref(text or "")
    if ref is None:
        raise InvalidInput(f'"{text or ""}" is not a case id', "Case ids look like DF-1042.")
    return ref


def amount(text: str | None) -> Decimal:
    """A positive amount in dollars and cents: '1,234.56', '$1234', '250.5'."""
    return parse_amount(text)


def parse_date(text: str | None, *, what: str = "date") -> date:
    """A date written YYYY-MM-DD."""
    raw = (text or "").strip()
    if not _DATE.match(raw):
        raise InvalidInput(
            f'"{raw}" is not a date in the form YYYY-MM-DD', f"Write the {what} like 2026-03-31."
        )
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f'"{raw}" is not a real date', f"Write the {what} like 2026-03-31."
        ) from None


def today(tz: ZoneInfo) -> date:
    """Today in the firm's time zone."""
    return datetime.now(tz).date()


def future_date(text: str | None, *, tz: ZoneInfo, what: str, allow_today: bool = False) -> date:
    """A YYYY-MM-DD date that is after today (or today, when allowed) in the firm's time zone."""
    d = parse_date(text, what=what)
    now = today(tz)
    if d < now or (d == now and not allow_today):
        later = "today or later" if allow_today else "after today"
        raise InvalidInput(
            f"The {what} {d.isoformat()} is in the past",
            f"Give a date {later} (today is {now.isoformat()}).",
        )
    return d


def start_of(d: date, tz: ZoneInfo, hour: int = 0) -> datetime:
    """That day at `hour` o'clock in the firm's time zone."""
    return datetime.combine(d, time(hour=hour), tzinfo=tz)


def prefixed(tokens: list[str], prefix: str) -> tuple[str | None, list[str]]:
    """Take the first `prefix:value` token out of `tokens`; returns (value, the other tokens)."""
    for i, tok in enumerate(tokens):
        if tok.lower().startswith(prefix):
            return tok[len(prefix) :], tokens[:i] + tokens[i + 1 :]
    return None, tokens


def slack_user(text: str | None) -> str:
    """'<@U123|name>' or 'U123' -> 'U123'."""
    m = _USER.match((text or "").strip())
    if not m:
        raise InvalidInput(f'"{text or ""}" is not a person', "Mention them: @name.")
    return m.group(1) or m.group(2)


def in_days(tz: ZoneInfo, days: int) -> date:
    return today(tz) + timedelta(days=days)
