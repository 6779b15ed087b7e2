"""Payments and the documents that prove steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call


def record_enforcement_payment(
    conn: Connection,
    *,
    case_ref: str,
    amount: Decimal,
    kind: str,
    idempotency_key: str,
    actor: str,
    received_on: date | None = None,
    document_id: int | None = None,
    reverses_payment_id: int | None = None,
    poundage: Decimal | None = None,
    fees: Decimal | None = None,
    require_document: bool = False,
    source: str = "slack",
) -> Result:
    """Credit a payment: interest first, then principal, then costs; idempotent on its key."""
    return call(
        conn,
        "record_enforcement_payment",
        case_ref=case_ref,
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        actor=actor,
        received_on=received_on,
        document_id=document_id,
        reverses_payment_id=reverses_payment_id,
        poundage=poundage,
        fees=fees,
        require_document=require_document,
        source=source,
    )


def attach_enforcement_document(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    storage_key: str,
    sha256: str,
    size_bytes: int,
    content_type: str,
    original_name: str,
    uploader: str,
    source: str = "slack",
) -> Result:
    """Record a stored document on a case (the same bytes, kind and case are one document)."""
    return call(
        conn,
        "attach_enforcement_document",
        case_ref=case_ref,
        kind=kind,
        storage_key=storage_key,
        sha256=sha256,
        size_bytes=size_bytes,
        content_type=content_type,
        original_name=original_name,
        uploader=uploader,
        source=source,
    )
