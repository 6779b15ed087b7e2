"""The APScheduler process end to end: started in a thread, its outbox worker delivers a queued
message, its start-up catch-up claims today's due runs, and it stops on the event."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from scheduler.config import SchedulerConfig
from scheduler.runner import build_scheduler, run_scheduler
from tests.fake_slack import BOT_TOKEN


def test_run_scheduler_delivers_and_stops(settings, db_url, fake):  # type: ignore[no-untyped-def]
    svc = Services(
        settings=settings.model_copy(
            update={"slack_bot_token": BOT_TOKEN, "slack_api_url": fake.api_url}
        ),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )
    config = SchedulerConfig(
        outbox_interval_seconds=0.2,
        ingestion_interval_seconds=0.2,
        nightly_cron="* * * * *",
        nightly_grace_minutes=5,
    )
    with rpc.transaction(svc.engine) as conn:
        rpc.enqueue_outbox(
            conn,
            method="chat.postMessage",
            payload={"channel": "C0X", "text": "hi"},
            dedupe_key="runner:1",
        )
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(svc, stop, config), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not fake.calls_to("chat.postMessage"):
            time.sleep(0.1)
        assert len(fake.calls_to("chat.postMessage")) == 1
        with svc.engine.connect() as conn:  # the catch-up ran the every-minute nightly once
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                n = conn.execute(
                    text("SELECT count(*) FROM v_job_runs WHERE job = 'nightly'")
                ).scalar_one()
                if n:
                    break
                time.sleep(0.2)
                conn.rollback()
        assert n >= 1
    finally:
        stop.set()
        thread.join(timeout=15)
        svc.close()
    assert not thread.is_alive()


def test_jobs_are_scheduled_in_the_firm_time_zone(services):  # type: ignore[no-untyped-def]
    sched = build_scheduler(services, SchedulerConfig())
    sched.start(paused=True)
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert {
            "digest",
            "stale",
            "weekly",
            "nightly",
            "documents_missing",
            "outbox",
            "ingestion",
        } <= set(jobs)
        assert str(jobs["digest"].trigger.timezone) == "America/New_York"
        assert jobs["digest"].misfire_grace_time == 3 * 3600
    finally:
        sched.shutdown(wait=False)
