"""`/enforce advance DF-n <workflow-id> <state>` and its form: the next step of a workflow,
recorded now or, when it is a legal act, once its document is stored."""

from __future__ import annotations

import dataclasses
from typing import Any

from slack_bolt import App
from sqlalchemy import Connection

from bot import ids, parsing
from bot.blocks import modals
from bot.listeners import Form, Request, SubCommand, subcommand
from bot.listeners.documents import Submitted, check_kind, exemption_file, step_file, with_file
from bot.listeners.workflows import forms_by_form, garnishee_of, needs_exemption_forms, recorded_garnishee
from bot.service import wait_for_document
from dragonfly import rpc, transitions
from dragonfly.errors import DomainError, InvalidInput
from dragonfly.steps import AdvanceWorkflow, On


def advance(conn: Connection, user: str, a: Submitted) -> str:
    """Record a workflow step now (no document needed) or wait for its document."""
    step = a.step
    assert isinstance(step, AdvanceWorkflow)
    w, t = step.transition(conn, a.case_ref)
    t = t if w.is_open else None
    garnishee = step.garnishee_kind
    if t is not None and w.kind == "levy" and t.to_state == "levied":
        known = recorded_garnishee(conn, a.case_ref, step.action_id)
        garnishee = garnishee_of(garnishee or known, required=True, what="levy")
        if needs_exemption_forms(conn, a.case_ref, garnishee):
            command = f"/enforce advance {a.case_ref} {step.action_id}"
            raise forms_by_form(a.case_ref, f"Levy #{step.action_id}", command)
    if t is not None and t.document_kinds:
        waiting = dataclasses.replace(step, state=t.to_state, garnishee_kind=garnishee)
        channel = a.channel or user
        return wait_for_document(conn, client=a.client, channel=channel, user=user, case_ref=a.case_ref, step=waiting)
    # No document needed, or not an allowed step: the engine records it or says what is allowed.
    r = dataclasses.replace(step, garnishee_kind=None).apply(conn, On(case_ref=a.case_ref, actor=user))
    done = " (finished)" if r.get("finished") else ""
    return f":white_check_mark: {a.case_ref}: {r['kind']} #{step.action_id} {r['from']} -> {r['state']}{done}."


def advance_args(r: Request) -> Submitted:
    a = r.args
    ref = parsing.case_ref(a[0])
    if not a[1].lstrip("#").isdigit():
        raise InvalidInput(f'"{a[1]}" is not a workflow number', "The case card lists them, e.g. #7.")
    docket, rest = parsing.prefixed(a[3:], "docket:")
    on, rest = parsing.prefixed(rest, "on:")
    step = AdvanceWorkflow(
        action_id=int(a[1].lstrip("#")),
        state=a[2].lower(),
        note=" ".join(rest) or None,
        officer_docket=docket,
        garnishee_kind=on,
    )
    return Submitted(ref, step, r.body["channel_id"], r.client)


def advance_form(r: Request) -> dict[str, Any]:
    action = r.args[1].lstrip("#") if len(r.args) > 1 else None
    return modals.advance_modal(r.meta(), r.case(), action)


def advance_fields(f: Form) -> Submitted | None:
    ref, state = f.value(ids.B_CASE), (f.value(ids.B_STATE) or "").lower()
    raw_id = (f.value(ids.B_ACTION) or "").lstrip("#")
    if not raw_id.isdigit():
        f.errors[ids.B_ACTION] = "Give the workflow number shown on the case card, e.g. 7."
        return None
    action_id = int(raw_id)
    w = t = None
    with rpc.transaction(f.services.engine) as conn:
        try:
            w = transitions.workflow(conn, case_ref=ref, action_id=action_id)
        except DomainError as e:
            f.errors[ids.B_ACTION] = str(e)
        t = transitions.transition(conn, kind=w.kind, from_state=w.state, to_state=state) if w else None
        if w is not None and t is None:
            allowed = [x.to_state for x in transitions.next_transitions(conn, kind=w.kind, from_state=w.state)]
            f.errors[ids.B_STATE] = (
                f"{w.kind} #{action_id} cannot go from {w.state} to {state}. "
                f"Next steps: {', '.join(allowed) or 'none'}."
            )
    needs = t.document_kinds if t else []
    doc_kind = f.value(ids.B_DOC_KIND)
    file = step_file(f, bool(needs))
    check_kind(f, needs, doc_kind)
    levied = w is not None and t is not None and w.kind == "levy" and t.to_state == "levied"
    garnishee = f.field(ids.B_GARNISHEE, lambda: garnishee_of(f.value(ids.B_GARNISHEE), required=False, what="levy"))
    with rpc.transaction(f.services.engine) as conn:
        known = recorded_garnishee(conn, ref, action_id) if levied else None
        forms_needed = levied and needs_exemption_forms(conn, ref, garnishee or known)
    forms = exemption_file(f, forms_needed, f"Levy #{action_id}")
    step = AdvanceWorkflow(
        action_id=action_id,
        state=t.to_state if t else state,
        note=f.value(ids.B_NOTE),
        officer_docket=f.value(ids.B_DOCKET),
        garnishee_kind=garnishee,
    )
    channel = f.meta.get("channel")
    kind = doc_kind or (needs[0] if needs else "")
    return Submitted(ref, step, channel, f.client, file=file, forms=forms, document_kind=kind)


ADVANCE = SubCommand(
    "advance",
    "DF-n <workflow-id> <state> [note]",
    "the next step of a workflow",
    what="Advancing a workflow",
    parse=advance_args,
    work=lambda a: lambda conn, user: advance(conn, user, a),
    form=advance_form,
    needs=3,
    view=ids.VIEW_ADVANCE,
    read=advance_fields,
    form_work=lambda a: with_file(a, lambda conn, user: advance(conn, user, a)),
    error_block=ids.B_STATE,
)
COMMANDS = [ADVANCE]


def register(app: App) -> None:
    subcommand(app, *COMMANDS)
