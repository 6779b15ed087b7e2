"""Running a job exactly once per period.

In ONE transaction: set the SQL clock to `now`, claim `(job, period)` with `claim_job_run`, build
the messages (and, for the nightly job, record its events), and queue every message in the outbox
with dedupe key `job:period:recipient`. A second scheduler, a restart or a retry finds the claim
and queues nothing; a crash before commit leaves neither the claim nor the messages.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

# The Block Kit helpers the jobs build with live once, in bot/blocks/common.py; these names stay
# importable from here for the jobs that import them so.
from bot.blocks.common import MAX_BLOCKS, case_list, context, header, money, owner_mention, section
from dragonfly import rpc
from dragonfly.bootstrap import Services
from scheduler import periods

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One Slack Web API call to queue: `recipient` names it in the dedupe key."""

    recipient: str
    method: str
    payload: dict[str, Any]

    def as_text(self) -> str:
        """The message as an operator reads it in a dry run."""
        where = self.payload.get("channel") or self.payload.get("user") or self.recipient
        lines = [f"--- {self.method} to {where}"]
        if self.payload.get("text"):
            lines.append(str(self.payload["text"]))
        for block in self.payload.get("blocks") or []:
            body = (block.get("text") or {}).get("text")
            if body and body != self.payload.get("text"):
                lines.append(body)
            for element in block.get("elements") or []:
                if element.get("type") in ("mrkdwn", "plain_text"):
                    lines.append(element["text"])
        if self.payload.get("initial_comment"):
            lines.append(str(self.payload["initial_comment"]))
        if self.payload.get("filename"):
            size = len(self.payload.get("content_b64") or "") * 3 // 4
            lines.append(f"[file {self.payload['filename']}, about {size} bytes]")
        return "\n".join(lines)


@dataclass
class Context:
    """What a job's build function gets: the time it runs as of, and the services."""

    services: Services
    now: datetime
    period: str
    dry_run: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return self.services.settings.tz

    @property
    def today(self):  # type: ignore[no-untyped-def]
        return periods.local_date(self.now, self.tz)


@dataclass
class JobResult:
    job: str
    period: str
    status: str  # queued | already_claimed | not_business_day | dry_run
    messages: list[Message] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


Build = Callable[[Connection, Context], tuple[list[Message], dict[str, Any]]]


def run_job(
    services: Services,
    job: ModuleType,
    *,
    now: datetime,
    dry_run: bool = False,
    period_at: datetime | None = None,
    force_day: bool = False,
    by: str | None = None,
) -> JobResult:
    """Run `job` as of `now` (aware); its period is that of `period_at` (scheduled) or `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = services.settings.tz
    at = period_at or now
    period = periods.period_key(job.PERIOD, at, tz)
    name = job.NAME
    if job.BUSINESS_DAYS_ONLY and not force_day and not periods.business_day(at, tz):
        log.info("%s %s: not a business day, nothing to send", name, period)
        return JobResult(name, period, "not_business_day")
    ctx = Context(services=services, now=now, period=period, dry_run=dry_run)
    with services.engine.connect() as conn:
        trans = conn.begin()
        try:
            rpc.set_clock(conn, now)
            if not dry_run:
                claimed = rpc.claim_job_run(
                    conn,
                    job=name,
                    period=period,
                    by=by or worker_id(),
                    summary={"as_of": now.isoformat()},
                )
                if not claimed:
                    trans.rollback()
                    log.info("%s %s: already claimed, nothing to send", name, period)
                    return JobResult(name, period, "already_claimed")
            messages, summary = job.build(conn, ctx)
            if dry_run:
                trans.rollback()
                return JobResult(name, period, "dry_run", messages, summary)
            real_now = datetime.now(UTC)
            for m in messages:
                rpc.enqueue_outbox(
                    conn,
                    method=m.method,
                    payload=m.payload,
                    dedupe_key=f"{name}:{period}:{m.recipient}",
                    not_before=real_now,
                )
            trans.commit()
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
    log.info(
        "%s %s: queued %d message(s) %s",
        name,
        period,
        len(messages),
        json.dumps(summary, default=str),
    )
    return JobResult(name, period, "queued", messages, summary)


__all__ = ["MAX_BLOCKS", "Context", "JobResult", "Message", "case_list", "context", "header", "money", "owner_mention"]
__all__ += ["run_job", "section"]
