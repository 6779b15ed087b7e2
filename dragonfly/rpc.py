"""Typed calls of the sanctioned SQL functions: the only way Python writes to the database.

Each function takes an open SQLAlchemy connection, so several calls can share one transaction
(the evidence gate stores a document and records the step it proves atomically). Refusals come
back as `dragonfly.errors.DomainError` subclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.exc import DBAPIError

from dragonfly.errors import DomainError, InvalidInput, from_sqlstate

Result = dict[str, Any]


def translate(exc: DBAPIError) -> DomainError | None:
    """The domain error behind a database error, if the database refused on purpose."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig)
    hint = getattr(diag, "message_hint", None)
    return from_sqlstate(sqlstate, message, hint)


@lru_cache(maxsize=256)
def _statement(function: str, names: tuple[str, ...]) -> TextClause:
    args = ", ".join(f"p_{n} => :{n}" for n in names)
    return text(f"SELECT {function}({args})")


def call(conn: Connection, function: str, **params: Any) -> Any:
    """Call one sanctioned function with named arguments; None arguments take the SQL default."""
    missing = sorted(k for k, v in params.items() if v is None)
    params = {k: v for k, v in params.items() if v is not None}
    try:
        return conn.execute(_statement(function, tuple(sorted(params))), params).scalar_one()
    except DBAPIError as exc:
        domain = translate(exc)
        if domain is not None:
            raise domain from None
        if getattr(exc.orig, "sqlstate", None) == "42883" and missing:
            # A required argument was left out (None): say which, instead of "function does not exist".
            raise InvalidInput(
                f"Missing {', '.join(m.replace('_', ' ') for m in missing)}", "Fill in every required field."
            ) from None
        raise


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: commit on success, roll back on any error."""
    with engine.begin() as conn:
        yield conn


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


def set_tier_override(
    conn: Connection,
    *,
    case_ref: str,
    tier: int,
    reason: str,
    expires_at: datetime,
    actor: str,
    source: str = "slack",
) -> Result:
    """Override the rule tier until a date at most 90 days ahead."""
    return call(
        conn,
        "set_tier_override",
        case_ref=case_ref,
        tier=tier,
        reason=reason,
        expires_at=expires_at,
        actor=actor,
        source=source,
    )


def expire_tier_overrides(conn: Connection, *, now: datetime | None = None, actor: str = "system:nightly") -> Result:
    """Expire overrides whose time has come; the case returns to its rule tier."""
    return call(conn, "expire_tier_overrides", now=now, actor=actor)


def assign_tiers(conn: Connection, *, as_of: date | None = None, actor: str = "system:nightly") -> Result:
    """Rescore every open case from the policy tables."""
    return call(conn, "assign_tiers", as_of=as_of, actor=actor)


def queue_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    actor: str,
    document_id: int | None = None,
    recipient: str | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
    on: date | None = None,
    source: str = "slack",
    garnishee_kind: str | None = None,
    exemption_document_id: int | None = None,
    court_order_document_id: int | None = None,
) -> Result:
    """Start a workflow; a first step that is a legal act needs its document (a restraint on a
    person's bank account also its exemption_forms, CPLR 5222-a; a second restraint on the same
    garnishee the court_order granting leave, 5222(c))."""
    return call(
        conn,
        "queue_enforcement_action",
        case_ref=case_ref,
        kind=kind,
        actor=actor,
        document_id=document_id,
        recipient=recipient,
        note=note,
        idempotency_key=idempotency_key,
        on=on,
        source=source,
        garnishee_kind=garnishee_kind,
        exemption_document_id=exemption_document_id,
        court_order_document_id=court_order_document_id,
    )


def advance_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    state: str,
    actor: str,
    document_id: int | None = None,
    note: str | None = None,
    officer_docket: str | None = None,
    on: date | None = None,
    source: str = "slack",
    garnishee_kind: str | None = None,
    exemption_document_id: int | None = None,
    by_mail: bool | None = None,
) -> Result:
    """Move a workflow to its next state; legal steps need their document (a levy on a person's
    bank account also its exemption_forms, CPLR 5222-a)."""
    return call(
        conn,
        "advance_enforcement_action",
        case_ref=case_ref,
        action_id=action_id,
        state=state,
        actor=actor,
        document_id=document_id,
        note=note,
        officer_docket=officer_docket,
        on=on,
        source=source,
        garnishee_kind=garnishee_kind,
        exemption_document_id=exemption_document_id,
        by_mail=by_mail,
    )


def issue_subpoena(
    conn: Connection,
    *,
    case_ref: str,
    recipient: str,
    document_id: int,
    actor: str,
    served_on: date | None = None,
    source: str = "slack",
    by_mail: bool | None = None,
) -> Result:
    """Record an information subpoena served (CPLR 5224); the answer is due 7 days after receipt
    (served by mail: plus the mailing days, CPLR 2103(b)(2))."""
    return call(
        conn,
        "issue_subpoena",
        case_ref=case_ref,
        recipient=recipient,
        document_id=document_id,
        actor=actor,
        served_on=served_on,
        source=source,
        by_mail=by_mail,
    )


def extend_enforcement_action(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    what: str,
    actor: str,
    document_id: int | None = None,
    until: date | None = None,
    note: str | None = None,
    source: str = "slack",
) -> Result:
    """Extend a levy's return date (`what="return"`, CPLR 5230(c)) or the levy (`"levy"`, 5232(a))."""
    return call(
        conn,
        "extend_enforcement_action",
        case_ref=case_ref,
        action_id=action_id,
        what=what,
        until=until,
        actor=actor,
        document_id=document_id,
        note=note,
        source=source,
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


def record_wage_facts(
    conn: Connection,
    *,
    case_ref: str,
    action_id: int,
    gross_weekly: Decimal,
    disposable_weekly: Decimal,
    weekly_amount: Decimal,
    actor: str,
    on: date | None = None,
    source: str = "slack",
) -> Result:
    """A garnishment's weekly wage facts; an amount over the CPLR 5231(b) limit is refused."""
    return call(
        conn,
        "record_wage_facts",
        case_ref=case_ref,
        action_id=action_id,
        gross_weekly=gross_weekly,
        disposable_weekly=disposable_weekly,
        weekly_amount=weekly_amount,
        actor=actor,
        on=on,
        source=source,
    )


def set_minimum_wage(
    conn: Connection, *, region: str, effective_from: date, hourly: Decimal, why: str, actor: str
) -> Result:
    """Record a region's hourly minimum wage from a date (the firm adds each indexed year)."""
    return call(
        conn, "set_minimum_wage", region=region, effective_from=effective_from, hourly=hourly, why=why, actor=actor
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


def record_enforcement_payment(
    conn: Connection,
    *,
    case_ref: str,
    amount: Decimal,
    kind: str,
    idempotency_key: str,
    actor: str,
    received_on: date | None = None,
    document_id: int | None = None,
    reverses_payment_id: int | None = None,
    poundage: Decimal | None = None,
    fees: Decimal | None = None,
    require_document: bool = False,
    source: str = "slack",
) -> Result:
    """Credit a payment: interest first, then principal, then costs; idempotent on its key."""
    return call(
        conn,
        "record_enforcement_payment",
        case_ref=case_ref,
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        actor=actor,
        received_on=received_on,
        document_id=document_id,
        reverses_payment_id=reverses_payment_id,
        poundage=poundage,
        fees=fees,
        require_document=require_document,
        source=source,
    )


def attach_enforcement_document(
    conn: Connection,
    *,
    case_ref: str,
    kind: str,
    storage_key: str,
    sha256: str,
    size_bytes: int,
    content_type: str,
    original_name: str,
    uploader: str,
    source: str = "slack",
) -> Result:
    """Record a stored document on a case (the same bytes, kind and case are one document)."""
    return call(
        conn,
        "attach_enforcement_document",
        case_ref=case_ref,
        kind=kind,
        storage_key=storage_key,
        sha256=sha256,
        size_bytes=size_bytes,
        content_type=content_type,
        original_name=original_name,
        uploader=uploader,
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


def record_deadline_warning(
    conn: Connection, *, action_id: int, warning: str, due: date, actor: str = "system:nightly"
) -> bool:
    """Record a workflow deadline warning once; False if it was already recorded."""
    return bool(call(conn, "record_deadline_warning", action_id=action_id, warning=warning, due=due, actor=actor))


def grant_role(conn: Connection, *, slack_user_id: str, role: str, actor: str) -> Result:
    """Give a Slack user a role: viewer, officer or admin."""
    return call(conn, "grant_role", slack_user_id=slack_user_id, role=role, actor=actor)


def set_recovery_plan(conn: Connection, *, month: date, amount: Decimal, actor: str) -> Result:
    """Set the recovery plan for a month."""
    return call(conn, "set_recovery_plan", month=month, amount=amount, actor=actor)


def set_clock(conn: Connection, at: datetime | None) -> None:
    """Run this transaction's functions as if it were `at` (operator sessions only: the
    application role's clock is always the real one). Used by the demo seed, history imports and
    tests with a controlled clock."""
    conn.execute(text("SELECT set_config('dragonfly.clock', :at, true)"), {"at": at.isoformat() if at else ""})


def enqueue_outbox(
    conn: Connection,
    *,
    method: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue a Slack Web API call for the outbox worker (same transaction as what it reports)."""
    import json

    return int(
        call(
            conn,
            "enqueue_outbox",
            method=method,
            payload=json.dumps(payload, default=str),
            dedupe_key=dedupe_key,
            not_before=not_before,
        )
    )


def enqueue_home_publish(conn: Connection, *, user: str) -> int:
    """Queue "publish the App Home for `user`" (the worker builds it when it sends); a row not yet
    taken by a worker is joined, not repeated, so opens and actions coalesce per user."""
    return int(call(conn, "enqueue_home_publish", user=user))


def claim_request(conn: Connection, *, key: str) -> bool:
    """True the first time a Slack request key is seen in a committed transaction."""
    return bool(call(conn, "claim_request", key=key))


def claim_job_run(conn: Connection, *, job: str, period: str, by: str, summary: dict[str, Any] | None = None) -> bool:
    """True if this (job, period) had not been claimed: the caller then queues its messages."""
    import json

    return bool(
        call(conn, "claim_job_run", job=job, period=period, by=by, summary=json.dumps(summary or {}, default=str))
    )


def create_ingestion_job(
    conn: Connection,
    *,
    dedupe_key: str,
    case_ref: str,
    document_kind: str,
    slack_file_id: str,
    uploader: str,
    intent: dict[str, Any],
    file_name: str | None = None,
    download_url: str | None = None,
    reply_channel: str | None = None,
    reply_thread_ts: str | None = None,
) -> Result:
    """Queue a Slack file to be copied into storage and the step it proves recorded."""
    import json

    return call(
        conn,
        "create_ingestion_job",
        dedupe_key=dedupe_key,
        case_ref=case_ref,
        document_kind=document_kind,
        slack_file_id=slack_file_id,
        uploader=uploader,
        intent=json.dumps(intent, default=str),
        file_name=file_name,
        download_url=download_url,
        reply_channel=reply_channel,
        reply_thread_ts=reply_thread_ts,
    )


def open_upload_request(
    conn: Connection,
    *,
    channel: str,
    thread_ts: str,
    case_ref: str,
    step: str,
    document_kind: str,
    intent: dict[str, Any],
    requested_by: str,
) -> int:
    """Remember a "waiting for the document" message, so an upload in its thread proves the step."""
    import json

    return int(
        call(
            conn,
            "open_upload_request",
            channel=channel,
            thread_ts=thread_ts,
            case_ref=case_ref,
            step=step,
            document_kind=document_kind,
            intent=json.dumps(intent, default=str),
            requested_by=requested_by,
        )
    )


def take_upload_request(conn: Connection, *, request_id: int, file_id: str) -> bool:
    """True if `file_id` is the file that proves the request's step (the first upload wins)."""
    return bool(call(conn, "take_upload_request", id=request_id, file_id=file_id))
