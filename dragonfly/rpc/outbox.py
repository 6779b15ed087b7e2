"""The outbox: Slack Web API calls queued in the transaction of what they report, and the worker's
claim, lease and marks (scheduler/outbox.py; SQL in sql/0005_queues.sql)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call, rows


def enqueue_outbox(
    conn: Connection,
    *,
    method: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue a Slack Web API call for the outbox worker (same transaction as what it reports)."""
    return int(
        call(
            conn,
            "enqueue_outbox",
            method=method,
            payload=json.dumps(payload, default=str),
            dedupe_key=dedupe_key,
            not_before=not_before,
        )
    )


def enqueue_home_publish(conn: Connection, *, user: str) -> int:
    """Queue "publish the App Home for `user`" (the worker builds it when it sends); a row not yet
    taken by a worker is joined, not repeated, so opens and actions coalesce per user."""
    return int(call(conn, "enqueue_home_publish", user=user))


def claim_outbox(conn: Connection, *, limit: int, lease_seconds: int) -> list[Result]:
    """Due rows claimed with a lease (FOR UPDATE SKIP LOCKED); a row's `attempts` is its claim token."""
    return [
        {k: r[k] for k in ("id", "method", "payload", "attempts")}
        for r in rows(conn, "claim_outbox", limit=limit, lease_seconds=lease_seconds)
    ]


def renew_outbox_lease(conn: Connection, *, row_id: int, token: int, lease_seconds: int) -> bool:
    """Renew a claimed row's lease; False if the claim token is no longer this worker's."""
    return bool(call(conn, "renew_outbox_lease", id=row_id, attempts=token, lease_seconds=lease_seconds))


def hold_outbox_row(conn: Connection, *, row_id: int, token: int) -> bool:
    """Lock a claimed row for its send (this transaction); False if the claim was lost."""
    return bool(call(conn, "hold_outbox_row", id=row_id, attempts=token))


def mark_outbox_sent(conn: Connection, *, row_id: int, token: int, slack_ts: str | None) -> bool:
    """Slack accepted the row."""
    return bool(call(conn, "mark_outbox_sent", id=row_id, slack_ts=slack_ts, attempts=token))


def mark_outbox_retry(
    conn: Connection, *, row_id: int, token: int, delay_seconds: float, error: str | None, max_attempts: int
) -> str:
    """Put the row back for `delay_seconds` (failed once `max_attempts` are spent; 0 fails it now);
    returns its status: pending or failed."""
    return str(
        call(
            conn,
            "mark_outbox_retry",
            id=row_id,
            delay_seconds=Decimal(str(delay_seconds)),
            error=error,
            max_attempts=max_attempts,
            attempts=token,
        )
    )
