"""The firm's settings: tiers and overrides, roles, the recovery plan, minimum wages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call


def set_tier_override(
    conn: Connection,
    *,
    case_ref: str,
    tier: int,
    reason: str,
    expires_at: datetime,
    actor: str,
    source: str = "slack",
) -> Result:
    """Override the rule tier until a date at most 90 days ahead."""
    return call(
        conn,
        "set_tier_override",
        case_ref=case_ref,
        tier=tier,
        reason=reason,
        expires_at=expires_at,
        actor=actor,
        source=source,
    )


def expire_tier_overrides(conn: Connection, *, now: datetime | None = None, actor: str = "system:nightly") -> Result:
    """Expire overrides whose time has come; the case returns to its rule tier."""
    return call(conn, "expire_tier_overrides", now=now, actor=actor)


def assign_tiers(conn: Connection, *, as_of: date | None = None, actor: str = "system:nightly") -> Result:
    """Rescore every open case from the policy tables."""
    return call(conn, "assign_tiers", as_of=as_of, actor=actor)


def record_deadline_warnings(conn: Connection, *, today: date | None = None, actor: str = "system:nightly") -> int:
    """Record every deadline warning due by `today` (the firm's, by default) not recorded yet;
    returns how many were new.

    Workflow deadlines (levy day 60/75/85, restraining notice lapse, ...) and judgment liens in
    their renewal window (CPLR 5014, docs/domain.md "Liens"), once each."""
    if today is None:
        today = call(conn, "firm_today")
    recorded = int(call(conn, "record_due_deadline_warnings", today=today, actor=actor))
    return recorded + int(call(conn, "record_lien_warnings", today=today, actor=actor))


def set_minimum_wage(
    conn: Connection, *, region: str, effective_from: date, hourly: Decimal, why: str, actor: str
) -> Result:
    """Record a region's hourly minimum wage from a date (the firm adds each indexed year)."""
    return call(
        conn, "set_minimum_wage", region=region, effective_from=effective_from, hourly=hourly, why=why, actor=actor
    )


def grant_role(conn: Connection, *, slack_user_id: str, role: str, actor: str) -> Result:
    """Give a Slack user a role: viewer, officer or admin."""
    return call(conn, "grant_role", slack_user_id=slack_user_id, role=role, actor=actor)


def set_recovery_plan(conn: Connection, *, month: date, amount: Decimal, actor: str) -> Result:
    """Set the recovery plan for a month."""
    return call(conn, "set_recovery_plan", month=month, amount=amount, actor=actor)
