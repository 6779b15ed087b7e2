"""Ingestion worker with the fake Slack file server and the local store: the happy path records
the step with its document; an HTML login page fails the job with a clear message; storage down
retries and records nothing; a stale claim of a finished job records nothing twice; the bot
token never goes to another host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from scheduler import ingestion
from storage.base import StorageUnavailable
from tests.fake_slack import BOT_TOKEN, FakeSlack

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 2000


def services_for(settings, db_url, fake, token=BOT_TOKEN) -> Services:  # type: ignore[no-untyped-def]
    return Services(
        settings=settings.model_copy(update={"slack_bot_token": token, "slack_api_url": fake.api_url}),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )


@pytest.fixture
def svc(settings, db_url, fake) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    s = services_for(settings, db_url, fake)
    yield s
    s.close()


def new_job(
    services: Services,
    fake: FakeSlack,
    case_ref: str,
    *,
    intent: dict,
    kind: str = "execution",  # type: ignore[type-arg]
    file_id: str = "F001",
    url: str | None = None,
    data: bytes = PDF,
) -> int:
    f = fake.add_file(file_id, data, "execution.pdf")
    with rpc.transaction(services.engine) as conn:
        job = rpc.create_ingestion_job(
            conn,
            dedupe_key=f"{file_id}:{intent.get('op')}",
            case_ref=case_ref,
            document_kind=kind,
            slack_file_id=file_id,
            uploader="U0UPLOAD",
            intent=intent,
            file_name="execution.pdf",
            download_url=url or f["url_private_download"],
            reply_channel="C0CASES",
            reply_thread_ts="1700000000.000100",
        )
    return int(job["job_id"])


def job_row(services: Services, job_id: int):  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM v_ingestion_jobs WHERE id = :id"), {"id": job_id}).one()


def count(services: Services, sql: str, **params) -> int:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_happy_path_records_step_with_document_and_replies_in_thread(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    job_id = new_job(svc, fake, ref, intent={"op": "queue", "kind": "levy", "note": "execution issued"})
    assert ingestion.ingest_due(svc) == 1
    job = job_row(svc, job_id)
    assert job.status == "done" and job.result["document_id"]
    with svc.engine.connect() as conn:
        ev = conn.execute(
            text("SELECT * FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'action_queued'"),
            {"r": ref},
        ).one()
        reply = conn.execute(
            text("SELECT * FROM v_outbox WHERE dedupe_key = :k"), {"k": f"ingestion:{job_id}:done"}
        ).one()
    assert ev.document_id == job.result["document_id"] and ev.actor == "U0UPLOAD"
    assert reply.payload["thread_ts"] == "1700000000.000100" and "levy" in reply.payload["text"]
    downloads = [c for c in fake.calls if c.method.startswith("files")]
    assert downloads == []  # the download is a GET on the file URL, not an API call
    assert ingestion.ingest_due(svc) == 0


def test_html_login_page_fails_with_message(settings, db_url, fake, make_case):  # type: ignore[no-untyped-def]
    wrong = services_for(settings, db_url, fake, token="xoxb-wrong")
    try:
        ref = make_case()
        job_id = new_job(wrong, fake, ref, intent={"op": "queue", "kind": "levy"})
        assert ingestion.ingest_due(wrong) == 0
        job = job_row(wrong, job_id)
        assert job.status == "failed" and job.last_error == ingestion.AUTH_PAGE_MESSAGE
        assert count(wrong, "SELECT count(*) FROM v_enforcement_documents") == 0
        reply = count(
            wrong,
            "SELECT count(*) FROM v_outbox WHERE dedupe_key = :k AND payload->>'text' LIKE '%authorization page%'",
            k=f"ingestion:{job_id}:failed",
        )
        assert reply == 1
    finally:
        wrong.close()


class DownStore:
    def put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise StorageUnavailable()


def test_store_down_retries_and_records_nothing(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    svc.__dict__["store"] = DownStore()
    job_id = new_job(svc, fake, ref, intent={"op": "queue", "kind": "levy"})
    assert ingestion.ingest_due(svc) == 0
    job = job_row(svc, job_id)
    assert job.status == "pending" and job.attempts == 1 and "storage" in job.last_error
    assert count(svc, "SELECT count(*) FROM v_enforcement_documents") == 0
    assert count(svc, "SELECT count(*) FROM v_enforcement_actions") == 0
    assert (
        count(
            svc,
            "SELECT count(*) FROM v_ingestion_jobs WHERE id = :id AND not_before > now() + interval '10 s'",
            id=job_id,
        )
        == 1
    )
    # the store comes back: the retry records it once
    del svc.__dict__["store"]
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE ingestion_jobs SET not_before = now() WHERE id = :id"), {"id": job_id})
    assert ingestion.ingest_due(svc) == 1
    assert count(svc, "SELECT count(*) FROM v_enforcement_actions") == 1


def test_stale_claim_of_a_done_job_records_nothing_twice(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    job_id = new_job(
        svc,
        fake,
        ref,
        intent={"op": "pay", "amount": "125.00", "kind": "direct", "idempotency_key": None},
        kind="remittance",
    )
    with rpc.transaction(svc.engine) as conn:
        claimed = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM claim_ingestion_jobs(5, 1)"))]
    job = {**claimed[0], "document_kind": str(claimed[0]["document_kind"])}
    assert ingestion.process(svc, job) == "done"
    assert ingestion.process(svc, dict(job)) == "skipped"  # a second worker with a stale claim
    assert ingestion.ingest_due(svc) == 0  # and the queue has nothing left
    assert count(svc, "SELECT count(*) FROM v_payments WHERE case_ref = :r", r=ref) == 1
    assert (
        count(
            svc,
            "SELECT count(*) FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'payment_recorded'",
            r=ref,
        )
        == 1
    )
    assert job_row(svc, job_id).status == "done"


def test_refused_step_fails_the_job_with_the_reason(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    job_id = new_job(svc, fake, ref, intent={"op": "advance", "action_id": 999, "state": "levied"})
    assert ingestion.ingest_due(svc) == 0
    job = job_row(svc, job_id)
    assert job.status == "failed" and "no workflow #999" in job.last_error


def test_token_never_sent_to_another_host(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    job_id = new_job(svc, fake, ref, intent={"op": "attach"}, url="https://evil.example.com/files/F001/x.pdf")
    assert ingestion.ingest_due(svc) == 0
    job = job_row(svc, job_id)
    assert job.status == "failed" and "not a Slack file host" in job.last_error
    assert ingestion.allowed_url("https://files.slack.com/files-pri/T0-F0/x.pdf", "https://slack.com/api/")
    assert not ingestion.allowed_url("http://files.slack.com/x", "https://slack.com/api/")
    assert not ingestion.allowed_url("https://files.slack.com.evil.io/x", "https://slack.com/api/")
    assert not ingestion.allowed_url(fake.base_url.replace("127.0.0.1", "localhost") + "/f", fake.api_url)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@files.slack.com/x",  # requests connects to evil.example
        "https://evil.example%5C@files.slack.com/x",
        "https://user:pw@files.slack.com/x",
        "https://files.slack.com@evil.example/x",
        "https://files.slack.com:8443/x",
        "http://files.slack.com/x",
        "ftp://files.slack.com/x",
        "https://files.slack.com\\x",
        "https://files.slack.com /x",
        "https://[::1/x",
    ],
)
def test_allowed_url_refuses_what_requests_would_send_elsewhere(url):  # type: ignore[no-untyped-def]
    assert not ingestion.allowed_url(url, "https://slack.com/api/")


def test_allowed_url_accepts_slack_files_and_the_configured_api_host(fake):  # type: ignore[no-untyped-def]
    api = "https://slack.com/api/"
    assert ingestion.allowed_url("https://files.slack.com/files-pri/T0-F0/x.pdf", api)
    assert ingestion.allowed_url("https://files.slack.com:443/files-pri/T0-F0/x.pdf", api)
    assert ingestion.allowed_url("https://slack.com/api/files.download", api)
    assert ingestion.allowed_url(fake.base_url + "/files/F001/x.pdf", fake.api_url)  # http loopback
    assert not ingestion.allowed_url("http://slack.com/api/x", api)


def test_backslash_userinfo_url_fails_the_job_without_a_request(svc, fake, make_case):  # type: ignore[no-untyped-def]
    ref = make_case()
    job_id = new_job(svc, fake, ref, intent={"op": "attach"}, url="https://evil.example\\@files.slack.com/x")
    assert ingestion.ingest_due(svc) == 0
    job = job_row(svc, job_id)
    assert job.status == "failed" and "not a Slack file host" in job.last_error
