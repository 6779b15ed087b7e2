"""The Block Kit pieces every message is built from: the bot's cards and forms and the
scheduler's digests and alerts (scheduler/jobs) use these, so a limit or an escape rule is
written once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from bot import ids

Block = dict[str, Any]
ELLIPSIS = "…"
# Slack's limits for one text object (Block Kit reference): section and context text 3,000
# characters, plain_text labels of headers and buttons 150.
SECTION_TEXT_MAX = 3000
PLAIN_TEXT_MAX = 150
MAX_BLOCKS = 50  # blocks in one message


def esc(text: Any) -> str:
    """Text a person typed, made safe inside mrkdwn: Slack reads `<...>` as a link, a mention or
    `<!channel>`, and `&` starts an entity, so these three are escaped (Slack's "Formatting text
    for app surfaces": escape &, < and > as &amp; &lt; &gt;). Every builder passes user-supplied
    strings (names, notes, reasons, what, recipients) through this, and nothing else."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, so a reader sees that more exists."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def count(n: int | None) -> str:
    """A number people read, with thousands separators (748,539)."""
    return f"{int(n or 0):,}"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, PLAIN_TEXT_MAX) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX) or " "}


def section(text: str, *, case_ref: str | None = None, **extra: Any) -> Block:
    """A mrkdwn section; with a case, its "Open" button (the case card, `open_case_button`)."""
    if case_ref:
        extra["accessory"] = open_case_button(case_ref)
    return {"type": "section", "text": mrkdwn(text), **extra}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def open_case_button(case_ref: str) -> dict[str, Any]:
    """The "Open" button on digests, alerts and `/enforce mine`: action id "open_case:DF-n" is
    unique within a message, and the listener matches its prefix (bot/ids.py A_OPEN_CASE)."""
    return button("Open", f"{ids.A_OPEN_CASE}:{case_ref}", case_ref)


def case_list(title: str, lines: list[tuple[str, str]]) -> list[Block]:
    """A header and one line per case (case ref, text), each with its Open button, capped to
    Slack's block limit with an "...and N more" line."""
    room = MAX_BLOCKS - 2
    blocks = [header(title)] + [section(text_, case_ref=ref) for ref, text_ in lines[:room]]
    if len(lines) > room:
        blocks.append(context(f"…and {count(len(lines) - room)} more."))
    return blocks


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text[:75]), "value": value[:150]}


def money(value: Decimal | int | float | str | None) -> str:
    return f"${Decimal(value or 0):,.2f}"  # exact: never through a float


def day(value: date | datetime | str | None, tz: tzinfo) -> str:
    """The date a person in the firm's time zone `tz` would give: a time (timestamptz, or ISO text
    from a JSON read) is converted to `tz` first, so 23:30 in New York is that day, not the next
    UTC one. A plain date is shown as it is; a time without a zone is taken as UTC."""
    if value is None:
        return "none"
    if isinstance(value, str):  # ISO text from a JSON read
        if len(value) <= 10:
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value[:10]
        value = parsed
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(tz).date().isoformat()
    return value.isoformat()


def owner_mention(owner: str | None) -> str:
    """A case's owner as a mention, or "(unassigned)"."""
    return f"<@{owner}>" if owner else "(unassigned)"


def who(user: str | None) -> str:
    """A Slack user id as a mention; any other actor (cli:name, system:nightly) as text."""
    if not user:
        return "nobody"
    return f"<@{user}>" if _USER_ID.match(user) else esc(user)


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def reply(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """An ephemeral slash-command reply body."""
    body: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if blocks:
        body["blocks"] = blocks
    return body
