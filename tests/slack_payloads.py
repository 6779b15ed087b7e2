"""What Slack would refuse in a message or a view, checked on every payload the tests see.

slack_sdk's Block Kit models (`Block.parse(...).validate_json()`, `View(...).validate_json()`,
and `to_dict()`, which validates nested elements) catch malformed blocks and most per-field
length limits. Slack also enforces limits the SDK does not check; those are added here, from
Slack's Block Kit reference:

- at most 50 blocks in a message, 100 in a modal or App Home view;
- a section's text at most 3,000 characters (checked again here in case the SDK skips it);
- block ids unique within a message or view; action ids unique within it too (Slack answers
  `invalid_blocks` for a duplicate in one view; unique per message keeps clicks unambiguous);
- a message with blocks carries a top-level `text` (the notification and screen-reader fallback);
- a button's `value` at most 2,000 characters, `private_metadata` at most 3,000.

`problems(method, params)` returns the sentences, empty when Slack would accept the payload.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_VALUE = 2000
PRIVATE_METADATA = 3000
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
VIEW_METHODS = {"views.open", "views.push", "views.update", "views.publish"}


def _decoded(value: Any) -> Any:
    """Form-encoded calls carry blocks and views as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block.get("accessory") or {}, block.get("element") or {}]
    found += [e for e in block.get("elements") or [] if isinstance(e, dict)]
    return [e for e in found if e]


def check_blocks(blocks: Any, *, limit: int, where: str) -> list[str]:
    if not isinstance(blocks, list):
        return [f"{where}: blocks is not a list"]
    out: list[str] = []
    if len(blocks) > limit:
        out.append(f"{where}: {len(blocks)} blocks, Slack allows {limit}")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, raw in enumerate(blocks):
        at = f"{where} block {i} ({raw.get('type') if isinstance(raw, dict) else raw!r})"
        if not isinstance(raw, dict):
            out.append(f"{at}: not an object")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = Block.parse(raw)
        if model is None:
            out.append(f"{at}: unknown block type")
        else:
            try:
                model.validate_json()
                model.to_dict()  # validates nested elements and text objects
            except (SlackObjectFormationError, ValueError, TypeError, AttributeError) as e:
                out.append(f"{at}: {e}")
        text = raw.get("text")
        if raw.get("type") == "section" and isinstance(text, dict) and len(str(text.get("text", ""))) > SECTION_TEXT:
            out.append(f"{at}: section text of {len(text['text'])} characters, Slack allows {SECTION_TEXT}")
        if raw.get("type") == "section" and not text and not raw.get("fields"):
            out.append(f"{at}: a section needs text or fields")
        block_id = raw.get("block_id")
        if block_id:
            if block_id in block_ids:
                out.append(f"{at}: block_id {block_id!r} is used twice")
            block_ids.add(block_id)
        for element in _elements(raw):
            action_id = element.get("action_id")
            if action_id:
                if action_id in action_ids:
                    out.append(f"{at}: action_id {action_id!r} is used twice")
                action_ids.add(action_id)
            if len(str(element.get("value") or "")) > BUTTON_VALUE:
                out.append(f"{at}: a value of more than {BUTTON_VALUE} characters")
    return out


def check_view(view: Any, *, where: str) -> list[str]:
    if not isinstance(view, dict):
        return [f"{where}: view is not an object"]
    out: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, ValueError, TypeError) as e:
        out.append(f"{where}: {e}")
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        out.append(f"{where}: private_metadata over {PRIVATE_METADATA} characters")
    inputs = any(b.get("type") == "input" for b in view.get("blocks") or [])
    if view.get("type") == "modal" and inputs and not view.get("submit"):
        out.append(f"{where}: a modal with inputs needs a submit button")
    return out + check_blocks(view.get("blocks") or [], limit=VIEW_BLOCKS, where=where)


def check_message(body: dict[str, Any], *, where: str) -> list[str]:
    blocks = _decoded(body.get("blocks"))
    if not blocks:
        return []
    out = check_blocks(blocks, limit=MESSAGE_BLOCKS, where=where)
    if not str(body.get("text") or "").strip():
        out.append(f"{where}: blocks without a fallback `text`")
    return out


def problems(method: str, params: dict[str, Any]) -> list[str]:
    """What Slack would refuse in one Web API call's arguments."""
    if method in VIEW_METHODS:
        return check_view(_decoded(params.get("view")), where=method)
    if method in MESSAGE_METHODS:
        return check_message(params, where=method)
    return []


def response_problems(body: Any) -> list[str]:
    """What Slack would refuse in the bot's HTTP answer (a slash-command reply with blocks, or a
    view_submission's response_action update/push)."""
    if not isinstance(body, dict):
        return []
    if body.get("response_action") in ("update", "push"):
        return check_view(body.get("view"), where=f"response_action {body['response_action']}")
    if body.get("response_action") == "errors":
        errors = body.get("errors") or {}
        return [f"response_action errors: {k} has an empty message" for k, v in errors.items() if not v]
    return check_message(body, where="reply")
