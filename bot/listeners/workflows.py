"""Workflows: levy, garnish, subpoena, restrain, marshal, search (start one) and advance (a step).

A step that is a legal act needs its document: typed commands post a "waiting for the document"
message whose thread takes the upload; the forms take it in a file_input. Nothing is recorded
until the document is stored. Steps without a document are recorded in the request."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import parsing, reads
from bot.blocks import modals
from bot.listeners import args, subcommand
from bot.listeners.common import act, meta, open_modal
from bot.middleware import require
from bot.service import wait_for_document
from dragonfly import rpc
from dragonfly.errors import InvalidInput, MissingReason

WORKFLOWS = {
    "levy": "levy",
    "garnish": "garnishment",
    "subpoena": "information_subpoena",
    "restrain": "restraining_notice",
    "marshal": "marshal",
    "search": "asset_search",
}


def subpoena_step(conn: Connection) -> reads.Step:
    """Serving an information subpoena (CPLR 5224) is one recorded act with its document."""
    s = reads.step(conn=conn, kind="information_subpoena", from_state="drafted", to_state="served")
    assert s is not None
    return s


def start(
    conn: Connection,
    user: str,
    *,
    client: Any,
    channel: str,
    case_ref: str,
    kind: str,
    recipient: str | None,
    note: str | None,
    key: str,
) -> str:
    """Start a workflow now (no document needed) or wait for its document."""
    reads.require_case(conn=conn, case_ref=case_ref)
    if kind == "information_subpoena":
        if not recipient:
            raise MissingReason(
                "A subpoena needs its recipient", "Write: subpoena DF-n <recipient>"
            )
        s = subpoena_step(conn)
        return wait_for_document(
            conn,
            client=client,
            channel=channel,
            user=user,
            case_ref=case_ref,
            step="subpoena",
            label="serving an information subpoena",
            kinds=s.document_kinds,
            intent={"op": "subpoena", "recipient": recipient},
        )
    first = reads.step(conn=conn, kind=kind, from_state="")
    assert first is not None
    if first.document_kinds:
        intent = {"op": "queue", "kind": kind, "recipient": recipient, "note": note}
        return wait_for_document(
            conn,
            client=client,
            channel=channel,
            user=user,
            case_ref=case_ref,
            step=f"{kind}:queue",
            label=f"starting a {kind} ({first.to_state})",
            kinds=first.document_kinds,
            intent=intent,
        )
    r = rpc.queue_enforcement_action(
        conn,
        case_ref=case_ref,
        kind=kind,
        actor=user,
        recipient=recipient,
        note=note,
        idempotency_key=key,
    )
    return f":white_check_mark: {case_ref}: {kind} #{r['action_id']} started ({r['state']})."


def advance(
    conn: Connection,
    user: str,
    *,
    client: Any,
    channel: str,
    case_ref: str,
    action_id: int,
    state: str,
    note: str | None,
    docket: str | None,
) -> str:
    """Record a workflow step now (no document needed) or wait for its document."""
    a = reads.action(conn=conn, case_ref=case_ref, action_id=action_id)
    s = (
        reads.step(conn=conn, kind=a.kind, from_state=a.state, to_state=state)
        if a.is_open
        else None
    )
    if s is not None and s.document_kinds:
        intent = {
            "op": "advance",
            "action_id": action_id,
            "state": s.to_state,
            "note": note,
            "officer_docket": docket,
        }
        return wait_for_document(
            conn,
            client=client,
            channel=channel,
            user=user,
            case_ref=case_ref,
            step=f"advance:{action_id}:{s.to_state}",
            label=f"{a.kind} #{action_id} -> {s.to_state}",
            kinds=s.document_kinds,
            intent=intent,
        )
    # No document needed, or not an allowed step: the engine records it or says what is allowed.
    r = rpc.advance_enforcement_action(
        conn,
        case_ref=case_ref,
        action_id=action_id,
        state=state,
        actor=user,
        note=note,
        officer_docket=docket,
    )
    done = " (finished)" if r.get("finished") else ""
    return f":white_check_mark: {case_ref}: {r['kind']} #{action_id} {r['from']} -> {r['state']}{done}."


def register(app: App) -> None:
    @subcommand(app, *WORKFLOWS)
    def workflow_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        word = (body.get("text") or "").split()[0].lower()
        kind = WORKFLOWS[word]
        a = args(body)
        if not a:
            require(context, "officer", f"Starting a {kind}")
            with context["services"].engine.begin() as conn:
                kinds = (
                    subpoena_step(conn)
                    if kind == "information_subpoena"
                    else reads.step(conn=conn, kind=kind, from_state="")
                ).document_kinds  # type: ignore[union-attr]
            open_modal(
                ack=ack,
                client=client,
                body=body,
                view=modals.workflow_modal(
                    meta(body, kind=kind), None, title=f"Start a {word}", kinds=kinds
                ),
            )
            return
        ref = parsing.case_ref(a[0])
        recipient = " ".join(a[1:]) or None
        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what=f"Starting a {kind}",
            work=lambda conn, user: start(
                conn,
                user,
                client=client,
                channel=body["channel_id"],
                case_ref=ref,
                kind=kind,
                recipient=recipient,
                note=None,
                key=f"slack:{body.get('trigger_id')}",
            ),
        )

    @subcommand(app, "advance")
    def advance_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 3:
            require(context, "officer", "Advancing a workflow")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(
                ack=ack,
                client=client,
                body=body,
                view=modals.advance_modal(
                    meta(body), ref, a[1].lstrip("#") if len(a) > 1 else None
                ),
            )
            return
        ref = parsing.case_ref(a[0])
        if not a[1].lstrip("#").isdigit():
            raise InvalidInput(
                f'"{a[1]}" is not a workflow number', "The case card lists them, e.g. #7."
            )
        action_id, state = int(a[1].lstrip("#")), a[2].lower()
        docket, rest = parsing.prefixed(a[3:], "docket:")
        note = " ".join(rest) or None
        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Advancing a workflow",
            work=lambda conn, user: advance(
                conn,
                user,
                client=client,
                channel=body["channel_id"],
                case_ref=ref,
                action_id=action_id,
                state=state,
                note=note,
                docket=docket,
            ),
        )
