"""Papers from Slack: `/enforce draft DF-n <paper> [recipient]`, the "Draft" buttons on
"waiting for the document" messages, and `/enforce address DF-n <role> ...`.

A draft is rendered from the case (fast, local), stored through the evidence gate as a document of
kind `draft` and posted in the channel by the outbox (files_upload_v2, a method the product
already uses) in the same transaction that claims the request, so a retried request records
nothing twice. When the case has a "waiting for the document" message open in the channel, the
draft goes in its thread: the served copy uploaded there is the proof, the draft never is.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection, text

from bot import ids, parsing
from bot.blocks.common import esc
from bot.listeners import Request, SubCommand, calls, subcommand
from bot.middleware import require, services_of
from bot.service import DUPLICATE, Duplicate, command_key, tell
from dragonfly import rpc
from dragonfly.errors import MissingReason
from dragonfly.papers import PAPERS, paper
from dragonfly.papers.addresses import ROLES, set_case_address, split_typed
from dragonfly.papers.draft import Drafted, file_draft


def open_thread(conn: Connection, *, channel: str | None, case_ref: str) -> str | None:
    """The thread of the case's latest "waiting for the document" message in this channel."""
    if not channel:
        return None
    row = conn.execute(
        text(
            "SELECT thread_ts FROM v_upload_requests WHERE channel = :c AND case_ref = :r"
            " AND taken_by_file IS NULL ORDER BY id DESC LIMIT 1"
        ),
        {"c": channel, "r": case_ref},
    ).first()
    return str(row.thread_ts) if row else None


def post_draft(
    conn: Connection, d: Drafted, document_id: int, *, user: str, channel: str | None, thread_ts: str | None
) -> None:
    """Queue the draft's upload (a DM when the request came from a DM or from nowhere)."""
    to = channel if channel and not channel.startswith("D") else user
    payload: dict[str, Any] = {
        "channel": to,
        "filename": d.filename,
        "title": f"DRAFT {d.paper.title}, {d.case_ref}",
        "content_b64": base64.b64encode(d.content).decode(),
        "initial_comment": (
            f":page_facing_up: Draft for <@{user}>: {d.paper.title}, {d.case_ref} (draft document #{document_id}). "
            "Review, sign and serve it, then upload the served copy as proof; the draft is not proof."
        ),
    }
    if thread_ts and to == channel:
        payload["thread_ts"] = thread_ts
    rpc.enqueue_outbox(conn, method="files_upload_v2", payload=payload)


def _claim(key: str) -> Any:
    def before(conn: Connection) -> None:
        if not rpc.claim_request(conn, key=key):
            raise Duplicate(key)

    return before


def reply_for(d: Drafted, document_id: int) -> str:
    digest = hashlib.sha256(d.content).hexdigest()[:12]
    return (
        f":page_facing_up: Drafted the {d.paper.title} for {d.case_ref}: draft document "
        f"#{document_id} (sha256 {digest}). I am posting it here. Review, sign and serve it, then "
        "upload the served copy as proof: a draft is never accepted as proof of a step."
    )


def draft_and_post(
    context: BoltContext,
    *,
    user: str,
    key: str,
    case_ref: str,
    paper_name: str,
    recipient: str | None,
    channel: str | None,
    thread_ts: str | None,
    notify: bool = False,
) -> str:
    """File the draft on the case and queue its post (and, with `notify`, the reply to the person)
    in the transaction that claims `key`; returns the reply."""
    services = services_of(context)

    def after(conn: Connection, d: Drafted, document_id: int) -> None:
        thread = thread_ts or open_thread(conn, channel=channel, case_ref=d.case_ref)
        post_draft(conn, d, document_id, user=user, channel=channel, thread_ts=thread)
        if notify:
            tell(conn, user=user, channel=channel, text=reply_for(d, document_id), thread_ts=thread)

    drafted, recorded = file_draft(
        services,
        case_ref=case_ref,
        paper_name=paper_name,
        recipient=recipient,
        actor=user,
        before=_claim(key),
        after=after,
    )
    return reply_for(drafted, recorded.document_id)


def draft_reply(r: Request, user: str, parsed: dict[str, Any]) -> dict[str, Any]:
    try:
        reply = draft_and_post(r.context, user=user, key=command_key(r.body), **parsed)
    except Duplicate:
        reply = DUPLICATE
    return {"text": reply}


def draft_args(r: Request) -> dict[str, Any]:
    a = r.args
    return dict(
        case_ref=parsing.case_ref(a[0]),
        paper_name=paper(a[1]).name,
        recipient=" ".join(a[2:]) or None,
        channel=r.body.get("channel_id"),
        thread_ts=None,
    )


def address_args(r: Request) -> dict[str, Any]:
    # The raw text, not shell words: addresses carry ';', ',' and apostrophes.
    parts = (r.body.get("text") or "").split(maxsplit=3)
    if len(parts) < 4:
        raise MissingReason(
            "Which case, whose address, and the address?", f"{r.usage()} (for the debtor, the address only)."
        )
    role = parts[2].lower()
    name, address = split_typed(role, parts[3])
    return dict(case_ref=parsing.case_ref(parts[1]), role=role, name=name, address=address)


def do_address(conn: Connection, user: str, *, case_ref: str, role: str, name: str | None, address: str) -> str:
    r = set_case_address(conn, case_ref=case_ref, role=role, address=address, name=name, actor=user)
    shown, who = esc(str(r["address"]).replace("\n", ", ")), esc(r["name"])
    if not r["changed"]:
        return f":information_source: {case_ref}: {role} {who} is already at {shown}."
    return f":house: {case_ref}: {role} {who}, {shown} recorded."


COMMANDS = [
    SubCommand(
        "address",
        f"DF-n <{'|'.join(ROLES)}> [<name>;] <street>; <city, NY ZIP>",
        "where papers go",
        what="Recording an address",
        parse=address_args,
        work=calls(do_address),
        needs=0,
    ),
    SubCommand(
        "draft",
        f"DF-n <{'|'.join(PAPERS)}> [recipient]",
        "a draft paper from the case",
        what="Drafting a paper",
        parse=draft_args,
        reply=draft_reply,
        needs=2,
        missing="Which case and which paper?",
    ),
]


def register(app: App) -> None:
    subcommand(app, *COMMANDS)

    @app.action(re.compile(f"^{ids.A_DRAFT_PAPER}:"))
    def draft_clicked(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        """A "Draft" button on a "waiting for the document" message: the draft goes in its thread."""
        ack()
        user = require(context, "officer", "Drafting a paper")
        action = body["actions"][0]
        ref, _, rest = str(action.get("value") or "").partition("|")
        name, _, recipient = rest.partition("|")
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        with contextlib.suppress(Duplicate):
            draft_and_post(
                context,
                user=user,
                key=f"action:{action['action_ts']}",
                case_ref=parsing.case_ref(ref),
                paper_name=name,
                recipient=recipient or None,
                channel=channel,
                thread_ts=thread,
                notify=True,
            )
