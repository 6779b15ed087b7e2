"""Stale Tier 3 alert (business days 09:00, ops channel): Tier 3 open cases longer in one stage
than the `stale_days` table allows (7 days), each with owner and dwell (recovery excluded while
payments arrive every 35 days)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from bot.blocks.common import count
from dragonfly import rules
from scheduler import periods
from scheduler.jobs.base import Context, Message, case_list, owner_mention

NAME = "stale"
PERIOD = periods.DAILY
BUSINESS_DAYS_ONLY = True


def select_stale(conn: Connection, *, now: Any, days: int) -> list[Any]:
    return list(conn.execute(text("SELECT * FROM stale_tier3(:now, :days)"), {"now": now, "days": days}))


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    days = rules.load(ctx.services.engine).stale_days[3]
    rows = select_stale(conn, now=ctx.now, days=days)
    if not rows:
        return [], {"cases": 0}
    blocks = case_list(
        f"Stale Tier 3 cases: {count(len(rows))} more than {days} days in one stage",
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
