"""Failed and stuck queue rows (outbox deliveries, document ingestions), and the sanctioned ways to
retry or discard them (`dragonfly queue`, `dragonfly doctor`; SQL in sql/0080_queue_ops.sql)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from dragonfly import rpc
from dragonfly.errors import InvalidInput

KINDS = ("outbox", "ingestion")
STATES = ("open", "failed", "stuck", "all")
_REF = re.compile(r"^\s*(?:(outbox|ingestion|o|i)[:#-]?)?\s*(\d{1,18})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class QueueRow:
    """One row of either queue as an operator reads it."""

    kind: str
    id: int
    ref: str
    status: str
    stuck: bool
    what: str
    for_whom: str | None
    case_ref: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    not_before: datetime
    age_seconds: Decimal
    discard_reason: str | None

    @property
    def state(self) -> str:
        return "stuck" if self.stuck else self.status

    def line(self) -> str:
        """One sentence for doctor: which row, what it is, for whom, why."""
        whom = ", ".join(x for x in (self.case_ref, self.for_whom) if x)
        error = f": {self.last_error}" if self.last_error else ""
        return (
            f"{self.ref} {self.state} ({self.what}{f' for {whom}' if whom else ''}, "
            f"{self.attempts} attempts, {age(self.age_seconds)} old){error}"
        )


def age(seconds: Decimal | float) -> str:
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def parse_ref(ref: str, kind: str | None = None) -> tuple[str, int]:
    """'outbox:12', 'ingestion:5' (also o12, i5), or a bare id with `kind` given."""
    m = _REF.match(ref or "")
    if not m:
        raise InvalidInput(f'"{ref}" is not a queue row', "Use the id shown by dragonfly queue list, e.g. outbox:12.")
    prefix, number = m.group(1), int(m.group(2))
    named = {"o": "outbox", "i": "ingestion"}.get((prefix or "").lower(), (prefix or "").lower()) or None
    if named and kind and named != kind:
        raise InvalidInput(f"{ref} is an {named} row, not {kind}", "Leave --kind out, or give the matching id.")
    chosen = named or kind
    if chosen is None:
        raise InvalidInput(f'"{ref}" does not say which queue', "Write outbox:12 or ingestion:5 (or add --kind).")
    return chosen, number


def list_rows(
    engine: Engine, *, kind: str | None = None, state: str = "open", stuck_seconds: int = 900, limit: int = 200
) -> list[QueueRow]:
    """Failed and stuck rows (state open), or only one of them, or every row (all)."""
    with engine.connect() as conn:
        rows = rpc.queue_rows(conn, kind=kind, state=state, stuck_seconds=stuck_seconds, limit=limit)
    return [QueueRow(**r) for r in rows]


def retry(conn: Connection, *, ref: str, actor: str, kind: str | None = None) -> dict[str, Any]:
    """Put one failed or stuck row back in its queue, due now, with all its attempts again."""
    queue, number = parse_ref(ref, kind)
    return rpc.queue_retry(conn, kind=queue, row_id=number, actor=actor)


def retry_failed(conn: Connection, *, actor: str, kind: str | None = None) -> dict[str, int]:
    """Every failed row (of one queue, or both) back to pending; counts per queue."""
    return rpc.queue_retry_failed(conn, kind=kind, actor=actor)


def discard(conn: Connection, *, ref: str, reason: str, actor: str, kind: str | None = None) -> dict[str, Any]:
    """Give up on a row for good; the reason is kept on the row and, where it has a case, as a case event."""
    queue, number = parse_ref(ref, kind)
    return rpc.queue_discard(conn, kind=queue, row_id=number, reason=reason, actor=actor)
