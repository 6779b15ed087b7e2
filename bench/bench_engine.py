"""Benchmark: set_enforcement_stage through the project's Python call path vs a bare plpgsql floor.

    python bench/bench_engine.py [--calls 2000] [--cases 200] [--rounds 3] [--keep]

Server: DATABASE_URL, else DRAGONFLY_TEST_DATABASE_URL, else the embedded PostgreSQL. A scratch
database is created, migrated and seeded, and dropped at the end (unless --keep).

(a) floor: a bare plpgsql function that UPDATEs one row and INSERTs one row into a scratch events
    table, called with SQLAlchemy `text()` on the same engine, one transaction per call;
(b) project: `dragonfly.rpc.set_enforcement_stage` (validation, row lock, dwell, hash-chained
    event),
    alternating execution/discovery moves over the seeded cases, one transaction per call.
Both run in this process against the same server and the same connection pool; the best of
`--rounds` interleaved rounds is reported. Target: project / floor >= 0.5.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dragonfly import db, rpc  # noqa: E402
from dragonfly.settings import Settings  # noqa: E402

FLOOR_SQL = """
CREATE TABLE bench_cases (id bigint PRIMARY KEY, stage text NOT NULL,
                          stage_entered_at timestamptz NOT NULL,
                          event_seq integer NOT NULL DEFAULT 0);
CREATE TABLE bench_events (id bigserial PRIMARY KEY, case_id bigint NOT NULL, kind text NOT NULL,
                           payload jsonb NOT NULL, occurred_at timestamptz NOT NULL);
CREATE FUNCTION bench_floor(p_case_id bigint, p_stage text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bench_cases SET stage = p_stage, stage_entered_at = now(), event_seq = event_seq + 1
     WHERE id = p_case_id;
    INSERT INTO bench_events (case_id, kind, payload, occurred_at)
    VALUES (p_case_id, 'stage_changed', jsonb_build_object('to', p_stage), now());
    RETURN jsonb_build_object('case_id', p_case_id, 'to', p_stage);
END $$;
"""
FLOOR_CALL = text("SELECT bench_floor(:case_id, :stage)")


def server_url() -> tuple[str, str]:
    for var in ("DATABASE_URL", "DRAGONFLY_TEST_DATABASE_URL"):
        if os.environ.get(var):
            return db.plain_url(os.environ[var]), var
    return db.embedded_url(Settings().home), "embedded"


def admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def seed(engine: Engine, cases: int) -> list[str]:
    refs = []
    with rpc.transaction(engine) as conn:
        for i in range(cases):
            result = rpc.create_enforcement_case(
                conn,
                plaintiff_name=f"Bench Plaintiff {i % 7}",
                debtor_name=f"Bench Debtor {i}",
                debtor_type="person" if i % 3 else "business",
                court="Civil Court of the City of New York",
                county="Kings",
                index_number=f"{100000 + i}/24",
                entered_on=date(2024, 1, 1),
                principal=Decimal(1000 + 37 * i),
                actor="cli:bench",
                source="bench",
            )
            refs.append(result["case_ref"])
            rpc.set_enforcement_stage(
                conn, case_ref=result["case_ref"], stage="discovery", actor="cli:bench"
            )
        conn.execute(text(FLOOR_SQL))
        conn.execute(
            text(
                "INSERT INTO bench_cases (id, stage, stage_entered_at)"
                " SELECT g, 'discovery', now() FROM generate_series(1, :n) g"
            ),
            {"n": cases},
        )
    return refs


def timed(calls: int, one: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for i in range(calls):
        one(i)
    return calls / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round and per side")
    parser.add_argument(
        "--cases", type=int, default=200, help="seeded cases to spread the moves over"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds; the best is reported"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    base, where = server_url()
    name = f"df_bench_{os.getpid()}"
    admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(base, f"CREATE DATABASE {name}")
    url = db.with_database(base, name)
    engine = db.make_engine(url, pool_size=2)
    try:
        db.upgrade(url)
        refs = seed(engine, args.cases)
        n = len(refs)
        # Each case alternates discovery -> execution -> discovery ...; moves[i] counts its moves.
        moves = [0] * n
        floor_moves = [0] * n

        def floor_call(i: int) -> None:
            k = i % n
            stage = "execution" if floor_moves[k] % 2 == 0 else "discovery"
            floor_moves[k] += 1
            with engine.begin() as conn:
                conn.execute(FLOOR_CALL, {"case_id": k + 1, "stage": stage}).scalar_one()

        def project_call(i: int) -> None:
            k = i % n
            stage = "execution" if moves[k] % 2 == 0 else "discovery"
            moves[k] += 1
            with rpc.transaction(engine) as conn:
                rpc.set_enforcement_stage(conn, case_ref=refs[k], stage=stage, actor="U0BENCH")

        timed(min(200, args.calls), floor_call)  # warm up both paths (plans, pool, caches)
        timed(min(200, args.calls), project_call)
        best_floor = best_project = 0.0
        for r in range(args.rounds):
            f = timed(args.calls, floor_call)
            p = timed(args.calls, project_call)
            best_floor, best_project = max(best_floor, f), max(best_project, p)
            print(
                f"round {r + 1}: floor {f:8.0f} calls/s   set_enforcement_stage {p:8.0f} calls/s"
                f"   ratio {p / f:.2f}"
            )
        with engine.connect() as conn:
            events = conn.execute(text("SELECT count(*) FROM enforcement_events")).scalar()
        ratio = best_project / best_floor
        print(
            f"server: {where} ({db.plain_url(base).rsplit('@', 1)[-1]}), {n} cases, "
            f"{args.calls} calls x {args.rounds} rounds, one transaction per call"
        )
        print(f"(a) floor (bare plpgsql UPDATE + INSERT): {best_floor:8.0f} calls/s")
        print(f"(b) set_enforcement_stage via dragonfly.rpc: {best_project:8.0f} calls/s")
        print(
            f"ratio (b)/(a): {ratio:.2f}  (target >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'})"
        )
        print(f"events recorded: {events}")
        return 0
    finally:
        engine.dispose()
        if not args.keep:
            admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    raise SystemExit(main())
