"""Working a case: help, case (the card), stage, block, unblock, and the card's buttons.
The case's owner, notes, next action and tier override are in case_facts.py."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing, reads
from bot.blocks import cards, modals
from bot.blocks.common import clip, esc, section
from bot.listeners import Form, Request, Statement, SubCommand, calls, help_text, subcommand
from bot.listeners.common import form_button
from bot.middleware import require, services_of
from bot.service import Duplicate, meta_of, once, tell, value
from dragonfly import rpc, rules
from dragonfly.errors import MissingReason, UnknownCase


def card_blocks(case_ref: str, services: Any) -> list[dict[str, Any]]:
    # One prepared statement on the request path's pool: the card and the law on it (issue 15).
    c, law = reads.card_with_law(services=services, case_ref=case_ref)
    if c is None:
        raise UnknownCase(f"There is no case {case_ref}", "Check the number, or pick it: /enforce case")
    links = {}
    if c.documents:  # presigned links (S3) are made locally, no request
        links = {d.document_id: services.store.link(d.storage_key, timedelta(hours=1)) for d in c.documents[-5:]}
    return cards.case_card(
        case=c.case,
        blockers=c.blockers,
        actions=c.actions,
        events=c.events,
        documents=c.documents,
        links=links,
        tz=services.settings.tz,
        addresses=c.addresses,
        law=law,
    )


# -- the work, shared by typed commands and forms -------------------------------------------------


def do_stage(
    conn: Connection,
    user: str,
    *,
    case_ref: str,
    stage: str,
    note: str | None,
    closing_reason: str | None,
    clear: bool,
) -> str:
    r = rpc.set_enforcement_stage(
        conn,
        case_ref=case_ref,
        stage=stage.lower(),
        actor=user,
        note=note,
        closing_reason=closing_reason,
        clear_blockers=clear,
    )
    return stage_text(r)


def stage_text(r: Any) -> str:
    cleared = f"; {r['blockers_cleared']} blocker(s) cleared" if r.get("blockers_cleared") else ""
    return f":white_check_mark: {r['case_ref']}: {r['from']} -> {r['to']} after {r['dwell_days']} days{cleared}."


def stage_statement(a: dict[str, Any]) -> Statement:
    """The typed move as one statement (slack_command, sql/0110): same call, same reply."""
    args = {k: v for k, v in a.items() if k != "clear"} | {"clear_blockers": a["clear"]}
    return "stage", args, stage_text


def do_block(conn: Connection, user: str, *, case_ref: str, kind: str, reason: str, eta: Any) -> str:
    r = rpc.log_enforcement_blocker(conn, case_ref=case_ref, kind=kind, reason=reason, eta=eta, actor=user)
    blocker = f"(blocker #{r['blocker_id']})" if isinstance(r, dict) and r.get("blocker_id") else ""
    return (
        f":construction: {case_ref} blocked ({esc(kind)}): {esc(clip(reason, 300))}. ETA {eta}; "
        f"the next action is then. {blocker}"
    )


def do_unblock(conn: Connection, user: str, *, case_ref: str, note: str | None = None) -> str:
    r = rpc.clear_enforcement_blocker(conn, case_ref=case_ref, actor=user, note=note)
    return f":white_check_mark: {case_ref}: {len(r.get('cleared') or [])} blocker(s) cleared."


# -- typed words and form fields ------------------------------------------------------------------

CLEAR = ("clear-blockers", "--clear-blockers")


def stage_args(r: Request) -> dict[str, Any]:
    a = r.args
    ref, stage, rest = parsing.case_ref(a[0]), a[1].lower(), a[2:]
    clear = any(t.lower() in CLEAR for t in rest)
    rest = [t for t in rest if t.lower() not in CLEAR]
    reason = None
    if stage == "closed":
        if not rest:
            reasons = "|".join(rules.current().of("closing_reason"))
            raise MissingReason(f"Closing {ref} needs a reason", f"Write: stage DF-n closed <{reasons}> [note]")
        reason, rest = rest[0].lower(), rest[1:]
    return dict(case_ref=ref, stage=stage, note=" ".join(rest) or None, closing_reason=reason, clear=clear)


def stage_fields(f: Form) -> dict[str, Any]:
    stage, reason = f.value(ids.B_STAGE), f.value(ids.B_REASON)
    if stage == "closed" and not reason:
        f.errors[ids.B_REASON] = "Closing needs a reason."
    return dict(case_ref=f.value(ids.B_CASE), stage=stage, note=f.value(ids.B_NOTE), closing_reason=reason, clear=False)


def block_args(r: Request) -> dict[str, Any]:
    a = r.args
    ref, kind = parsing.case_ref(a[0]), a[1].lower()
    eta_text, rest = parsing.prefixed(a[2:], "eta:")
    reason = " ".join(rest).strip()
    if not reason:
        raise MissingReason(f"A blocker on {ref} needs a reason", r.usage())
    if eta_text is None:
        raise MissingReason(f"A blocker on {ref} needs an ETA", "Add eta:YYYY-MM-DD (today or later).")
    eta = parsing.future_date(eta_text, tz=r.tz, what="ETA", allow_today=True)
    return dict(case_ref=ref, kind=kind, reason=reason, eta=eta)


def block_fields(f: Form) -> dict[str, Any]:
    eta = f.field(ids.B_DATE, lambda: parsing.future_date(f.value(ids.B_DATE), tz=f.tz, what="ETA", allow_today=True))
    return dict(case_ref=f.value(ids.B_CASE), kind=f.value(ids.B_KIND), reason=f.value(ids.B_REASON), eta=eta)


def case_reply(r: Request, user: str, ref: str) -> dict[str, Any]:
    blocks = card_blocks(ref, r.services)
    return {"text": f"Case {ref}", "blocks": blocks}


def help_reply(r: Request, user: str, parsed: Any) -> dict[str, Any]:
    text = help_text()
    return {"text": text, "blocks": [section(text)]}


COMMANDS = [
    SubCommand("help", "", "this list", role=None, reply=help_reply, needs=0),
    SubCommand(
        "case",
        "DF-n",
        "the case card",
        role="viewer",
        what="Reading a case",
        parse=lambda r: parsing.case_ref(r.args[0]),
        reply=case_reply,
        form=lambda r: modals.case_modal(r.meta()),
    ),
    SubCommand(
        "stage",
        "DF-n <stage> [note]",
        "move the stage; add `clear-blockers` to clear them",
        what="Moving a case's stage",
        parse=stage_args,
        work=calls(do_stage),
        statement=stage_statement,
        modal=modals.stage_modal,
        needs=2,
        notes=("closing: `stage DF-n closed <reason>`",),
        view=ids.VIEW_STAGE,
        read=stage_fields,
        error_block=ids.B_STAGE,
    ),
    SubCommand(
        "block",
        "DF-n <kind> <reason> eta:YYYY-MM-DD",
        "log a blocker",
        what="Logging a blocker",
        parse=block_args,
        work=calls(do_block),
        modal=modals.block_modal,
        needs=2,
        view=ids.VIEW_BLOCK,
        read=block_fields,
        error_block=ids.B_REASON,
    ),
    SubCommand(
        "unblock",
        "DF-n",
        "clear its blockers",
        what="Clearing blockers",
        parse=lambda r: dict(case_ref=parsing.case_ref(r.args[0]), note=" ".join(r.args[1:]) or None),
        work=calls(do_unblock),
    ),
]


def register(app: App) -> None:
    from bot.listeners import case_facts

    subcommand(app, *COMMANDS)
    case_facts.register(app)

    @app.view(ids.VIEW_CASE)
    def case_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        require(context, "viewer", "Reading a case")
        ref = value(body["view"], ids.B_CASE)
        blocks = card_blocks(ref, services_of(context))
        ack(response_action="update", view=modals.card_modal(blocks, meta_of(body["view"])))

    # -- buttons on the case card -------------------------------------------------------------
    form_button(app, ids.A_OPEN_STAGE, COMMANDS[2])
    form_button(app, ids.A_OPEN_BLOCK, COMMANDS[3])

    @app.action(ids.A_UNBLOCK)
    def unblock_clicked(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        user = require(context, "officer", "Clearing blockers")
        action = body["actions"][0]
        ref = action["value"]
        channel = (body.get("channel") or {}).get("id")

        def work(conn: Connection) -> None:
            tell(conn, user=user, channel=channel, text=do_unblock(conn, user, case_ref=ref))

        with contextlib.suppress(Duplicate):
            once(services_of(context), f"action:{action['action_ts']}", work)

    @app.action(re.compile(rf"^{ids.A_OPEN_CASE}(:|$)"))
    def open_case_clicked(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """The "Open" button on digests and stale alerts: the case card, only to the person who
        clicked (ephemeral in the channel the message is in, else a DM)."""
        ack()
        user = require(context, "viewer", "Reading a case")
        ref = parsing.case_ref(body["actions"][0].get("value"))
        blocks = card_blocks(ref, services_of(context))
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=f"Case {ref}", blocks=blocks)
        else:
            client.chat_postMessage(channel=user, text=f"Case {ref}", blocks=blocks)
