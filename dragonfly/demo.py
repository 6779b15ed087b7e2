"""A realistic, deterministic demo book, written only through the sanctioned functions.

History is replayed with the engine's clock (`dragonfly.clock`): each batch statement sets the
clock per row before calling the function, so events carry believable past times while every
row and event still comes from a sanctioned function.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from dragonfly import rpc
from dragonfly.bootstrap import Services
from dragonfly.demo_book import OWNERS, PDF, Plan, build_plan

__all__ = ["OWNERS", "Plan", "build_plan", "seed"]

# Each phase: the function, and the SQL types of its arguments (rpc.call_each_at).
SIGNATURES: dict[str, tuple[str, dict[str, str]]] = {
    "create": (
        "create_enforcement_case",
        {
            "plaintiff_name": "text",
            "debtor_name": "text",
            "debtor_type": "text",
            "court": "text",
            "county": "text",
            "index_number": "text",
            "entered_on": "date",
            "principal": "numeric",
            "costs": "numeric",
            "consumer_debt": "boolean",
            "owner": "text",
            "actor": "text",
            "source": "text",
        },
    ),
    "discovery": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text", "note": "text"}),
    "asset": (
        "record_asset",
        {
            "case_ref": "text",
            "kind": "text",
            "description": "text",
            "actor": "text",
            "verified_on": "date",
            "county": "text",
        },
    ),
    "search": ("queue_enforcement_action", {"case_ref": "text", "kind": "text", "actor": "text"}),
    "levy": (
        "queue_enforcement_action",
        {"case_ref": "text", "kind": "text", "actor": "text", "document_id": "bigint"},
    ),
    # `at` is each row's clock, so set_next_action's own `at` travels as `at_`.
    "next": ("set_next_action", {"case_ref": "text", "at_": "timestamptz", "what": "text", "actor": "text"}),
    "execution": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text"}),
    "document": (
        "attach_enforcement_document",
        {
            "case_ref": "text",
            "kind": "text",
            "storage_key": "text",
            "sha256": "text",
            "size_bytes": "bigint",
            "content_type": "text",
            "original_name": "text",
            "uploader": "text",
        },
    ),
    "payment": (
        "record_enforcement_payment",
        {
            "case_ref": "text",
            "amount": "numeric",
            "kind": "text",
            "idempotency_key": "text",
            "actor": "text",
            "received_on": "date",
        },
    ),
    "recovery": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text"}),
    "closed": (
        "set_enforcement_stage",
        {"case_ref": "text", "stage": "text", "actor": "text", "closing_reason": "text", "note": "text"},
    ),
    "note": ("add_case_note", {"case_ref": "text", "text": "text", "actor": "text"}),
    "blocker": (
        "log_enforcement_blocker",
        {"case_ref": "text", "kind": "text", "reason": "text", "eta": "date", "actor": "text"},
    ),
    "override": (
        "set_tier_override",
        {"case_ref": "text", "tier": "integer", "reason": "text", "expires_at": "timestamptz", "actor": "text"},
    ),
}


def run_phase(conn: Connection, phase: str, rows: Sequence[dict[str, Any]]) -> list[Any]:
    function, columns = SIGNATURES[phase.split(":")[0]]
    return rpc.call_each_at(conn, function, columns, rows)


def seed(
    services: Services,
    *,
    cases: int,
    seed_value: int = 7,
    now: datetime | None = None,
    documents: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a demo book of `cases` cases; returns counts."""
    now = now or datetime.now(UTC) - timedelta(minutes=5)
    say = progress or (lambda _m: None)
    with services.engine.connect() as conn:
        start = int(
            conn.execute(
                text("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM case_number_seq")
            ).scalar_one()
        )
    plan, levies = build_plan(cases, seed=seed_value, now=now, start_number=start)
    counts: dict[str, int] = {}
    order = [
        "create",
        "discovery",
        "asset",
        "search",
        "execution",
        "levy",
        "payment:0",
        "recovery",
        "payment:1",
        "payment:2",
        "closed",
        "note",
        "next",
        "blocker",
        "override",
    ]
    phases = dict(plan.phases)
    with rpc.transaction(services.engine) as conn:
        for phase in order:
            if phase == "levy":
                if documents and levies:
                    counts["levy"] = _levies(services, conn, levies)
                continue
            rows = phases.get(phase, [])
            if not rows:
                continue
            run_phase(conn, phase, rows)
            counts[phase] = len(rows)
            say(f"{phase}: {len(rows)}")
            # The book grew from nothing in this transaction: new statistics make the sanctioned
            # functions' cached plans (kept generic, sql/0111) be planned again for its size, where
            # the plans made on empty tables would scan whole tables for every case.
            conn.execute(text("ANALYZE"))
        rpc.set_clock(conn, None)
        night_rules(conn)
        grant_team(conn)
    return counts


def night_rules(conn: Connection) -> None:
    """The nightly rules for today, as the scheduler runs them every night of a firm's book: every
    case gets its rule tier and the deadline warnings its workflows are due are recorded (a seeded
    history without them would get them all from its first nightly)."""
    rpc.assign_tiers(conn, actor="system:nightly")
    rpc.record_deadline_warnings(conn)


def grant_team(conn: Connection) -> None:
    """The demo team: the first owner is an admin, the others officers, one viewer."""
    for i, user in enumerate(OWNERS):
        rpc.grant_role(conn, slack_user_id=user, role="admin" if i == 0 else "officer", actor="cli:demo")
    rpc.grant_role(conn, slack_user_id="U0VIEWER7", role="viewer", actor="cli:demo")


def _levies(services: Services, conn: Connection, levies: Sequence[dict[str, Any]]) -> int:
    """Store an execution for each levy, attach it, and start the levy with it."""
    docs = [
        stored_pdf(
            services,
            at=lv["at"],
            case_ref=lv["case_ref"],
            kind="execution",
            uploader=lv["actor"],
            what="execution",
            name="execution",
        )
        for lv in levies
    ]
    results = run_phase(conn, "document", docs)
    rows = [
        dict(at=d["at"], case_ref=d["case_ref"], kind="levy", actor=d["uploader"], document_id=r["document_id"])
        for d, r in zip(docs, results, strict=True)
    ]
    run_phase(conn, "levy", rows)
    return len(rows)


def stored_pdf(
    services: Services, *, at: Any, case_ref: str, kind: str, uploader: str, what: str, name: str
) -> dict[str, Any]:
    """A small demo PDF stored for the case, as the "document" phase's row that attaches it."""
    stored = services.store.put(
        io.BytesIO(PDF + f"% {what} for {case_ref}\n".encode()),
        case_ref=case_ref,
        kind=kind,
        filename=f"{name}-{case_ref}.pdf",
        uploader=uploader,
    )
    return dict(at=at, case_ref=case_ref, kind=kind, uploader=uploader, **stored.row())
