"""A made-up case with every fact a paper can state, for `dragonfly papers check` and the
rendered picture (docs/render_paper.sh). No database: the numbers follow the 9% test vector of
DOMAIN.md ($10,000.00 entered 2023-01-01 accrues $900.00 a year; a $1,000.00 payment on
2024-01-01 pays the $900.00 interest and $100.00 of principal)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from dragonfly.papers.facts import CaseFacts
from dragonfly.views import CaseAddress, CaseView, PaymentView

DEMO_TODAY = date(2024, 7, 1)


def _address(n: int, role: str, name: str, address: str) -> CaseAddress:
    at = datetime(2024, 6, 3, 14, 0, tzinfo=UTC)
    return CaseAddress(
        address_id=n, case_ref="DF-1001", role=role, name=name, address=address, set_by="demo", set_at=at
    )


def demo_facts(today: date = DEMO_TODAY) -> CaseFacts:
    """The demo case DF-1001, Acme Funding LLC v. Jordan Example, as of `today`."""
    unpaid = Decimal("9900.00")
    interest = (unpaid * Decimal("0.09") * (today - date(2024, 1, 1)).days / 365).quantize(Decimal("0.01"))
    costs = Decimal("325.00")
    case = CaseView(
        case_id=1,
        case_ref="DF-1001",
        case_number=1001,
        tier=2,
        rule_tier=2,
        tier_score=45,
        tier_reasons=[],
        override_tier=None,
        override_expires_at=None,
        override_reason=None,
        stage="execution",
        stage_entered_at=datetime(2024, 6, 1, tzinfo=UTC),
        dwell_days=Decimal("30.0"),
        stage_max_days=45,
        owner_slack_id="U0DEMO",
        next_action_at=None,
        next_action_what=None,
        status="open",
        closing_reason=None,
        last_payment_at=None,
        last_person_event_at=None,
        plaintiff_name="Acme Funding LLC",
        debtor_name="Jordan Example",
        debtor_type="person",
        court="Civil Court of the City of New York",
        county="Kings",
        index_number="CV-004242-23/KI",
        entered_on=date(2023, 1, 1),
        consumer_debt=False,
        principal=Decimal("10000.00"),
        costs=costs,
        unpaid_principal=unpaid,
        unpaid_costs=costs,
        accrued_interest=interest,
        balance=unpaid + costs + interest,
        recovered=Decimal("1000.00"),
        interest_basis="9% a year (CPLR 5004(a))",
        open_blockers=0,
        sla_breached=False,
        is_stale=False,
    )
    payment = PaymentView(
        payment_id=1,
        case_ref="DF-1001",
        kind="direct",
        gross=Decimal("1000.00"),
        interest_part=Decimal("900.00"),
        principal_part=Decimal("100.00"),
        costs_part=Decimal("0.00"),
        poundage=Decimal("0"),
        fees=Decimal("0"),
        received_on=date(2024, 1, 1),
        reverses_payment_id=None,
        document_id=None,
        recorded_by="demo",
        recorded_at=datetime(2024, 1, 1, 15, tzinfo=UTC),
    )
    addresses = [
        _address(1, "debtor", "Jordan Example", "12 Sample Street, Apt 3\nBrooklyn, NY 11201"),
        _address(2, "garnishee", "Example Savings Bank", "Legal Process Unit\n100 Demo Plaza\nNew York, NY 10004"),
        _address(3, "employer", "Demo Widgets Inc.", "Payroll Department\n7 Placeholder Avenue\nQueens, NY 11101"),
        _address(4, "officer", "Marshal Pat Demo", "Office of the City Marshal\n1 Example Court\nNew York, NY 10007"),
    ]
    return CaseFacts(
        case=case,
        today=today,
        rate=Decimal("0.0900"),
        rate_why="CPLR 5004(a)",
        per_diem=(unpaid * Decimal("0.09") / 365).quantize(Decimal("0.01")),
        payments=[payment],
        addresses=addresses,
        officers_on_workflows=["Marshal Pat Demo"],
        policy={
            "bank_account_person": (Decimal("3960.00"), "CPLR 5205(l): 240 x the minimum wage (demo figure)"),
            "income_weekly_floor": (Decimal("495.00"), "CPLR 5231(b): 30 x the minimum wage (demo figure)"),
            "max_gross_share": (Decimal("0.100"), "CPLR 5231(b): at most 10% of gross wages"),
        },
    )
