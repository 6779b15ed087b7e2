"""Exactly once: two schedulers (as threads, and as two real OS processes, each with its own engine
and Slack client) run the same periods against one database at the same time; the fake Slack
server counts every message once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from scheduler import outbox
from scheduler.jobs import digest
from scheduler.jobs.base import run_job
from scheduler.runner import catch_up
from tests.conftest import judgment
from tests.fake_slack import BOT_TOKEN

NY = ZoneInfo("America/New_York")


def ny(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=NY)


def make_services(settings, db_url, fake) -> Services:  # type: ignore[no-untyped-def]
    return Services(
        settings=settings.model_copy(update={"slack_bot_token": BOT_TOKEN, "slack_api_url": fake.api_url}),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )


@pytest.fixture
def seeded(engine):  # type: ignore[no-untyped-def]
    seed = ny("2026-11-20T10:00")
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, seed)
        for i in range(6):
            ref = rpc.create_enforcement_case(conn, **judgment(owner=f"U0OWN{i % 3}"))["case_ref"]
            if i % 2 == 0:
                rpc.set_tier_override(
                    conn,
                    case_ref=ref,
                    tier=3,
                    reason="priority",
                    actor="cli:test",
                    expires_at=seed + timedelta(days=80),
                )
            rpc.set_next_action(
                conn,
                case_ref=ref,
                at=seed + timedelta(days=i + 1),
                what=f"step {i}",
                actor="cli:test",
            )
        rpc.set_recovery_plan(conn, month=date(2026, 12, 1), amount=10000, actor="cli:test")


def drain(services: Services, stop: threading.Event) -> None:
    while not stop.is_set():
        if outbox.deliver_due(services, 5) == 0:
            time.sleep(0.05)


def test_two_schedulers_several_periods_each_message_once(settings, db_url, fake, seeded):  # type: ignore[no-untyped-def]
    a, b = make_services(settings, db_url, fake), make_services(settings, db_url, fake)
    times = [ny(f"2026-12-{d:02d}T09:05") for d in (7, 8, 9, 10, 11)]  # Mon..Fri
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)
    stop = threading.Event()

    drainers = [threading.Thread(target=drain, args=(s, stop)) for s in (a, b)]
    for d in drainers:
        d.start()

    def scheduler(services: Services) -> None:
        try:
            for now in times:
                barrier.wait(timeout=30)
                catch_up(services, now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            barrier.abort()

    threads = [threading.Thread(target=scheduler, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # let both workers drain what is left
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with a.engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM v_outbox WHERE status = 'pending'")).scalar_one():
                break
        time.sleep(0.1)
    stop.set()
    for d in drainers:
        d.join()
    time.sleep(0.3)
    assert not [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    with a.engine.connect() as conn:
        runs = Counter(r.job for r in conn.execute(text("SELECT job FROM v_job_runs")))
        rows = list(conn.execute(text("SELECT dedupe_key, method, status, payload FROM v_outbox")))
    assert runs["digest"] == 5 and runs["stale"] == 5 and runs["weekly"] == 1
    assert all(r.status == "sent" for r in rows)
    posts = fake.calls_to("chat.postMessage")
    uploads = fake.calls_to("files.completeUploadExternal")
    assert len(posts) == sum(r.method == "chat.postMessage" for r in rows)
    assert len(uploads) == sum(r.method == "files_upload_v2" for r in rows) == 1
    # each message (channel + text + period) exactly once
    sent = Counter((c.params["channel"], c.params.get("text"), str(c.params.get("blocks"))[:200]) for c in posts)
    assert max(sent.values()) == 1
    digests = [r for r in rows if r.dedupe_key.startswith("digest:")]
    assert len(digests) == 5 * 4  # 3 owners + the ops roll-up, each business day
    a.close()
    b.close()


ROOT = Path(__file__).resolve().parents[2]


def test_two_scheduler_processes_several_periods_each_message_once(settings, db_url, fake, seeded, tmp_path):  # type: ignore[no-untyped-def]
    """Two `python -m tests.scheduler_process` processes meet at a file barrier before each period
    (Sunday night to the next Tuesday morning, the nightly, digest, stale, weekly and documents
    runs included), both run the catch-up as of that time, both run an outbox worker."""
    times = [
        ny(f"2026-12-{d}").isoformat()
        for d in (
            "06T23:00",  # Sunday: nothing due in grace
            "07T02:10",  # nightly
            "07T08:40",  # digest
            "07T09:05",  # stale, weekly
            "07T10:05",  # documents missing
            "08T02:10",
            "08T08:40",
            "08T09:05",
            "09T09:05",  # digest, stale (and nightly beyond its grace: skipped)
        )
    ]
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_TIMEZONE": "America/New_York",
        "PYTHONPATH": str(ROOT),
    }
    barrier_dir = tmp_path / "barrier"
    barrier_dir.mkdir()
    cmd = [sys.executable, "-m", "tests.scheduler_process", "--parties", "2"]
    cmd += ["--barrier-dir", str(barrier_dir)]
    for t in times:
        cmd += ["--at", t]
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [*cmd, "--name", name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert time.monotonic() - started < 60
    assert {p.pid for p in procs} and len(outputs) == 2

    # Both processes tried every period; exactly one of them claimed each (job, period).
    tried = Counter((r["job"], r["period"]) for o in outputs for r in o["results"])
    queued = Counter((r["job"], r["period"]) for o in outputs for r in o["results"] if r["status"] == "queued")
    assert tried and all(n >= 2 for n in tried.values())
    assert all(n == 1 for n in queued.values())
    check = make_services(settings, db_url, fake)
    try:
        with check.engine.connect() as conn:
            runs = Counter((r.job, r.period) for r in conn.execute(text("SELECT job, period FROM v_job_runs")))
            rows = list(conn.execute(text("SELECT dedupe_key, method, status, payload FROM v_outbox")))
    finally:
        check.close()
    assert set(runs) == set(queued) and max(runs.values()) == 1
    jobs = Counter(job for job, _ in runs)
    assert jobs == {"nightly": 2, "digest": 3, "stale": 3, "weekly": 1, "documents_missing": 1}
    assert rows and all(r.status == "sent" for r in rows)
    assert sum(o["sent"] for o in outputs) == len(rows)

    # The fake Slack server saw each message once.
    posts = fake.calls_to("chat.postMessage")
    uploads = fake.calls_to("files.completeUploadExternal")
    assert len(posts) == sum(r.method == "chat.postMessage" for r in rows)
    assert len(uploads) == sum(r.method == "files_upload_v2" for r in rows) == 1
    sent = Counter((c.params["channel"], c.params.get("text"), json.dumps(c.params.get("blocks"))) for c in posts)
    assert max(sent.values()) == 1
    digests = [r for r in rows if r.dedupe_key.startswith("digest:")]
    assert len(digests) == 3 * 4  # 3 owners + the ops roll-up, each business day


def test_crash_between_claim_and_delivery_is_delivered_after_restart_once(settings, db_url, fake, seeded):  # type: ignore[no-untyped-def]
    first = make_services(settings, db_url, fake)
    result = run_job(first, digest, now=ny("2026-12-08T08:30"))  # claim + enqueue committed ...
    assert result.status == "queued"
    first.close()  # ... and the process dies
    assert fake.calls_to("chat.postMessage") == []
    restarted = make_services(settings, db_url, fake)
    try:
        assert all(
            r.job != "digest" or r.status == "already_claimed" for r in catch_up(restarted, ny("2026-12-08T08:45"))
        )
        total = 0
        for _ in range(5):
            total += outbox.deliver_due(restarted)
        with restarted.engine.connect() as conn:
            rows = list(conn.execute(text("SELECT dedupe_key, method, status FROM v_outbox")))
        assert total == len(rows) and all(r.status == "sent" for r in rows)
        assert sum(r.dedupe_key.startswith("digest:2026-12-08:") for r in rows) == len(result.messages)
        assert len(fake.calls_to("chat.postMessage")) == sum(r.method == "chat.postMessage" for r in rows)
    finally:
        restarted.close()
