"""The labels a request is counted under: surface and sub-command, bounded (bot/metrics.py)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics import classify

FORM = "application/x-www-form-urlencoded"
COMMANDS = {"pay", "case", "help"}


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


def payload(data: dict) -> bytes:  # type: ignore[type-arg]
    return form(payload=json.dumps(data))


def test_slash_commands_by_known_sub_command_only() -> None:
    assert classify("/slack/events", FORM, form(command="/enforce", text="pay DF-1 10"), COMMANDS) == ("command", "pay")
    assert classify("/slack/events", FORM, form(command="/enforce", text=""), COMMANDS) == ("command", "help")
    assert classify("/slack/events", FORM, form(command="/enforce", text="x" * 500), COMMANDS) == ("command", "other")


def test_interactions_events_and_other_paths() -> None:
    action = payload({"type": "block_actions", "actions": [{"action_id": "case_pay"}]})
    assert classify("/slack/events", FORM, action, COMMANDS) == ("action", "case_pay")
    view = payload({"type": "view_submission", "view": {"callback_id": "pay_modal"}})
    assert classify("/slack/events", FORM, view, COMMANDS) == ("view", "pay_modal")
    weird = payload({"type": "block_actions", "actions": [{"action_id": "a b c <script>"}]})
    assert classify("/slack/events", FORM, weird, COMMANDS) == ("action", "other")
    event = json.dumps({"type": "event_callback", "event": {"type": "message", "subtype": "file_share"}}).encode()
    assert classify("/slack/events", "application/json", event, COMMANDS) == ("event", "message.file_share")
    assert classify("/slack/events", FORM, form(payload="{not json"), COMMANDS) == ("other", "unreadable")
    assert classify("/healthz", "", b"", COMMANDS) == ("healthz", "-")
    assert classify("/wp-admin", "", b"", COMMANDS) == ("other", "-")


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.builds(lambda v: b"payload=" + v.encode(), st.sampled_from(["null", "%5B1%2C2%5D", "1", '"x"', "{}"])),
        st.builds(lambda v: v.encode(), st.sampled_from(["null", "[1,2]", '{"type": "event_callback", "event": 3}'])),
    ),
    json_type=st.booleans(),
)
def test_any_body_gets_a_label_never_an_error(body: bytes, json_type: bool) -> None:
    """The labeller runs before the signature check: junk is labelled, never raised on."""
    content_type = "application/json" if json_type else "application/x-www-form-urlencoded"
    surface, command = classify("/slack/events", content_type, body, {"help"})
    assert isinstance(surface, str) and isinstance(command, str)
