"""Helpers the listener modules share: run a command's work once, open a modal, submit a modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy import Connection

from bot.middleware import require, services_of
from bot.service import DUPLICATE, Duplicate, command_key, meta_of, once, refresh_home, tell
from dragonfly.errors import DomainError

Work = Callable[[Connection, str], str]


def act(
    *,
    ack: Any,
    context: BoltContext,
    body: dict[str, Any],
    role: str,
    what: str,
    work: Work,
    home: bool = True,
) -> None:
    """Check the role, run `work` once in one transaction, answer with its text (ephemeral)."""
    user = require(context, role, what)

    def run(conn: Connection) -> str:
        text = work(conn, user)
        if home:
            refresh_home(conn, user=user)
        return text

    try:
        text = once(services_of(context), command_key(body), run)
    except Duplicate:
        text = DUPLICATE
    ack(text=text, response_type="ephemeral")


def open_modal(*, ack: Any, client: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def meta(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """private_metadata for a modal opened from a command or a button."""
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    return {"channel": channel, **{k: v for k, v in extra.items() if v is not None}}


def submit(
    *,
    ack: Any,
    context: BoltContext,
    body: dict[str, Any],
    role: str,
    what: str,
    work: Work,
    errors: dict[str, str] | None = None,
    error_block: str | None = None,
) -> None:
    """A modal submission: field errors stay in the modal; else record once (by view id) and tell
    the person in the channel the modal came from."""
    if errors:
        ack(response_action="errors", errors=errors)
        return
    user = require(context, role, what)
    view = body["view"]
    channel = meta_of(view).get("channel")

    def run(conn: Connection) -> None:
        tell(conn, user=user, channel=channel, text=work(conn, user))
        refresh_home(conn, user=user)

    try:
        once(services_of(context), f"view:{view['id']}", run)
    except Duplicate:
        pass
    except DomainError as e:
        if error_block is None:
            raise
        ack(response_action="errors", errors={error_block: f"{e.message}. {e.hint}".strip()})
        return
    ack()


def field(errors: dict[str, str], block: str, parse: Callable[[], Any]) -> Any:
    """Parse one modal field; a refusal becomes that field's error."""
    try:
        return parse()
    except DomainError as e:
        errors[block] = f"{e.message}. {e.hint}".strip()
        return None
