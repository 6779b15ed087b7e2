"""The nightly's set-based steps (sql/0120_nightly_set_based.sql, issue 12): override expiry and the
workflow deadline warnings write, with one event each, only the cases that change; the events
they append in one statement form the same valid hash chain append_event writes (several events
on one case included), the case heads follow, and a rerun records nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from dragonfly import rpc
from scheduler.jobs import nightly
from tests.integration.test_engine_support import new_case, row, rows, run, scalar

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _chains_sound(engine) -> None:  # type: ignore[no-untyped-def]
    with rpc.transaction(engine) as conn:
        problems = conn.execute(text("SELECT * FROM verify_event_chains(true)")).all()
    assert problems == []
    heads = rows(
        engine,
        "SELECT c.id, c.event_seq, c.last_event_hash, e.hash FROM enforcement_cases c"
        " LEFT JOIN enforcement_events e ON e.case_id = c.id AND e.seq = c.event_seq",
    )
    assert all(h.hash == h.last_event_hash for h in heads)


def _search(engine, ref: str, on: date) -> int:  # type: ignore[no-untyped-def]
    return int(
        run(engine, rpc.queue_enforcement_action, case_ref=ref, kind="asset_search", actor="U0ALICE", on=on)[
            "action_id"
        ]
    )


def test_due_warnings_are_recorded_once_each_in_one_pass(engine) -> None:
    a, b, quiet = new_case(engine), new_case(engine), new_case(engine)
    # Two workflows on case a (two events on one chain in one run), one on b, none due on `quiet`.
    first, second = _search(engine, a, date(2026, 3, 2)), _search(engine, a, date(2026, 3, 3))
    other = _search(engine, b, date(2026, 3, 2))
    _search(engine, quiet, date(2026, 3, 30))
    quiet_head = row(engine, "SELECT event_seq, last_event_hash FROM enforcement_cases WHERE case_ref = :r", r=quiet)
    with rpc.transaction(engine) as conn:
        due = conn.execute(text("SELECT * FROM due_deadline_warnings('2026-03-20')")).all()
        assert {d.action_id for d in due} == {first, second, other}
        assert nightly.record_warnings(conn, today=date(2026, 3, 20)) == 3
    events = rows(
        engine,
        "SELECT c.case_ref, e.* FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id"
        " WHERE e.kind = 'deadline_warning' ORDER BY e.case_id, e.seq",
    )
    assert [(e.case_ref, e.action_id) for e in events] == [(a, first), (a, second), (b, other)]
    by_action = {d.action_id: d for d in due}
    for e in events:
        # exactly what record_deadline_warning writes for it
        d = by_action[e.action_id]
        assert e.payload == {
            "action_id": e.action_id,
            "kind": "asset_search",
            "state": "requested",
            "warning": d.warning,
            "due": d.due.isoformat(),
        }
        assert (e.actor, e.source) == ("system:nightly", "scheduler")
    assert events[1].seq == events[0].seq + 1 and events[1].prev_hash == events[0].hash
    _chains_sound(engine)
    # The case with nothing due was not written.
    assert row(
        engine, "SELECT event_seq, last_event_hash FROM enforcement_cases WHERE case_ref = :r", r=quiet
    ) == quiet_head
    # A rerun, and the one-at-a-time path, find them recorded.
    with rpc.transaction(engine) as conn:
        assert nightly.record_warnings(conn, today=date(2026, 3, 20)) == 0
        assert rpc.record_deadline_warning(conn, action_id=first, warning=by_action[first].warning,
                                           due=by_action[first].due) is False
    assert scalar(engine, "SELECT count(*) FROM enforcement_events WHERE kind = 'deadline_warning'") == 3


def test_expired_overrides_return_to_the_rule_tier_in_one_pass(engine) -> None:
    refs = [new_case(engine, clock=T0) for _ in range(4)]
    for i, ref in enumerate(refs[:3]):
        run(
            engine,
            rpc.set_tier_override,
            clock=T0,
            case_ref=ref,
            tier=3,
            reason="client escalation",
            expires_at=T0 + timedelta(days=5 if i < 2 else 20),
            actor="U0LEAD",
        )
    before = {r.case_ref: r for r in rows(engine, "SELECT case_ref, tier, rule_tier, event_seq FROM enforcement_cases")}
    assert all(before[r].tier == 3 for r in refs[:3])
    assert run(engine, rpc.expire_tier_overrides, now=T0 + timedelta(days=6)) == {"expired": 2}
    after = {r.case_ref: r for r in rows(engine, "SELECT case_ref, tier, rule_tier, event_seq FROM enforcement_cases")}
    for ref in refs[:2]:
        assert after[ref].tier == after[ref].rule_tier and after[ref].event_seq == before[ref].event_seq + 1
        ev = row(
            engine,
            "SELECT e.* FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id"
            " WHERE c.case_ref = :r ORDER BY e.seq DESC LIMIT 1",
            r=ref,
        )
        assert ev.kind == "tier_override_expired" and ev.payload["from"] == 3
        assert ev.payload["to"] == after[ref].rule_tier and ev.payload["override_tier"] == 3
    # Not due yet, and no override at all: untouched.
    for ref in refs[2:]:
        assert after[ref] == before[ref]
    assert scalar(engine, "SELECT count(*) FROM tier_overrides WHERE active") == 1
    # The read model followed the tiers (the deferred refresh ran).
    assert scalar(
        engine,
        "SELECT count(*) FROM (SELECT * FROM case_read_model EXCEPT SELECT * FROM v_case_read_model_computed) x",
    ) == 0
    _chains_sound(engine)
    assert run(engine, rpc.expire_tier_overrides, now=T0 + timedelta(days=6)) == {"expired": 0}
