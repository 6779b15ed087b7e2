"""Outbox delivery against the fake Slack Web API: DMs through conversations.open, 429 with
Retry-After and 500 retried later and delivered once with the wait respected, a crash between
claim and delivery delivered after restart once, permanent refusals failed."""

from __future__ import annotations

import time

from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from scheduler import outbox


def enqueue(services: Services, method: str, payload: dict, key: str) -> int:  # type: ignore[type-arg]
    with rpc.transaction(services.engine) as conn:
        return rpc.enqueue_outbox(conn, method=method, payload=payload, dedupe_key=key)


def row(services: Services, outbox_id: int):  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM v_outbox WHERE id = :id"), {"id": outbox_id}).one()


def drain(services: Services, until: float = 10.0) -> int:
    deadline, sent = time.monotonic() + until, 0
    while time.monotonic() < deadline:
        sent += outbox.deliver_due(services)
        with services.engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM v_outbox WHERE status = 'pending'")).scalar_one():
                return sent
        time.sleep(0.1)
    return sent


def test_post_and_dm(slack_services, fake):  # type: ignore[no-untyped-def]
    a = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "hello"}, "t:1")
    b = enqueue(slack_services, "chat.postMessage", {"channel": "U0AAA", "text": "to you"}, "t:2")
    assert outbox.deliver_due(slack_services) == 2
    assert [c.params.get("users") for c in fake.calls_to("conversations.open")] == ["U0AAA"]
    channels = [c.params["channel"] for c in fake.calls_to("chat.postMessage")]
    assert channels == ["C0OPS", "DU0AAA"]
    assert row(slack_services, a).status == "sent" and row(slack_services, a).slack_ts
    assert row(slack_services, b).status == "sent"
    assert outbox.deliver_due(slack_services) == 0
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_429_retry_after_is_respected_and_sent_once(slack_services, fake):  # type: ignore[no-untyped-def]
    fake.fail_next("chat.postMessage", 429, retry_after=2)
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "later"}, "t:429")
    assert outbox.deliver_due(slack_services) == 0
    r = row(slack_services, oid)
    assert r.status == "pending" and "429" in r.last_error
    assert outbox.deliver_due(slack_services) == 0  # not due yet: no call made
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert drain(slack_services) == 1
    calls = fake.calls_to("chat.postMessage")
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 2.0  # the wait was respected
    assert row(slack_services, oid).status == "sent"


def test_500_backs_off_then_sent_once(slack_services, fake, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "BACKOFF_BASE_SECONDS", 0.5)
    fake.fail_next("chat.postMessage", 500, times=2)
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "x"}, "t:500")
    assert drain(slack_services) == 1
    calls = fake.calls_to("chat.postMessage")
    assert len(calls) == 3
    assert calls[1].at - calls[0].at >= 0.4 and calls[2].at - calls[1].at >= 0.8  # 0.5 s, then 1 s (+-20%)
    r = row(slack_services, oid)
    assert r.status == "sent" and r.attempts == 3


def test_permanent_refusal_fails_the_row(slack_services, fake):  # type: ignore[no-untyped-def]
    fake.responses["chat.postMessage"] = {"ok": False, "error": "channel_not_found"}
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0GONE", "text": "x"}, "t:gone")
    assert outbox.deliver_due(slack_services) == 0
    r = row(slack_services, oid)
    assert r.status == "failed" and "channel_not_found" in r.last_error


def test_network_error_retries(slack_services, fake, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "BACKOFF_BASE_SECONDS", 0.2)
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "x"}, "t:net")
    fake.stop()
    assert outbox.deliver_due(slack_services) == 0
    r = row(slack_services, oid)
    assert r.status == "pending" and r.last_error


def test_crash_after_claim_before_delivery_is_delivered_once_after_lease(slack_services, fake):  # type: ignore[no-untyped-def]
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "crash"}, "t:crash")
    with rpc.transaction(slack_services.engine) as conn:  # a worker claims, then dies
        assert len(list(conn.execute(text("SELECT * FROM claim_outbox(10, 1)")))) == 1
    assert outbox.deliver_due(slack_services) == 0  # leased: nobody else takes it
    time.sleep(1.2)
    restarted = Services(
        settings=slack_services.settings,
        database_url=slack_services.database_url,
        engine=db.make_engine(slack_services.database_url),
    )
    try:
        assert outbox.deliver_due(restarted) == 1
        assert outbox.deliver_due(restarted) == 0
    finally:
        restarted.close()
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert row(slack_services, oid).status == "sent"


def test_files_upload_v2_with_bytes(slack_services, fake):  # type: ignore[no-untyped-def]
    import base64

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    enqueue(
        slack_services,
        "files_upload_v2",
        {
            "channel": "C0EXEC",
            "filename": "c.png",
            "title": "chart",
            "content_b64": base64.b64encode(png).decode(),
        },
        "t:file",
    )
    assert outbox.deliver_due(slack_services) == 1
    assert len(fake.calls_to("files.getUploadURLExternal")) == 1
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert list(fake.uploads.values()) == [png]


def test_late_row_of_a_slow_batch_is_never_sent_twice(slack_services, fake, monkeypatch):  # type: ignore[no-untyped-def]
    """Worker A claims two rows with a 1 s lease; its first send takes longer than the lease and,
    meanwhile, worker B runs. B may take the row A has not reached (and send it); it must not
    take the one A is sending, and A must not send the row B took."""
    first = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "one"}, "t:a")
    second = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "two"}, "t:b")
    other = Services(
        settings=slack_services.settings,
        database_url=slack_services.database_url,
        engine=db.make_engine(slack_services.database_url),
    )
    real_send, stalled = outbox.send, []

    def slow_send(client, method, payload):  # type: ignore[no-untyped-def]
        if not stalled:  # worker A, first row: slower than the lease; worker B runs meanwhile
            stalled.append(payload["text"])
            time.sleep(1.3)
            outbox.deliver_due(other, lease_seconds=1)
        return real_send(client, method, payload)

    monkeypatch.setattr(outbox, "send", slow_send)
    try:
        outbox.deliver_due(slack_services, lease_seconds=1)
        outbox.deliver_due(other, lease_seconds=1)
    finally:
        other.close()
    texts = sorted(c.params["text"] for c in fake.calls_to("chat.postMessage"))
    assert texts == ["one", "two"], texts
    assert row(slack_services, first).status == "sent"
    assert row(slack_services, second).status == "sent"


def test_mark_functions_refuse_a_stale_claim_token(slack_services):  # type: ignore[no-untyped-def]
    oid = enqueue(slack_services, "chat.postMessage", {"channel": "C0OPS", "text": "x"}, "t:tok")
    with rpc.transaction(slack_services.engine) as conn:
        assert conn.execute(text("SELECT attempts FROM claim_outbox(10, 0)")).scalar_one() == 1
        # the lease ran out: another worker claims the row again
        assert conn.execute(text("SELECT attempts FROM claim_outbox(10, 0)")).scalar_one() == 2
    with rpc.transaction(slack_services.engine) as conn:
        assert conn.execute(text("SELECT renew_outbox_lease(:id, 1, 60)"), {"id": oid}).scalar_one() is False
        assert conn.execute(text("SELECT hold_outbox_row(:id, 1)"), {"id": oid}).scalar_one() is False
        assert conn.execute(text("SELECT mark_outbox_sent(:id, 'ts', 1)"), {"id": oid}).scalar_one() is False
        assert conn.execute(text("SELECT mark_outbox_retry(:id, 0, 'late', 12, 1)"), {"id": oid}).scalar_one() is None
    assert row(slack_services, oid).status == "pending" and row(slack_services, oid).last_error is None
    with rpc.transaction(slack_services.engine) as conn:
        assert conn.execute(text("SELECT renew_outbox_lease(:id, 2, 60)"), {"id": oid}).scalar_one() is True
        assert conn.execute(text("SELECT mark_outbox_sent(:id, 'ts', 2)"), {"id": oid}).scalar_one() is True
    assert row(slack_services, oid).status == "sent"


def test_an_ephemeral_reply_where_the_bot_is_not_becomes_a_dm(slack_services, fake):  # type: ignore[no-untyped-def]
    fake.responses["chat.postEphemeral"] = {"ok": False, "error": "not_in_channel"}
    oid = enqueue(
        slack_services, "chat.postEphemeral", {"channel": "C0NOTIN", "user": "U0ALICE", "text": "Note added."}, "k-nic"
    )
    assert outbox.deliver_due(slack_services) == 1
    assert row(slack_services, oid).status == "sent"
    dm = fake.calls_to("chat.postMessage")[-1].params
    assert dm["channel"].startswith("D") and dm["text"].startswith("Note added.")
    assert "invite @Dragonfly there, or use a DM" in dm["text"]
