"""Workflows: levy, garnish, subpoena, restrain, marshal, search (start one), typed or in the
form; `advance` (a step) is in advance.py.

A step that is a legal act needs its document: typed commands post a "waiting for the document"
message whose thread takes the upload; the forms take it in a file_input. Nothing is recorded
until the document is stored. Steps without a document are recorded in the request."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlalchemy import Connection
from sqlmodel import Session

from bot import ids, parsing, reads
from bot.blocks import modals
from bot.listeners import Form, Request, SubCommand, subcommand
from bot.listeners.documents import Submitted, check_kind, exemption_file, step_file, with_file
from bot.service import wait_for_document
from dragonfly import queries, rpc, rules, steps
from dragonfly.errors import DocumentRequired, InvalidInput, MissingReason
from dragonfly.steps import On, QueueWorkflow


def kind_of(word: str) -> str:
    """The workflow kind an /enforce word starts (workflow_kinds, sql/0132): a kind added by a
    migration is a sub-command without a change here."""
    return rules.current().workflow_commands()[word]


def workflow_words() -> tuple[str, ...]:
    return tuple(rules.current().workflow_commands())


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


def start(conn: Connection, user: str, s: Submitted) -> str:
    """Start a workflow now (no document needed) or wait for its document."""
    step = s.step
    reads.require_case(conn=conn, case_ref=s.case_ref)
    restraint = isinstance(step, QueueWorkflow) and step.kind == "restraining_notice"
    if restraint and needs_exemption_forms(conn, s.case_ref, step.garnishee_kind):  # type: ignore[attr-defined]
        raise forms_by_form(s.case_ref, "A restraining notice", "/enforce restrain")
    if step.document_kinds(conn, s.case_ref):
        channel = s.channel or user
        return wait_for_document(conn, client=s.client, channel=channel, user=user, case_ref=s.case_ref, step=step)
    r = step.apply(conn, On(case_ref=s.case_ref, actor=user, key=s.key))
    return f":white_check_mark: {s.case_ref}: {r['kind']} #{r['action_id']} started ({r['state']})."


def start_args(r: Request) -> Submitted:
    kind = kind_of(r.word)
    ref = parsing.case_ref(r.args[0])
    on, rest = parsing.prefixed(r.args[1:], "on:")
    by, rest = parsing.prefixed(rest, "by:")
    garnishee = None
    if kind in ("restraining_notice", "levy"):
        garnishee = garnishee_of(on, required=kind == "restraining_notice", what=kind.replace("_", " "))
    recipient = " ".join(rest) or None
    step = steps.start_workflow(
        kind, recipient=recipient, garnishee_kind=garnishee, by_mail=(by or "").lower() == "mail"
    )
    if step.recipient_required and not recipient:
        raise MissingReason(f"A {r.word} needs its recipient", r.usage().replace("[recipient]", "<recipient>"))
    return Submitted(ref, step, r.body["channel_id"], r.client, key=f"slack:{r.body.get('trigger_id')}")


def start_form(r: Request) -> dict[str, Any]:
    kind = kind_of(r.word)
    with rpc.transaction(r.services.engine) as conn:
        step = steps.start_workflow(kind, recipient=None)
        kinds = step.document_kinds(conn, None)
    meta = r.meta(kind=kind)
    title = f"Start a {r.word}"
    return modals.workflow_modal(meta, None, title=title, kinds=kinds, recipient_required=step.recipient_required)


def start_fields(f: Form) -> Submitted:
    kind, ref = f.meta["kind"], f.value(ids.B_CASE)
    restraint = kind == "restraining_notice"
    garnishee = f.field(
        ids.B_GARNISHEE,
        lambda: garnishee_of(f.value(ids.B_GARNISHEE), required=restraint, what="restraining notice"),
    )
    step = steps.start_workflow(
        kind, recipient=f.value(ids.B_RECIPIENT), note=f.value(ids.B_NOTE), garnishee_kind=garnishee
    )
    with rpc.transaction(f.services.engine) as conn:
        needs = step.document_kinds(conn, ref)
        forms_needed = bool(ref) and restraint and needs_exemption_forms(conn, ref, garnishee)
    doc_kind = f.value(ids.B_DOC_KIND)
    file = step_file(f, bool(needs))
    forms = exemption_file(f, forms_needed, "A restraining notice")
    check_kind(f, needs, doc_kind)
    key = f"view:{f.view['id']}"
    channel = f.meta.get("channel")
    kind = doc_kind or (needs[0] if needs else "")
    return Submitted(ref, step, channel, f.client, key, file=file, forms=forms, document_kind=kind)


def workflow_note() -> str:
    """The help's second line for workflows: whom a restraint is on (the garnishee kinds)."""
    on = "|".join(rules.current().of("garnishee_kind"))
    return f"`restrain DF-n on:{on} ...`; `subpoena DF-n by:mail ...` when mailed"


START = SubCommand(
    "levy",
    "DF-n [recipient]",
    "start a workflow",
    what=lambda word: f"Starting a {rules.current().workflow_commands().get(word, word)}",
    words=workflow_words,
    parse=start_args,
    work=lambda s: lambda conn, user: start(conn, user, s),
    form=start_form,
    notes=(workflow_note,),
    view=ids.VIEW_WORKFLOW,
    read=start_fields,
    form_work=lambda s: with_file(s, lambda conn, user: start(conn, user, s)),
    error_block=ids.B_CASE,
)


def register(app: App) -> None:
    from bot.listeners import advance

    subcommand(app, START)
    advance.register(app)


COMMANDS = [START]
