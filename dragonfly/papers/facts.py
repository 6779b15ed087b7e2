"""The facts of one case that papers print, read from the views and formatted for a person.

Amounts are Decimal to the cent, dates are the firm's (the database's `firm_today()`, the same
day the view's accrued interest is computed to), and every missing fact is named at once, so the
officer fixes them in one go instead of one refusal at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text
from sqlmodel import Session, col, select

from dragonfly import queries
from dragonfly.errors import InvalidInput, UnknownCase
from dragonfly.views import (
    ActionView,
    CaseAddress,
    CaseView,
    ExemptionAmount,
    GarnishmentPolicy,
    InterestSegment,
    PaymentView,
)

CENT = Decimal("0.01")


class PaperRefused(InvalidInput):
    """A paper cannot be drafted: the case lacks a fact the paper must state."""


def money(amount: Decimal | int | None) -> str:
    """$1,234.50 (exact: the Decimal is only quantized to the cent, never through a float)."""
    value = Decimal(amount or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def long_date(day: date | None) -> str:
    """December 1, 2026 (how a paper states a date)."""
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def percent(rate: Decimal) -> str:
    """0.0900 -> '9%', 0.0225 -> '2.25%'."""
    value = (rate * 100).normalize()
    return f"{value:f}%"


@dataclass(frozen=True)
class Party:
    """A name and its mailing address lines (empty when none is on file)."""

    name: str
    address_lines: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return "\n".join(self.address_lines)

    @property
    def one_line(self) -> str:
        return ", ".join(self.address_lines)


@dataclass(frozen=True)
class CaseFacts:
    """Everything about a case a paper may state, as of the firm's today."""

    case: CaseView
    today: date
    rate: Decimal
    rate_why: str
    per_diem: Decimal
    payments: list[PaymentView]
    addresses: list[CaseAddress]
    officers_on_workflows: list[str] = field(default_factory=list)
    # Policy numbers in force today, name -> (number, why): bank_account_person and
    # income_weekly_floor (exempt amounts, CPLR 5205(l), 5231(b)), max_gross_share (CPLR 5231(b)).
    policy: dict[str, tuple[Decimal, str]] = field(default_factory=dict)

    def party(self, role: str, name: str | None = None) -> list[Party]:
        """Addresses on file for a role, optionally only the one whose name matches `name`."""
        rows = [a for a in self.addresses if a.role == role]
        if name:
            key = " ".join(name.lower().split())
            exact = [a for a in rows if " ".join(a.name.lower().split()) == key]
            rows = exact or [a for a in rows if " ".join(a.name.lower().split()).startswith(key)]
        return [Party(a.name, tuple(a.address.split("\n"))) for a in rows]

    def debtor(self) -> Party:
        on_file = self.party("debtor")
        return on_file[0] if on_file else Party(self.case.debtor_name)


def load(*, session: Session, case_ref: str) -> CaseFacts:
    """Read one case's facts for papers; UnknownCase if there is no such case."""
    case = queries.get_case(session=session, case_ref=case_ref)
    if case is None:
        raise UnknownCase(f"There is no case {case_ref}", "Check the number, or find it with /enforce mine.")
    ref = case.case_ref
    today: date = session.exec(text("SELECT firm_today()")).scalar_one()  # type: ignore[call-overload]
    segments = list(
        session.exec(
            select(InterestSegment).where(InterestSegment.case_ref == ref).order_by(col(InterestSegment.from_date))
        )
    )
    if not segments:  # every judgment gets its rate segments when it is created (CPLR 5004)
        raise PaperRefused(f"{ref} has no interest rate on file", "Ask an admin to run `dragonfly doctor`.")
    current = [s for s in segments if s.from_date <= today and (s.to_date is None or s.to_date > today)]
    seg = current[-1] if current else segments[-1]
    per_diem = (case.unpaid_principal * seg.rate / 365).quantize(CENT, rounding=ROUND_HALF_UP)
    addresses = list(
        session.exec(select(CaseAddress).where(CaseAddress.case_ref == ref).order_by(col(CaseAddress.address_id)))
    )
    officers = [
        a.recipient
        for a in session.exec(
            select(ActionView)
            .where(ActionView.case_ref == ref, ActionView.kind == "marshal", col(ActionView.is_open))
            .order_by(col(ActionView.action_id).desc())
        )
        if a.recipient
    ]
    return CaseFacts(
        case=case,
        today=today,
        rate=seg.rate,
        rate_why=seg.why,
        per_diem=per_diem,
        payments=queries.payments(session=session, case_ref=ref),
        addresses=addresses,
        officers_on_workflows=officers,
        policy=_policy(session=session, on=today),
    )


def _policy(*, session: Session, on: date) -> dict[str, tuple[Decimal, str]]:
    """The exempt amounts and the garnishment share in force on a day, from the policy tables."""
    found: dict[str, tuple[Decimal, str]] = {}
    rows = session.exec(
        select(ExemptionAmount)
        .where(ExemptionAmount.effective_from <= on)
        .order_by(col(ExemptionAmount.effective_from))
    )
    for e in rows:  # later rows replace earlier ones: the last in force wins
        found[e.name] = (e.amount, e.why)
    share = session.exec(
        select(GarnishmentPolicy)
        .where(GarnishmentPolicy.effective_from <= on)
        .order_by(col(GarnishmentPolicy.effective_from).desc())
    ).first()
    if share is not None:
        found["max_gross_share"] = (share.max_gross_share, share.why)
    return found


def base_context(f: CaseFacts) -> dict[str, object]:
    """The fields every paper has: court, parties, judgment, amounts to today, rate and basis."""
    c = f.case
    debtor = f.debtor()
    return {
        "case_ref": c.case_ref,
        "today": long_date(f.today),
        "today_iso": f.today.isoformat(),
        "court": c.court,
        "county": c.county,
        "index_number": c.index_number,
        "entered_on": long_date(c.entered_on),
        "plaintiff": c.plaintiff_name,
        "debtor": c.debtor_name,
        "debtor_kind": "a natural person" if c.debtor_type == "person" else "a business",
        "debtor_address": debtor.address,
        "debtor_address_line": debtor.one_line,
        "principal": money(c.principal),
        "costs": money(c.costs),
        "unpaid_principal": money(c.unpaid_principal),
        "unpaid_costs": money(c.unpaid_costs),
        "interest": money(c.accrued_interest),
        "interest_rate": percent(f.rate),
        "interest_basis": c.interest_basis,
        "interest_rate_why": f.rate_why,
        "per_diem": money(f.per_diem),
        "payments_total": money(c.recovered),
        "balance": money(c.balance),
        "payments": [
            {"date": long_date(p.received_on), "kind": p.kind.replace("_", " "), "amount": money(p.gross)}
            for p in f.payments
        ],
    }


def refuse_if_missing(paper: str, case_ref: str, missing: list[tuple[str, str]]) -> None:
    """Refuse with every missing fact and how to record each one."""
    if not missing:
        return
    what = "; ".join(m for m, _ in missing)
    how = " ".join(h for _, h in missing)
    raise PaperRefused(f"The {paper} for {case_ref} cannot be drafted: it needs {what}", how)
