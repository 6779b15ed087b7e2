"""record_enforcement_payment and post-judgment interest (CPLR 5004), through SQL: the docs/domain.md
test vectors, the 2% consumer rule on both sides of 2022-04-30, rate changes mid-period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import (
    add_document,
    case_row,
    execute,
    last_event,
    new_case,
    pay,
    refused,
    row,
    rows,
    run,
    scalar,
    snapshot,
)

D = Decimal


def judgment_id(engine, ref: str) -> int:
    return int(case_row(engine, ref).judgment_id)


def accrued(engine, ref: str, on: date) -> Decimal:
    return scalar(engine, "SELECT accrued_interest(:j, :d)", j=judgment_id(engine, ref), d=on)


def balance(engine, ref: str, on: date) -> Decimal:
    return scalar(
        engine,
        "SELECT case_balance(c.id, :d) FROM enforcement_cases c WHERE case_ref = :r",
        r=ref,
        d=on,
    )


def set_policy(engine, value: str) -> None:
    execute(
        engine,
        "UPDATE policy_settings SET value = :v WHERE key = 'consumer_rate_transition'",
        v=value,
    )


# ---------------------------------------------------------------- docs/domain.md test vectors


def test_vector_9_percent_year(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    assert accrued(engine, ref, date(2024, 1, 1)) == D("900.00")
    assert balance(engine, ref, date(2024, 1, 1)) == D("10900.00")


def test_vector_payment_interest_first(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    result = pay(engine, ref, "1000.00", date(2024, 1, 1))
    assert (result["interest_part"], result["principal_part"], result["costs_part"]) == (
        900,
        100,
        0,
    )
    assert D(str(result["balance"])) == D("9900.00")
    j = row(engine, "SELECT * FROM judgments WHERE id = :j", j=judgment_id(engine, ref))
    assert (
        j.unpaid_principal == D("9900.00")
        and j.interest_carry == 0
        and j.accrual_date == date(2024, 1, 1)
    )
    p = row(engine, "SELECT * FROM payments")
    assert (p.gross, p.interest_part, p.principal_part) == (D("1000.00"), D("900.00"), D("100.00"))
    # Interest now runs on $9,900 (2024 is a leap year: 366 days).
    assert accrued(engine, ref, date(2025, 1, 1)) == (D("9900") * D("0.09") * 366 / 365).quantize(
        D("0.01")
    )
    ev = last_event(engine, ref)
    assert ev.kind == "payment_recorded" and ev.payload["balance_after"] == 9900


def test_vector_2_percent_year(engine) -> None:
    ref = new_case(
        engine,
        entered_on=date(2023, 1, 1),
        principal=D("10000.00"),
        consumer_debt=True,
        debtor_type="person",
    )
    assert accrued(engine, ref, date(2024, 1, 1)) == D("200.00")


@pytest.mark.parametrize(
    ("policy", "owed"), [("from_entry", "600.00"), ("from_effective_date", "2000.00")]
)
def test_vector_consumer_before_2022(engine, policy, owed) -> None:
    set_policy(engine, policy)
    ref = new_case(
        engine,
        entered_on=date(2020, 4, 30),
        principal=D("10000.00"),
        consumer_debt=True,
        debtor_type="person",
    )
    assert accrued(engine, ref, date(2023, 4, 30)) == D(owed)
    basis = scalar(engine, "SELECT interest_basis FROM judgments")
    assert policy in basis


# ---------------------------------------------------------------- the 2% rule around 2022-04-30


def segments(engine, ref: str) -> list[tuple]:
    return [
        (r.from_date, r.to_date, r.rate)
        for r in rows(
            engine,
            "SELECT * FROM interest_segments WHERE judgment_id = :j ORDER BY from_date",
            j=judgment_id(engine, ref),
        )
    ]


@pytest.mark.parametrize("policy", ["from_entry", "from_effective_date"])
def test_entered_on_2022_04_30_is_2_percent_from_entry(engine, policy) -> None:
    set_policy(engine, policy)
    ref = new_case(
        engine, entered_on=date(2022, 4, 30), principal=D("10000.00"), consumer_debt=True
    )
    assert segments(engine, ref) == [(date(2022, 4, 30), None, D("0.0200"))]
    assert accrued(engine, ref, date(2023, 4, 30)) == D("200.00")
    assert "on or after 2022-04-30" in scalar(engine, "SELECT interest_basis FROM judgments")


def test_entered_on_2022_04_29_from_entry(engine) -> None:
    ref = new_case(
        engine, entered_on=date(2022, 4, 29), principal=D("10000.00"), consumer_debt=True
    )
    assert segments(engine, ref) == [(date(2022, 4, 29), None, D("0.0200"))]
    assert accrued(engine, ref, date(2023, 4, 29)) == D("200.00")


def test_entered_on_2022_04_29_from_effective_date(engine) -> None:
    set_policy(engine, "from_effective_date")
    ref = new_case(
        engine, entered_on=date(2022, 4, 29), principal=D("10000.00"), consumer_debt=True
    )
    assert segments(engine, ref) == [
        (date(2022, 4, 29), date(2022, 4, 30), D("0.0900")),
        (date(2022, 4, 30), None, D("0.0200")),
    ]
    # One day at 9%, then 364 days at 2%.
    expected = (D("10000") * (D("0.09") * 1 + D("0.02") * 364) / 365).quantize(D("0.01"))
    assert expected == D("201.92")
    assert accrued(engine, ref, date(2023, 4, 29)) == expected


@pytest.mark.parametrize(
    ("consumer", "debtor_type"), [(False, "person"), (True, "business"), (False, "business")]
)
def test_not_consumer_person_is_9_percent(engine, consumer, debtor_type) -> None:
    ref = new_case(
        engine,
        entered_on=date(2022, 6, 1),
        principal=D("10000.00"),
        consumer_debt=consumer,
        debtor_type=debtor_type,
    )
    assert segments(engine, ref) == [(date(2022, 6, 1), None, D("0.0900"))]
    assert accrued(engine, ref, date(2023, 6, 1)) == D("900.00")
    assert "CPLR 5004(a)" in scalar(engine, "SELECT interest_basis FROM judgments")


def test_consumer_from_effective_date_with_payment_across_the_change(engine) -> None:
    set_policy(engine, "from_effective_date")
    ref = new_case(
        engine, entered_on=date(2020, 4, 30), principal=D("10000.00"), consumer_debt=True
    )
    # Paid before 2022-04-30: stays applied as it was (9% period): 730 days at 9% = $1,800.
    result = pay(engine, ref, "2800.00", date(2022, 4, 30))
    assert (result["interest_part"], result["principal_part"]) == (1800, 1000)
    # Then 2% on $9,000 for a year.
    assert accrued(engine, ref, date(2023, 4, 30)) == D("180.00")


def test_rate_change_mid_period(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    j = judgment_id(engine, ref)
    execute(engine, "DELETE FROM interest_segments WHERE judgment_id = :j", j=j)
    execute(
        engine,
        "INSERT INTO interest_segments (judgment_id, from_date, to_date, rate, why) VALUES"
        " (:j, '2023-01-01', '2023-07-01', 0.09, 'test'), (:j, '2023-07-01', NULL, 0.05, 'test')",
        j=j,
    )
    # 181 days at 9% + 184 days at 5%.
    expected = (D("10000") * (D("0.09") * 181 + D("0.05") * 184) / 365).quantize(D("0.01"))
    assert accrued(engine, ref, date(2024, 1, 1)) == expected
    assert accrued(engine, ref, date(2023, 7, 1)) == (D("900") * 181 / 365).quantize(D("0.01"))
    # A payment inside the second segment: interest first at the blended amount.
    result = pay(engine, ref, "1000.00", date(2024, 1, 1))
    assert D(str(result["interest_part"])) == expected
    assert D(str(result["principal_part"])) == D("1000.00") - expected
    after = D("10000.00") - (D("1000.00") - expected)
    assert accrued(engine, ref, date(2025, 1, 1)) == (after * D("0.05") * 366 / 365).quantize(
        D("0.01")
    )


def test_interest_never_before_entry(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    assert accrued(engine, ref, date(2022, 6, 1)) == 0
    assert accrued(engine, ref, date(2023, 1, 1)) == 0


def test_costs_bear_no_interest_and_are_paid_last(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"), costs=D("500.00"))
    assert balance(engine, ref, date(2024, 1, 1)) == D("11400.00")
    result = pay(engine, ref, "11000.00", date(2024, 1, 1))
    assert (result["interest_part"], result["principal_part"], result["costs_part"]) == (
        900,
        10000,
        100,
    )
    assert D(str(result["balance"])) == D("400.00")
    assert accrued(engine, ref, date(2025, 1, 1)) == 0
    # Pay the rest exactly.
    result = pay(engine, ref, "400.00", date(2024, 2, 1))
    assert D(str(result["balance"])) == 0


def test_case_balance_view(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    pay(engine, ref, "1000.00", date(2024, 1, 1))
    v = row(engine, "SELECT * FROM v_case_balance WHERE case_ref = :r", r=ref)
    assert v.unpaid_principal == D("9900.00") and v.recovered == D("1000.00")
    assert v.accrued_interest == accrued(engine, ref, scalar(engine, "SELECT firm_today()"))


# ---------------------------------------------------------------- payment refusals and idempotency


def test_same_key_same_payment_is_a_duplicate(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    first = pay(engine, ref, "250.00", date(2024, 1, 1), key="chk-1")
    before = snapshot(engine)
    again = pay(engine, ref, "250.00", date(2024, 1, 1), key="chk-1")
    assert again["duplicate"] is True and again["payment_id"] == first["payment_id"]
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "change", [{"amount": "250.01"}, {"kind": "settlement"}, {"other_case": True}]
)
def test_same_key_different_payment_is_refused(engine, change) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    other = new_case(engine, entered_on=date(2023, 1, 1))
    pay(engine, ref, "250.00", date(2024, 1, 1), key="chk-1")
    target = other if change.get("other_case") else ref
    with refused(engine, errors.IdempotencyConflict, match="already used"):
        pay(
            engine,
            target,
            change.get("amount", "250.00"),
            date(2024, 1, 1),
            key="chk-1",
            kind=change.get("kind", "direct"),
        )


@pytest.mark.parametrize(
    ("amount", "exc", "match"),
    [
        ("0", errors.InvalidAmount, "positive"),
        ("0.00", errors.InvalidAmount, "positive"),
        ("-10.00", errors.InvalidAmount, "positive"),
        ("10.001", errors.InvalidAmount, "cents"),
        ("999999.00", errors.InvalidAmount, "more than the balance"),
    ],
)
def test_payment_amount_refusals(engine, amount, exc, match) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    with refused(engine, exc, match=match):
        pay(engine, ref, amount, date(2024, 1, 1))


def test_payment_other_refusals(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    with refused(engine, errors.InvalidInput, match="payment kind"):
        pay(engine, ref, "10.00", date(2024, 1, 1), kind="bitcoin")
    with refused(engine, errors.InvalidInput, match="future"):
        pay(engine, ref, "10.00", date(2099, 1, 1))
    with refused(engine, errors.InvalidInput, match="before 2023-01-01"):
        pay(engine, ref, "10.00", date(2022, 12, 31))
    with refused(engine, errors.InvalidInput, match="idempotency key"):
        run(
            engine,
            rpc.record_enforcement_payment,
            case_ref=ref,
            amount=D("10"),
            kind="direct",
            idempotency_key=" ",
            actor="U0ALICE",
        )
    with refused(engine, errors.DocumentRequired, match="needs a document"):
        pay(engine, ref, "10.00", date(2024, 1, 1), require_document=True)
    wrong = add_document(engine, ref, "subpoena")
    with refused(engine, errors.DocumentRequired, match="not subpoena"):
        pay(engine, ref, "10.00", date(2024, 1, 1), document_id=wrong)
    with refused(engine, errors.UnknownCase):
        pay(engine, "DF-31337", "10.00", date(2024, 1, 1))
    pay(engine, ref, "10.00", date(2024, 3, 1))
    with refused(engine, errors.InvalidInput, match="before 2024-03-01"):
        pay(engine, ref, "10.00", date(2024, 2, 1))
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    with refused(engine, errors.CaseClosed):
        pay(engine, ref, "10.00", date(2024, 4, 1))


def test_payment_with_remittance_document(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    doc = add_document(engine, ref, "remittance")
    result = pay(
        engine,
        ref,
        "500.00",
        date(2024, 1, 1),
        kind="garnishment_remittance",
        document_id=doc,
        poundage=D("25.00"),
        fees=D("3.00"),
        require_document=True,
    )
    p = row(engine, "SELECT * FROM payments WHERE id = :i", i=result["payment_id"])
    assert (p.document_id, p.poundage, p.fees) == (doc, D("25.00"), D("3.00"))
    assert last_event(engine, ref).document_id == doc
    assert case_row(engine, ref).last_payment_at is not None


def test_reversal_restores_the_balance(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1), principal=D("10000.00"))
    first = pay(engine, ref, "1000.00", date(2024, 1, 1))
    result = run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D("1000.00"),
        kind="reversal",
        idempotency_key="bounce-1",
        reverses_payment_id=first["payment_id"],
        received_on=date(2024, 7, 1),
        actor="cli:test",  # reversals are for admins (issue 10)
    )
    assert (result["gross"], result["interest_part"], result["principal_part"]) == (
        -1000,
        -900,
        -100,
    )
    # As if the check never arrived: $10,000 at 9% from entry (2024-01-01 -> 2024-07-01: 182 days).
    expected = (D("900") + D("10000") * D("0.09") * 182 / 365).quantize(D("0.01"))
    assert accrued(engine, ref, date(2024, 7, 1)) == expected
    assert balance(engine, ref, date(2024, 7, 1)) == D("10000.00") + expected
    assert scalar(engine, "SELECT recovered FROM v_case_balance") == 0
    # The same reversal again is a duplicate; reversing again under a new key is refused.
    again = run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=D("1000.00"),
        kind="reversal",
        idempotency_key="bounce-1",
        reverses_payment_id=first["payment_id"],
        received_on=date(2024, 7, 1),
        actor="cli:test",  # reversals are for admins (issue 10)
    )
    assert again["duplicate"] is True
    with refused(engine, errors.IdempotencyConflict, match="already reversed"):
        run(
            engine,
            rpc.record_enforcement_payment,
            case_ref=ref,
            amount=D("1000.00"),
            kind="reversal",
            idempotency_key="bounce-2",
            reverses_payment_id=first["payment_id"],
            received_on=date(2024, 7, 1),
            actor="cli:test",  # reversals are for admins (issue 10)
        )


def test_reversal_refusals(engine) -> None:
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    other = new_case(engine, entered_on=date(2023, 1, 1))
    p = pay(engine, other, "100.00", date(2024, 1, 1))
    for target in (None, p["payment_id"], 987654):
        with refused(engine, errors.NotFound, match="no payment"):
            run(
                engine,
                rpc.record_enforcement_payment,
                case_ref=ref,
                amount=D("100.00"),
                kind="reversal",
                idempotency_key=f"rev-{target}",
                reverses_payment_id=target,
                received_on=date(2024, 2, 1),
                actor="cli:test",  # reversals are for admins (issue 10)
            )
