"""Nightly (02:00): assign tiers, expire overrides, and record workflow deadline warnings
(levy day 60/75/85, restraining notice 30 days before lapse, subpoena answer overdue,
garnishment without remittance 45 days after service on the employer, ...). Each warning is an
event once (per workflow and warning) and appears in the next morning digest. Then the read
model's time-only changes (sql/0070_read_model.sql refresh_read_model_for_day). Every step is
set-based (sql/0074, sql/0120): it writes, with an event, only the cases whose tier, override or
warnings change, so the run costs index reads plus the changes, not a statement per case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from dragonfly import rpc
from scheduler import periods
from scheduler.jobs.base import Context, Message

NAME = "nightly"
PERIOD = periods.DAILY
BUSINESS_DAYS_ONLY = False


def record_warnings(conn: Connection, *, today: Any) -> int:
    """Record every warning due by `today` not recorded yet; returns how many were new."""
    return rpc.record_deadline_warnings(conn, today=today)


def run(conn: Connection, *, now: datetime, today: date) -> dict[str, Any]:
    """The night's work as of `now` (the firm's date `today`), in one transaction; its counts."""
    expired = rpc.expire_tier_overrides(conn, now=now)
    tiers = rpc.assign_tiers(conn, as_of=today)
    warnings = record_warnings(conn, today=today)
    # What only time changes in the read model (interest rate windows), and the day's totals folded.
    read_model = conn.execute(text("SELECT refresh_read_model_for_day(:d)"), {"d": today}).scalar_one()
    return {"tiers": tiers, "overrides": expired, "warnings": warnings, "read_model": read_model}


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    return [], run(conn, now=ctx.now, today=ctx.today)
