"""The payload checker the fake Slack uses refuses what Slack refuses (so a test that passes
through it means something)."""

from __future__ import annotations

from tests.slack_payloads import problems, response_problems


def section(text: str, **extra: object) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def test_a_good_message_and_view_pass() -> None:
    assert problems("chat.postMessage", {"channel": "C1", "text": "hi", "blocks": [section("hi")]}) == []
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [section("x")]}
    assert problems("views.open", {"trigger_id": "t", "view": view}) == []


def test_slacks_limits_are_refused() -> None:
    too_many = [section(f"line {i}") for i in range(51)]
    assert any("51 blocks" in p for p in problems("chat.postMessage", {"text": "x", "blocks": too_many}))
    long = problems("chat.postMessage", {"text": "x", "blocks": [section("x" * 3001)]})
    assert any("3000" in p or "3,000" in p for p in long)
    dup = [section("a", block_id="b1"), section("b", block_id="b1")]
    assert any("used twice" in p for p in problems("chat.postMessage", {"text": "x", "blocks": dup}))
    button = {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "open", "value": "1"}
    twice = [section("a", accessory=button), section("b", accessory=button)]
    assert any("action_id 'open'" in p for p in problems("chat.postMessage", {"text": "x", "blocks": twice}))
    assert any("fallback" in p for p in problems("chat.postEphemeral", {"blocks": [section("x")]}))
    assert any("unknown block" in p for p in problems("chat.postMessage", {"text": "x", "blocks": [{"type": "nope"}]}))
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [section("x")] * 101}
    assert any("101 blocks" in p for p in problems("views.push", {"view": view}))
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert problems("chat.postMessage", {"text": "x", "blocks": [header]})  # the SDK's own check


def test_the_bots_answers_are_checked_too() -> None:
    assert response_problems({"response_type": "ephemeral", "text": "ok", "blocks": [section("ok")]}) == []
    assert response_problems({"response_action": "update", "view": {"type": "modal", "blocks": []}})  # no title
