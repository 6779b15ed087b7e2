"""SQLModel models over the read-model views (sql/0004_views.sql). Read-only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel


class CaseView(SQLModel, table=True):
    __tablename__ = "v_enforcement_cases"

    case_id: int = Field(primary_key=True)
    case_ref: str
    case_number: int
    tier: int
    rule_tier: int
    tier_score: int
    tier_reasons: list[str] = Field(sa_column=Column(ARRAY(Text)))
    override_tier: int | None
    override_expires_at: datetime | None
    override_reason: str | None
    stage: str
    stage_entered_at: datetime
    dwell_days: Decimal
    stage_max_days: int | None
    owner_slack_id: str | None
    next_action_at: datetime | None
    next_action_what: str | None
    status: str
    closing_reason: str | None
    last_payment_at: datetime | None
    last_person_event_at: datetime | None
    plaintiff_name: str
    debtor_name: str
    debtor_type: str
    court: str
    county: str
    index_number: str
    entered_on: date
    consumer_debt: bool
    principal: Decimal
    costs: Decimal
    unpaid_principal: Decimal
    unpaid_costs: Decimal
    accrued_interest: Decimal
    balance: Decimal
    recovered: Decimal
    interest_basis: str
    open_blockers: int
    sla_breached: bool
    is_stale: bool


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "v_enforcement_timeline"

    event_id: int = Field(primary_key=True)
    case_ref: str
    seq: int
    occurred_at: datetime
    kind: str
    actor: str
    source: str
    summary: str | None
    payload: dict[str, Any] = Field(sa_column=Column(JSONB))
    document_id: int | None
    document_key: str | None
    action_id: int | None
    hash: str


class OpenBlocker(SQLModel, table=True):
    __tablename__ = "v_open_blockers"

    blocker_id: int = Field(primary_key=True)
    case_ref: str
    owner_slack_id: str | None
    tier: int
    kind: str
    reason: str
    eta: date
    logged_by: str
    logged_at: datetime
    eta_passed: bool


class ActionView(SQLModel, table=True):
    __tablename__ = "v_enforcement_actions"

    action_id: int = Field(primary_key=True)
    case_ref: str
    owner_slack_id: str | None
    tier: int
    kind: str
    state: str
    is_open: bool
    recipient: str | None
    officer_docket: str | None
    deadlines: dict[str, Any] = Field(sa_column=Column(JSON))
    next_deadline: date | None
    state_entered_at: datetime
    created_at: datetime
    state_age_days: Decimal


class DocumentView(SQLModel, table=True):
    __tablename__ = "v_enforcement_documents"

    document_id: int = Field(primary_key=True)
    case_ref: str
    kind: str
    storage_key: str
    sha256: str
    size_bytes: int
    content_type: str
    original_name: str
    uploaded_by: str
    uploaded_at: datetime


class PaymentView(SQLModel, table=True):
    __tablename__ = "v_payments"

    payment_id: int = Field(primary_key=True)
    case_ref: str
    kind: str
    gross: Decimal
    interest_part: Decimal
    principal_part: Decimal
    costs_part: Decimal
    poundage: Decimal
    fees: Decimal
    received_on: date
    reverses_payment_id: int | None
    document_id: int | None
    recorded_by: str
    recorded_at: datetime


class AppUser(SQLModel, table=True):
    __tablename__ = "v_app_users"

    slack_user_id: str = Field(primary_key=True)
    role: str
    granted_by: str
    granted_at: datetime


class CaseAddress(SQLModel, table=True):
    """A current address on a case: debtor, garnishee, employer or officer (sql/0101_papers.sql)."""

    __tablename__ = "v_case_addresses"

    address_id: int = Field(primary_key=True)
    case_ref: str
    role: str
    name: str
    address: str
    set_by: str
    set_at: datetime


class InterestSegment(SQLModel, table=True):
    """One dated interest rate of a case's judgment (CPLR 5004)."""

    __tablename__ = "v_interest_segments"

    segment_id: int = Field(primary_key=True)
    case_ref: str
    from_date: date
    to_date: date | None
    rate: Decimal
    why: str


class ExemptionAmount(SQLModel, table=True):
    __tablename__ = "v_exemption_amounts"

    name: str = Field(primary_key=True)
    effective_from: date = Field(primary_key=True)
    amount: Decimal
    why: str


class GarnishmentPolicy(SQLModel, table=True):
    __tablename__ = "v_garnishment_policy"

    effective_from: date = Field(primary_key=True)
    max_gross_share: Decimal
    why: str


class CaseLaw(SQLModel, table=True):
    """What the card shows of the law on a case (sql/0060_law_schema.sql, docs/domain.md)."""

    __tablename__ = "v_case_law"

    case_id: int = Field(primary_key=True)
    case_ref: str
    entered_on: date
    renewed_on: date | None
    presumed_paid_on: date
    presumed_paid: bool
    debtor_is_person: bool
    bank_exemption: Decimal | None
    interest_basis: str
    consumer_rate_transition: str
    restraints: list[dict[str, Any]] = Field(sa_column=Column(JSONB))
    liens: list[dict[str, Any]] = Field(sa_column=Column(JSONB))
    poundage_owed: Decimal


class CaseLine(SQLModel, table=True):
    """A case as a list shows it (`mine`): seven columns from the read model (sql/0134)."""

    __tablename__ = "v_case_lines"

    case_id: int = Field(primary_key=True)
    case_ref: str
    case_number: int
    owner_slack_id: str | None
    status: str
    tier: int
    stage: str
    next_action_at: datetime | None
    debtor_name: str | None
    balance: Decimal
    sla_breached: bool


class OwnerBreach(SQLModel, table=True):
    """An owner's open cases whose SLA is breached, read by an index (`mine breached`)."""

    __tablename__ = "v_owner_breaches"

    case_id: int = Field(primary_key=True)
    case_ref: str
    owner_slack_id: str | None
    next_action_at: datetime | None
    tier: int
    case_number: int


class OwnerQueue(SQLModel, table=True):
    """An owner's open cases in queue order, read by an index (`mine`, the Ops Console)."""

    __tablename__ = "v_owner_queue"

    case_id: int = Field(primary_key=True)
    case_ref: str
    owner_slack_id: str | None
    next_action_at: datetime | None
    tier: int
    case_number: int
