"""app_manifest.yaml against Slack's manifest schema (vendored in tests/data) and against the
code: every Web API method the code calls and every event it listens to has its scope, and no
scope is granted that nothing uses (least privilege)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient

from bot import ids

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "app_manifest.yaml").read_text())
SCHEMA = json.loads((ROOT / "tests" / "data" / "slack_app_manifest.schema.json").read_text())
# The code that talks to Slack (dragonfly/cli/local_slack.py is the console's stand-in *for*
# Slack, so it is not scanned).
SOURCES = [
    p for d in ("bot", "scheduler", "dragonfly") for p in sorted((ROOT / d).rglob("*.py")) if p.name != "local_slack.py"
]

# The bot scope each Web API method needs (Slack's method reference, "Required scopes"; views.*
# and auth.test need none). A method missing here fails the test: look its scope up and add it.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.open": {"im:write"},
    # a message looked up in a public or private channel or the app's DM (the outbox, before re-sending)
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    # public and private channels are listed (types=public_channel,private_channel)
    "conversations.list": {"channels:read", "groups:read"},
    "files.info": {"files:read"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "views.open": set(),
    "views.push": set(),
    "views.update": set(),
    "views.publish": set(),
    "auth.test": set(),
}
# What slack_sdk's helpers and the outbox's own method names stand for.
EXPANDS = {
    "files.upload_v2": ["files.getUploadURLExternal", "files.completeUploadExternal"],
    "conversations.open+chat.postMessage": ["conversations.open", "chat.postMessage"],
    "dm": ["conversations.open", "chat.postMessage"],
}
# Events API subscriptions and the scope each needs (Slack's event reference).
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
}
FAMILIES = ("chat", "views", "conversations", "files", "users", "auth", "apps", "reactions", "pins", "team")


def _dotted(name: str) -> str:
    family, _, rest = name.partition("_")
    return f"{family}.{rest}"


def methods_called() -> set[str]:
    """Every Web API method named in the code: WebClient calls (client.chat_postMessage(...)),
    api_call("x.y"), and the method names queued for the outbox (method="chat.postEphemeral")."""
    found: set[str] = set()
    for path in SOURCES:
        source = path.read_text()
        for name in re.findall(r"\.([a-z]+_[A-Za-z0-9_]+)\(", source):
            if name.split("_")[0] in FAMILIES and hasattr(WebClient, name):
                found.add(_dotted(name))
        found.update(re.findall(r'api_call\(\s*"([a-z]+\.[A-Za-z0-9_.]+)"', source))
        for name in re.findall(r'method\s*=\s*"([A-Za-z0-9_.+]+)"', source):
            if name.split(".")[0].split("_")[0] in FAMILIES or name in EXPANDS:
                found.add(name if "." in name or name in EXPANDS else _dotted(name))
    expanded: set[str] = set()
    for m in found:
        expanded.update(EXPANDS.get(m, [m]))
    return expanded


CALLED = sorted(methods_called())
BOT_SCOPES = set(MANIFEST["oauth_config"]["scopes"]["bot"])
EVENTS = MANIFEST["settings"]["event_subscriptions"]["bot_events"]


def test_the_manifest_validates_against_slacks_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(MANIFEST, SCHEMA)
    broken = {**MANIFEST, "settings": {**MANIFEST["settings"], "interactivity": {"request_url": "x"}}}
    with pytest.raises(jsonschema.ValidationError):  # the schema does refuse a broken manifest
        jsonschema.validate(broken, SCHEMA)


def test_the_scan_finds_the_calls_it_should() -> None:
    # a guard on the scanner itself: these are certainly called
    assert {"chat.postMessage", "chat.postEphemeral", "views.open", "views.push", "views.publish"} <= set(CALLED)
    assert {"conversations.open", "files.info"} <= set(CALLED)


@pytest.mark.parametrize("method", CALLED)
def test_every_method_the_code_calls_has_its_scope(method: str) -> None:
    assert method in METHOD_SCOPES, f"{method}: add its required scope to METHOD_SCOPES (Slack's method reference)"
    missing = METHOD_SCOPES[method] - BOT_SCOPES
    assert not missing, f"{method} needs {sorted(missing)} in app_manifest.yaml"


def test_every_event_has_its_scope_and_the_code_gets_what_it_listens_for() -> None:
    for event in EVENTS:
        assert event in EVENT_SCOPES, f"{event}: add its scope to EVENT_SCOPES"
        scope = EVENT_SCOPES[event]
        assert scope is None or scope in BOT_SCOPES, f"{event} needs {scope}"
    listened = "\n".join(p.read_text() for p in (ROOT / "bot" / "listeners").glob("*.py"))
    assert '@app.event("app_home_opened")' in listened and "app_home_opened" in EVENTS
    # Thread uploads are `message` events (subtype file_share) in the channel where the bot
    # posted "waiting for the document": a public or private channel, or the DM with the bot
    # when the command was typed there, so all three message subscriptions are read.
    assert '"subtype": "file_share"' in listened
    assert {"message.channels", "message.groups", "message.im"} <= set(EVENTS)


def test_the_slash_command_is_declared() -> None:
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == [ids.COMMAND] and "commands" in BOT_SCOPES


def test_no_scope_is_granted_that_nothing_uses() -> None:
    needed = {"commands"} | {s for m in CALLED for s in METHOD_SCOPES.get(m, set())}
    needed |= {EVENT_SCOPES[e] for e in EVENTS if EVENT_SCOPES.get(e)}
    # downloading an upload's url_private_download with the bot token needs files:read
    if any("url_private_download" in p.read_text() for p in SOURCES):
        needed.add("files:read")
    unused = BOT_SCOPES - needed
    assert not unused, f"scopes granted but never used: {sorted(unused)}"
