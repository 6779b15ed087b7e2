"""Steps that need a document: typed commands wait for a thread upload, forms take a file_input;
both become ingestion rows and nothing is recorded until the worker stores the file."""

from __future__ import annotations

import json

from bot import ids
from tests.e2e.conftest import OFFICER, VIEWER, Bot
from tests.e2e.slack_signing import view_submission


def waiting_message(bot: Bot) -> tuple[str, str]:
    posted = bot.fake.calls_to("chat.postMessage")[-1]
    assert "waiting for the document" in posted.params["text"]
    row = bot.rows("SELECT channel, thread_ts FROM v_upload_requests ORDER BY id DESC LIMIT 1")[0]
    return row["channel"], row["thread_ts"]


def upload(
    bot: Bot,
    *,
    channel: str,
    thread_ts: str,
    file_id: str,
    name: str = "execution.pdf",
    user: str = OFFICER,
    event_id: str | None = None,
    retry_num: int | None = None,
    data: bytes = b"%PDF-1.7 test",
):
    f = bot.fake.add_file(file_id, data, name)
    f["filetype"] = name.rsplit(".", 1)[-1]
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": channel,
        "user": user,
        "ts": "1800000000.000100",
        "thread_ts": thread_ts,
        "text": "",
        "files": [f],
        "channel_type": "channel",
    }
    return bot.slack.event(event, event_id=event_id, retry_num=retry_num)


def test_levy_waits_for_the_document_then_thread_upload_queues_ingestion(
    bot: Bot, case_ref: str
) -> None:
    before = bot.events(case_ref)
    r = bot.slack.command(f"levy {case_ref} Chase Bank", user=OFFICER)
    assert "needs the execution" in r.json()["text"] and "thread" in r.json()["text"]
    assert bot.events(case_ref) == before and bot.ingestion() == []
    channel, ts = waiting_message(bot)
    r = upload(bot, channel=channel, thread_ts=ts, file_id="F0LEVY1", event_id="EvLEVY1")
    assert r.status_code == 200
    jobs = bot.ingestion()
    assert len(jobs) == 1
    job = jobs[0]
    assert job["dedupe_key"] == "F0LEVY1:levy:queue" and job["case_ref"] == case_ref
    assert job["document_kind"] == "execution" and job["uploader"] == OFFICER
    assert job["intent"] == {"op": "queue", "kind": "levy", "recipient": "Chase Bank", "note": None}
    assert job["reply_channel"] == channel and job["reply_thread_ts"] == ts
    assert job["download_url"].endswith("/files/F0LEVY1/execution.pdf")
    assert bot.events(case_ref) == before  # recorded only by the worker, after storage
    ack = bot.outbox("chat.postEphemeral")[-1]["payload"]
    assert "Storing execution.pdf" in ack["text"] and ack["thread_ts"] == ts
    # Slack retries the same event: one row.
    upload(bot, channel=channel, thread_ts=ts, file_id="F0LEVY1", event_id="EvLEVY1", retry_num=1)
    assert len(bot.ingestion()) == 1
    # A second file in the same thread does not start a second levy.
    upload(bot, channel=channel, thread_ts=ts, file_id="F0LEVY2", event_id="EvLEVY2")
    assert len(bot.ingestion()) == 1
    assert "already has its document" in bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]


def test_thread_upload_wrong_type_and_no_role(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"garnish {case_ref} Acme Payroll", user=OFFICER)
    channel, ts = waiting_message(bot)
    upload(bot, channel=channel, thread_ts=ts, file_id="F0EXE", name="virus.exe")
    assert bot.ingestion() == []
    assert (
        "is not a PDF, PNG, JPEG, TIFF or DOCX"
        in bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]
    )
    upload(bot, channel=channel, thread_ts=ts, file_id="F0VIEW", user=VIEWER)
    assert bot.ingestion() == []
    refusal = bot.fake.calls_to("chat.postEphemeral")[-1].params
    assert "needs the officer role" in refusal["text"]


def test_upload_in_unrelated_thread_is_ignored(bot: Bot, case_ref: str) -> None:
    r = upload(bot, channel="C0OTHER", thread_ts="1700000000.000001", file_id="F0X")
    assert r.status_code == 200 and bot.ingestion() == []


def test_pay_waits_for_proof(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"pay {case_ref} $1,250.00 direct", user=OFFICER)
    assert "needs the remittance" in r.json()["text"]
    channel, ts = waiting_message(bot)
    upload(bot, channel=channel, thread_ts=ts, file_id="F0PAY", name="check.png")
    job = bot.ingestion()[0]
    assert job["intent"]["op"] == "pay" and job["intent"]["amount"] == "1250.00"
    assert job["intent"]["kind"] == "direct" and job["intent"]["idempotency_key"].startswith(
        "slack:pay:"
    )
    assert bot.rows("SELECT * FROM v_payments") == []


def test_pay_without_proof_when_configured(bot: Bot, case_ref: str) -> None:
    bot.services.settings.dragonfly_payment_proof_required = False
    r = bot.slack.command(f"pay {case_ref} 1000 direct", user=OFFICER)
    assert "payment #" in r.json()["text"], r.json()
    assert bot.rows("SELECT gross FROM v_payments")[0]["gross"] == 1000


def test_subpoena_restrain_marshal_wait_search_records(bot: Bot, case_ref: str) -> None:
    for word, kind, on in (
        ("subpoena", "subpoena", ""),
        ("restrain", "restraining_notice", "on:third_party "),  # whom it is on (issue 13)
        ("marshal", "transmittal", ""),
    ):
        r = bot.slack.command(f"{word} {case_ref} {on}First Bank", user=OFFICER)
        assert f"needs the {kind}" in r.json()["text"], (word, r.json())
    assert bot.rows("SELECT intent FROM v_upload_requests ORDER BY id")[0]["intent"] == {
        "op": "subpoena",
        "recipient": "First Bank",
    }
    before = bot.events(case_ref)
    r = bot.slack.command(f"search {case_ref}", user=OFFICER)
    assert "asset_search #" in r.json()["text"] and "requested" in r.json()["text"]
    assert bot.events(case_ref) == before + 1


def test_advance_without_and_with_document(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"search {case_ref}", user=OFFICER)
    action = bot.rows(
        "SELECT action_id FROM v_enforcement_actions WHERE case_ref = :r", r=case_ref
    )[0]["action_id"]
    r = bot.slack.command(f"advance {case_ref} {action} in_progress vendor engaged", user=OFFICER)
    assert "requested -> in_progress" in r.json()["text"]
    r = bot.slack.command(f"advance {case_ref} #{action} found", user=OFFICER)
    assert "needs the search_report" in r.json()["text"]
    channel, ts = waiting_message(bot)
    upload(bot, channel=channel, thread_ts=ts, file_id="F0REP", name="report.pdf")
    job = bot.ingestion()[0]
    assert job["intent"] == {
        "op": "advance",
        "action_id": action,
        "state": "found",
        "note": None,
        "officer_docket": None,
    }
    assert job["dedupe_key"] == f"F0REP:advance:{action}:found"
    before = bot.events(case_ref)
    r = bot.slack.command(f"advance {case_ref} {action} levied", user=OFFICER)
    assert "cannot go from in_progress to levied" in r.json()["text"]
    assert "found" in r.json()["text"] and bot.events(case_ref) == before


def test_workflow_modal_with_file_input(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command("levy", user=OFFICER)
    assert r.status_code == 200
    view = bot.fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == ids.VIEW_WORKFLOW
    assert any(b.get("element", {}).get("type") == "file_input" for b in view["blocks"])
    meta = view["private_metadata"]
    f = bot.fake.add_file("F0MOD", b"%PDF-1.7", "levy-execution.pdf")
    f["filetype"] = "pdf"
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_RECIPIENT: {"type": "plain_text_input", "value": "Citibank"},
        ids.B_NOTE: {"type": "plain_text_input", "value": None},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "execution"}},
        ids.B_FILE: {"type": "file_input", "files": [f]},
    }
    # Without the file: an error in the modal, nothing queued.
    no_file = dict(values, **{ids.B_FILE: {"type": "file_input", "files": []}})
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_WORKFLOW,
            values=no_file,
            view_id="V0WF0",
            private_metadata=meta,
        )
    )
    assert r.json()["response_action"] == "errors" and ids.B_FILE in r.json()["errors"]
    # A wrong file type: an error too.
    bad = dict(f, name="notes.txt", filetype="text")
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_WORKFLOW,
            view_id="V0WF1",
            private_metadata=meta,
            values=dict(values, **{ids.B_FILE: {"type": "file_input", "files": [bad]}}),
        )
    )
    assert r.json()["errors"][ids.B_FILE].startswith('"notes.txt" is not a PDF')
    assert bot.ingestion() == []
    for _ in range(2):  # a resubmitted modal queues once
        r = bot.slack.interact(
            view_submission(
                user=OFFICER,
                callback_id=ids.VIEW_WORKFLOW,
                values=values,
                view_id="V0WF2",
                private_metadata=meta,
            )
        )
        assert r.status_code == 200 and r.text in ("", "{}")
    jobs = bot.ingestion()
    assert len(jobs) == 1 and jobs[0]["dedupe_key"] == "F0MOD:levy:queue"
    assert jobs[0]["intent"]["recipient"] == "Citibank"
    assert "Storing levy-execution.pdf" in bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]


def test_pay_modal_validation_and_file(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"pay {case_ref}", user=OFFICER)
    view = bot.fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == ids.VIEW_PAY
    f = bot.fake.add_file("F0PROOF", b"%PDF", "proof.pdf")
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_AMOUNT: {"type": "plain_text_input", "value": "12,34.5"},
        ids.B_KIND: {"type": "static_select", "selected_option": {"value": "direct"}},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "remittance"}},
        ids.B_FILE: {"type": "file_input", "files": [f]},
    }
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_PAY,
            values=values,
            view_id="V0P1",
            private_metadata=view["private_metadata"],
        )
    )
    assert "is not an amount" in r.json()["errors"][ids.B_AMOUNT]
    values[ids.B_AMOUNT] = {"type": "plain_text_input", "value": "$1234"}
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_PAY,
            values=values,
            view_id="V0P2",
            private_metadata=view["private_metadata"],
        )
    )
    assert r.status_code == 200
    job = bot.ingestion()[0]
    assert job["intent"] == {
        "op": "pay",
        "amount": "1234.00",
        "kind": "direct",
        "idempotency_key": "slack:pay:V0P2",
    }
    assert json.loads(view["private_metadata"])["channel"] == "C0OPS"
