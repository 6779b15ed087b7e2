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


# What one typed command may hold. A note is at most 3,000 characters (add_case_note), so a
# command with one fits; anything longer is refused before the shell-style split, whose cost
# grows badly with length (a 1 MB command took 24 s).
MAX_COMMAND_CHARS = 4000
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str, *, what: str = "Your text") -> str:
    """`text` unchanged, or InvalidInput if the database could not keep it as text: a NUL
    character or half of a UTF-16 pair (neither is a character a person can type)."""
    if "\x00" in text:
        raise InvalidInput(
            f"{what} contains a NUL character (code 0), which cannot be stored",
            "Remove it (it usually comes from pasting binary data) and send it again.",
        )
    if _LONE_SURROGATE.search(text):
        raise InvalidInput(
            f"{what} contains a broken character (half of a UTF-16 pair), which cannot be stored",
            "Retype the text around emoji or symbols and send it again.",
        )
    return text


def command_text(text: str | None) -> str:
    """What was typed after /enforce, refused if too long or not storable."""
    text = text or ""
    if len(text) > MAX_COMMAND_CHARS:
        raise InvalidInput(
            f"The command is {len(text):,} characters long; the limit is {MAX_COMMAND_CHARS:,}",
            "Shorten it; a note may be up to 3,000 characters.",
        )
    return storable(text, what="The command")


def words(text: str | None) -> list[str]:
    """Split command text like a shell would (quotes group words); fall back to spaces."""
    text = command_text(text).strip()
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
        raise InvalidInput(f'"{raw}" is not a date in the form YYYY-MM-DD', f"Write the {what} like 2026-03-31.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f'"{raw}" is not a real date', f"Write the {what} like 2026-03-31.") from None


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
