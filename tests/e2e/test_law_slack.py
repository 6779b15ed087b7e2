"""Issue 13 in Slack, as signed requests into the running bot: a restraint says whom it is on; on
a person's bank account the form takes the exemption forms as a second document (CPLR 5222-a),
the worker stores both and records the step with both; typed commands send people to the form;
the card shows the exempt amount and the forms."""

from __future__ import annotations

import json
import time

from bot import ids
from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.slack_signing import view_submission


def test_typed_restraint_says_whom_and_sends_a_persons_bank_account_to_the_form(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    r = bot.slack.command(f"restrain {case_ref} Chase Bank", user=OFFICER)
    assert "Say whom the restraining notice is served on" in r.json()["text"]
    r = bot.slack.command(f"restrain {case_ref} on:landlord Chase Bank", user=OFFICER)
    assert '"landlord" is not a kind of garnishee' in r.json()["text"]
    r = bot.slack.command(f"restrain {case_ref} on:bank Chase Bank", user=OFFICER)
    text = r.json()["text"]
    assert "exemption notice and two exemption claim forms (CPLR 5222-a)" in text and "/enforce restrain" in text
    assert bot.events(case_ref) == before and bot.ingestion() == []
    assert bot.rows("SELECT * FROM v_upload_requests") == []
    r = bot.slack.command(f"restrain {case_ref} on:employer Acme Payroll", user=OFFICER)
    assert "needs the restraining_notice" in r.json()["text"]
    assert bot.rows("SELECT intent FROM v_upload_requests")[0]["intent"]["garnishee_kind"] == "employer"


def _values(case_ref: str, notice: dict, forms: dict | None) -> dict:  # type: ignore[type-arg]
    return {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_RECIPIENT: {"type": "plain_text_input", "value": "Chase Bank"},
        ids.B_NOTE: {"type": "plain_text_input", "value": None},
        ids.B_GARNISHEE: {"type": "static_select", "selected_option": {"value": "bank"}},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "restraining_notice"}},
        ids.B_FILE: {"type": "file_input", "files": [notice]},
        ids.B_EXEMPTION_FILE: {"type": "file_input", "files": [forms] if forms else []},
    }


def test_restraint_form_takes_the_exemption_forms_and_the_card_shows_them(bot: Bot, case_ref: str) -> None:
    from scheduler import ingestion

    bot.slack.command("restrain", user=OFFICER)
    view = bot.fake.calls_to("views.open")[-1].params["view"]
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.B_GARNISHEE in block_ids and ids.B_EXEMPTION_FILE in block_ids
    meta = view["private_metadata"]
    assert json.loads(meta)["kind"] == "restraining_notice"
    notice = bot.fake.add_file("F0RN", b"%PDF-1.7 notice" + b"n" * 512, "notice.pdf")
    forms = bot.fake.add_file("F0EX", b"%PDF-1.7 forms" + b"f" * 512, "exemption.pdf")
    notice["filetype"] = forms["filetype"] = "pdf"

    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_WORKFLOW,
            view_id="V0RN0",
            private_metadata=meta,
            values=_values(case_ref, notice, None),
        )
    )
    errors = r.json()["errors"]
    assert "exemption notice and two exemption claim forms (CPLR 5222-a)" in errors[ids.B_EXEMPTION_FILE]
    assert bot.ingestion() == []

    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_WORKFLOW,
            view_id="V0RN1",
            private_metadata=meta,
            values=_values(case_ref, notice, forms),
        )
    )
    assert r.status_code == 200 and r.text in ("", "{}")
    jobs = {j["dedupe_key"]: j for j in bot.ingestion()}
    assert set(jobs) == {"F0RN:restraining_notice:queue", "F0EX:restraining_notice:queue:exemption_forms"}
    step = jobs["F0RN:restraining_notice:queue"]
    assert step["intent"]["garnishee_kind"] == "bank"
    assert step["intent"]["exemption_job"] == "F0EX:restraining_notice:queue:exemption_forms"
    assert jobs["F0EX:restraining_notice:queue:exemption_forms"]["document_kind"] == "exemption_forms"

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not bot.rows("SELECT 1 FROM v_enforcement_actions"):
        ingestion.ingest_due(bot.services)
        time.sleep(0.5)
    action = bot.rows("SELECT * FROM v_enforcement_actions WHERE case_ref = :r", r=case_ref)[0]
    assert action["kind"] == "restraining_notice" and action["state"] == "served"
    docs = {d["kind"]: d["document_id"] for d in bot.rows("SELECT * FROM v_enforcement_documents")}
    law = bot.rows("SELECT restraints FROM v_case_law WHERE case_ref = :r", r=case_ref)[0]["restraints"]
    assert law[0]["garnishee_kind"] == "bank" and law[0]["exemption_document_id"] == docs["exemption_forms"]

    card = str(bot.slack.command(f"case {case_ref}", user=OFFICER).json()["blocks"])
    assert "Exempt in the debtor's bank accounts:* $4,080.00" in card
    assert f"#{action['action_id']} restraining_notice on bank: exemption forms #{docs['exemption_forms']}" in card


def test_typed_subpoena_served_by_mail_carries_it_to_the_step(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"subpoena {case_ref} by:mail Chase Bank", user=OFFICER)
    assert "needs the subpoena" in r.json()["text"]
    intent = bot.rows("SELECT intent FROM v_upload_requests")[0]["intent"]
    assert intent == {"op": "subpoena", "recipient": "Chase Bank", "by_mail": True}
