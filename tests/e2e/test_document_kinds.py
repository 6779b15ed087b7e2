"""A step that accepts several document kinds (serving an information subpoena takes the
subpoena or the proof of service) files the kind the person chose, not always the first one."""

from __future__ import annotations

from bot import ids
from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.slack_signing import view_submission
from tests.e2e.test_documents import waiting_message


def _upload(bot: Bot, *, channel: str, thread_ts: str, file_id: str, text: str) -> None:
    f = bot.fake.add_file(file_id, b"%PDF-1.7 test", f"{file_id}.pdf")
    f["filetype"] = "pdf"
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": channel,
        "user": OFFICER,
        "ts": "1800000000.000200",
        "thread_ts": thread_ts,
        "text": text,
        "files": [f],
        "channel_type": "channel",
    }
    assert bot.slack.event(event).status_code == 200


def test_thread_upload_files_the_kind_named_in_the_message(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"subpoena {case_ref} First Bank", user=OFFICER)
    posted = str(bot.fake.calls_to("chat.postMessage")[-1].params["blocks"])
    assert "`proof_of_service`" in posted and "filed as subpoena" in posted
    channel, ts = waiting_message(bot)
    _upload(bot, channel=channel, thread_ts=ts, file_id="F0POS", text="Proof-of-service attached")
    job = bot.ingestion()[-1]
    assert job["slack_file_id"] == "F0POS" and job["document_kind"] == "proof_of_service"
    reply = bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]
    assert "Filed as proof_of_service." in reply


def test_thread_upload_without_a_kind_says_which_kind_was_used(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"subpoena {case_ref} First Bank", user=OFFICER)
    channel, ts = waiting_message(bot)
    _upload(bot, channel=channel, thread_ts=ts, file_id="F0SUB", text="here it is")
    assert bot.ingestion()[-1]["document_kind"] == "subpoena"
    reply = bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]
    assert "Filed as subpoena" in reply and "proof_of_service" in reply
    # a step with one kind just says it
    bot.slack.command(f"levy {case_ref} Chase", user=OFFICER)
    channel, ts = waiting_message(bot)
    _upload(bot, channel=channel, thread_ts=ts, file_id="F0EXE", text="proof_of_service")
    assert bot.ingestion()[-1]["document_kind"] == "execution"
    assert "Filed as execution." in bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]


def test_workflow_form_takes_only_the_kinds_of_the_step(bot: Bot, case_ref: str) -> None:
    bot.slack.command("subpoena", user=OFFICER)
    view = bot.fake.calls_to("views.open")[-1].params["view"]
    select = next(b for b in view["blocks"] if b["block_id"] == ids.B_DOC_KIND)
    assert [o["value"] for o in select["element"]["options"]] == ["subpoena", "proof_of_service"]
    f = bot.fake.add_file("F0FORM", b"%PDF-1.7", "served.pdf")
    f["filetype"] = "pdf"
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_RECIPIENT: {"type": "plain_text_input", "value": "First Bank"},
        ids.B_NOTE: {"type": "plain_text_input", "value": None},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "execution"}},
        ids.B_FILE: {"type": "file_input", "files": [f]},
    }

    def send(view_id: str) -> dict:
        r = bot.slack.interact(
            view_submission(
                user=OFFICER,
                callback_id=ids.VIEW_WORKFLOW,
                values=values,
                view_id=view_id,
                private_metadata=view["private_metadata"],
            )
        )
        return r.json() if r.text else {}

    body = send("V0K1")
    assert "subpoena or proof_of_service" in body["errors"][ids.B_DOC_KIND]
    assert bot.ingestion() == []
    values[ids.B_DOC_KIND] = {
        "type": "static_select",
        "selected_option": {"value": "proof_of_service"},
    }
    assert send("V0K2").get("response_action") is None
    assert bot.ingestion()[-1]["document_kind"] == "proof_of_service"


def test_pay_form_refuses_a_proof_kind_it_does_not_offer(bot: Bot, case_ref: str) -> None:
    f = bot.fake.add_file("F0PK", b"%PDF", "proof.pdf")
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_AMOUNT: {"type": "plain_text_input", "value": "100"},
        ids.B_KIND: {"type": "static_select", "selected_option": {"value": "direct"}},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "execution"}},
        ids.B_FILE: {"type": "file_input", "files": [f]},
    }
    r = bot.slack.interact(
        view_submission(user=OFFICER, callback_id=ids.VIEW_PAY, values=values, view_id="V0PK")
    )
    assert ids.B_DOC_KIND in r.json()["errors"] and bot.ingestion() == []
