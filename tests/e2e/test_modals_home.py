"""Forms opened when arguments are missing, their validation, the case picker and App Home."""

from __future__ import annotations

from datetime import timedelta

from bot import ids
from scheduler import outbox
from tests.e2e.conftest import ADMIN, OFFICER, VIEWER, Bot, firm_today
from tests.e2e.slack_signing import block_action, view_submission


def opened(bot: Bot) -> dict:
    return bot.fake.calls_to("views.open")[-1].params["view"]


def test_missing_arguments_open_modals(bot: Bot, case_ref: str) -> None:
    expected = {
        "stage": ids.VIEW_STAGE,
        "block": ids.VIEW_BLOCK,
        "assign": ids.VIEW_ASSIGN,
        "note": ids.VIEW_NOTE,
        "next": ids.VIEW_NEXT,
        "pay": ids.VIEW_PAY,
        "advance": ids.VIEW_ADVANCE,
        "case": ids.VIEW_CASE,
        "garnish": ids.VIEW_WORKFLOW,
        "search": ids.VIEW_WORKFLOW,
    }
    for word, callback in expected.items():
        r = bot.slack.command(word, user=OFFICER)
        assert r.status_code == 200 and r.text == "", (word, r.text)
        view = opened(bot)
        assert view["callback_id"] == callback, word
        assert bot.fake.calls_to("views.open")[-1].params["trigger_id"]
    bot.slack.command(f"override {case_ref}", user=ADMIN)
    view = opened(bot)
    assert view["callback_id"] == ids.VIEW_OVERRIDE
    picker = next(b for b in view["blocks"] if b["block_id"] == ids.B_CASE)
    assert picker["element"]["type"] == "external_select"
    assert picker["element"]["initial_option"]["value"] == case_ref
    # search needs no document: its form has no file_input
    bot.slack.command("search", user=OFFICER)
    assert not any(b.get("element", {}).get("type") == "file_input" for b in opened(bot)["blocks"])


def test_stage_modal_errors_then_success(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"stage {case_ref}", user=OFFICER)
    meta = opened(bot)["private_metadata"]
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_STAGE: {"type": "static_select", "selected_option": {"value": "recovery"}},
        ids.B_REASON: {"type": "static_select", "selected_option": None},
        ids.B_NOTE: {"type": "plain_text_input", "value": "moving on"},
    }
    before = bot.events(case_ref)
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_STAGE,
            values=values,
            view_id="V0S1",
            private_metadata=meta,
        )
    )
    body = r.json()
    assert body["response_action"] == "errors"
    assert "cannot move from intake to recovery" in body["errors"][ids.B_STAGE]
    values[ids.B_STAGE] = {"type": "static_select", "selected_option": {"value": "closed"}}
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_STAGE,
            values=values,
            view_id="V0S2",
            private_metadata=meta,
        )
    )
    assert r.json()["errors"] == {ids.B_REASON: "Closing needs a reason."}
    assert bot.events(case_ref) == before
    values[ids.B_STAGE] = {"type": "static_select", "selected_option": {"value": "discovery"}}
    for _ in range(2):
        r = bot.slack.interact(
            view_submission(
                user=OFFICER,
                callback_id=ids.VIEW_STAGE,
                values=values,
                view_id="V0S3",
                private_metadata=meta,
            )
        )
        assert r.status_code == 200 and r.text == ""
    assert bot.case(case_ref)["stage"] == "discovery" and bot.events(case_ref) == before + 1
    told = bot.outbox("chat.postEphemeral")[-1]["payload"]
    assert (
        told["channel"] == "C0OPS"
        and told["user"] == OFFICER
        and "intake -> discovery" in told["text"]
    )


def test_block_and_next_modal_dates(bot: Bot, case_ref: str) -> None:
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_KIND: {"type": "static_select", "selected_option": {"value": "bank"}},
        ids.B_REASON: {"type": "plain_text_input", "value": "account frozen"},
        ids.B_DATE: {
            "type": "datepicker",
            "selected_date": (firm_today() - timedelta(days=3)).isoformat(),
        },
    }
    r = bot.slack.interact(
        view_submission(user=OFFICER, callback_id=ids.VIEW_BLOCK, values=values, view_id="V0B1")
    )
    assert "is in the past" in r.json()["errors"][ids.B_DATE]
    values[ids.B_DATE] = {
        "type": "datepicker",
        "selected_date": (firm_today() + timedelta(days=3)).isoformat(),
    }
    r = bot.slack.interact(
        view_submission(user=OFFICER, callback_id=ids.VIEW_BLOCK, values=values, view_id="V0B2")
    )
    assert r.status_code == 200 and bot.case(case_ref)["open_blockers"] == 1
    # opened from App Home (no channel): the confirmation is a DM
    assert bot.outbox("chat.postMessage")[-1]["payload"]["channel"] == OFFICER
    nxt = {
        ids.B_CASE: values[ids.B_CASE],
        ids.B_WHAT: {"type": "plain_text_input", "value": "call"},
        ids.B_DATE: {"type": "datepicker", "selected_date": firm_today().isoformat()},
    }
    r = bot.slack.interact(
        view_submission(user=OFFICER, callback_id=ids.VIEW_NEXT, values=nxt, view_id="V0N1")
    )
    assert "is in the past" in r.json()["errors"][ids.B_DATE]


def test_modal_submission_by_viewer_is_refused(bot: Bot, case_ref: str) -> None:
    values = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_NOTE: {"type": "plain_text_input", "value": "hello"},
    }
    before = bot.events(case_ref)
    r = bot.slack.interact(
        view_submission(user=VIEWER, callback_id=ids.VIEW_NOTE, values=values, view_id="V0X")
    )
    assert "needs the officer role" in r.json()["errors"][ids.B_CASE]
    assert bot.events(case_ref) == before


def test_case_modal_shows_card(bot: Bot, case_ref: str) -> None:
    values = {ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}}}
    r = bot.slack.interact(
        view_submission(user=VIEWER, callback_id=ids.VIEW_CASE, values=values, view_id="V0C")
    )
    body = r.json()
    assert body["response_action"] == "update" and case_ref in str(body["view"]["blocks"])


def test_case_card_buttons_open_forms(bot: Bot, case_ref: str) -> None:
    r = bot.slack.interact(block_action(user=OFFICER, action_id=ids.A_OPEN_STAGE, value=case_ref))
    assert r.status_code == 200
    view = opened(bot)
    assert view["callback_id"] == ids.VIEW_STAGE
    assert '"channel": "C0OPS"' in view["private_metadata"]


def test_options_load_ranked(bot: Bot, make_case) -> None:  # type: ignore[no-untyped-def]
    refs = [make_case(debtor_name=f"Zed Holdings {i}") for i in range(3)]
    other = make_case(plaintiff_name="Bright Capital", debtor_name="Alpha Zed")
    many = [make_case(debtor_name=f"Bulk {i}") for i in range(105)]
    payload = {
        "type": "block_suggestion",
        "user": {"id": VIEWER},
        "team": {"id": "T0"},
        "api_app_id": "A0",
        "action_id": ids.B_CASE,
        "block_id": ids.B_CASE,
        "value": refs[1],
        "view": {"id": "V0O", "type": "modal", "callback_id": ids.VIEW_STAGE},
    }
    r = bot.slack.interact(payload)
    values = [o["value"] for o in r.json()["options"]]
    assert values[0] == refs[1]
    payload["value"] = "zed"
    values = [o["value"] for o in bot.slack.interact(payload).json()["options"]]
    assert values[:3] == refs and values[3] == other  # name starts with "Zed" first
    payload["value"] = "Bright"
    assert [o["value"] for o in bot.slack.interact(payload).json()["options"]] == [other]
    payload["value"] = ""
    assert len(bot.slack.interact(payload).json()["options"]) == 100
    assert many


def test_app_home_published(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"block {case_ref} court clerk eta:{firm_today().isoformat()}", user=OFFICER)
    r = bot.slack.event(
        {"type": "app_home_opened", "user": OFFICER, "channel": "D0HOME", "tab": "home"}
    )
    assert r.status_code == 200
    # Issue 12: the request only queues "publish home for U"; the outbox worker builds and sends it.
    outbox.deliver_due(bot.services)
    call = bot.fake.calls_to("views.publish")[-1]
    assert (
        call.params["user_id"] == OFFICER
        and call.headers["Authorization"] == "Bearer xoxb-test-token"
    )
    view = call.params["view"]
    text = str(view["blocks"])
    assert view["type"] == "home" and "Ops Console" in text
    assert (
        f"*Tier {bot.case(case_ref)['tier']}*: 1 cases" in text
        and "My past-due queue" in text
        and case_ref in text
        and "Blocked (court)" in text
    )
    r = bot.slack.interact(block_action(user=OFFICER, action_id=ids.A_REFRESH_HOME, value="home"))
    outbox.deliver_due(bot.services)
    assert r.status_code == 200 and len(bot.fake.calls_to("views.publish")) == 2
