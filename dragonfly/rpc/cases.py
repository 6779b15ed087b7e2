"""The case itself: intake, stage, blockers, owner, notes, next action, assets, flags, judgment facts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call


def create_enforcement_case(
    conn: Connection,
    *,
    plaintiff_name: str,
    debtor_name: str,
    debtor_type: str,
    court: str,
    county: str,
    index_number: str,
    entered_on: date,
    principal: Decimal,
    costs: Decimal = Decimal(0),
    consumer_debt: bool = False,
    owner: str | None = None,
    external_ref: str | None = None,
    actor: str,
    source: str = "cli",
    as_of: date | None = None,
) -> Result:
    """Intake a judgment (idempotent on court + index number); returns case_ref and created."""
    return call(
        conn,
        "create_enforcement_case",
        plaintiff_name=plaintiff_name,
        debtor_name=debtor_name,
        debtor_type=debtor_type,
        court=court,
        county=county,
        index_number=index_number,
        entered_on=entered_on,
        principal=principal,
        costs=costs,
        consumer_debt=consumer_debt,
        owner=owner,
        external_ref=external_ref,
        actor=actor,
        source=source,
        as_of=as_of,
    )


def set_enforcement_stage(
    conn: Connection,
    *,
    case_ref: str,
    stage: str,
    actor: str,
    note: str | None = None,
    closing_reason: str | None = None,
    clear_blockers: bool = False,
    source: str = "slack",
) -> Result:
    """Move a case to another stage; records the dwell of the stage it leaves."""
    return call(
        conn,
        "set_enforcement_stage",
        case_ref=case_ref,
        stage=stage,
        actor=actor,
        note=note,
        closing_reason=closing_reason,
        clear_blockers=clear_blockers,
        source=source,
    )


def log_enforcement_blocker(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    reason: str,
    eta: date,
    actor: str,
    source: str = "slack",
) -> Result:
    """Log a blocker; the case's next action becomes its ETA."""
    return call(
        conn,
        "log_enforcement_blocker",
        case_ref=case_ref,
        kind=kind,
        reason=reason,
        eta=eta,
        actor=actor,
        source=source,
    )


def clear_enforcement_blocker(
    conn: Connection,
    *,
    case_ref: str,
    actor: str,
    blocker_id: int | None = None,
    note: str | None = None,
    source: str = "slack",
) -> Result:
    """Clear one open blocker, or all of them when no id is given."""
    return call(
        conn,
        "clear_enforcement_blocker",
        case_ref=case_ref,
        actor=actor,
        blocker_id=blocker_id,
        note=note,
        source=source,
    )


def assign_case_owner(conn: Connection, *, case_ref: str, owner: str, actor: str, source: str = "slack") -> Result:
    """Make a Slack user the case's owner."""
    return call(conn, "assign_case_owner", case_ref=case_ref, owner=owner, actor=actor, source=source)


def add_case_note(conn: Connection, *, case_ref: str, text: str, actor: str, source: str = "slack") -> Result:
    """Add a note to the case's log."""
    return call(conn, "add_case_note", case_ref=case_ref, text=text, actor=actor, source=source)


def set_next_action(
    conn: Connection,
    *,
    case_ref: str,
    at: datetime,
    what: str | None,
    actor: str,
    source: str = "slack",
) -> Result:
    """Set when the case next needs attention, and what for."""
    return call(conn, "set_next_action", case_ref=case_ref, at=at, what=what, actor=actor, source=source)


def record_asset(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    description: str,
    actor: str,
    verified_on: date | None = None,
    county: str | None = None,
    source: str = "slack",
) -> Result:
    """Record an asset of the debtor (employer, bank account, real property, ...)."""
    return call(
        conn,
        "record_asset",
        case_ref=case_ref,
        kind=kind,
        description=description,
        actor=actor,
        verified_on=verified_on,
        county=county,
        source=source,
    )


def set_case_flag(
    conn: Connection,
    *,
    case_ref: str,
    flag: str,
    value: bool,
    reason: str,
    actor: str,
    source: str = "slack",
) -> Result:
    """Set a hard-rule fact: bankruptcy_stay, vacated or deceased."""
    return call(
        conn, "set_case_flag", case_ref=case_ref, flag=flag, value=value, reason=reason, actor=actor, source=source
    )


def record_judgment_docket(
    conn: Connection, *, case_ref: str, county: str, docketed_on: date, actor: str, source: str = "slack"
) -> Result:
    """The judgment docketed in a county (or a renewal judgment, CPLR 5014): its lien runs from then."""
    return call(
        conn,
        "record_judgment_docket",
        case_ref=case_ref,
        county=county,
        docketed_on=docketed_on,
        actor=actor,
        source=source,
    )


def record_judgment_renewal(
    conn: Connection,
    *,
    case_ref: str,
    basis: str,
    on: date,
    reason: str,
    actor: str,
    document_id: int | None = None,
    source: str = "slack",
) -> Result:
    """An admin records the payment or written acknowledgment that renews the twenty years (CPLR 211(b))."""
    return call(
        conn,
        "record_judgment_renewal",
        case_ref=case_ref,
        basis=basis,
        on=on,
        reason=reason,
        actor=actor,
        document_id=document_id,
        source=source,
    )
