"""The one error handler: refusals become a clear ephemeral message saying what to do; anything
else gets a short reference id that is in the log with its traceback."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

from dragonfly import metrics
from dragonfly.errors import DomainError

log = logging.getLogger("bot.errors")


def unavailable(error: BaseException) -> str | None:
    """What is down, as the start of a sentence, if `error` says a dependency is unavailable."""
    import urllib.error

    import psycopg
    from slack_sdk.errors import SlackApiError
    from sqlalchemy import exc

    if isinstance(error, exc.TimeoutError):
        return "The database is too busy to take the request right now"
    if isinstance(error, exc.DBAPIError) and (
        error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError)
    ):
        return "The database is unavailable right now"
    if isinstance(error, psycopg.OperationalError):
        return "The database is unavailable right now"
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 0) or 0
        if status == 429:
            return "Slack is limiting how fast this app may call it (HTTP 429)"
        if status >= 500:
            return f"Slack's Web API is failing right now (HTTP {status})"
        return None
    if isinstance(error, (TimeoutError, urllib.error.URLError, ConnectionError)):
        return "Slack did not answer in time"
    return None


def message_for(error: Exception) -> str:
    if isinstance(error, DomainError):
        hint = f"\n{error.hint}" if error.hint else ""
        return f":no_entry: {error.message}.{hint}\nNothing was recorded."
    down = unavailable(error)
    if down is not None:
        log.warning("dependency unavailable: %s (%s)", down, type(error).__name__)
        return f":hourglass: {down}, so nothing was recorded. Try again in a minute."
    ref = secrets.token_hex(4).upper()
    log.error("unexpected error, reference %s", ref, exc_info=error)
    return f":warning: Something went wrong (reference {ref}). Nothing was recorded; tell an admin the reference."


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def register(app: App) -> None:
    @app.error
    def handle(error: Exception, body: dict[str, Any], client: Any) -> BoltResponse:
        metrics.refusal(error)
        text = message_for(error)
        body = body or {}
        if "command" in body:
            return _json({"response_type": "ephemeral", "text": text})
        kind = body.get("type")
        if kind == "view_submission":
            blocks = [b for b in body.get("view", {}).get("blocks", []) if b.get("type") == "input"]
            if blocks:
                return _json({"response_action": "errors", "errors": {blocks[0]["block_id"]: text[:1900]}})
            return _json({"response_action": "clear"})
        if kind == "block_suggestion":
            return _json({"options": []})
        user = (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
        channel = (body.get("channel") or {}).get("id") or (body.get("event") or {}).get("channel")
        if user and channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
            except Exception:  # the reply is best effort; the error itself is already logged
                log.warning("could not tell %s about an error", user, exc_info=True)
        return BoltResponse(status=200, body="")
