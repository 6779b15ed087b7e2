"""Typed calls of the sanctioned SQL functions: the only way Python calls a function of the database.

Each function takes an open SQLAlchemy connection, so several calls can share one transaction
(the evidence gate stores a document and records the step it proves atomically). Refusals come
back as `dragonfly.errors.DomainError` subclasses (one translation, in `core`). Callers write
`from dragonfly import rpc` and `rpc.<name>`; the modules group the calls by what they change.
"""

from __future__ import annotations

from dragonfly.rpc.cases import (
    add_case_note,
    assign_case_owner,
    clear_enforcement_blocker,
    create_enforcement_case,
    log_enforcement_blocker,
    record_asset,
    record_judgment_docket,
    record_judgment_renewal,
    set_case_flag,
    set_enforcement_stage,
    set_next_action,
)
from dragonfly.rpc.core import (
    Result,
    call,
    call_each_at,
    call_session,
    domain_error,
    refuse_unstorable_text,
    rows,
    set_clock,
    transaction,
    translate,
)
from dragonfly.rpc.firm import (
    assign_tiers,
    expire_tier_overrides,
    grant_role,
    record_deadline_warnings,
    set_minimum_wage,
    set_recovery_plan,
    set_tier_override,
)
from dragonfly.rpc.ingestion import (
    begin_ingestion_step,
    claim_ingestion_jobs,
    create_ingestion_job,
    finish_ingestion_job,
    ingested_document_id,
    open_upload_request,
    take_upload_request,
)
from dragonfly.rpc.money import (
    attach_enforcement_document,
    record_enforcement_payment,
)
from dragonfly.rpc.outbox import (
    claim_outbox,
    enqueue_home_publish,
    enqueue_outbox,
    hold_outbox_row,
    mark_outbox_retry,
    mark_outbox_sent,
    renew_outbox_lease,
)
from dragonfly.rpc.queues import (
    claim_job_run,
    claim_request,
    queue_discard,
    queue_retry,
    queue_retry_failed,
    queue_rows,
)
from dragonfly.rpc.workflows import (
    advance_enforcement_action,
    extend_enforcement_action,
    issue_subpoena,
    queue_enforcement_action,
    record_deadline_warning,
    record_wage_facts,
)

__all__ = [
    "Result",
    "add_case_note",
    "advance_enforcement_action",
    "assign_case_owner",
    "assign_tiers",
    "attach_enforcement_document",
    "begin_ingestion_step",
    "call",
    "call_each_at",
    "call_session",
    "claim_ingestion_jobs",
    "claim_job_run",
    "claim_outbox",
    "claim_request",
    "clear_enforcement_blocker",
    "create_enforcement_case",
    "create_ingestion_job",
    "domain_error",
    "enqueue_home_publish",
    "enqueue_outbox",
    "expire_tier_overrides",
    "extend_enforcement_action",
    "finish_ingestion_job",
    "grant_role",
    "record_deadline_warnings",
    "hold_outbox_row",
    "ingested_document_id",
    "issue_subpoena",
    "log_enforcement_blocker",
    "mark_outbox_retry",
    "mark_outbox_sent",
    "open_upload_request",
    "queue_discard",
    "queue_enforcement_action",
    "queue_retry",
    "queue_retry_failed",
    "queue_rows",
    "record_asset",
    "record_deadline_warning",
    "record_enforcement_payment",
    "record_judgment_docket",
    "record_judgment_renewal",
    "record_wage_facts",
    "refuse_unstorable_text",
    "renew_outbox_lease",
    "rows",
    "set_case_flag",
    "set_clock",
    "set_enforcement_stage",
    "set_minimum_wage",
    "set_next_action",
    "set_recovery_plan",
    "set_tier_override",
    "take_upload_request",
    "transaction",
    "translate",
]
