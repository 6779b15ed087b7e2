"""`dragonfly doctor` and the CLI for issue 13: open judgments past twenty years (CPLR 211(b)),
restraints and levies on a person's bank account without exemption forms (CPLR 5222-a, including
those recorded before the garnishee kind existed), and `dragonfly case renew`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from dragonfly import doctor, errors, rpc
from dragonfly.cli import app
from tests.integration.test_engine_support import (
    add_document,
    execute,
    last_event,
    new_case,
    pay,
    refused,
    run,
    scalar,
)


def _cli(db_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": db_url,
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_OPERATOR": "tester",
        "DRAGONFLY_ADMINS": "",
    }
    return CliRunner().invoke(app, list(args), env=env)


def test_doctor_reports_judgments_past_twenty_years_until_renewed(services, engine, db_url, tmp_path) -> None:
    assert doctor.check_twenty_years(services).ok
    today = scalar(engine, "SELECT firm_today()")
    old = new_case(engine, entered_on=date(today.year - 20, today.month, 1))
    new_case(engine, entered_on=today - timedelta(days=365 * 19))
    result = doctor.check_twenty_years(services)
    assert not result.ok and len(result.details) == 1 and result.details[0].startswith(f"{old}: entered")
    r = _cli(
        db_url,
        tmp_path,
        "case",
        "renew",
        old,
        "signed acknowledgment",
        "--basis",
        "acknowledgment",
        "--on",
        str(today - timedelta(days=3)),
    )
    assert r.exit_code == 0, r.output
    assert "renewed" in r.output
    ev = last_event(engine, old)
    assert ev.actor == "cli:tester" and ev.payload["flag"] == "twenty_year_renewal"
    assert doctor.check_twenty_years(services).ok
    bad = _cli(db_url, tmp_path, "case", "renew", old, "x", "--basis", "rumour", "--on", str(today))
    assert bad.exit_code != 0 and "renewal basis" in bad.output


def test_doctor_reports_restraints_on_a_persons_bank_without_forms(services, engine) -> None:
    assert doctor.check_exemption_forms(services).ok
    ref = new_case(engine, debtor_type="person")
    notice = add_document(engine, ref, "restraining_notice")
    r = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="restraining_notice",
        actor="U0ALICE",
        document_id=notice,
        garnishee_kind="employer",
        recipient="Acme Payroll",
    )
    assert doctor.check_exemption_forms(services).ok  # an employer: no forms needed
    # A restraint recorded before the garnishee kind existed (the migration leaves it NULL).
    execute(engine, "UPDATE enforcement_actions SET garnishee_kind = NULL WHERE id = :i", i=r["action_id"])
    result = doctor.check_exemption_forms(services)
    assert not result.ok
    assert result.details == [
        f"{ref}: restraining_notice #{r['action_id']} (served, Acme Payroll) is on an unrecorded garnishee with no"
        " exemption forms on the case; if it is a bank account it is void: serve a new one with the forms"
    ]
    business = new_case(engine, debtor_type="business")
    n2 = add_document(engine, business, "restraining_notice")
    b = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=business,
        kind="restraining_notice",
        actor="U0ALICE",
        document_id=n2,
        garnishee_kind="bank",
    )
    execute(engine, "UPDATE enforcement_actions SET garnishee_kind = NULL WHERE id = :i", i=b["action_id"])
    assert len(doctor.check_exemption_forms(services).details) == 1  # a business has no exemption
    add_document(engine, ref, "exemption_forms")
    assert doctor.check_exemption_forms(services).ok


def test_doctor_finds_payments_allocated_before_the_rule_and_an_admin_reallocates(
    services, engine, db_url, tmp_path
) -> None:
    from decimal import Decimal as D

    ref = new_case(engine, entered_on=date(2020, 4, 30), principal=D("10000.00"), consumer_debt=True)
    p = run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D("1000.00"),
        kind="direct",
        idempotency_key="old",
        received_on=date(2022, 4, 29),
        actor="cli:test",
    )
    assert doctor.check_payment_allocation(services).ok
    # As the engine allocated it before issue 13 (2% from entry): $399.45 interest, $600.55 principal.
    execute(
        engine, "UPDATE payments SET interest_part = 399.45, principal_part = 600.55 WHERE id = :i", i=p["payment_id"]
    )
    execute(engine, "UPDATE judgments SET unpaid_principal = 9399.45, interest_carry = 0")
    result = doctor.check_payment_allocation(services)
    assert not result.ok and result.details[0].startswith(f"{ref}: 1 payment(s) allocated differently")
    with refused(engine, errors.Forbidden, match="needs the admin role"):
        run(engine, rpc.call, function="reallocate_payments", case_ref=ref, reason="doctor", actor="U0OFFICER")
    r = _cli(db_url, tmp_path, "case", "reallocate", ref, "doctor: recorded before the rule")
    assert r.exit_code == 0, r.output
    ev = last_event(engine, ref)
    assert ev.payload["flag"] == "ledger_reallocated" and ev.payload["reallocated"][0]["interest_part"] == 1000
    assert ev.payload["reallocated"][0]["was"]["interest_part"] == 399.45
    assert doctor.check_payment_allocation(services).ok
    assert scalar(engine, "SELECT unpaid_principal FROM judgments") == D("10000.00")


def test_allocation_check_replays_what_changed_since_its_checkpoints(services, engine, db_url, app_login) -> None:
    """Issue 12 (sql/0154): a paid case found right is checkpointed at its head; the next run
    replays it again only when its head or the rules moved, or when the rotation reaches it;
    --full replays every paid case; a case found wrong is reported on every run."""
    from decimal import Decimal as D

    def verify(full: bool = False, rotate: int = 1000) -> list[str]:
        rows = run(engine, rpc.rows, function="verify_allocations", full=full, rotate=rotate)
        return [r["case_ref"] for r in rows]

    def verified_at(ref: str) -> Any:
        return scalar(
            engine,
            "SELECT verified_at FROM allocation_checkpoints k JOIN enforcement_cases c"
            " ON c.id = k.case_id WHERE c.case_ref = :r",
            r=ref,
        )

    def shift_parts(payment_id: int, cents: str) -> None:
        """Move `cents` from principal to interest outside the sanctioned path (no event)."""
        execute(
            engine,
            "UPDATE payments SET interest_part = interest_part + :d, principal_part = principal_part - :d"
            " WHERE id = :i",
            d=D(cents),
            i=payment_id,
        )

    a = new_case(engine, entered_on=date(2021, 1, 4), principal=D("8000.00"))
    b = new_case(engine, entered_on=date(2021, 1, 4), principal=D("8000.00"))
    pa = int(pay(engine, a, "500.00", date(2023, 3, 1))["payment_id"])
    pay(engine, b, "500.00", date(2023, 3, 1))
    assert doctor.check_payment_allocation(services).ok
    at_head = scalar(
        engine,
        "SELECT array_agg(c.case_ref ORDER BY c.case_ref) FROM allocation_checkpoints k"
        " JOIN enforcement_cases c ON c.id = k.case_id AND k.event_seq = c.event_seq",
    )
    assert at_head == sorted([a, b])

    # Parts changed outside the sanctioned path leave the head where it was: the incremental run
    # without a rotation does not replay the case; the rotation and --full do.
    shift_parts(pa, "1.00")
    assert verify(rotate=0) == []
    assert verify(full=True, rotate=0) == [a]
    assert scalar(engine, "SELECT count(*) FROM allocation_checkpoints") == 1  # the wrong one lost its checkpoint
    assert verify(rotate=0) == [a]  # and is reported on every run until re-allocated
    result = doctor.check_payment_allocation(services)
    assert not result.ok and result.details[0].startswith(f"{a}: 1 payment(s) allocated differently")
    shift_parts(pa, "-1.00")
    assert verify(rotate=0) == [] and scalar(engine, "SELECT count(*) FROM allocation_checkpoints") == 2

    # A new payment moves the head: that case is replayed without a rotation.
    before = verified_at(b)
    pay(engine, b, "500.00", date(2024, 5, 1))
    assert verify(rotate=0) == []
    after = verified_at(b)
    assert after > before

    # The application cannot move the checkpoints (they are the operator's, like the chain's).
    stored = "SELECT array_agg((case_id, event_seq, verified_at) ORDER BY case_id)::text FROM allocation_checkpoints"
    checkpoints = scalar(engine, stored)
    with (
        psycopg.connect(db_url, user=app_login, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT * FROM verify_allocations(true)")
    assert scalar(engine, stored) == checkpoints

    # A rate the replay applies changes the fingerprint: every checkpoint is replayed again.
    fingerprint = scalar(engine, "SELECT allocation_rules_fingerprint()")
    execute(engine, "UPDATE interest_rates SET why = why || ' (checked)' WHERE name = 'standard'")
    assert scalar(engine, "SELECT allocation_rules_fingerprint()") != fingerprint
    assert verify(rotate=0) == []
    assert (
        scalar(engine, "SELECT count(*) FROM allocation_checkpoints WHERE rules = allocation_rules_fingerprint()") == 2
    )
