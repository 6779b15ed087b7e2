"""Levy extensions (issue 13 item 10: CPLR 5230(c), 5232(a)) and a second restraining notice on the
same garnishee (item 8: CPLR 5222(c)), through the sanctioned functions."""

from __future__ import annotations

from datetime import date

from dragonfly import errors, rpc
from tests.integration.test_engine_support import add_document, last_event, new_case, refused, row, rows, run


def _levied(engine, ref: str) -> int:  # type: ignore[no-untyped-def]
    a = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="levy",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "execution"),
        garnishee_kind="third_party",
        on=date(2026, 3, 2),
    )["action_id"]
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="delivered_to_officer",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "transmittal"),
        on=date(2026, 3, 2),
    )
    r = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="levied",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "levy_notice"),
        on=date(2026, 3, 4),
    )
    assert r["deadlines"]["return_due"] == "2026-05-01" and r["deadlines"]["void_on"] == "2026-06-02"
    return a


def test_after_a_levy_the_next_deadline_keeps_the_return_date(engine) -> None:
    ref = new_case(engine)
    a = _levied(engine, ref)
    assert row(engine, "SELECT next_deadline FROM enforcement_actions WHERE id = :a", a=a).next_deadline == date(
        2026, 5, 1
    )
    due = rows(engine, "SELECT warning FROM due_deadline_warnings('2026-05-01') WHERE action_id = :a", a=a)
    assert "levy_return_due" in [w.warning for w in due]


def test_the_return_date_is_extended_in_writing_by_at_most_60_days(engine) -> None:
    ref = new_case(engine)
    a = _levied(engine, ref)
    letter = add_document(engine, ref, "correspondence")
    step = dict(case_ref=ref, action_id=a, what="return", actor="U0ALICE")
    with refused(engine, errors.DocumentRequired, match="needs a document"):
        run(engine, rpc.extend_enforcement_action, **step)
    with refused(engine, errors.InvalidInput, match="at most 60 days at a time \\(to 2026-06-30\\)"):
        run(engine, rpc.extend_enforcement_action, **step, document_id=letter, until=date(2026, 7, 1))
    with refused(engine, errors.InvalidInput, match="must be after 2026-05-01"):
        run(engine, rpc.extend_enforcement_action, **step, document_id=letter, until=date(2026, 5, 1))
    r = run(engine, rpc.extend_enforcement_action, **step, document_id=letter, until=date(2026, 6, 30))
    assert (r["from"], r["to"]) == ("2026-05-01", "2026-06-30")
    a_row = row(engine, "SELECT * FROM enforcement_actions WHERE id = :a", a=a)
    assert a_row.deadlines["return_due"] == "2026-06-30" and a_row.next_deadline == date(2026, 6, 2)
    ev = last_event(engine, ref)
    assert ev.kind == "action_advanced" and ev.document_id == letter
    assert (ev.payload["extended"], ev.payload["extended_from"], ev.payload["extended_to"]) == (
        "return_due",
        "2026-05-01",
        "2026-06-30",
    )


def test_the_levy_is_extended_by_a_court_order(engine) -> None:
    ref = new_case(engine)
    a = _levied(engine, ref)
    letter = add_document(engine, ref, "correspondence")
    step = dict(case_ref=ref, action_id=a, what="levy", actor="U0ALICE")
    with refused(engine, errors.DocumentRequired, match="needs a court_order document, not correspondence"):
        run(engine, rpc.extend_enforcement_action, **step, document_id=letter)
    order = add_document(engine, ref, "court_order")
    r = run(engine, rpc.extend_enforcement_action, **step, document_id=order)
    assert (r["from"], r["to"]) == ("2026-06-02", "2026-08-31")  # 90 more days (levy_extension_days)
    d = r["deadlines"]
    # The warnings move with it: 30 days before the new void date is Saturday 08-01, rolled to Monday.
    assert d["void_on"] == "2026-08-31" and d["warn_day_60"] == "2026-08-03"


def test_a_second_restraint_on_the_same_garnishee_needs_leave_of_court(engine) -> None:
    ref = new_case(engine)

    def restrain(recipient: str, doc: int, **kwargs):  # type: ignore[no-untyped-def]
        return run(
            engine,
            rpc.queue_enforcement_action,
            case_ref=ref,
            kind="restraining_notice",
            actor="U0ALICE",
            document_id=doc,
            garnishee_kind="employer",
            recipient=recipient,
            **kwargs,
        )

    notices = [add_document(engine, ref, "restraining_notice", seed=f"n{i}") for i in range(4)]
    restrain("Acme Payroll Inc", notices[0])
    restrain("Other Employer LLC", notices[1])  # another garnishee: no leave needed
    with refused(engine, errors.DocumentRequired, match=r"a second one needs leave of court \(CPLR 5222\(c\)\)"):
        restrain("acme  payroll inc", notices[2])
    wrong = add_document(engine, ref, "correspondence")
    with refused(engine, errors.DocumentRequired, match="needs a court_order document"):
        restrain("acme payroll inc", notices[2], court_order_document_id=wrong)
    order = add_document(engine, ref, "court_order")
    r = restrain("ACME Payroll Inc", notices[3], court_order_document_id=order)
    assert last_event(engine, ref).payload["court_order_document_id"] == order and r["created"]
