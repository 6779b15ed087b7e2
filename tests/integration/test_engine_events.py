"""The event log: append-only trigger, per-case hash chain, doctor's checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dragonfly import doctor, errors, rpc
from tests.integration.test_engine_support import (
    add_document,
    case_row,
    event_kinds,
    execute,
    new_case,
    refused,
    rows,
    run,
    scalar,
)


def busy_case(engine) -> str:
    """A case with one of almost every kind of event."""
    ref = new_case(engine, entered_on=date(2023, 1, 1))
    run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="discovery", actor="U0ALICE")
    run(
        engine,
        rpc.log_enforcement_blocker,
        case_ref=ref,
        kind="court",
        reason="clerk",
        eta=date.today() + timedelta(days=3),
        actor="U0ALICE",
    )
    run(engine, rpc.clear_enforcement_blocker, case_ref=ref, actor="U0ALICE")
    run(
        engine, rpc.record_asset, case_ref=ref, kind="employer", description="ACME", actor="U0ALICE"
    )
    doc = add_document(engine, ref, "execution")
    run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="levy",
        document_id=doc,
        actor="U0ALICE",
    )
    run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=Decimal("100.00"),
        kind="direct",
        idempotency_key=f"p-{ref}",
        received_on=date(2024, 1, 1),
        actor="U0ALICE",
    )
    run(
        engine,
        rpc.add_case_note,
        case_ref=ref,
        text='note with unicode: café ✓ "quotes"',
        actor="U0ALICE",
    )
    run(
        engine,
        rpc.set_tier_override,
        case_ref=ref,
        tier=3,
        reason="vip",
        expires_at=datetime.now(UTC) + timedelta(days=5),
        actor="U0ALICE",
    )
    run(engine, rpc.assign_case_owner, case_ref=ref, owner="U0BOB", actor="cli:ops")
    return ref


def test_chain_links_every_event(engine, services) -> None:
    ref = busy_case(engine)
    busy_case(engine)
    events = rows(
        engine,
        "SELECT e.* FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id"
        " WHERE c.case_ref = :r ORDER BY seq",
        r=ref,
    )
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == "0" * 64
    for prev, ev in zip(events, events[1:], strict=False):
        assert ev.prev_hash == prev.hash
    c = case_row(engine, ref)
    assert c.event_seq == len(events) and c.last_event_hash == events[-1].hash
    assert len({e.hash for e in events}) == len(events)
    result = doctor.check_hash_chain(services)
    assert result.ok, result.details


def test_hash_covers_the_canonical_content(engine) -> None:
    ref = busy_case(engine)
    mismatches = scalar(
        engine,
        """
        SELECT count(*) FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id
         WHERE c.case_ref = :r AND e.hash <> encode(sha256(convert_to(e.prev_hash || '|' ||
               concat_ws('|', e.case_id, e.seq, e.kind, e.actor, e.source,
                         coalesce(e.document_id::text, ''),
                         coalesce(e.action_id::text, ''),
                         to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                         e.payload::text), 'UTF8')), 'hex')""",
        r=ref,
    )
    assert mismatches == 0


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE enforcement_events SET payload = '{}'",
        "UPDATE enforcement_events SET actor = 'cli:mallory' WHERE seq = 1",
        "DELETE FROM enforcement_events",
        "DELETE FROM enforcement_events WHERE seq = 2",
        "TRUNCATE enforcement_events CASCADE",
    ],
)
def test_events_are_append_only_even_for_the_owner(engine, sql) -> None:
    busy_case(engine)
    with refused(engine, DBAPIError, match="append-only") as info:
        execute(engine, sql)
    assert getattr(info.value.orig, "sqlstate", None) == "DF013"
    assert isinstance(rpc.translate(info.value), errors.AppendOnly)


def test_doctor_detects_tampering(engine, services) -> None:
    ref = busy_case(engine)
    assert doctor.check_hash_chain(services).ok
    execute(engine, "ALTER TABLE enforcement_events DISABLE TRIGGER enforcement_events_append_only")
    execute(
        engine,
        "UPDATE enforcement_events SET payload = payload || '{\"gross\": 1}'"
        " WHERE kind = 'payment_recorded'",
    )
    result = doctor.check_hash_chain(services)
    assert not result.ok
    assert any(ref in d and "content does not match its hash" in d for d in result.details)


def test_doctor_detects_a_deleted_event(engine, services) -> None:
    ref = busy_case(engine)
    execute(engine, "ALTER TABLE enforcement_events DISABLE TRIGGER enforcement_events_append_only")
    execute(
        engine,
        "DELETE FROM enforcement_events WHERE seq = 3 AND case_id ="
        " (SELECT id FROM enforcement_cases WHERE case_ref = :r)",
        r=ref,
    )
    result = doctor.check_hash_chain(services)
    assert not result.ok
    assert any(ref in d and "broken" in d for d in result.details)


def test_doctor_detects_a_dropped_last_event(engine, services) -> None:
    ref = busy_case(engine)
    execute(engine, "ALTER TABLE enforcement_events DISABLE TRIGGER enforcement_events_append_only")
    execute(
        engine,
        "DELETE FROM enforcement_events WHERE case_id = (SELECT id FROM enforcement_cases"
        " WHERE case_ref = :r) AND seq ="
        " (SELECT event_seq FROM enforcement_cases WHERE case_ref = :r)",
        r=ref,
    )
    result = doctor.check_hash_chain(services)
    assert any("case head does not match" in d for d in result.details)


def test_system_events_do_not_count_as_person_activity(engine) -> None:
    ref = new_case(engine)
    before = case_row(engine, ref).last_person_event_at
    a = run(
        engine, rpc.queue_enforcement_action, case_ref=ref, kind="asset_search", actor="U0ALICE"
    )
    after_person = case_row(engine, ref).last_person_event_at
    assert after_person > before
    run(
        engine, rpc.record_deadline_warning, action_id=a["action_id"], warning="w", due=date.today()
    )
    assert case_row(engine, ref).last_person_event_at == after_person


def test_controlled_clock_dates_events(engine) -> None:
    at = datetime(2025, 5, 5, 12, 30, tzinfo=UTC)
    ref = new_case(engine, clock=at)
    assert scalar(engine, "SELECT occurred_at FROM enforcement_events") == at
    assert case_row(engine, ref).created_at == at


def test_all_doctor_checks_pass_on_a_busy_book(engine, services) -> None:
    busy_case(engine)
    busy_case(engine)
    # The engine's checks (the document store's own check needs stored bytes, not tested here).
    checks = [
        doctor.check_migrations,
        doctor.check_hash_chain,
        doctor.check_actions_have_documents,
        doctor.check_next_actions,
    ]
    results = {r.name: r for r in (check(services) for check in checks)}
    assert all(r.ok for r in results.values()), {
        n: r.details for n, r in results.items() if not r.ok
    }


def test_doctor_flags_open_case_without_next_action(engine, services) -> None:
    ref = new_case(engine)
    execute(engine, "UPDATE enforcement_cases SET next_action_at = NULL WHERE case_ref = :r", r=ref)
    result = doctor.check_next_actions(services)
    assert not result.ok and result.details[0].startswith(ref)


def test_event_kinds_of_a_busy_case(engine) -> None:
    ref = busy_case(engine)
    assert event_kinds(engine, ref) == [
        "case_created",
        "stage_changed",
        "blocker_logged",
        "blocker_cleared",
        "asset_recorded",
        "document_attached",
        "action_queued",
        "payment_recorded",
        "note_added",
        "tier_override_set",
        "owner_assigned",
    ]


def test_recent_view_is_newest_first(engine) -> None:
    busy_case(engine)
    with engine.connect() as conn:
        ids = (
            conn.execute(text("SELECT event_id FROM v_enforcement_recent LIMIT 5")).scalars().all()
        )
    assert ids == sorted(ids, reverse=True)
