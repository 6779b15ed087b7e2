"""A scheduler killed while Slack is answering a chat.postMessage: after the lease runs out the
next scheduler finds the message by the row id in its metadata and marks the row sent instead
of posting it again; rows that were never posted are posted once. None doubled, none lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from dragonfly import db, rpc
from tests.fake_slack import BOT_TOKEN, FakeSlack

MESSAGES = [
    {"channel": "C0OPS", "text": "first: in a channel"},
    {"channel": "U0ALICE01", "text": "second: a DM"},
    {"channel": "C0OPS", "text": "third: a thread reply", "thread_ts": "1764600000.000001"},
    {"channel": "C0EXEC", "text": "fourth: another channel"},
]


def scheduler(db_url: str, fake: FakeSlack, tmp: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "DRAGONFLY_HOME": str(tmp),
        "DRAGONFLY_ADMINS": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler_process", "--name", "s", "--drain-only", "--timeout", "30"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def posts(fake: FakeSlack, text_: str) -> int:
    return sum(1 for c in fake.calls_to("chat.postMessage") if c.params.get("text") == text_)


def test_killed_mid_send_posts_each_message_once(db_url: str, tmp_path: Path) -> None:
    fake = FakeSlack().start()
    engine = db.make_engine(db_url)
    try:
        # the thread being replied to exists in the channel
        fake.messages["C0OPS"] = [{"type": "message", "ts": "1764600000.000001", "text": "parent"}]
        with rpc.transaction(engine) as conn:
            ids = [rpc.enqueue_outbox(conn, method="chat.postMessage", payload=m) for m in MESSAGES]
        # Slack takes the first two posts but holds its answers: the scheduler is killed meanwhile.
        fake.hold_next("chat.postMessage", 60, times=1)
        first = scheduler(db_url, fake, tmp_path)
        deadline = time.monotonic() + 30
        while posts(fake, MESSAGES[0]["text"]) == 0:
            assert time.monotonic() < deadline, first.stderr.read() if first.poll() is not None else "no post"
            time.sleep(0.02)
        first.kill()
        first.wait(10)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, attempts FROM v_outbox ORDER BY id")).all()
        assert [r.status for r in rows] == ["pending"] * 4  # posted to Slack, but never marked sent
        # The leases run out (time passing, as for a crashed worker: not_before is the lease end).
        with engine.begin() as conn:
            conn.execute(text("UPDATE outbox SET not_before = now() WHERE status = 'pending'"))
        second = scheduler(db_url, fake, tmp_path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        for m in MESSAGES:
            assert posts(fake, m["text"]) == 1, (m["text"], [c.params for c in fake.calls_to("chat.postMessage")])
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, slack_ts FROM v_outbox ORDER BY id")).all()
        assert [r.id for r in rows] == ids and all(r.status == "sent" for r in rows), rows
        first_post = next(c for c in fake.calls_to("chat.postMessage") if c.params["text"] == MESSAGES[0]["text"])
        kept = next(m for m in fake.messages["C0OPS"] if m.get("text") == MESSAGES[0]["text"])
        assert rows[0].slack_ts == kept["ts"]  # the row points at the message posted before the crash
        assert first_post.params["metadata"]["event_payload"] == {"outbox_id": ids[0]}
        looked = fake.calls_to("conversations.history") + fake.calls_to("conversations.replies")
        assert looked  # the re-claimed rows were looked for before any post
    finally:
        engine.dispose()
        fake.stop()
