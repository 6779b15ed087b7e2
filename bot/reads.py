"""Bot-specific reads on the views (never tables): upload requests, the case picker, the Ops
Console (workflow steps and transitions: dragonfly/steps.py). Keyword-only, typed, one job each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from dragonfly import fastpath
from dragonfly.bootstrap import Services
from dragonfly.errors import NotFound


def case_exists(*, conn: Connection, case_ref: str) -> bool:
    return (
        conn.execute(
            text("SELECT 1 FROM v_enforcement_cases WHERE case_ref = :r"), {"r": case_ref}
        ).first()
        is not None
    )


@dataclass(frozen=True)
class UploadRequest:
    id: int
    channel: str
    thread_ts: str
    case_ref: str
    step: str
    document_kind: str
    intent: dict[str, Any]
    requested_by: str
    taken_by_file: str | None


def upload_request(*, conn: Connection, channel: str, thread_ts: str) -> UploadRequest | None:
    """The "waiting for the document" request a thread belongs to, if any."""
    row = conn.execute(
        text(
            "SELECT id, channel, thread_ts, case_ref, step, document_kind, intent, requested_by, taken_by_file"
            " FROM v_upload_requests WHERE channel = :c AND thread_ts = :t"
        ),
        {"c": channel, "t": thread_ts},
    ).first()
    return UploadRequest(*row) if row else None


def search_cases(*, conn: Connection, query: str, limit: int = 100) -> list[dict[str, Any]]:
    """Cases for the picker: exact id first, then ids starting with the digits, then names."""
    q = (query or "").strip()
    digits = (
        "".join(ch for ch in q if ch.isdigit()) if q.upper().startswith("DF") or q.isdigit() else ""
    )
    # Candidates come from indexes, only the lines shown are joined (sql/0075_case_search.sql).
    rows = conn.execute(
        text("SELECT * FROM search_open_cases(:q, :digits, :limit)"),
        {"q": q, "digits": digits, "limit": min(limit, 100)},
    )
    return [dict(r._mapping) for r in rows]


def home(*, conn: Connection, user: str) -> dict[str, Any]:
    """Everything the Ops Console shows."""

    def rows(sql: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    return {
        "overview": rows(
            "SELECT tier, cases, balance, sla_breaches FROM v_enforcement_overview ORDER BY tier DESC"
        ),
        # The owner's queue and the stuck Tier 3 cases read the first rows of an index (issue
        # 12): the case rows are computed only for the lines shown.
        "past_due": rows(
            "SELECT v.case_ref, v.debtor_name, v.tier, v.stage, v.next_action_at, v.next_action_what"
            " FROM v_enforcement_cases v WHERE v.case_id IN ("
            "   SELECT q.case_id FROM v_owner_queue q WHERE q.owner_slack_id = :u"
            "      AND (q.next_action_at IS NULL OR q.next_action_at < now())"
            "    ORDER BY q.next_action_at NULLS FIRST, q.tier DESC, q.case_number LIMIT 15)"
            " ORDER BY v.next_action_at NULLS FIRST, v.tier DESC, v.case_number",
            u=user,
        ),
        "stale_t3": rows(
            "SELECT v.case_ref, v.debtor_name, v.stage, v.dwell_days, v.owner_slack_id FROM v_enforcement_cases v"
            " WHERE v.case_id IN (SELECT s.case_id FROM v_stuck_tier3 s"
            "   WHERE s.stage_entered_at < df_now() - interval '7 days' ORDER BY s.stage_entered_at LIMIT 15)"
            "   AND v.dwell_days > 7"
            " ORDER BY v.dwell_days DESC"
        ),
        "blockers": rows(
            "SELECT case_ref, kind, reason, eta, owner_slack_id FROM v_open_blockers WHERE eta_passed"
            " ORDER BY eta LIMIT 15"
        ),
        "recent": rows(
            # v_enforcement_timeline, not v_enforcement_recent: a view's own ORDER BY keeps the
            # planner from reading the top of the (occurred_at, id) index for the LIMIT.
            "SELECT case_ref, occurred_at, kind, actor, summary FROM v_enforcement_timeline"
            " ORDER BY occurred_at DESC, event_id DESC LIMIT 10"
        ),
    }


CARD_SQL = text("""
SELECT c.*,
  (SELECT coalesce(json_agg(b ORDER BY b.eta), '[]') FROM v_open_blockers b
    WHERE b.case_id = c.case_id) AS blockers_json,
  (SELECT coalesce(json_agg(a ORDER BY a.action_id), '[]') FROM v_enforcement_actions a
    WHERE a.case_id = c.case_id AND a.is_open) AS actions_json,
  (SELECT coalesce(json_agg(e), '[]') FROM (
      SELECT t.occurred_at, t.summary, t.kind, t.actor FROM v_enforcement_timeline t
       WHERE t.case_id = c.case_id ORDER BY t.seq DESC LIMIT 5) e) AS events_json,
  (SELECT coalesce(json_agg(d ORDER BY d.document_id), '[]') FROM v_enforcement_documents d
    WHERE d.case_id = c.case_id) AS documents_json,
  (SELECT coalesce(json_agg(x ORDER BY x.role, x.address_id), '[]') FROM v_case_addresses x
    WHERE x.case_id = c.case_id) AS addresses_json
  FROM v_enforcement_cases c WHERE c.case_ref = :ref""")


@dataclass(frozen=True)
class Card:
    case: Any
    blockers: list[Any]
    actions: list[Any]
    events: list[Any]
    documents: list[Any]
    addresses: list[Any] = field(default_factory=list)


def card(*, conn: Connection, case_ref: str) -> Card | None:
    """Everything the case card shows, in one round trip."""
    from types import SimpleNamespace

    row = conn.execute(CARD_SQL, {"ref": case_ref}).first()
    if row is None:
        return None
    m = dict(row._mapping)

    def items(key: str) -> list[Any]:
        return [SimpleNamespace(**x) for x in m.pop(key) or []]

    blockers, actions = items("blockers_json"), items("actions_json")
    events, documents = items("events_json"), items("documents_json")
    addresses = items("addresses_json")
    return Card(SimpleNamespace(**m), blockers, actions, events, documents, addresses)


# The card and the law on the case (v_case_law) in one statement, for the request path: a case
# row, its lists as JSON, and the law's columns prefixed law_ (bot.listeners.cases.card_blocks).
LAW_COLUMNS = (
    "case_id", "case_ref", "entered_on", "renewed_on", "presumed_paid_on", "presumed_paid", "debtor_is_person",
    "bank_exemption", "interest_basis", "consumer_rate_transition", "restraints", "liens", "poundage_owed",
)
CARD_WITH_LAW_SQL = (
    str(CARD_SQL)
    .replace(" AS addresses_json", " AS addresses_json, " + ", ".join(f"l.{c} AS law_{c}" for c in LAW_COLUMNS))
    .replace("FROM v_enforcement_cases c WHERE c.case_ref = :ref",
             "FROM v_enforcement_cases c LEFT JOIN v_case_law l ON l.case_id = c.case_id WHERE c.case_ref = %(ref)s")
)


def card_with_law(*, services: Services, case_ref: str) -> tuple[Card | None, Any]:
    """The case card and the law on the case (None, None: no such case), in one prepared
    statement on the request path's own pool (dragonfly/fastpath.py)."""
    from types import SimpleNamespace

    m = fastpath.one(fastpath.pool(services.engine, services.database_url), CARD_WITH_LAW_SQL, {"ref": case_ref})
    if m is None:
        return None, None
    law_values = {c: m.pop(f"law_{c}") for c in LAW_COLUMNS}
    law = SimpleNamespace(**law_values) if law_values["case_id"] is not None else None

    def items(key: str) -> list[Any]:
        return [SimpleNamespace(**x) for x in m.pop(key) or []]

    blockers, actions = items("blockers_json"), items("actions_json")
    events, documents = items("events_json"), items("documents_json")
    addresses = items("addresses_json")
    return Card(SimpleNamespace(**m), blockers, actions, events, documents, addresses), law


def require_case(*, conn: Connection, case_ref: str) -> None:
    if not case_exists(conn=conn, case_ref=case_ref):
        from dragonfly.errors import UnknownCase

        raise UnknownCase(
            f"There is no case {case_ref}", "Check the number, or pick the case from the list."
        )


__all__ = ["NotFound"]
