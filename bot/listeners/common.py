"""Helpers the listener modules share: run a command's work once, open a modal, submit a modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids
from bot.middleware import require, services_of
from bot.service import DUPLICATE, Duplicate, command_key, meta_of, once, refresh_home, tell
from dragonfly.errors import CaseClosed, DomainError, InvalidAmount, OverrideTooLong, UnknownCase

Work = Callable[[Connection, str], str]
# Which form field a refusal from the engine is about (the rest go under the form's own choice).
FIELD_OF: dict[type, str] = {
    UnknownCase: ids.B_CASE,
    CaseClosed: ids.B_CASE,
    InvalidAmount: ids.B_AMOUNT,
    OverrideTooLong: ids.B_DATE,
}


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


def in_modal(body: dict[str, Any]) -> bool:
    """A button clicked inside a modal (its container is a view of type modal)."""
    return (body.get("container") or {}).get("type") == "view" and (body.get("view") or {}).get("type") == "modal"


def open_modal(*, ack: Any, client: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open `view`; from a button inside a modal it is pushed onto that modal's stack (Slack
    refuses views.open while a modal is open: "Using modals in Slack apps", views.push)."""
    if in_modal(body):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def meta(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """private_metadata for a modal opened from a command or a button: the channel the person
    started in, so the result is posted there. A button inside a modal has no channel; the
    modal's own metadata carries the one it was opened from."""
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    if not channel and body.get("view"):
        channel = meta_of(body["view"]).get("channel")
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
        block = field_at_fault(view, e, error_block)
        ack(response_action="errors", errors={block: str(e)[:1900]})
        return
    ack()


def input_blocks(view: dict[str, Any]) -> list[str]:
    """The block ids of a submitted view's input blocks, in order."""
    blocks = [b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"]
    return [b for b in blocks if b] or list((view.get("state") or {}).get("values") or {})


def field_at_fault(view: dict[str, Any], error: Exception, default: str | None) -> str:
    """The input block a refusal belongs under: an unknown or closed case under the case picker,
    an amount under Amount, ... else `default`; always a block the view has (Slack shows errors
    only under its own input blocks)."""
    blocks = input_blocks(view)
    wanted = FIELD_OF.get(type(error), default)
    for block in (wanted, default):
        if block and block in blocks:
            return block
    return blocks[0] if blocks else (default or ids.B_CASE)


def field(errors: dict[str, str], block: str, parse: Callable[[], Any]) -> Any:
    """Parse one modal field; a refusal becomes that field's error."""
    try:
        return parse()
    except DomainError as e:
        errors[block] = str(e)
        return None


def form_button(app: App, action_id: str, spec: Any) -> None:
    """A card button that opens `spec`'s form for the case in its value, as the spec's role."""

    @app.action(action_id)
    def open_form(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        require(context, spec.role, spec.wording(spec.name))
        ref = body["actions"][0]["value"]
        open_modal(ack=ack, client=client, body=body, view=spec.modal(meta(body), ref))
