"""Ingestion into the S3 store (moto server mode on loopback, reached by boto3 over HTTP)."""

from __future__ import annotations

from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from scheduler import ingestion
from tests.fake_slack import BOT_TOKEN

pytest_plugins = ["tests.integration.s3_fixtures"]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"y" * 4096


def test_ingestion_into_s3(
    settings, db_url, fake, make_case, moto_server, s3_bucket, s3_client, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    svc = Services(
        settings=settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_api_url": fake.api_url,
                "storage_url": f"s3://{s3_bucket}/docs",
            }
        ),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )
    try:
        ref = make_case()
        f = fake.add_file("FS3", PDF, "levy.pdf")
        with rpc.transaction(svc.engine) as conn:
            job = rpc.create_ingestion_job(
                conn,
                dedupe_key="FS3:queue",
                case_ref=ref,
                document_kind="execution",
                slack_file_id="FS3",
                uploader="U0UPLOAD",
                intent={"op": "queue", "kind": "levy"},
                file_name="levy.pdf",
                download_url=f["url_private_download"],
            )
        assert ingestion.ingest_due(svc) == 1
        with svc.engine.connect() as conn:
            doc = conn.execute(
                text("SELECT * FROM v_enforcement_documents WHERE case_ref = :r"), {"r": ref}
            ).one()
            status = conn.execute(
                text("SELECT status FROM v_ingestion_jobs WHERE id = :i"), {"i": job["job_id"]}
            ).scalar_one()
        assert status == "done"
        body = s3_client.get_object(Bucket=s3_bucket, Key=f"docs/{doc.storage_key}")["Body"].read()
        assert body == PDF
        with svc.store.open(doc.storage_key) as stored:
            assert stored.read() == PDF
    finally:
        svc.close()
