"""Payments: `/enforce pay DF-n <amount> [kind]` and its form. The proof document is required by
default (DRAGONFLY_PAYMENT_PROOF_REQUIRED); reversals are for admins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing, reads
from bot.blocks import modals
from bot.listeners import Form, Needs, Request, SubCommand, Work, subcommand
from bot.listeners.common import meta, open_modal
from bot.listeners.documents import Submitted, step_file, with_file
from bot.middleware import require, services_of
from bot.service import wait_for_document
from dragonfly import rules
from dragonfly.errors import InvalidInput
from dragonfly.steps import On, Pay


def proof_kinds() -> list[str]:
    """The document kinds that prove a payment (payment_proof_kinds() in SQL)."""
    return list(rules.current().payment_proof_kinds)


def record(conn: Connection, user: str, *, case_ref: str, payment: Pay) -> str:
    """Record a payment now (no proof document: not required, or a reversal)."""
    r = payment.apply(conn, On(case_ref=case_ref, actor=user))
    return (
        f":moneybag: {case_ref}: payment #{r['payment_id']} ${r['gross']} ({payment.kind}) - interest "
        f"${r['interest_part']}, principal ${r['principal_part']}, costs ${r['costs_part']}. "
        f"Balance ${r['balance']}."
    )


def kind_of(text: str | None) -> str:
    kind = (text or "direct").lower()
    if kind not in modals.payment_kinds() + ["reversal"]:
        raise InvalidInput(f'"{text}" is not a payment kind', "Kinds: " + ", ".join(modals.payment_kinds()) + ".")
    return kind


@dataclass(frozen=True)
class Payment(Submitted):
    step: Pay
    proof_required: bool = False


def pay_args(r: Request) -> Payment:
    a = r.args
    ref, amount, kind = parsing.case_ref(a[0]), parsing.amount(a[1]), kind_of(a[2] if len(a) > 2 else None)
    reverses = None
    if kind == "reversal":
        target = a[3].lstrip("#") if len(a) > 3 else ""
        if not target.isdigit():
            raise InvalidInput(
                "A reversal names the payment it reverses", "Write: pay DF-n <amount> reversal #<payment id>"
            )
        reverses = int(target)
    step = Pay(amount=amount, kind=kind, idempotency_key=f"slack:pay:{r.body.get('trigger_id')}", reverses=reverses)
    required = r.services.settings.dragonfly_payment_proof_required and reverses is None
    return Payment(ref, step, r.body["channel_id"], r.client, proof_required=required)


def pay_fields(f: Form) -> Payment:
    required = f.services.settings.dragonfly_payment_proof_required
    amount = f.field(ids.B_AMOUNT, lambda: parsing.amount(f.value(ids.B_AMOUNT)))
    kind = f.field(ids.B_KIND, lambda: kind_of(f.value(ids.B_KIND)))
    accepted = proof_kinds()
    doc_kind = f.value(ids.B_DOC_KIND) or accepted[0]
    file = step_file(f, required)
    if doc_kind not in accepted:
        f.errors[ids.B_DOC_KIND] = f"Proof of payment is a {' or '.join(accepted)} document."
    step = Pay(amount=amount or Decimal(0), kind=kind, idempotency_key=f"slack:pay:{f.view['id']}")
    return Payment(f.value(ids.B_CASE), step, f.meta.get("channel"), f.client, file=file, document_kind=doc_kind)


def pay_work(p: Payment) -> Work:
    def now(conn: Connection, user: str) -> str:
        if not p.proof_required:
            return record(conn, user, case_ref=p.case_ref, payment=p.step)
        reads.require_case(conn=conn, case_ref=p.case_ref)
        assert p.channel is not None
        return wait_for_document(conn, client=p.client, channel=p.channel, user=user, case_ref=p.case_ref, step=p.step)

    return with_file(p, now)


def pay_needs(p: Payment) -> Needs:
    """A reversal is for admins."""
    if p.step.reverses:
        return Needs(role="admin", what="Reversing a payment")
    return Needs(role="officer", what="Recording a payment")


def pay_form(r: Request) -> dict[str, Any]:
    required = r.services.settings.dragonfly_payment_proof_required
    return modals.pay_modal(r.meta(), r.case(), proof_required=required)


PAY = SubCommand(
    "pay",
    "DF-n <amount> [kind]",
    "e.g. `pay DF-1042 1,250.00 direct` (proof document in the thread)",
    what="Recording a payment",
    parse=pay_args,
    work=pay_work,
    form=pay_form,
    needs=2,
    role_of=pay_needs,
    view=ids.VIEW_PAY,
    read=pay_fields,
    error_block=ids.B_AMOUNT,
)
COMMANDS = [PAY]


def register(app: App) -> None:
    subcommand(app, *COMMANDS)

    @app.action(ids.A_OPEN_PAY)
    def open_pay_form(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """The case card's "Record payment" button: the payment form for that case."""
        require(context, PAY.role or "officer", PAY.wording(PAY.name))
        ref = parsing.case_ref(body["actions"][0].get("value"))
        required = services_of(context).settings.dragonfly_payment_proof_required
        view = modals.pay_modal(meta(body), ref, proof_required=required)
        open_modal(ack=ack, client=client, body=body, view=view)
