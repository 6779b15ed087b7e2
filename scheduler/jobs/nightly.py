"""Nightly (02:00): assign tiers, expire overrides, and record workflow deadline warnings
(levy day 60/75/85, restraining notice 30 days before lapse, subpoena answer overdue,
garnishment without remittance 45 days after service on the employer, ...). Each warning is an
event once (record_deadline_warning is idempotent) and appears in the next morning digest. Then the
read model's time-only changes (sql/0070_read_model.sql refresh_read_model_for_day)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from dragonfly import rpc
from scheduler import periods
from scheduler.jobs.base import Context, Message

NAME = "nightly"
PERIOD = periods.DAILY
BUSINESS_DAYS_ONLY = False


def record_warnings(conn: Connection, *, today: Any) -> int:
    """Record every warning due by `today`; returns how many were new."""
    rows = list(conn.execute(text("SELECT action_id, warning, due FROM due_deadline_warnings(:d)"), {"d": today}))
    recorded = sum(
        rpc.record_deadline_warning(conn, action_id=int(r.action_id), warning=r.warning, due=r.due) for r in rows
    )
    # Judgment liens in their renewal window (CPLR 5014, docs/domain.md "Liens"), once per county.
    return recorded + int(conn.execute(text("SELECT record_lien_warnings(:d)"), {"d": today}).scalar_one())


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    expired = rpc.expire_tier_overrides(conn, now=ctx.now)
    tiers = rpc.assign_tiers(conn, as_of=ctx.today)
    warnings = record_warnings(conn, today=ctx.today)
    # What only time changes in the read model (interest rate windows), and the day's totals folded.
    read_model = conn.execute(text("SELECT refresh_read_model_for_day(:d)"), {"d": ctx.today}).scalar_one()
    return [], {"tiers": tiers, "overrides": expired, "warnings": warnings, "read_model": read_model}
