"""Scheduled jobs. Each module has `NAME`, `PERIOD` (daily or weekly), `BUSINESS_DAYS_ONLY` and
`build(conn, ctx) -> list[Message]`; `scheduler.jobs.base.run_job` claims the period and queues
the messages in one transaction."""

from __future__ import annotations

from scheduler.jobs import digest, documents_missing, nightly, stale, weekly

JOBS = {m.NAME: m for m in (digest, stale, weekly, nightly, documents_missing)}
