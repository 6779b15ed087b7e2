"""Workflows (levy, garnishment, subpoena, restraint, ...): start, advance, extend; wage facts; warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call


def queue_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    actor: str,
    document_id: int | None = None,
    recipient: str | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
    on: date | None = None,
    source: str = "slack",
    garnishee_kind: str | None = None,
    exemption_document_id: int | None = None,
    court_order_document_id: int | None = None,
) -> Result:
    """Start a workflow; a first step that is a legal act needs its document (a restraint on a
    person's bank account also its exemption_forms, CPLR 5222-a; a second restraint on the same
    garnishee the court_order granting leave, 5222(c))."""
    return call(
        conn,
        "queue_enforcement_action",
        case_ref=case_ref,
        kind=kind,
        actor=actor,
        document_id=document_id,
        recipient=recipient,
        note=note,
        idempotency_key=idempotency_key,
        on=on,
        source=source,
        garnishee_kind=garnishee_kind,
        exemption_document_id=exemption_document_id,
        court_order_document_id=court_order_document_id,
    )


def advance_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    state: str,
    actor: str,
    document_id: int | None = None,
    note: str | None = None,
    officer_docket: str | None = None,
    on: date | None = None,
    source: str = "slack",
    garnishee_kind: str | None = None,
    exemption_document_id: int | None = None,
    by_mail: bool | None = None,
) -> Result:
    """Move a workflow to its next state; legal steps need their document (a levy on a person's
    bank account also its exemption_forms, CPLR 5222-a)."""
    return call(
        conn,
        "advance_enforcement_action",
        case_ref=case_ref,
        action_id=action_id,
        state=state,
        actor=actor,
        document_id=document_id,
        note=note,
        officer_docket=officer_docket,
        on=on,
        source=source,
        garnishee_kind=garnishee_kind,
        exemption_document_id=exemption_document_id,
        by_mail=by_mail,
    )


def issue_subpoena(
    conn: Connection,
    *,
    case_ref: str,
    recipient: str,
    document_id: int,
    actor: str,
    served_on: date | None = None,
    source: str = "slack",
    by_mail: bool | None = None,
) -> Result:
    """Record an information subpoena served (CPLR 5224); the answer is due 7 days after receipt
    (served by mail: plus the mailing days, CPLR 2103(b)(2))."""
    return call(
        conn,
        "issue_subpoena",
        case_ref=case_ref,
        recipient=recipient,
        document_id=document_id,
        actor=actor,
        served_on=served_on,
        source=source,
        by_mail=by_mail,
    )


def extend_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    what: str,
    actor: str,
    document_id: int | None = None,
    until: date | None = None,
    note: str | None = None,
    source: str = "slack",
) -> Result:
    """Extend a levy's return date (`what="return"`, CPLR 5230(c)) or the levy (`"levy"`, 5232(a))."""
    return call(
        conn,
        "extend_enforcement_action",
        case_ref=case_ref,
        action_id=action_id,
        what=what,
        until=until,
        actor=actor,
        document_id=document_id,
        note=note,
        source=source,
    )


def record_wage_facts(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    gross_weekly: Decimal,
    disposable_weekly: Decimal,
    weekly_amount: Decimal,
    actor: str,
    on: date | None = None,
    source: str = "slack",
) -> Result:
    """A garnishment's weekly wage facts; an amount over the CPLR 5231(b) limit is refused."""
    return call(
        conn,
        "record_wage_facts",
        case_ref=case_ref,
        action_id=action_id,
        gross_weekly=gross_weekly,
        disposable_weekly=disposable_weekly,
        weekly_amount=weekly_amount,
        actor=actor,
        on=on,
        source=source,
    )


def record_deadline_warning(
    conn: Connection, *, action_id: int, warning: str, due: date, actor: str = "system:nightly"
) -> bool:
    """Record a workflow deadline warning once; False if it was already recorded."""
    return bool(call(conn, "record_deadline_warning", action_id=action_id, warning=warning, due=due, actor=actor))
