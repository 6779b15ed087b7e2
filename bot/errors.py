"""The one error handler: refusals become a clear ephemeral message saying what to do; anything
else gets a short reference id that is in the log with its traceback."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.blocks.common import esc
from dragonfly import metrics
from dragonfly.errors import DomainError

log = logging.getLogger("bot.errors")
# Slack's answers when the bot may not post in a channel (it is not a member, or a private
# channel it cannot see): the person can fix it, so they get a sentence, not a reference.
NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived"}


def slack_error(error: Exception) -> str | None:
    if isinstance(error, SlackApiError):
        return str((error.response or {}).get("error") or "") or None
    return None


def message_for(error: Exception, channel: str | None = None) -> str:
    if isinstance(error, DomainError):
        hint = f"\n{esc(error.hint)}" if error.hint else ""
        # The message may quote what the person typed, so it is escaped like any typed text.
        return f":no_entry: {esc(error.message)}.{hint}\nNothing was recorded."
    if slack_error(error) in NOT_IN_CHANNEL:
        where = f"<#{channel}>" if channel and channel[:1] in ("C", "G") else "this channel"
        return (
            f":no_entry: I cannot post in {where}: invite @Dragonfly to {where} (`/invite @Dragonfly`), "
            "or use a DM with me. Nothing was recorded."
        )
    down = unavailable(error)
    if down is not None:
        log.warning("dependency unavailable: %s (%s)", down, type(error).__name__)
        return f":hourglass: {down}, so nothing was recorded. Try again in a minute."
    ref = secrets.token_hex(4).upper()
    log.error("unexpected error, reference %s", ref, exc_info=error)
    return f":warning: Something went wrong (reference {ref}). Nothing was recorded; tell an admin the reference."


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


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def register(app: App) -> None:
    @app.error
    def handle(error: Exception, body: dict[str, Any], client: Any) -> BoltResponse:
        metrics.refusal(error)
        body = body or {}
        user = (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user") or body.get("user_id")
        channel = (
            body.get("channel_id")
            or (body.get("channel") or {}).get("id")
            or (body.get("event") or {}).get("channel")
        )
        text = message_for(error, channel)
        if "command" in body:
            return _json({"response_type": "ephemeral", "text": text})
        kind = body.get("type")
        if kind == "view_submission":
            from bot.listeners.common import field_at_fault, input_blocks

            view = body.get("view") or {}
            if input_blocks(view):
                block = field_at_fault(view, error, None)
                return _json({"response_action": "errors", "errors": {block: text[:1900]}})
            return _json({"response_action": "clear"})
        if kind == "block_suggestion":
            return _json({"options": []})
        try:
            tell_refusal(client, body, user=user, channel=channel, text=text)
        except Exception:  # the reply is best effort; the error itself is already logged
            log.warning("could not tell %s about an error", user, exc_info=True)
        return BoltResponse(status=200, body="")


def tell_refusal(client: Any, body: dict[str, Any], *, user: str | None, channel: str | None, text: str) -> None:
    """Show a refused click or event to the person where they are: in a modal, a small modal on
    top of it; in the App Home, the Home again with the reason on top; in a message, an
    ephemeral reply; else a DM. (An empty 200 would show nothing at all.)"""
    from bot.blocks.home import refused
    from bot.blocks.modals import notice_modal

    view = body.get("view") or {}
    container = (body.get("container") or {}).get("type")
    if body.get("type") == "block_actions" and view.get("type") == "modal" and body.get("trigger_id"):
        client.views_push(trigger_id=body["trigger_id"], view=notice_modal("Not done", text))
    elif body.get("type") == "block_actions" and (view.get("type") == "home" or container == "view") and user:
        home = {k: view[k] for k in ("type", "callback_id", "private_metadata") if view.get(k)}
        client.views_publish(user_id=user, view=refused({**home, "blocks": view.get("blocks") or []}, text))
    elif user and channel and not channel.startswith("D"):
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    elif user:
        client.chat_postMessage(channel=user, text=text)
