"""Buttons that had no listener: the case card's "Record payment" and the digest/stale-alert
"Open" (action id "open_case", value = case ref, built by the scheduler)."""

from __future__ import annotations

import json

from bot import ids
from tests.e2e.conftest import NOBODY, OFFICER, VIEWER, Bot
from tests.e2e.slack_signing import block_action


def test_record_payment_button_opens_the_payment_form(bot: Bot, case_ref: str) -> None:
    r = bot.slack.interact(block_action(user=OFFICER, action_id=ids.A_OPEN_PAY, value=case_ref))
    assert r.status_code == 200
    call = bot.fake.calls_to("views.open")[-1]
    view = call.params["view"]
    assert view["callback_id"] == ids.VIEW_PAY and call.params["trigger_id"]
    picker = next(b for b in view["blocks"] if b["block_id"] == ids.B_CASE)
    assert picker["element"]["initial_option"]["value"] == case_ref
    assert json.loads(view["private_metadata"])["channel"] == "C0OPS"


def test_record_payment_button_needs_the_officer_role(bot: Bot, case_ref: str) -> None:
    before = len(bot.fake.calls_to("views.open"))
    bot.slack.interact(block_action(user=VIEWER, action_id=ids.A_OPEN_PAY, value=case_ref))
    assert len(bot.fake.calls_to("views.open")) == before
    refusal = bot.fake.calls_to("chat.postEphemeral")[-1].params
    assert refusal["user"] == VIEWER and "needs the officer role" in refusal["text"]


def test_open_case_button_posts_the_card_to_the_clicker(bot: Bot, case_ref: str) -> None:
    assert ids.A_OPEN_CASE == "open_case"  # the scheduler builds the button with this string
    r = bot.slack.interact(
        block_action(user=VIEWER, action_id="open_case", value=case_ref, channel="C0DIGEST")
    )
    assert r.status_code == 200
    call = bot.fake.calls_to("chat.postEphemeral")[-1].params
    assert call["channel"] == "C0DIGEST" and call["user"] == VIEWER
    assert case_ref in str(call["blocks"]) and "Balance" in str(call["blocks"])
    assert not bot.fake.calls_to("chat.postMessage")


def test_open_case_button_without_a_channel_sends_a_dm(bot: Bot, case_ref: str) -> None:
    payload = block_action(user=VIEWER, action_id="open_case", value=case_ref)
    del payload["channel"]
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    assert bot.slack.interact(payload).status_code == 200
    call = bot.fake.calls_to("chat.postMessage")[-1].params
    assert call["channel"] == VIEWER and case_ref in str(call["blocks"])


def test_open_case_button_needs_a_role(bot: Bot, case_ref: str) -> None:
    bot.slack.interact(block_action(user=NOBODY, action_id="open_case", value=case_ref))
    calls = bot.fake.calls_to("chat.postEphemeral") + bot.fake.calls_to("chat.postMessage")
    assert len(calls) == 1
    assert "needs the viewer role" in calls[0].params["text"]
    assert case_ref not in str(calls[0].params.get("blocks") or "")
