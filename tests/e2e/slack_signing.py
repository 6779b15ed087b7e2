"""Sign and send requests exactly like Slack: v0:timestamp:body, HMAC-SHA256 with the signing secret."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests

from tests.slack_payloads import response_problems

_ids = itertools.count(1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    """Posts signed slash commands, interactivity payloads, options loads and events to the bot."""

    def __init__(self, url: str, secret: str, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/") + "/slack/events"
        self.secret = secret
        self.http = session or requests.Session()

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> requests.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        h = {"Content-Type": content_type}
        if sign:
            h["X-Slack-Request-Timestamp"] = ts
            h["X-Slack-Signature"] = signature(secret or self.secret, ts, body)
        h.update(headers or {})
        response = self.http.post(self.url, data=body, headers=h, timeout=10)
        if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
            found = response_problems(response.json())
            assert not found, "Slack would refuse the bot's answer:\n" + "\n".join(found)
        return response

    def command_body(
        self, text: str, *, user: str, channel: str = "C0OPS", trigger_id: str | None = None
    ) -> bytes:
        n = next(_ids)
        return urlencode(
            {
                "token": "legacy",
                "team_id": "T0",
                "team_domain": "firm",
                "channel_id": channel,
                "channel_name": "enforcement",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/enforce",
                "text": text,
                "api_app_id": "A0",
                "is_enterprise_install": "false",
                "response_url": "https://hooks.slack.com/commands/T0/1/x",
                "trigger_id": trigger_id or f"{n}.{int(time.time())}.trig{n}",
            }
        ).encode()

    def command(
        self,
        text: str,
        *,
        user: str,
        channel: str = "C0OPS",
        trigger_id: str | None = None,
        retry_num: int | None = None,
        **kw: Any,
    ) -> requests.Response:
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else {}
        )
        return self.post(
            self.command_body(text, user=user, channel=channel, trigger_id=trigger_id),
            "application/x-www-form-urlencoded",
            headers=headers,
            **kw,
        )

    def interact(self, payload: dict[str, Any], **kw: Any) -> requests.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kw: Any,
    ) -> requests.Response:
        n = next(_ids)
        body = {
            "token": "legacy",
            "team_id": "T0",
            "api_app_id": "A0",
            "type": "event_callback",
            "event_id": event_id or f"Ev{n:08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T0", "user_id": "UBOT", "is_bot": True}],
        }
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else {}
        )
        return self.post(json.dumps(body).encode(), "application/json", headers=headers, **kw)


def view_submission(
    *,
    user: str,
    callback_id: str,
    values: dict[str, dict[str, Any]],
    view_id: str,
    private_metadata: str = "{}",
    blocks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A view_submission payload; `values` maps block id -> element state (the element's action id
    is the block id)."""
    return {
        "type": "view_submission",
        "team": {"id": "T0"},
        "user": {"id": user},
        "api_app_id": "A0",
        "trigger_id": f"trig.{view_id}",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": blocks or [{"type": "input", "block_id": b} for b in values],
            "state": {"values": {b: {b: v} for b, v in values.items()}},
            "hash": "h1",
        },
    }


def block_action(
    *, user: str, action_id: str, value: str, channel: str = "C0OPS", action_ts: str | None = None
) -> dict[str, Any]:
    n = next(_ids)
    return {
        "type": "block_actions",
        "team": {"id": "T0"},
        "user": {"id": user},
        "api_app_id": "A0",
        "trigger_id": f"trig.act{n}",
        "channel": {"id": channel},
        "container": {"type": "message"},
        "response_url": "https://hooks.slack.com/actions/T0/1/x",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "df_case_actions",
                "value": value,
                "action_ts": action_ts or f"{time.time():.6f}{n}",
            }
        ],
    }
