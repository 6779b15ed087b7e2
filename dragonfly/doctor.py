"""Health checks behind `dragonfly doctor`: each returns ok plus lines a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

from dragonfly import db
from dragonfly.bootstrap import Services


@dataclass
class CheckResult:
    name: str
    ok: bool
    details: list[str] = field(default_factory=list)


def check_migrations(s: Services) -> CheckResult:
    pending = [mid for mid, applied in db.migration_status(s.database_url) if not applied]
    return CheckResult("migrations", not pending, [f"pending: {m} (run: dragonfly db upgrade)" for m in pending])


# Recomputes every event's hash from its stored content and its predecessor's hash.
CHAIN_SQL = text("""
WITH e AS (
    SELECT e.id, e.case_id, e.seq, e.prev_hash, e.hash,
           lag(e.hash) OVER (PARTITION BY e.case_id ORDER BY e.seq) AS expected_prev,
           lag(e.seq) OVER (PARTITION BY e.case_id ORDER BY e.seq) AS prev_seq,
           event_hash(e.prev_hash, event_canonical(e.case_id, e.seq, e.kind, e.actor, e.source, e.payload,
                                                   e.document_id, e.action_id, e.occurred_at)) AS recomputed
      FROM enforcement_events e)
SELECT c.case_ref, e.seq,
       CASE WHEN e.recomputed <> e.hash THEN 'content does not match its hash'
            WHEN e.prev_hash <> coalesce(e.expected_prev, repeat('0', 64)) THEN 'link to the previous event is broken'
            ELSE 'sequence gap' END AS problem
  FROM e JOIN enforcement_cases c ON c.id = e.case_id
 WHERE e.recomputed <> e.hash OR e.prev_hash <> coalesce(e.expected_prev, repeat('0', 64))
    OR e.seq <> coalesce(e.prev_seq, 0) + 1
UNION ALL
SELECT c.case_ref, c.event_seq, 'case head does not match its last event'
  FROM enforcement_cases c
  LEFT JOIN enforcement_events e ON e.case_id = c.id AND e.seq = c.event_seq
 WHERE c.event_seq > 0 AND (e.hash IS NULL OR e.hash <> c.last_event_hash)
 LIMIT 50
""")


def check_hash_chain(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = conn.execute(CHAIN_SQL).all()
    return CheckResult("event hash chain", not rows, [f"{r.case_ref} event {r.seq}: {r.problem}" for r in rows])


def check_actions_have_documents(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT case_ref, event_id, workflow, step FROM v_events_missing_document ORDER BY event_id LIMIT 50")
        ).all()
    return CheckResult(
        "workflow steps have their documents",
        not rows,
        [f"{r.case_ref}: {r.workflow} -> {r.step} (event {r.event_id}) has no document" for r in rows],
    )


def check_next_actions(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT case_ref FROM enforcement_cases WHERE status = 'open' AND next_action_at IS NULL"
                    " ORDER BY case_number LIMIT 50"
                )
            )
            .scalars()
            .all()
        )
    return CheckResult(
        "open cases have a next action",
        not rows,
        [f"{r}: no next action (set one: /enforce next {r} YYYY-MM-DD)" for r in rows],
    )


def check_orphans(s: Services) -> CheckResult:
    from dragonfly.orphans import doctor_grace, find_orphans
    from storage.base import StorageError

    try:
        report = find_orphans(s, older_than=doctor_grace(s))
    except StorageError as exc:
        return CheckResult(
            "stored documents match their rows", False, [f"could not check the document store: {exc.message}"]
        )
    return CheckResult("stored documents match their rows", report.ok, report.lines())


CHECKS: list[Callable[[Services], CheckResult]] = [
    check_migrations,
    check_hash_chain,
    check_actions_have_documents,
    check_next_actions,
    check_orphans,
]


def run_checks(s: Services) -> list[CheckResult]:
    return [check(s) for check in CHECKS]
