"""`/enforce address`, `/enforce draft` and the "Draft" buttons end to end: signed requests into
the running bot, the draft stored through the gate as kind `draft`, posted by the outbox worker
to the fake Slack (files_upload_v2), once however often Slack retries."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from docx import Document

from bot import ids
from scheduler import outbox
from tests.e2e.conftest import OFFICER, VIEWER, Bot
from tests.e2e.slack_signing import block_action


def text_of(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def drafts(bot: Bot, case_ref: str) -> list[dict[str, Any]]:
    return bot.rows(
        "SELECT * FROM v_enforcement_documents WHERE case_ref = :r AND kind = 'draft' ORDER BY document_id", r=case_ref
    )


def say(bot: Bot, command: str, user: str = OFFICER, **kw: Any) -> str:
    r = bot.slack.command(command, user=user, **kw)
    assert r.status_code == 200
    return str(r.json()["text"])


def test_address_then_draft_is_filed_and_posted_once(bot: Bot, case_ref: str) -> None:
    reply = say(bot, f"address {case_ref} debtor 12 Main St, Apt 4; Brooklyn, NY 11201")
    assert "recorded" in reply and "12 Main St, Apt 4, Brooklyn, NY 11201" in reply
    r = bot.slack.command(f"case {case_ref}", user=VIEWER)
    assert "*Addresses*" in str(r.json()["blocks"]) and "debtor: Debtor" in str(r.json()["blocks"])
    index = bot.case(case_ref)["index_number"]

    reply = say(bot, f"draft {case_ref} payoff", trigger_id="trig-draft-1")
    assert "Drafted the Payoff (balance) letter" in reply and "never accepted as proof" in reply
    [doc] = drafts(bot, case_ref)
    assert doc["original_name"].startswith(f"{case_ref}-payoff-draft-") and doc["uploaded_by"] == OFFICER
    [row] = bot.outbox("files_upload_v2")
    payload = row["payload"]
    content = base64.b64decode(payload["content_b64"])
    assert hashlib.sha256(content).hexdigest() == doc["sha256"]
    assert payload["channel"] == "C0OPS" and payload["filename"] == doc["original_name"]
    assert f"Index No. {index}" in text_of(content) and "12 Main St, Apt 4" in text_of(content)

    # Slack retries the command: nothing is recorded twice.
    assert "Already done" in say(bot, f"draft {case_ref} payoff", trigger_id="trig-draft-1", retry_num=1)
    assert len(drafts(bot, case_ref)) == 1 and len(bot.outbox("files_upload_v2")) == 1

    # The outbox worker uploads it to Slack (the fake on loopback).
    assert outbox.deliver_due(bot.services) >= 1
    assert bot.fake.calls_to("files.completeUploadExternal")
    assert content in bot.fake.uploads.values()


def test_draft_refusals_record_nothing(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    reply = say(bot, f"draft {case_ref} income-execution")
    assert ":no_entry:" in reply and "the employer's name and address" in reply and "debtor's address" in reply
    assert f"/enforce address {case_ref} employer" in reply and "Nothing was recorded" in reply
    assert "is not a paper" in say(bot, f"draft {case_ref} summons")
    assert "needs the officer role" in say(bot, f"draft {case_ref} payoff", user=VIEWER)
    assert "no ZIP code" in say(bot, f"address {case_ref} debtor 12 Main St; Brooklyn")
    assert "name and address are needed" in say(bot, f"address {case_ref} employer Acme Payroll")
    assert bot.events(case_ref) == before and drafts(bot, case_ref) == [] and bot.outbox("files_upload_v2") == []


def test_draft_button_on_the_waiting_message_posts_in_its_thread(bot: Bot, case_ref: str) -> None:
    say(bot, f"address {case_ref} debtor 12 Main St; Brooklyn, NY 11201")
    say(bot, f"address {case_ref} officer Marshal Robin Roe; 1 Centre St; New York, NY 10007")
    say(bot, f"levy {case_ref} First Example Bank")
    waiting = bot.fake.calls_to("chat.postMessage")[-1]
    assert "waiting for the document" in waiting.params["text"]
    blocks = waiting.params["blocks"]
    blocks = blocks if isinstance(blocks, list) else __import__("json").loads(blocks)
    [button] = next(b for b in blocks if b.get("block_id") == "df_draft_papers")["elements"]
    assert button["action_id"] == f"{ids.A_DRAFT_PAPER}:property-execution"
    thread = bot.rows("SELECT thread_ts FROM v_upload_requests WHERE case_ref = :r", r=case_ref)[0]["thread_ts"]

    payload = block_action(user=OFFICER, action_id=button["action_id"], value=button["value"], action_ts="1.5")
    payload["message"] = {"ts": thread}
    assert bot.slack.interact(payload).status_code == 200
    assert bot.slack.interact(payload).status_code == 200  # a double click drafts once
    [doc] = drafts(bot, case_ref)
    [row] = bot.outbox("files_upload_v2")
    assert row["payload"]["thread_ts"] == thread and row["payload"]["channel"] == "C0OPS"
    body = text_of(base64.b64decode(row["payload"]["content_b64"]))
    assert "To: Marshal Robin Roe, 1 Centre St, New York, NY 10007" in body
    told = [r["payload"] for r in bot.outbox("chat.postEphemeral") if "Drafted" in r["payload"]["text"]]
    assert told and told[-1]["thread_ts"] == thread and f"#{doc['document_id']}" in told[-1]["text"]

    # A typed draft goes to the same thread while the step still waits for its document.
    say(bot, f"draft {case_ref} transmittal")
    assert bot.outbox("files_upload_v2")[-1]["payload"]["thread_ts"] == thread
    assert len(drafts(bot, case_ref)) == 2
