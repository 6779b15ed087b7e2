"""Workflows: levy, garnish, subpoena, restrain, marshal, search (start one) and advance (a step).

A step that is a legal act needs its document: typed commands post a "waiting for the document"
message whose thread takes the upload; the forms take it in a file_input. Nothing is recorded
until the document is stored. Steps without a document are recorded in the request."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection
from sqlmodel import Session

from bot import parsing, reads
from bot.blocks import modals
from bot.listeners import args, subcommand
from bot.listeners.common import act, meta, open_modal
from bot.middleware import require
from bot.service import wait_for_document
from dragonfly import queries, rpc, rules
from dragonfly.errors import DocumentRequired, InvalidInput, MissingReason

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


def needs_exemption_forms(conn: Connection, case_ref: str, garnishee: str | None) -> bool:
    """A restraint or levy on a natural person's bank account is void without the exemption
    notice and two claim forms served with it (CPLR 5222-a; docs/domain.md "Exemptions")."""
    law = queries.case_law(session=Session(bind=conn), case_ref=case_ref)
    return garnishee == "bank" and law is not None and law.debtor_is_person


def recorded_garnishee(conn: Connection, case_ref: str, action_id: int) -> str | None:
    """Whom an open restraint or levy was recorded as served on, if anyone yet."""
    law = queries.case_law(session=Session(bind=conn), case_ref=case_ref)
    rows = law.restraints if law else []
    return next((r["garnishee_kind"] for r in rows if r["action_id"] == action_id), None)


def garnishee_of(text: str | None, *, required: bool, what: str) -> str | None:
    """The `on:` word of a typed restraint or levy, checked."""
    kinds = rules.current().of("garnishee_kind")
    choices = ", ".join(f"on:{k}" for k in kinds[:-1]) + f" or on:{kinds[-1]}"
    if text is None or not text.strip():
        if required:
            raise InvalidInput(
                f"Say whom the {what} is served on", f"Write {choices}, e.g. restrain DF-n on:bank Chase."
            )
        return None
    value = text.strip().lower().replace("-", "_")
    if value not in kinds:
        raise InvalidInput(f'"{text}" is not a kind of garnishee', f"Use {choices}.")
    return value


def forms_by_form(case_ref: str, what: str, command: str) -> DocumentRequired:
    """Typed commands take one document; a person's bank account needs two (CPLR 5222-a)."""
    return DocumentRequired(
        f"{what} on a person's bank account needs the exemption notice and two exemption claim forms"
        " (CPLR 5222-a) as a second document",
        f"Open the form to upload both: {command} (nothing was recorded).",
    )


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
    garnishee_kind: str | None = None,
    by_mail: bool = False,
) -> str:
    """Start a workflow now (no document needed) or wait for its document."""
    reads.require_case(conn=conn, case_ref=case_ref)
    if kind == "restraining_notice" and garnishee_kind is None:
        garnishee_of(None, required=True, what="restraining notice")
    if kind == "restraining_notice" and needs_exemption_forms(conn, case_ref, garnishee_kind):
        raise forms_by_form(case_ref, "A restraining notice", "/enforce restrain")
    if kind == "information_subpoena":
        if not recipient:
            raise MissingReason("A subpoena needs its recipient", "Write: subpoena DF-n <recipient>")
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
            # CPLR 2103(b)(2): served by mail, the answer is due the mailing days later.
            intent={
                "op": "subpoena",
                "recipient": recipient,
                **({"by_mail": True} if by_mail else {}),
            },
        )
    first = reads.step(conn=conn, kind=kind, from_state="")
    assert first is not None
    if first.document_kinds:
        intent = {"op": "queue", "kind": kind, "recipient": recipient, "note": note}
        if garnishee_kind:
            intent["garnishee_kind"] = garnishee_kind
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
        garnishee_kind=garnishee_kind,
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
    garnishee_kind: str | None = None,
) -> str:
    """Record a workflow step now (no document needed) or wait for its document."""
    a = reads.action(conn=conn, case_ref=case_ref, action_id=action_id)
    s = reads.step(conn=conn, kind=a.kind, from_state=a.state, to_state=state) if a.is_open else None
    if s is not None and a.kind == "levy" and s.to_state == "levied":
        known = recorded_garnishee(conn, case_ref, action_id)
        garnishee_kind = garnishee_of(garnishee_kind or known, required=True, what="levy")
        if needs_exemption_forms(conn, case_ref, garnishee_kind):
            raise forms_by_form(case_ref, f"Levy #{action_id}", f"/enforce advance {case_ref} {action_id}")
    if s is not None and s.document_kinds:
        intent = {
            "op": "advance",
            "action_id": action_id,
            "state": s.to_state,
            "note": note,
            "officer_docket": docket,
        }
        if garnishee_kind:
            intent["garnishee_kind"] = garnishee_kind
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
                view=modals.workflow_modal(meta(body, kind=kind), None, title=f"Start a {word}", kinds=kinds),
            )
            return
        ref = parsing.case_ref(a[0])
        on, rest = parsing.prefixed(a[1:], "on:")
        by, rest = parsing.prefixed(rest, "by:")
        garnishee = (
            garnishee_of(on, required=kind == "restraining_notice", what=kind.replace("_", " "))
            if kind
            in (
                "restraining_notice",
                "levy",
            )
            else None
        )
        recipient = " ".join(rest) or None
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
                garnishee_kind=garnishee,
                by_mail=(by or "").lower() == "mail",
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
                view=modals.advance_modal(meta(body), ref, a[1].lstrip("#") if len(a) > 1 else None),
            )
            return
        ref = parsing.case_ref(a[0])
        if not a[1].lstrip("#").isdigit():
            raise InvalidInput(f'"{a[1]}" is not a workflow number', "The case card lists them, e.g. #7.")
        action_id, state = int(a[1].lstrip("#")), a[2].lower()
        docket, rest = parsing.prefixed(a[3:], "docket:")
        on, rest = parsing.prefixed(rest, "on:")
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
                garnishee_kind=on,
            ),
        )
