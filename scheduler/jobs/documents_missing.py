"""Documents missing (weekly, ops channel): imported history whose legal steps have no proof."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from bot.blocks.common import count
from scheduler import periods
from scheduler.jobs.base import Context, Message, case_list, owner_mention

NAME = "documents_missing"
PERIOD = periods.WEEKLY
BUSINESS_DAYS_ONLY = False


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    rows = list(conn.execute(text("SELECT * FROM documents_missing()")))
    if not rows:
        return [], {"cases": 0}
    blocks = case_list(
        f"Steps without their document: {count(len(rows))} cases",
        [
            (
                r.case_ref,
                f"*{r.case_ref}* {r.steps} step(s) since {periods.local(r.first_at, ctx.tz):%Y-%m-%d}"
                f" · owner {owner_mention(r.owner)}",
            )
            for r in rows
        ],
    )
    msg = Message(
        recipient="ops",
        method="chat.postMessage",
        payload={
            "channel": ctx.services.settings.dragonfly_ops_channel,
            "text": f"{count(len(rows))} cases have steps without their document",
            "blocks": blocks,
        },
    )
    return [msg], {"cases": len(rows)}
