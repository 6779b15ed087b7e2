"""The same Slack file submitted in a second levy form is refused in the form, in words, instead
of "Storing..." and silence (issue 10, item 9): one document proves one step."""

from __future__ import annotations

from bot import ids
from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.slack_signing import view_submission


def test_a_second_form_with_the_same_file_is_told_why_nothing_is_queued(bot: Bot, case_ref: str) -> None:
    bot.slack.command("levy", user=OFFICER)
    meta = bot.fake.calls_to("views.open")[-1].params["view"]["private_metadata"]
    f = bot.fake.add_file("F0SAME", b"%PDF-1.7 one execution", "execution.pdf")
    f["filetype"] = "pdf"
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_RECIPIENT: {"type": "plain_text_input", "value": "Citibank"},
        ids.B_NOTE: {"type": "plain_text_input", "value": None},
        ids.B_DOC_KIND: {"type": "static_select", "selected_option": {"value": "execution"}},
        ids.B_FILE: {"type": "file_input", "files": [f]},
    }

    def submit(view_id: str):  # type: ignore[no-untyped-def]
        return bot.slack.interact(
            view_submission(
                user=OFFICER, callback_id=ids.VIEW_WORKFLOW, values=values, view_id=view_id, private_metadata=meta
            )
        )

    assert submit("V0FIRST").status_code == 200
    assert "Storing execution.pdf" in bot.outbox("chat.postEphemeral")[-1]["payload"]["text"]
    told = len(bot.outbox("chat.postEphemeral"))
    r = submit("V0SECOND")  # a second levy form, the same Slack file
    assert r.json()["response_action"] == "errors"
    (shown,) = r.json()["errors"].values()
    assert shown.startswith(f"execution.pdf was already submitted for this step on {case_ref} (upload #")
    assert "One document proves one step" in shown
    assert len(bot.ingestion()) == 1 and len(bot.outbox("chat.postEphemeral")) == told
