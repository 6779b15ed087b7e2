"""The whole document path: a signed `/enforce levy`, the upload in the thread of the bot's
"waiting for the document" message, the ingestion worker storing it in S3 (moto's server on
loopback) and recording the step, and the reply delivered through the outbox to the fake Slack."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.test_documents import upload, waiting_message

pytest_plugins = ["tests.integration.s3_fixtures"]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"z" * 2048


def test_levy_from_command_to_recorded_step(
    bot: Bot, case_ref: str, moto_server: str, s3_bucket: str, s3_client: Any, monkeypatch: Any
) -> None:
    from scheduler import ingestion, outbox

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    settings = bot.services.settings
    settings.storage_url = f"s3://{s3_bucket}/docs"
    bot.services.__dict__.pop("store", None)
    before = bot.events(case_ref)

    r = bot.slack.command(f"levy {case_ref} Chase Bank", user=OFFICER)
    assert "needs the execution" in r.json()["text"]
    channel, ts = waiting_message(bot)
    upload(bot, channel=channel, thread_ts=ts, file_id="F0LOOP", name="execution.pdf", data=PDF)
    assert bot.events(case_ref) == before

    assert ingestion.ingest_due(bot.services) == 1
    action = bot.rows("SELECT * FROM v_enforcement_actions WHERE case_ref = :r", r=case_ref)[0]
    assert (
        action["kind"] == "levy"
        and action["state"] == "issued"
        and action["recipient"] == "Chase Bank"
    )
    doc = bot.rows("SELECT * FROM v_enforcement_documents WHERE case_ref = :r", r=case_ref)[0]
    assert doc["kind"] == "execution" and doc["uploaded_by"] == OFFICER
    assert (
        s3_client.get_object(Bucket=s3_bucket, Key=f"docs/{doc['storage_key']}")["Body"].read()
        == PDF
    )
    queued = bot.rows(
        "SELECT * FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'action_queued'",
        r=case_ref,
    )[0]
    assert queued["document_id"] == doc["document_id"] and queued["actor"] == OFFICER

    outbox.deliver_due(bot.services)
    replies = [c.params for c in bot.fake.calls if c.params.get("thread_ts") == ts]
    assert any("Storing execution.pdf" in str(p.get("text")) for p in replies)
    assert len(replies) >= 2  # the bot's acknowledgement and the worker's answer, in the thread

    # The case card lists the stored document with a presigned link and the recorded step.
    card = str(bot.slack.command(f"case {case_ref}", user=OFFICER).json()["blocks"])
    assert "execution.pdf" in card and moto_server in card and "levy #" in card
