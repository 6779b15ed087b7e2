"""Python mirrors of the SQL enum types; `dragonfly doctor` and a test check that they match."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Stage(StrEnum):
    intake = "intake"
    discovery = "discovery"
    execution = "execution"
    recovery = "recovery"
    closed = "closed"

    @property
    def number(self) -> int | None:
        """The firm says "Stage 1" for discovery; closed has no number."""
        return None if self is Stage.closed else list(Stage).index(self)


# The allowed stage moves (DOMAIN.md "Stages"); reopening from closed is for admins.
STAGE_MOVES: dict[Stage, tuple[Stage, ...]] = {
    Stage.intake: (Stage.discovery, Stage.closed),
    Stage.discovery: (Stage.execution, Stage.closed),
    Stage.execution: (Stage.recovery, Stage.discovery, Stage.closed),
    Stage.recovery: (Stage.execution, Stage.closed),
    Stage.closed: (Stage.intake, Stage.discovery, Stage.execution, Stage.recovery),
}


class Tier(IntEnum):
    t0 = 0
    t1 = 1
    t2 = 2
    t3 = 3


class ClosingReason(StrEnum):
    satisfied = "satisfied"
    settled = "settled"
    uncollectible = "uncollectible"
    vacated = "vacated"
    bankruptcy_discharge = "bankruptcy_discharge"


class DebtorType(StrEnum):
    person = "person"
    business = "business"


class BlockerKind(StrEnum):
    court = "court"
    marshal_or_sheriff = "marshal_or_sheriff"
    bank = "bank"
    employer = "employer"
    debtor = "debtor"
    internal = "internal"


class ActionKind(StrEnum):
    asset_search = "asset_search"
    information_subpoena = "information_subpoena"
    restraining_notice = "restraining_notice"
    levy = "levy"
    garnishment = "garnishment"
    marshal = "marshal"


class DocumentKind(StrEnum):
    execution = "execution"
    levy_notice = "levy_notice"
    subpoena = "subpoena"
    proof_of_service = "proof_of_service"
    restraining_notice = "restraining_notice"
    exemption_forms = "exemption_forms"
    officer_return = "officer_return"
    transmittal = "transmittal"
    remittance = "remittance"
    search_report = "search_report"
    correspondence = "correspondence"
    other = "other"


class PaymentKind(StrEnum):
    direct = "direct"
    settlement = "settlement"
    plan_installment = "plan_installment"
    garnishment_remittance = "garnishment_remittance"
    levy_proceeds = "levy_proceeds"
    turnover = "turnover"
    sale = "sale"
    reversal = "reversal"
    adjustment = "adjustment"


class AssetKind(StrEnum):
    employer = "employer"
    bank_account = "bank_account"
    real_property = "real_property"
    vehicle = "vehicle"
    business_interest = "business_interest"
    exempt_income = "exempt_income"
    other = "other"


class Role(StrEnum):
    viewer = "viewer"
    officer = "officer"
    admin = "admin"


class EventKind(StrEnum):
    case_created = "case_created"
    stage_changed = "stage_changed"
    case_reopened = "case_reopened"
    blocker_logged = "blocker_logged"
    blocker_cleared = "blocker_cleared"
    tier_override_set = "tier_override_set"
    tier_override_expired = "tier_override_expired"
    tier_changed = "tier_changed"
    action_queued = "action_queued"
    action_advanced = "action_advanced"
    subpoena_issued = "subpoena_issued"
    payment_recorded = "payment_recorded"
    document_attached = "document_attached"
    owner_assigned = "owner_assigned"
    note_added = "note_added"
    next_action_set = "next_action_set"
    asset_recorded = "asset_recorded"
    flag_set = "flag_set"
    deadline_warning = "deadline_warning"
    judgment_corrected = "judgment_corrected"


# Python enum -> SQL enum type name, for the parity check.
SQL_ENUMS = {
    "stage": Stage,
    "closing_reason": ClosingReason,
    "debtor_type": DebtorType,
    "blocker_kind": BlockerKind,
    "action_kind": ActionKind,
    "document_kind": DocumentKind,
    "payment_kind": PaymentKind,
    "asset_kind": AssetKind,
    "app_role": Role,
    "event_kind": EventKind,
}
