"""Deadlines by the law and the policy rows (issue 13 items 2, 11, 12): the income execution goes
to the employer 20 days after service on the debtor (CPLR 5231(d), rolled per GCL 25-a); a
restraint on the debtor does not lapse; subpoenas served by mail add the mailing days (CPLR
2103(b)(2)); levy, restraint and garnishment warnings read their policy rows."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dragonfly import rpc
from tests.integration.test_engine_support import add_document, execute, new_case, row, rows, run

NY = ZoneInfo("America/New_York")


def _garnishment(engine, ref: str, delivered: date):  # type: ignore[no-untyped-def]
    a = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="garnishment",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "execution"),
        on=delivered,
    )["action_id"]
    r = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="delivered",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "transmittal"),
        on=delivered,
    )
    return a, r


def test_employer_due_moves_to_service_on_the_debtor_plus_20_days(engine) -> None:
    ref = new_case(engine)
    a, r = _garnishment(engine, ref, date(2026, 3, 2))
    assert r["deadlines"]["employer_due"] == "2026-03-23"  # +20 is Sunday 2026-03-22: rolled to Monday
    served = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="served_on_debtor",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "proof_of_service"),
        on=date(2026, 3, 10),
    )
    assert served["deadlines"]["employer_due"] == "2026-03-30"  # 2026-03-30 is a Monday
    assert row(engine, "SELECT next_deadline FROM enforcement_actions WHERE id = :i", i=a).next_deadline == date(
        2026, 3, 30
    )


def test_employer_due_rolls_past_a_public_holiday(engine) -> None:
    ref = new_case(engine)
    a, _ = _garnishment(engine, ref, date(2026, 5, 1))
    # Served 2026-05-05: +20 is 2026-05-25, Memorial Day (GCL 24): the next business day is the 26th.
    served = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="served_on_debtor",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "proof_of_service"),
        on=date(2026, 5, 5),
    )
    assert served["deadlines"]["employer_due"] == "2026-05-26"


def _restraint(engine, garnishee: str, on: date):  # type: ignore[no-untyped-def]
    ref = new_case(engine)
    r = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="restraining_notice",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "restraining_notice"),
        garnishee_kind=garnishee,
        on=on,
    )
    return ref, r


def test_a_restraint_on_the_debtor_does_not_lapse(engine) -> None:
    _, third = _restraint(engine, "third_party", date(2026, 3, 2))
    assert third["deadlines"]["lapses_on"] == "2027-03-02"
    _, on_debtor = _restraint(engine, "debtor", date(2026, 3, 2))
    assert on_debtor["deadlines"] == {}
    a = row(engine, "SELECT next_deadline FROM enforcement_actions WHERE id = :i", i=on_debtor["action_id"])
    assert a.next_deadline is None


def test_restraint_warning_reads_its_policy_row(engine) -> None:
    _, r30 = _restraint(engine, "third_party", date(2026, 3, 2))
    assert r30["deadlines"]["lapse_warning"] == "2027-02-01"  # 30 days before 2027-03-02 is Sunday 01-31
    execute(engine, "UPDATE policy_settings SET value = '45' WHERE key = 'restraint_warn_days_before_lapse'")
    _, r45 = _restraint(engine, "third_party", date(2026, 3, 2))
    # 45 days before is Saturday 2027-01-16; Monday the 18th is Martin Luther King Day (GCL 24).
    assert r45["deadlines"]["lapse_warning"] == "2027-01-19"
    warnings = rows(
        engine, "SELECT warning FROM due_deadline_warnings('2027-03-01') WHERE action_id = :a", a=r45["action_id"]
    )
    assert [w.warning for w in warnings] == ["restraint_lapse_45d"]


def test_levy_warnings_read_levy_warn_days(engine) -> None:
    execute(engine, "UPDATE policy_settings SET value = '50,80' WHERE key = 'levy_warn_days'")
    ref = new_case(engine)
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
        on=date(2026, 3, 2),
    )
    d = r["deadlines"]
    assert d["void_on"] == "2026-05-31" and "warn_day_60" not in d
    assert (d["warn_day_50"], d["warn_day_80"]) == ("2026-04-21", "2026-05-21")
    due = rows(
        engine,
        "SELECT warning FROM due_deadline_warnings('2026-05-21') WHERE action_id = :a AND warning LIKE 'levy_day%'",
        a=a,
    )
    assert [w.warning for w in due] == ["levy_day_50", "levy_day_80"]


def test_garnishment_no_remittance_reads_its_policy_row(engine) -> None:
    execute(engine, "UPDATE policy_settings SET value = '60' WHERE key = 'garnishment_no_remittance_days'")
    ref = new_case(engine)
    a, _ = _garnishment(engine, ref, date(2026, 3, 2))
    r = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a,
        state="served_on_employer",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "proof_of_service"),
        on=date(2026, 3, 2),
    )
    assert r["deadlines"]["remittance_expected"] == "2026-05-01"
    due = rows(engine, "SELECT warning FROM due_deadline_warnings('2026-05-01') WHERE action_id = :a", a=a)
    assert "garnishment_no_remittance_60d" in [w.warning for w in due]


def test_a_subpoena_served_by_mail_is_answered_from_receipt(engine) -> None:
    ref = new_case(engine)
    by_hand = run(
        engine,
        rpc.issue_subpoena,
        case_ref=ref,
        recipient="Chase",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "subpoena"),
        served_on=date(2026, 3, 2),
    )
    assert by_hand["deadlines"]["answer_due"] == "2026-03-09"
    by_mail = run(
        engine,
        rpc.issue_subpoena,
        case_ref=ref,
        recipient="Chase",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "proof_of_service"),
        served_on=date(2026, 3, 2),
        by_mail=True,
    )
    assert by_mail["deadlines"] == {"answer_due": "2026-03-16", "served_by_mail": True}  # 7 + 5 = Saturday 14 -> 16


def test_deadlines_at_a_controlled_clock_match_the_policy(engine) -> None:
    ref = new_case(engine)
    r = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="asset_search",
        actor="U0ALICE",
        clock=datetime(2026, 3, 2, 10, tzinfo=NY),
    )
    assert r["deadlines"]["search_due"] == "2026-03-12"  # tier below 3: 10 days
    execute(engine, "UPDATE policy_settings SET value = '5,14' WHERE key = 'asset_search_days'")
    r = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="asset_search",
        actor="U0ALICE",
        clock=datetime(2026, 3, 2, 10, tzinfo=NY),
    )
    assert r["deadlines"]["search_due"] == "2026-03-16"
