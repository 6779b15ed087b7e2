"""Stale Tier 3 alert (business days 09:00, ops channel): Tier 3 open cases more than 7 days in
one stage, each with owner and dwell (recovery excluded while payments arrive every 35 days)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from bot.blocks.common import count
from scheduler import periods
from scheduler.jobs.base import Context, Message, case_list, owner_mention

NAME = "stale"
PERIOD = periods.DAILY
BUSINESS_DAYS_ONLY = True


def select_stale(conn: Connection, *, now: Any) -> list[Any]:
    return list(conn.execute(text("SELECT * FROM stale_tier3(:now)"), {"now": now}))


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    rows = select_stale(conn, now=ctx.now)
    if not rows:
        return [], {"cases": 0}
    blocks = case_list(
        f"Stale Tier 3 cases: {count(len(rows))} more than 7 days in one stage",
        [
            (r.case_ref, f"*{r.case_ref}* {r.stage} for {r.dwell_days} days · owner {owner_mention(r.owner)}")
            for r in rows
        ],
    )
    channel = ctx.services.settings.dragonfly_ops_channel
    msg = Message(
        recipient="ops",
        method="chat.postMessage",
        payload={"channel": channel, "text": f"{count(len(rows))} stale Tier 3 cases", "blocks": blocks},
    )
    return [msg], {"cases": len(rows)}
