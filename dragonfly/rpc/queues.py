"""Once-only guards (Slack request keys, job runs) and the operator's queue tools (`dragonfly
queue`, `dragonfly doctor`; SQL in sql/0080_queue_ops.sql)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call, rows


def claim_request(conn: Connection, *, key: str) -> bool:
    """True the first time a Slack request key is seen in a committed transaction."""
    return bool(call(conn, "claim_request", key=key))


def claim_job_run(conn: Connection, *, job: str, period: str, by: str, summary: dict[str, Any] | None = None) -> bool:
    """True if this (job, period) had not been claimed: the caller then queues its messages."""
    return bool(
        call(conn, "claim_job_run", job=job, period=period, by=by, summary=json.dumps(summary or {}, default=str))
    )


def queue_rows(conn: Connection, *, kind: str | None, state: str, stuck_seconds: int, limit: int) -> list[Result]:
    """Failed and stuck rows of the outbox and ingestion queues (state open), or one of them, or all."""
    return rows(conn, "queue_rows", kind=kind, state=state, stuck_seconds=stuck_seconds, limit=limit)


def queue_retry(conn: Connection, *, kind: str, row_id: int, actor: str) -> Result:
    """Put one failed or stuck row back in its queue, due now, with all its attempts again."""
    return call(conn, "queue_retry", kind=kind, id=row_id, actor=actor)


def queue_retry_failed(conn: Connection, *, kind: str | None, actor: str) -> dict[str, int]:
    """Every failed row (of one queue, or both) back to pending; counts per queue."""
    return call(conn, "queue_retry_failed", kind=kind, actor=actor)


def queue_discard(conn: Connection, *, kind: str, row_id: int, reason: str, actor: str) -> Result:
    """Give up on a row for good; the reason is kept on the row and, where it has a case, as a case event."""
    return call(conn, "queue_discard", kind=kind, id=row_id, reason=reason, actor=actor)
