"""Documents: forms with a file_input and uploads in the thread of a "waiting for the document"
message become durable ingestion rows. The ingestion worker stores the file, records the step
and replies; nothing is recorded here."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing, reads
from bot.blocks.common import esc
from bot.listeners.common import field, submit
from bot.listeners.payments import kind_of, proof_kinds, record
from bot.listeners.workflows import (
    advance,
    garnishee_of,
    needs_exemption_forms,
    recorded_garnishee,
    start,
    subpoena_step,
)
from bot.middleware import require, services_of
from bot.service import Duplicate, check_file, ingest, meta_of, once, tell, value
from dragonfly import rpc
from dragonfly.errors import DomainError, InvalidInput

STORING = (
    ":inbox_tray: Storing {name} for {case_ref}; {step} will be recorded once it is stored, and I will reply then."
)


def _file(errors: dict[str, str], view: dict[str, Any], required: bool) -> dict[str, Any] | None:
    files = value(view, ids.B_FILE) or []
    if not files:
        if required:
            errors[ids.B_FILE] = "This step needs its document: upload it here."
        return None
    file: dict[str, Any] = files[0]

    def checked() -> dict[str, Any]:
        check_file(file)
        return file

    return field(errors, ids.B_FILE, checked)


def _exemption_file(errors: dict[str, str], view: dict[str, Any], required: bool, what: str) -> Any:
    """The exemption notice and claim forms, the second document on a person's bank account
    (CPLR 5222-a; docs/domain.md "Exemptions")."""
    files = value(view, ids.B_EXEMPTION_FILE) or []
    if not files:
        if required:
            errors[ids.B_EXEMPTION_FILE] = (
                f"{what} on a person's bank account needs the exemption notice and two exemption"
                " claim forms (CPLR 5222-a): upload them here."
            )
        return None
    file: dict[str, Any] = files[0]

    def checked() -> dict[str, Any]:
        check_file(file)
        return file

    return field(errors, ids.B_EXEMPTION_FILE, checked)


def _ingest_exemption_forms(
    conn: Connection,
    user: str,
    *,
    file: dict[str, Any],
    case_ref: str,
    step: str,
    channel: str | None,
) -> str:
    """Store the forms first; the step's own job waits for them (its intent names this job)."""
    ingest(
        conn,
        file=file,
        case_ref=case_ref,
        document_kind="exemption_forms",
        step=f"{step}:exemption_forms",
        intent={"op": "attach"},
        uploader=user,
        reply_channel=channel,
    )
    return f"{file['id']}:{step}:exemption_forms"


def _queue_file(
    conn: Connection,
    user: str,
    *,
    file: dict[str, Any],
    case_ref: str,
    document_kind: str,
    step: str,
    label: str,
    intent: dict[str, Any],
    channel: str | None,
) -> str:
    reads.require_case(conn=conn, case_ref=case_ref)
    ingest(
        conn,
        file=file,
        case_ref=case_ref,
        document_kind=document_kind,
        step=step,
        intent=intent,
        uploader=user,
        reply_channel=channel,
    )
    return STORING.format(name=esc(file.get("name") or "the file"), case_ref=case_ref, step=label)


def accepted_kinds(conn: Connection, request: reads.UploadRequest) -> list[str]:
    """The document kinds the step of a "waiting for the document" thread accepts (its stored
    kind is the first of them); worked out from the step the request is for."""
    kinds: list[str] = []
    parts = request.step.split(":")
    try:
        if request.step == "pay":
            kinds = proof_kinds()
        elif request.step == "subpoena":
            kinds = subpoena_step(conn).document_kinds
        elif len(parts) == 2 and parts[1] == "queue":
            s = reads.step(conn=conn, kind=parts[0], from_state="")
            kinds = s.document_kinds if s else []
        elif len(parts) == 3 and parts[0] == "advance" and parts[1].isdigit():
            a = reads.action(conn=conn, case_ref=request.case_ref, action_id=int(parts[1]))
            s = reads.step(conn=conn, kind=a.kind, from_state=a.state, to_state=parts[2])
            kinds = s.document_kinds if s else []
    except DomainError:
        kinds = []
    return kinds if request.document_kind in kinds else [request.document_kind]


def named_kind(text: str | None, kinds: list[str]) -> str | None:
    """The first of `kinds` the upload message names ("proof_of_service", "proof-of-service")."""
    for word in re.findall(r"[a-z_-]+", (text or "").lower()):
        if word.replace("-", "_") in kinds:
            return word.replace("-", "_")
    return None


def register(app: App) -> None:
    @app.view(ids.VIEW_WORKFLOW)
    def workflow_submitted(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        view = body["view"]
        meta = meta_of(view)
        kind = meta["kind"]
        ref, recipient, note = (
            value(view, ids.B_CASE),
            value(view, ids.B_RECIPIENT),
            value(view, ids.B_NOTE),
        )
        doc_kind = value(view, ids.B_DOC_KIND)
        errors: dict[str, str] = {}
        garnishee = field(
            errors,
            ids.B_GARNISHEE,
            lambda: garnishee_of(
                value(view, ids.B_GARNISHEE),
                required=kind == "restraining_notice",
                what="restraining notice",
            ),
        )
        with services_of(context).engine.begin() as conn:
            needs = (
                subpoena_step(conn)
                if kind == "information_subpoena"
                else reads.step(conn=conn, kind=kind, from_state="")
            ).document_kinds  # type: ignore[union-attr]
            forms_needed = (
                bool(ref)
                and kind == "restraining_notice"
                and needs_exemption_forms(conn, ref, garnishee)
            )
        file = _file(errors, view, bool(needs))
        forms = _exemption_file(errors, view, forms_needed, "A restraining notice")
        if needs and doc_kind and doc_kind not in needs:
            errors[ids.B_DOC_KIND] = f"This step needs a {' or '.join(needs)} document."

        def work(conn: Connection, user: str) -> str:
            if not needs:
                return start(
                    conn,
                    user,
                    client=client,
                    channel=meta.get("channel") or user,
                    case_ref=ref,
                    kind=kind,
                    recipient=recipient,
                    note=note,
                    key=f"view:{view['id']}",
                )
            assert file is not None
            if kind == "information_subpoena":
                intent: dict[str, Any] = {"op": "subpoena", "recipient": recipient}
                step, label = "subpoena", "the subpoena"
            else:
                intent = {"op": "queue", "kind": kind, "recipient": recipient, "note": note}
                step, label = f"{kind}:queue", f"the {kind}"
                if garnishee:
                    intent["garnishee_kind"] = garnishee
                if forms is not None:
                    intent["exemption_job"] = _ingest_exemption_forms(
                        conn, user, file=forms, case_ref=ref, step=step, channel=meta.get("channel")
                    )
            return _queue_file(
                conn,
                user,
                file=file,
                case_ref=ref,
                document_kind=doc_kind or needs[0],
                step=step,
                label=label,
                intent=intent,
                channel=meta.get("channel"),
            )

        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what=f"Starting a {kind}",
            errors=errors,
            error_block=ids.B_CASE,
            work=work,
        )

    @app.view(ids.VIEW_PAY)
    def pay_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view, services = body["view"], services_of(context)
        required = services.settings.dragonfly_payment_proof_required
        meta = meta_of(view)
        errors: dict[str, str] = {}
        ref = value(view, ids.B_CASE)
        amount = field(errors, ids.B_AMOUNT, lambda: parsing.amount(value(view, ids.B_AMOUNT)))
        kind = field(errors, ids.B_KIND, lambda: kind_of(value(view, ids.B_KIND)))
        accepted = proof_kinds()
        doc_kind = value(view, ids.B_DOC_KIND) or accepted[0]
        file = _file(errors, view, required)
        if doc_kind not in accepted:
            errors[ids.B_DOC_KIND] = f"Proof of payment is a {' or '.join(accepted)} document."
        key = f"slack:pay:{view['id']}"

        def work(conn: Connection, user: str) -> str:
            if file is None:
                return record(conn, user, case_ref=ref, amount=amount, kind=kind, key=key)
            intent = {"op": "pay", "amount": str(amount), "kind": kind, "idempotency_key": key}
            return _queue_file(
                conn,
                user,
                file=file,
                case_ref=ref,
                document_kind=doc_kind,
                step="pay",
                label=f"the ${amount:,.2f} payment",
                intent=intent,
                channel=meta.get("channel"),
            )

        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Recording a payment",
            errors=errors,
            error_block=ids.B_AMOUNT,
            work=work,
        )

    @app.view(ids.VIEW_ADVANCE)
    def advance_submitted(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        view = body["view"]
        meta = meta_of(view)
        errors: dict[str, str] = {}
        ref, state = value(view, ids.B_CASE), (value(view, ids.B_STATE) or "").lower()
        note, docket, doc_kind = (
            value(view, ids.B_NOTE),
            value(view, ids.B_DOCKET),
            value(view, ids.B_DOC_KIND),
        )
        raw_id = (value(view, ids.B_ACTION) or "").lstrip("#")
        if not raw_id.isdigit():
            errors[ids.B_ACTION] = "Give the workflow number shown on the case card, e.g. 7."
            submit(
                ack=ack,
                context=context,
                body=body,
                role="officer",
                what="Advancing a workflow",
                errors=errors,
                work=lambda conn, user: "",
            )
            return
        action_id = int(raw_id)
        with services_of(context).engine.begin() as conn:
            try:
                a = reads.action(conn=conn, case_ref=ref, action_id=action_id)
            except DomainError as e:
                errors[ids.B_ACTION] = f"{e.message}. {e.hint}"
                a = None
            s = reads.step(conn=conn, kind=a.kind, from_state=a.state, to_state=state) if a else None
        if a is not None and s is None:
            with services_of(context).engine.begin() as conn:
                allowed = [x.to_state for x in reads.next_states(conn=conn, kind=a.kind, from_state=a.state)]
            errors[ids.B_STATE] = (
                f"{a.kind} #{action_id} cannot go from {a.state} to {state}. "
                f"Next steps: {', '.join(allowed) or 'none'}."
            )
        needs = s.document_kinds if s else []
        file = _file(errors, view, bool(needs))
        if needs and doc_kind and doc_kind not in needs:
            errors[ids.B_DOC_KIND] = f"This step needs a {' or '.join(needs)} document."
        levied = a is not None and s is not None and a.kind == "levy" and s.to_state == "levied"
        garnishee = field(
            errors,
            ids.B_GARNISHEE,
            lambda: garnishee_of(value(view, ids.B_GARNISHEE), required=False, what="levy"),
        )
        with services_of(context).engine.begin() as conn:
            known = recorded_garnishee(conn, ref, action_id) if levied else None
            forms_needed = levied and needs_exemption_forms(conn, ref, garnishee or known)
        forms = _exemption_file(errors, view, forms_needed, f"Levy #{action_id}")

        def work(conn: Connection, user: str) -> str:
            if not needs:
                return advance(
                    conn,
                    user,
                    client=client,
                    channel=meta.get("channel") or user,
                    case_ref=ref,
                    action_id=action_id,
                    state=state,
                    note=note,
                    docket=docket,
                    garnishee_kind=garnishee,
                )
            assert file is not None and s is not None
            intent = {
                "op": "advance",
                "action_id": action_id,
                "state": s.to_state,
                "note": note,
                "officer_docket": docket,
            }
            if garnishee:
                intent["garnishee_kind"] = garnishee
            if forms is not None:
                intent["exemption_job"] = _ingest_exemption_forms(
                    conn,
                    user,
                    file=forms,
                    case_ref=ref,
                    step=f"advance:{action_id}:{s.to_state}",
                    channel=meta.get("channel"),
                )
            return _queue_file(
                conn,
                user,
                file=file,
                case_ref=ref,
                document_kind=doc_kind or needs[0],
                step=f"advance:{action_id}:{s.to_state}",
                label=f"{s.kind} #{action_id} -> {s.to_state}",
                intent=intent,
                channel=meta.get("channel"),
            )

        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Advancing a workflow",
            errors=errors,
            error_block=ids.B_STATE,
            work=work,
        )

    @app.event({"type": "message", "subtype": "file_share"})
    def thread_upload(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        thread_ts, channel = event.get("thread_ts"), event.get("channel")
        files = event.get("files") or []
        if not thread_ts or not channel or not files:
            return
        services = services_of(context)
        with services.engine.begin() as conn:
            request = reads.upload_request(conn=conn, channel=channel, thread_ts=thread_ts)
        if request is None:
            return  # an ordinary upload in some thread: not ours
        user = require(context, "officer", "Uploading a document for a step")
        file = files[0]

        def work(conn: Connection) -> None:
            try:
                check_file(file)
            except InvalidInput as e:
                tell(
                    conn,
                    user=user,
                    channel=channel,
                    thread_ts=thread_ts,
                    text=f":no_entry: {esc(e.message)}. {esc(e.hint)} Nothing was recorded.",
                )
                return
            if not rpc.take_upload_request(conn, request_id=request.id, file_id=str(file["id"])):
                tell(
                    conn,
                    user=user,
                    channel=channel,
                    thread_ts=thread_ts,
                    text=":information_source: This step already has its document; nothing more was recorded.",
                )
                return
            kinds = accepted_kinds(conn, request)
            named = named_kind(event.get("text"), kinds)
            kind = named or request.document_kind
            filed = f" Filed as {kind}."
            if len(kinds) > 1 and named is None:
                others = ", ".join(k for k in kinds if k != kind)
                filed = (
                    f" Filed as {kind} (the first kind this step takes; name the kind in the"
                    f" upload message to file it as {others})."
                )
            ingest(
                conn,
                file=file,
                case_ref=request.case_ref,
                document_kind=kind,
                step=request.step,
                intent=request.intent,
                uploader=user,
                reply_channel=channel,
                reply_thread_ts=thread_ts,
            )
            tell(
                conn,
                user=user,
                channel=channel,
                thread_ts=thread_ts,
                text=STORING.format(
                    name=esc(file.get("name") or "the file"), case_ref=request.case_ref, step="the step"
                )
                + filed,
            )

        with contextlib.suppress(Duplicate):
            once(services, f"event:{body.get('event_id')}", work)

    @app.event("message")
    def other_messages() -> None:
        """Other messages in channels the bot is in: nothing to do."""
