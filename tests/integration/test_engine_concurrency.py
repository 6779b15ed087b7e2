"""Two connections moving the same case at once: the case row lock serialises them, the loser
applies after the winner or is refused clearly, and the event chain stays intact."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from sqlalchemy import text

from dragonfly import doctor, errors, rpc
from tests.integration.test_engine_support import case_row, event_kinds, new_case, rows, run


def _wait_for_lock_waiter(engine, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE NOT l.granted AND a.datname = current_database()"
                )
            ).scalar()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the second mover never waited for the case lock")


def _race(engine, ref: str, first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """`first` takes the case lock and holds it until `second` is queued behind it."""
    outcome: dict[str, Any] = {}
    holding = threading.Event()
    release = threading.Event()

    def mover_one() -> None:
        with rpc.transaction(engine) as conn:
            outcome["first"] = rpc.set_enforcement_stage(conn, case_ref=ref, **first)
            holding.set()
            release.wait(10)

    def mover_two() -> None:
        holding.wait(10)
        try:
            with rpc.transaction(engine) as conn:
                outcome["second"] = rpc.set_enforcement_stage(conn, case_ref=ref, **second)
        except errors.DomainError as exc:
            outcome["second"] = exc

    t1 = threading.Thread(target=mover_one)
    t2 = threading.Thread(target=mover_two)
    t1.start()
    t2.start()
    holding.wait(10)
    _wait_for_lock_waiter(engine)
    release.set()
    t1.join(15)
    t2.join(15)
    assert not t1.is_alive() and not t2.is_alive()
    return outcome


def test_second_move_applies_after_the_first(engine, services) -> None:
    ref = new_case(engine)
    run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="discovery", actor="U0ALICE")
    out = _race(
        engine,
        ref,
        dict(stage="execution", actor="U0ALICE"),
        dict(stage="closed", closing_reason="uncollectible", actor="U0BOB"),
    )
    assert out["first"]["to"] == "execution"
    # The second saw the committed move: it left execution, not discovery.
    assert out["second"]["from"] == "execution" and out["second"]["to"] == "closed"
    assert case_row(engine, ref).stage == "closed"
    assert event_kinds(engine, ref) == [
        "case_created",
        "stage_changed",
        "stage_changed",
        "stage_changed",
    ]
    assert doctor.check_hash_chain(services).ok


def test_second_move_is_refused_clearly(engine, services) -> None:
    ref = new_case(engine)
    run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="discovery", actor="U0ALICE")
    out = _race(
        engine,
        ref,
        dict(stage="closed", closing_reason="settled", actor="U0ALICE"),
        dict(stage="execution", actor="U0BOB"),
    )
    assert out["first"]["to"] == "closed"
    assert isinstance(out["second"], errors.Forbidden)
    assert "needs the admin role" in out["second"].message
    c = case_row(engine, ref)
    assert (c.stage, c.status, c.closing_reason) == ("closed", "closed", "settled")
    assert event_kinds(engine, ref) == ["case_created", "stage_changed", "stage_changed"]
    assert doctor.check_hash_chain(services).ok


def test_same_move_twice_one_wins(engine, services) -> None:
    ref = new_case(engine)
    run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="discovery", actor="U0ALICE")
    out = _race(
        engine,
        ref,
        dict(stage="execution", actor="U0ALICE"),
        dict(stage="execution", actor="U0BOB"),
    )
    assert out["first"]["to"] == "execution"
    assert isinstance(out["second"], errors.IllegalStageMove)
    assert "already in execution" in out["second"].message
    assert doctor.check_hash_chain(services).ok


def test_many_threads_many_moves(engine, services) -> None:
    """8 connections each try 25 moves on one case; every applied move is one event in the chain."""
    ref = new_case(engine)
    other = new_case(engine)
    run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="discovery", actor="U0ALICE")
    applied: list[int] = []
    refused_: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        rnd = random.Random(n)
        for _ in range(25):
            target = rnd.choice(["execution", "discovery"])
            try:
                with rpc.transaction(engine) as conn:
                    rpc.set_enforcement_stage(conn, case_ref=ref, stage=target, actor="U0ALICE")
                    rpc.add_case_note(conn, case_ref=other, text=f"worker {n}", actor="U0ALICE")
                with lock:
                    applied.append(n)
            except errors.IllegalStageMove:
                with lock:
                    refused_.append(n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(applied) + len(refused_) == 200 and applied
    kinds = event_kinds(engine, ref)
    assert kinds.count("stage_changed") == 1 + len(applied)
    assert event_kinds(engine, other).count("note_added") == len(applied)
    last = rows(
        engine,
        "SELECT e.payload->>'to' AS to FROM enforcement_events e JOIN enforcement_cases c"
        " ON c.id = e.case_id WHERE c.case_ref = :r ORDER BY seq DESC LIMIT 1",
        r=ref,
    )[0]
    assert case_row(engine, ref).stage == last.to
    result = doctor.check_hash_chain(services)
    assert result.ok, result.details
