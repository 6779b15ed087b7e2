"""Failed and stuck queue rows made visible and fixable: a delivery the fake Slack answers 500 until
its last attempt, and an ingestion whose store is down until it gives up, both appear in
`dragonfly queue list --failed` and fail `dragonfly doctor`; `retry` delivers once; `discard`
records why (on the case, where there is one); the uploader is told why and what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from dragonfly.cli import app
from dragonfly.errors import DomainError
from scheduler import ingestion, outbox
from storage.base import StorageUnavailable
from tests.fake_slack import BOT_TOKEN, FakeSlack

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 500


@pytest.fixture
def svc(settings, db_url, fake) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    s = Services(
        settings=settings.model_copy(update={"slack_bot_token": BOT_TOKEN, "slack_api_url": fake.api_url}),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )
    yield s
    s.close()


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DRAGONFLY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STORAGE_URL", f"file://{tmp_path / 'documents'}")
    monkeypatch.setenv("DRAGONFLY_ADMINS", "")
    monkeypatch.setenv("DRAGONFLY_OPERATOR", "ops-test")
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args))

    return run


def make_due(s: Services, table: str) -> None:
    """The back-off passed (the test does not wait minutes for it)."""
    with s.engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET not_before = now() WHERE status = 'pending'"))


def scalar(s: Services, sql: str, **params):  # type: ignore[no-untyped-def]
    with s.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def fail_delivery(svc: Services, fake: FakeSlack, attempts: int = 3) -> int:
    with rpc.transaction(svc.engine) as conn:
        oid = rpc.enqueue_outbox(
            conn, method="chat.postMessage", payload={"channel": "C0OPS", "text": "hi"}, dedupe_key="t:500"
        )
    fake.fail_next("chat.postMessage", 500, times=attempts)
    for _ in range(attempts):
        assert outbox.deliver_due(svc, max_attempts=attempts) == 0
        make_due(svc, "outbox")
    assert scalar(svc, "SELECT status FROM v_outbox WHERE id = :i", i=oid) == "failed"
    return oid


def test_slack_500_until_max_attempts_is_listed_doctored_and_retried_once(svc, fake, cli):  # type: ignore[no-untyped-def]
    oid = fail_delivery(svc, fake)
    listed = cli("queue", "list", "--failed")
    assert listed.exit_code == 0, listed.output
    assert f"outbox:{oid}" in listed.output and "HTTP 500" in listed.output and "C0OPS" in listed.output
    assert f"outbox:{oid}" not in cli("queue", "list", "--stuck").output
    assert "No failed rows in the ingestion queue" in cli("queue", "list", "--failed", "--kind", "ingestion").output
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert f"outbox:{oid} failed (chat.postMessage for C0OPS, 3 attempts" in doctor.output

    retried = cli("queue", "retry", f"outbox:{oid}")
    assert retried.exit_code == 0, retried.output
    assert outbox.deliver_due(svc, max_attempts=3) == 1
    assert outbox.deliver_due(svc, max_attempts=3) == 0
    assert len(fake.calls_to("chat.postMessage")) == 4  # three refused, one delivered, none twice
    assert scalar(svc, "SELECT status FROM v_outbox WHERE id = :i", i=oid) == "sent"
    assert "queue" in cli("doctor").output and f"outbox:{oid}" not in cli("doctor").output
    again = cli("queue", "retry", f"outbox:{oid}")
    assert again.exit_code == 1 and "is sent: there is nothing to retry" in again.output


def test_store_down_until_ingestion_gives_up_tells_the_uploader_and_retry_records_once(  # type: ignore[no-untyped-def]
    svc, fake, cli, make_case
):
    ref = make_case()
    f = fake.add_file("F0DOWN", PDF, "levy.pdf")
    with rpc.transaction(svc.engine) as conn:
        job_id = rpc.create_ingestion_job(
            conn,
            dedupe_key="F0DOWN:queue",
            case_ref=ref,
            document_kind="execution",
            slack_file_id="F0DOWN",
            uploader="U0UPLOAD",
            intent={"op": "queue", "kind": "levy"},
            file_name="levy.pdf",
            download_url=f["url_private_download"],
            reply_channel="C0CASES",
            reply_thread_ts="1700000000.000100",
        )["job_id"]

    class DownStore:
        def put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise StorageUnavailable()

    svc.__dict__["store"] = DownStore()
    assert ingestion.ingest_due(svc, max_attempts=2) == 0
    make_due(svc, "ingestion_jobs")
    assert ingestion.ingest_due(svc, max_attempts=2) == 0
    assert scalar(svc, "SELECT status FROM v_ingestion_jobs WHERE id = :i", i=job_id) == "failed"
    told = scalar(svc, "SELECT payload FROM v_outbox WHERE dedupe_key = :k", k=f"ingestion:{job_id}:failed")
    assert told["channel"] == "C0CASES" and told["thread_ts"] == "1700000000.000100"
    assert "gave up after 2 attempts" in told["text"] and "storage" in told["text"]  # why
    assert f"dragonfly queue retry ingestion:{job_id}" in told["text"] and "upload it again" in told["text"].lower()

    listed = cli("queue", "list", "--failed", "--kind", "ingestion")
    assert f"ingestion:{job_id}" in listed.output and ref in listed.output and "U0UPLOAD" in listed.output
    doctor = cli("doctor")
    assert doctor.exit_code == 1 and f"ingestion:{job_id} failed (queue levy (execution) for {ref}" in doctor.output

    del svc.__dict__["store"]  # the store is back
    assert cli("queue", "retry", "--all-failed").exit_code == 0
    assert ingestion.ingest_due(svc, max_attempts=2) == 1
    assert ingestion.ingest_due(svc, max_attempts=2) == 0
    assert scalar(svc, "SELECT count(*) FROM v_enforcement_actions WHERE case_ref = :r", r=ref) == 1
    assert scalar(svc, "SELECT status FROM v_ingestion_jobs WHERE id = :i", i=job_id) == "done"


def test_discard_records_why_on_the_row_and_the_case(svc, fake, cli, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    with rpc.transaction(svc.engine) as conn:
        job_id = rpc.create_ingestion_job(
            conn,
            dedupe_key="F0X:attach",
            case_ref=ref,
            document_kind="other",
            slack_file_id="F0X",
            uploader="U0UPLOAD",
            intent={"op": "attach"},
            download_url="https://evil.example.com/x.pdf",
        )["job_id"]
    assert ingestion.ingest_due(svc) == 0  # refused host: failed at once
    no_reason = cli("queue", "discard", f"ingestion:{job_id}", "--reason", " ")
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    done = cli("queue", "discard", f"i{job_id}", "--reason", "wrong link; the uploader re-sent the file")
    assert done.exit_code == 0, done.output
    assert f"recorded on {ref}" in done.output
    with svc.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM queue_rows('ingestion', 'all')")).one()
        event = conn.execute(
            text("SELECT actor, payload FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'note_added'"),
            {"r": ref},
        ).one()
    assert row.status == "discarded" and row.discard_reason == "wrong link; the uploader re-sent the file"
    assert event.actor == "cli:ops-test" and event.payload["queue_row"] == f"ingestion:{job_id}"
    assert "wrong link" in event.payload["text"] and "not a Slack file host" in event.payload["text"]
    assert cli("doctor").output.count(f"ingestion:{job_id}") == 0
    twice = cli("queue", "discard", f"ingestion:{job_id}", "--reason", "again")
    assert twice.exit_code == 1 and "is discarded: there is nothing to discard" in twice.output


def test_stuck_rows_and_bad_ids(svc, cli):  # type: ignore[no-untyped-def]
    with rpc.transaction(svc.engine) as conn:
        oid = rpc.enqueue_outbox(
            conn, method="chat.postMessage", payload={"channel": "C0", "text": "x"}, dedupe_key="t:stuck"
        )
    assert f"outbox:{oid}" not in cli("queue", "list", "--stuck").output  # due now: not stuck yet
    with svc.engine.begin() as conn:  # as if the scheduler had been down for an hour
        conn.execute(text("UPDATE outbox SET not_before = now() - interval '1 hour' WHERE id = :i"), {"i": oid})
    assert f"outbox:{oid}" in cli("queue", "list", "--stuck").output
    doctor = cli("doctor")
    assert doctor.exit_code == 1 and f"outbox:{oid} stuck" in doctor.output
    assert "does not say which queue" in cli("queue", "retry", str(oid)).output
    assert cli("queue", "retry", str(oid), "--kind", "outbox").exit_code == 0
    assert "There is no outbox row 999" in cli("queue", "retry", "outbox:999").output
    assert cli("queue", "list", "--kind", "nope").exit_code == 2


def test_the_app_role_cannot_retry_without_an_admin(svc):  # type: ignore[no-untyped-def]
    with rpc.transaction(svc.engine) as conn, pytest.raises(DomainError, match="needs an operator or an admin"):
        rpc.call(conn, "queue_retry_failed", actor="U0NOBODY")


def test_a_retried_ingestion_that_gives_up_again_tells_the_uploader_again(svc, fake, cli, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    f = fake.add_file("F0AGAIN", PDF, "levy.pdf")
    with rpc.transaction(svc.engine) as conn:
        job_id = rpc.create_ingestion_job(
            conn,
            dedupe_key="F0AGAIN:queue",
            case_ref=ref,
            document_kind="execution",
            slack_file_id="F0AGAIN",
            uploader="U0UPLOAD",
            intent={"op": "queue", "kind": "levy"},
            file_name="levy.pdf",
            download_url=f["url_private_download"],
        )["job_id"]

    class DownStore:
        def put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise StorageUnavailable()

    svc.__dict__["store"] = DownStore()

    def give_up() -> None:
        assert ingestion.ingest_due(svc, max_attempts=1) == 0
        assert scalar(svc, "SELECT status FROM v_ingestion_jobs WHERE id = :i", i=job_id) == "failed"

    give_up()
    assert cli("queue", "retry", f"ingestion:{job_id}").exit_code == 0
    give_up()  # the store is still down: the second round fails too
    told = [
        scalar(svc, "SELECT payload->>'text' FROM v_outbox WHERE dedupe_key = :k", k=key)
        for key in (f"ingestion:{job_id}:failed", f"ingestion:{job_id}:failed:r1")
    ]
    assert all("gave up after 1 attempts" in t for t in told)
    assert scalar(svc, "SELECT count(*) FROM v_outbox WHERE dedupe_key LIKE :k", k=f"ingestion:{job_id}:%") == 2
    assert scalar(svc, "SELECT count(*) FROM v_enforcement_actions WHERE case_ref = :r", r=ref) == 0
