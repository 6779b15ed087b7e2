"""Payments by the law (issue 13 items 3, 4; issue 10 item 2): amounts paid before 2022-04-30 on
a consumer judgment read from_entry stay applied as at 9%; a reversal re-allocates every later
payment as if the reversed one never happened, and only an admin records it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from dragonfly import errors, rpc
from tests.integration.test_engine_support import execute, last_event, new_case, refused, row, rows, run, scalar

CENT = D("0.01")


def pay(engine, ref: str, amount: str, on: date, key: str | None = None):  # type: ignore[no-untyped-def]
    return run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D(amount),
        kind="direct",
        idempotency_key=key or f"{ref}-{on}-{amount}",
        received_on=on,
        actor="U0ALICE",
    )


def reverse(engine, ref: str, payment_id: int, on: date, actor: str = "cli:test"):  # type: ignore[no-untyped-def]
    return run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D("1"),
        kind="reversal",
        idempotency_key=f"rev-{payment_id}",
        reverses_payment_id=payment_id,
        received_on=on,
        actor=actor,
    )


def balance(engine, ref: str, on: date) -> D:
    return D(scalar(engine, "SELECT case_balance(id, :d) FROM enforcement_cases WHERE case_ref = :r", r=ref, d=on))


def consumer(engine) -> str:  # type: ignore[no-untyped-def]
    return new_case(engine, entered_on=date(2020, 4, 30), principal=D("10000.00"), consumer_debt=True)


def test_a_payment_the_day_before_2022_04_30_stays_applied_as_at_9_percent(engine) -> None:
    ref = consumer(engine)
    r = pay(engine, ref, "1000.00", date(2022, 4, 29))
    # 9% on $10,000 for 729 days is $1,797.53: the whole $1,000 paid interest, as it lawfully did then.
    assert (r["interest_part"], r["principal_part"]) == (D("1000.00"), D("0.00"))
    ev = last_event(engine, ref)
    assert ev.payload["applied_at_standard_rate"] is True and ev.payload["interest_part"] == 1000
    # Afterwards the unpaid part bears 2% from entry, never more: 2% from entry to 2022-04-29 is
    # less than what was paid, so nothing is carried; then 2% for 366 days.
    expected = D("10000.00") + (D("10000") * D("0.02") * 366 / 365).quantize(CENT)
    assert balance(engine, ref, date(2023, 4, 30)) == expected


def test_a_payment_on_2022_04_30_is_applied_at_2_percent_from_entry(engine) -> None:
    ref = consumer(engine)
    r = pay(engine, ref, "1000.00", date(2022, 4, 30))
    assert (r["interest_part"], r["principal_part"]) == (D("400.00"), D("600.00"))  # 2% x 730 days
    assert "applied_at_standard_rate" not in last_event(engine, ref).payload


def test_two_payments_before_the_date_both_see_9_percent(engine) -> None:
    ref = consumer(engine)
    first = pay(engine, ref, "2000.00", date(2021, 4, 30))  # 9% x 365 days = 900.00
    assert (first["interest_part"], first["principal_part"]) == (D("900.00"), D("1100.00"))
    second = pay(engine, ref, "500.00", date(2022, 4, 30 - 1))  # 9% on 8,900 for 364 days
    interest = (D("8900") * D("0.09") * 364 / 365).quantize(CENT)
    assert (second["interest_part"], second["principal_part"]) == (min(interest, D("500.00")), D("0.00"))
    parts = rows(engine, "SELECT interest_part, principal_part FROM payments ORDER BY id")
    assert [tuple(p) for p in parts] == [(D("900.00"), D("1100.00")), (D("500.00"), D("0.00"))]


def test_from_effective_date_reading_is_unchanged(engine) -> None:
    execute(engine, "UPDATE policy_settings SET value = 'from_effective_date' WHERE key = 'consumer_rate_transition'")
    ref = consumer(engine)
    r = pay(engine, ref, "1000.00", date(2022, 4, 29))
    assert (r["interest_part"], r["principal_part"]) == (D("1000.00"), D("0.00"))  # 9% segment before the date
    assert "applied_at_standard_rate" not in last_event(engine, ref).payload


def test_reversing_an_earlier_payment_reallocates_the_later_ones(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    a = pay(engine, ref, "1000.00", date(2024, 1, 1))
    b = pay(engine, ref, "500.00", date(2024, 7, 1))
    assert (a["interest_part"], a["principal_part"]) == (D("900.00"), D("100.00"))
    assert b["principal_part"] > 0
    r = reverse(engine, ref, a["payment_id"], date(2024, 8, 1))
    assert (r["gross"], r["interest_part"], r["principal_part"]) == (D("-1000.00"), D("-900.00"), D("-100.00"))
    # As if A never happened: B pays the 9% interest accrued from entry (547 days, $1,348.77) first.
    b_row = row(engine, "SELECT * FROM payments WHERE id = :i", i=b["payment_id"])
    assert (b_row.interest_part, b_row.principal_part, b_row.costs_part) == (D("500.00"), D("0.00"), D("0.00"))
    j = row(
        engine,
        "SELECT j.* FROM judgments j JOIN enforcement_cases c ON c.judgment_id = j.id WHERE c.case_ref = :r",
        r=ref,
    )
    assert j.unpaid_principal == D("10000.00") and j.accrual_date == date(2024, 7, 1)
    ev = last_event(engine, ref)
    assert ev.kind == "payment_recorded" and ev.payload["kind"] == "reversal"
    assert ev.payload["reallocated"] == [
        {
            "payment_id": b["payment_id"],
            "received_on": "2024-07-01",
            "gross": 500.0,
            "interest_part": 500.0,
            "principal_part": 0.0,
            "costs_part": 0.0,
            "was": {
                "interest_part": float(b["interest_part"]),
                "principal_part": float(b["principal_part"]),
                "costs_part": 0.0,
            },
        }
    ]
    # The same ledger as a case that only ever had B.
    twin = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    pay(engine, twin, "500.00", date(2024, 7, 1))
    for on in (date(2024, 8, 1), date(2025, 8, 1)):
        assert balance(engine, ref, on) == balance(engine, twin, on)
    assert scalar(engine, "SELECT recovered FROM v_case_balance WHERE case_ref = :r", r=ref) == D("500.00")


def test_reversing_the_latest_payment_needs_no_reallocation(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    a = pay(engine, ref, "1000.00", date(2024, 1, 1))
    r = reverse(engine, ref, a["payment_id"], date(2024, 7, 1))
    assert r["reallocated"] == [] and "reallocated" not in last_event(engine, ref).payload
    expected = D("10000.00") + (D("10000") * D("0.09") * 547 / 365).quantize(CENT)
    assert balance(engine, ref, date(2024, 7, 1)) == expected


def test_only_an_admin_reverses_a_payment(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    a = pay(engine, ref, "1000.00", date(2024, 1, 1))
    run(engine, rpc.grant_role, slack_user_id="U0OFFICER", role="officer", actor="cli:test")
    for actor in ("U0OFFICER", "U0NOBODY"):
        with refused(engine, errors.ReversalForbidden, match="needs the admin role"):
            reverse(engine, ref, a["payment_id"], date(2024, 2, 1), actor=actor)
    run(engine, rpc.grant_role, slack_user_id="U0ADMIN", role="admin", actor="cli:test")
    assert reverse(engine, ref, a["payment_id"], date(2024, 2, 1), actor="U0ADMIN")["gross"] == D("-1000.00")
