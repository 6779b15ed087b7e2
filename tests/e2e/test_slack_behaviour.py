"""Slack as it really behaves: typed text cannot mention @channel or disguise a link, long texts
are cut with an ellipsis and stay readable in full, `/enforce mine` pages honestly, forms opened
inside a modal are pushed onto it (and report where the person started), refused clicks say why,
form errors sit under the field at fault, and "not in the channel" is a sentence."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot import ids
from bot.blocks import cards
from dragonfly import rpc
from tests.e2e.conftest import OFFICER, VIEWER, Bot, firm_today
from tests.e2e.slack_signing import block_action, view_submission

EVIL = "<!channel> & <https://evil.example|click here>"
ESCAPED = "&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;"


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        out.append(str((b.get("text") or {}).get("text", "")))
        out += [str(e.get("text", "")) for e in b.get("elements") or [] if e.get("type") == "mrkdwn"]
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in blocks if b.get("accessory")]
    return {e["action_id"]: e for e in found}


def next_button(blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((e for e in buttons(blocks).values() if e["text"]["text"].startswith("Next")), None)


def eta() -> str:
    return (firm_today() + timedelta(days=10)).isoformat()


def modal_click(*, user: str, action_id: str, value: str, view: dict[str, Any], view_id: str = "V0CARD") -> dict:
    """A button clicked inside an open modal: no channel, the container is the view."""
    payload = block_action(user=user, action_id=action_id, value=value)
    payload.pop("channel")
    payload["container"] = {"type": "view", "view_id": view_id}
    payload["view"] = {**view, "id": view_id, "hash": "h1", "state": {"values": {}}}
    return payload


def test_typed_text_is_escaped_everywhere_it_is_shown(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"block {case_ref} court {EVIL} eta:{eta()}", user=OFFICER)
    assert "<!channel>" not in r.json()["text"] and ESCAPED in r.json()["text"]
    bot.slack.command(f"note {case_ref} {EVIL}", user=OFFICER)
    card = bot.slack.command(f"case {case_ref}", user=OFFICER).json()["blocks"]
    shown = texts(card)
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert shown.count(ESCAPED) >= 2  # the blocker reason and the note in the last events


def test_a_long_reason_is_cut_with_an_ellipsis_and_readable_in_full(bot: Bot, case_ref: str) -> None:
    # The longest reason the engine takes (field_limits: 500), longer than the card shows (300).
    reason = " ".join(f"word{i}" for i in range(200))[:500]
    assert len(reason) == 500 > cards.CARD_TEXT_MAX
    with rpc.transaction(bot.services.engine) as conn:
        rpc.log_enforcement_blocker(
            conn,
            case_ref=case_ref,
            kind="court",
            reason=reason,
            eta=firm_today() + timedelta(days=10),
            actor="cli:test",
        )
    card = bot.slack.command(f"case {case_ref}", user=OFFICER).json()["blocks"]
    blockers = next(b["text"]["text"] for b in card if b.get("text", {}).get("text", "").startswith("*Blockers*"))
    assert "…" in blockers and len(blockers) < 3000
    show = buttons(card)[ids.A_SHOW_FULL]
    bot.slack.interact(block_action(user=OFFICER, action_id=ids.A_SHOW_FULL, value=show["value"]))
    view = bot.fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == ids.VIEW_FULL
    # each section is a label line, then (a part of) one text
    bodies = [b["text"]["text"].split("\n", 1)[1] for b in view["blocks"] if b["type"] == "section"]
    assert any("".join(reason.split()) in "".join("".join(bodies[i : i + 2]).split()) for i in range(len(bodies)))


def test_mine_pages_through_every_case_with_an_honest_count(bot: Bot, make_case: Any) -> None:
    refs = [make_case(owner=OFFICER) for _ in range(45)]
    first = bot.slack.command("mine", user=OFFICER).json()
    assert "45" in first["text"]
    shown = [b["accessory"]["value"] for b in first["blocks"] if b.get("accessory")]
    assert len(shown) == 20 and "*Your open cases: 45*" in texts(first["blocks"])
    assert "…and 25 more" in texts(first["blocks"])
    seen = list(shown)
    nxt = next_button(first["blocks"])
    for expected in (20, 5):
        assert nxt is not None
        bot.slack.interact(block_action(user=OFFICER, action_id=nxt["action_id"], value=nxt["value"]))
        page = bot.fake.calls_to("chat.postEphemeral")[-1].params
        blocks = json.loads(page["blocks"]) if isinstance(page["blocks"], str) else page["blocks"]
        values = [b["accessory"]["value"] for b in blocks if b.get("accessory")]
        assert len(values) == expected
        seen += values
        nxt = next_button(blocks)
    assert nxt is None  # the last page has no Next
    assert sorted(seen) == sorted(refs)  # every case once, none lost past the first page
    assert "Page 9 is past the end" in texts(bot.slack.command("mine 9", user=OFFICER).json()["blocks"])
    assert "no past-due cases" in texts(bot.slack.command("mine past-due", user=OFFICER).json()["blocks"])
    bad = bot.slack.command("mine everything", user=OFFICER).json()["text"]
    assert '"everything" is not a page number or a filter' in bad


def test_forms_from_a_modal_are_pushed_and_report_where_the_person_started(bot: Bot, case_ref: str) -> None:
    bot.slack.command("case", user=OFFICER, channel="C0WORK")
    picker = bot.fake.calls_to("views.open")[-1].params["view"]
    values = {ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}}}
    r = bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_CASE,
            values=values,
            view_id="V0PICK",
            private_metadata=picker["private_metadata"],
        )
    )
    card = r.json()["view"]
    assert json.loads(card["private_metadata"])["channel"] == "C0WORK"
    opens = len(bot.fake.calls_to("views.open"))
    bot.slack.interact(modal_click(user=OFFICER, action_id=ids.A_OPEN_NOTE, value=case_ref, view=card))
    assert len(bot.fake.calls_to("views.open")) == opens  # not views.open: Slack refuses it over a modal
    pushed = bot.fake.calls_to("views.push")[-1].params["view"]
    assert pushed["callback_id"] == ids.VIEW_NOTE
    note = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": case_ref}},
        ids.B_NOTE: {"type": "plain_text_input", "value": "from the card"},
    }
    bot.slack.interact(
        view_submission(
            user=OFFICER,
            callback_id=ids.VIEW_NOTE,
            values=note,
            view_id="V0NOTE",
            private_metadata=pushed["private_metadata"],
        )
    )
    told = [r["payload"] for r in bot.outbox("chat.postEphemeral")]
    assert told and told[-1]["channel"] == "C0WORK" and "Note added" in told[-1]["text"]


def test_a_refused_click_in_a_modal_or_the_home_says_why(bot: Bot, case_ref: str) -> None:
    card = {"type": "modal", "title": {"type": "plain_text", "text": "Case"}, "blocks": [], "private_metadata": "{}"}
    bot.slack.interact(modal_click(user=VIEWER, action_id=ids.A_OPEN_STAGE, value=case_ref, view=card))
    notice = bot.fake.calls_to("views.push")[-1].params["view"]
    assert "needs the officer role" in texts(notice["blocks"])
    home = {
        "type": "home",
        "callback_id": ids.HOME,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    payload = modal_click(user=VIEWER, action_id=ids.A_OPEN_STAGE, value=case_ref, view=home, view_id="V0HOME")
    bot.slack.interact(payload)
    published = bot.fake.calls_to("views.publish")[-1].params
    blocks = (
        published["view"]["blocks"] if isinstance(published["view"], dict) else json.loads(published["view"])["blocks"]
    )
    assert blocks[0]["block_id"] == "df_home_refused" and "needs the officer role" in blocks[0]["text"]["text"]


def test_form_errors_sit_under_the_field_at_fault(bot: Bot, case_ref: str) -> None:
    note = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": "DF-999999"}},
        ids.B_NOTE: {"type": "plain_text_input", "value": "hello"},
    }
    r = bot.slack.interact(view_submission(user=OFFICER, callback_id=ids.VIEW_NOTE, values=note, view_id="V0E1"))
    errors = r.json()["errors"]
    assert list(errors) == [ids.B_CASE] and "There is no case" in errors[ids.B_CASE]
    assign = {
        ids.B_CASE: {"type": "external_select", "selected_option": {"value": "DF-999999"}},
        ids.B_USER: {"type": "users_select", "selected_user": "U0SOMEONE"},
    }
    r = bot.slack.interact(view_submission(user=OFFICER, callback_id=ids.VIEW_ASSIGN, values=assign, view_id="V0E2"))
    assert list(r.json()["errors"]) == [ids.B_CASE]


def test_not_in_channel_is_a_sentence_and_records_nothing(bot: Bot, case_ref: str) -> None:
    bot.fake.responses["chat.postMessage"] = {"ok": False, "error": "not_in_channel"}
    before = bot.events(case_ref)
    r = bot.slack.command(f"pay {case_ref} 100.00 direct", user=OFFICER, channel="C0NOTIN")
    text = r.json()["text"]
    assert "invite @Dragonfly to <#C0NOTIN>" in text and "or use a DM" in text and "reference" not in text
    assert bot.events(case_ref) == before
    assert bot.rows("SELECT * FROM v_upload_requests") == []


def test_a_command_in_the_apps_dm_takes_its_upload_in_the_dm_thread(bot: Bot, case_ref: str) -> None:
    """Why the manifest keeps im:history / message.im: typed in the app's DM, the "waiting for the
    document" message is posted there, and the upload arrives as a message.im event."""
    from tests.e2e.test_documents import upload, waiting_message

    bot.slack.command(f"levy {case_ref} Chase Bank", user=OFFICER, channel="D0OFFICER")
    channel, ts = waiting_message(bot)
    assert channel == "D0OFFICER"
    assert upload(bot, channel=channel, thread_ts=ts, file_id="F0DMUP1", event_id="EvDMUP1").status_code == 200
    assert [j["case_ref"] for j in bot.ingestion()] == [case_ref]
