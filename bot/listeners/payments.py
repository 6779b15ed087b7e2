"""Payments: `/enforce pay DF-n <amount> [kind]`. The proof document is required by default
(DRAGONFLY_PAYMENT_PROOF_REQUIRED); reversals are for admins."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing, reads
from bot.blocks import modals
from bot.listeners import args, subcommand
from bot.listeners.common import act, meta, open_modal
from bot.middleware import require, services_of
from bot.service import wait_for_document
from dragonfly import rpc, rules
from dragonfly.errors import InvalidInput


def proof_kinds() -> list[str]:
    """The document kinds that prove a payment (payment_proof_kinds() in SQL)."""
    return list(rules.current().payment_proof_kinds)


def record(
    conn: Connection,
    user: str,
    *,
    case_ref: str,
    amount: Any,
    kind: str,
    key: str,
    document_id: int | None = None,
    reverses: int | None = None,
) -> str:
    r = rpc.record_enforcement_payment(
        conn,
        case_ref=case_ref,
        amount=amount,
        kind=kind,
        idempotency_key=key,
        actor=user,
        document_id=document_id,
        reverses_payment_id=reverses,
    )
    return (
        f":moneybag: {case_ref}: payment #{r['payment_id']} ${r['gross']} ({kind}) - interest "
        f"${r['interest_part']}, principal ${r['principal_part']}, costs ${r['costs_part']}. "
        f"Balance ${r['balance']}."
    )


def kind_of(text: str | None) -> str:
    kind = (text or "direct").lower()
    if kind not in modals.payment_kinds() + ["reversal"]:
        raise InvalidInput(f'"{text}" is not a payment kind', "Kinds: " + ", ".join(modals.payment_kinds()) + ".")
    return kind


def register(app: App) -> None:
    @subcommand(app, "pay")
    def pay_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        services = services_of(context)
        required = services.settings.dragonfly_payment_proof_required
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Recording a payment")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(
                ack=ack,
                client=client,
                body=body,
                view=modals.pay_modal(meta(body), ref, proof_required=required),
            )
            return
        ref, amount, kind = (
            parsing.case_ref(a[0]),
            parsing.amount(a[1]),
            kind_of(a[2] if len(a) > 2 else None),
        )
        key = f"slack:pay:{body.get('trigger_id')}"
        if kind == "reversal":
            require(context, "admin", "Reversing a payment")
            target = a[3].lstrip("#") if len(a) > 3 else ""
            if not target.isdigit():
                raise InvalidInput(
                    "A reversal names the payment it reverses",
                    "Write: pay DF-n <amount> reversal #<payment id>",
                )
            act(
                ack=ack,
                context=context,
                body=body,
                role="admin",
                what="Reversing a payment",
                work=lambda conn, user: record(
                    conn,
                    user,
                    case_ref=ref,
                    amount=amount,
                    kind=kind,
                    key=key,
                    reverses=int(target),
                ),
            )
            return
        if not required:
            act(
                ack=ack,
                context=context,
                body=body,
                role="officer",
                what="Recording a payment",
                work=lambda conn, user: record(conn, user, case_ref=ref, amount=amount, kind=kind, key=key),
            )
            return

        def wait(conn: Connection, user: str) -> str:
            reads.require_case(conn=conn, case_ref=ref)
            return wait_for_document(
                conn,
                client=client,
                channel=body["channel_id"],
                user=user,
                case_ref=ref,
                step="pay",
                label=f"a ${amount:,.2f} {kind} payment",
                kinds=proof_kinds(),
                intent={"op": "pay", "amount": str(amount), "kind": kind, "idempotency_key": key},
            )

        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Recording a payment",
            work=wait,
        )

    @app.action(ids.A_OPEN_PAY)
    def open_pay_form(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """The case card's "Record payment" button: the payment form for that case."""
        require(context, "officer", "Recording a payment")
        ref = parsing.case_ref(body["actions"][0].get("value"))
        required = services_of(context).settings.dragonfly_payment_proof_required
        view = modals.pay_modal(meta(body), ref, proof_required=required)
        open_modal(ack=ack, client=client, body=body, view=view)
