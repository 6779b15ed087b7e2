"""The officer's poundage (issue 13 item 6, CPLR 8012(b)): 5% of what an officer collects in New
York City; elsewhere 5% of the first $250,000 and 3% of the rest, counted across the case's
collections; a direct payment or settlement after a levy still owes poundage (8012(b)(2))."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.blocks import cards
from dragonfly import queries, rpc
from tests.integration.test_engine_support import add_document, last_event, new_case, row, run, scalar


def pay(engine, ref: str, amount: str, kind: str, key: str, poundage: D | None = None):  # type: ignore[no-untyped-def]
    return run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D(amount),
        kind=kind,
        idempotency_key=key,
        actor="U0ALICE",
        poundage=poundage,
    )


def test_poundage_in_new_york_city_is_five_percent(engine) -> None:
    ref = new_case(engine, county="Kings", entered_on=date(2025, 1, 1), principal=D("400000.00"))
    r = pay(engine, ref, "300000.00", "levy_proceeds", "k1")
    assert r["poundage"] == D("15000.00")
    assert last_event(engine, ref).payload["poundage"] == 15000


def test_poundage_elsewhere_steps_down_above_250000_across_collections(engine) -> None:
    ref = new_case(engine, county="Albany", entered_on=date(2025, 1, 1), principal=D("400000.00"))
    first = pay(engine, ref, "200000.00", "levy_proceeds", "a1")
    assert first["poundage"] == D("10000.00")  # 5% of 200,000
    second = pay(engine, ref, "100000.00", "garnishment_remittance", "a2")
    assert second["poundage"] == D("4000.00")  # 5% of 50,000 to the tier, 3% of 50,000 above it
    # What the officer's remittance says it withheld is kept.
    third = pay(engine, ref, "1000.00", "turnover", "a3", poundage=D("12.34"))
    assert D(str(third["poundage"])) == D("12.34")
    assert scalar(engine, "SELECT poundage_on('Albany', 250000, 1000)") == D("30.00")
    assert scalar(engine, "SELECT poundage_on('Albany', 249500, 1000)") == D("40.00")  # 25 + 15


def test_a_direct_payment_after_a_levy_still_owes_poundage(engine) -> None:
    ref = new_case(engine, county="Queens", entered_on=date(2025, 1, 1), principal=D("10000.00"))
    before = pay(engine, ref, "100.00", "direct", "d0")
    assert before["poundage_owed"] == 0  # no levy yet
    a = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="levy",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "execution"),
        garnishee_kind="employer",
    )["action_id"]
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="delivered_to_officer",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "transmittal"),
    )
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="levied",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "levy_notice"),
    )
    r = pay(engine, ref, "2000.00", "settlement", "d1")
    assert (r["poundage"], r["poundage_owed"]) == (D("0.00"), D("100.00"))
    ev = last_event(engine, ref)
    assert ev.payload["poundage_owed"] == 100
    with Session(engine) as session:
        law = queries.case_law(session=session, case_ref=ref)
    assert law is not None and law.poundage_owed == D("100.00")
    text = str(cards.law_blocks(law, ZoneInfo("America/New_York")))
    assert "Poundage still owed to the officer:* $100.00" in text
    assert row(engine, "SELECT poundage_owed FROM payments WHERE id = :i", i=r["payment_id"]).poundage_owed == D("100")
