"""One document proves one step (issue 10, item 9): the same bytes on a case, under any Slack file
id or document kind, back one workflow step and one payment; a second step is refused in words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from dragonfly import rpc
from dragonfly.errors import DocumentRequired

SHA = "ab" * 32


def _attach(conn, ref: str, kind: str, key: str) -> int:  # type: ignore[no-untyped-def]
    return int(
        rpc.attach_enforcement_document(
            conn,
            case_ref=ref,
            kind=kind,
            storage_key=key,
            sha256=SHA,
            size_bytes=100,
            content_type="application/pdf",
            original_name="levy.pdf",
            uploader="U0OFFICER",
        )["document_id"]
    )


def _levies(engine, ref: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(
            c.execute(text("SELECT count(*) FROM v_enforcement_actions WHERE case_ref = :r"), {"r": ref}).scalar_one()
        )


def test_the_same_bytes_under_a_new_file_id_cannot_prove_a_second_levy(engine, make_case):
    ref = make_case()
    with rpc.transaction(engine) as conn:
        first = _attach(conn, ref, "execution", f"cases/{ref}/F1-levy.pdf")
        levy = rpc.queue_enforcement_action(conn, case_ref=ref, kind="levy", actor="U0OFFICER", document_id=first)
    with rpc.transaction(engine) as conn:  # the same bytes again, from another Slack file: the same document
        assert _attach(conn, ref, "execution", f"cases/{ref}/F2-levy.pdf") == first
    with pytest.raises(DocumentRequired) as info, rpc.transaction(engine) as conn:
        rpc.queue_enforcement_action(conn, case_ref=ref, kind="levy", actor="U0OFFICER", document_id=first)
    assert info.value.message == (
        f"levy.pdf (document #{first}) already proves levy #{levy['action_id']} (issued) on this case"
    )
    assert info.value.hint.startswith("One document proves one step")
    assert _levies(engine, ref) == 1


def test_the_same_bytes_filed_as_another_kind_are_still_the_same_document(engine, make_case):
    ref = make_case()
    with rpc.transaction(engine) as conn:
        execution = _attach(conn, ref, "execution", f"cases/{ref}/a")
        levy = rpc.queue_enforcement_action(conn, case_ref=ref, kind="levy", actor="U0OFFICER", document_id=execution)
        transmittal = _attach(conn, ref, "transmittal", f"cases/{ref}/b")
    with pytest.raises(DocumentRequired, match="already proves levy"), rpc.transaction(engine) as conn:
        rpc.advance_enforcement_action(
            conn,
            case_ref=ref,
            action_id=levy["action_id"],
            state="delivered_to_officer",
            actor="U0OFFICER",
            document_id=transmittal,
        )


def test_a_document_proves_one_payment_and_only_on_its_own_case(engine, make_case):
    ref = make_case(entered_on=date(2015, 1, 1))
    with rpc.transaction(engine) as conn:
        remittance = _attach(conn, ref, "remittance", f"cases/{ref}/r")
        rpc.record_enforcement_payment(
            conn,
            case_ref=ref,
            amount=Decimal("10.00"),
            kind="garnishment_remittance",
            idempotency_key="p1",
            actor="U0OFFICER",
            document_id=remittance,
        )
    with pytest.raises(DocumentRequired, match="already proves payment #"), rpc.transaction(engine) as conn:
        rpc.record_enforcement_payment(
            conn,
            case_ref=ref,
            amount=Decimal("10.00"),
            kind="garnishment_remittance",
            idempotency_key="p2",
            actor="U0OFFICER",
            document_id=remittance,
        )
    other = make_case()
    with rpc.transaction(engine) as conn:  # the same letter on another case is that case's document
        doc = _attach(conn, other, "execution", f"cases/{other}/x")
        rpc.queue_enforcement_action(conn, case_ref=other, kind="levy", actor="U0OFFICER", document_id=doc)
