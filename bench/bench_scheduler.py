# ruff: noqa: E501  (the seeding SQL reads better unwrapped)
"""Benchmark the scheduler's selections at scale against their floors.

Seeds a book through the sanctioned functions (PL/pgSQL loops with the `dragonfly.clock` setting
for backdating, several connections in parallel; about 10 events a case, so 1M events at 100k
cases), then times:
  - the morning digest selection (`digest_items`) vs a floor: each section as one indexed query
    with no joins beyond the owner the result needs, no ordering, no formatting;
  - the weekly summary (`weekly_summary`) vs a floor: per-tier count and unpaid amounts by one
    grouped scan, and the week's recoveries by the payments date index;
and prints both, the ratio, and EXPLAIN ANALYZE of the digest selection showing index use.

Usage:
  .venv/bin/python bench/bench_scheduler.py --cases 100000 [--workers 8] [--reuse]
  DRAGONFLY_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (server; db df_bench_sched)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dragonfly import db  # noqa: E402

SEED_CHUNK = """
DO $$
DECLARE
    i integer; ref text; t timestamptz; base timestamptz := %(base)s::timestamptz; a jsonb;
BEGIN
    FOR i IN %(lo)s..%(hi)s LOOP
        t := base - make_interval(days => 400 - (i %% 380));
        PERFORM set_config('dragonfly.clock', t::text, true);
        ref := create_enforcement_case(p_plaintiff_name => 'Plaintiff ' || (i %% 50),
            p_debtor_name => 'Bench Debtor ' || i, p_debtor_type => CASE WHEN i %% 7 = 0 THEN 'business' ELSE 'person' END,
            p_court => 'Civil Court', p_county => 'Kings', p_index_number => (100000 + i) || '/21',
            p_entered_on => (t - interval '200 days')::date, p_principal => 1000 + (i * 37 %% 90000),
            p_owner => 'U0OWN' || (i %% 40), p_actor => 'cli:bench', p_source => 'bench')->>'case_ref';
        PERFORM set_config('dragonfly.clock', (t + interval '1 day')::text, true);
        PERFORM set_enforcement_stage(p_case_ref => ref, p_stage => 'discovery', p_actor => 'cli:bench');
        PERFORM add_case_note(p_case_ref => ref, p_text => 'called debtor', p_actor => 'U0OWN' || (i %% 40));
        PERFORM record_asset(p_case_ref => ref, p_kind => 'employer', p_description => 'Employer ' || i,
                             p_actor => 'cli:bench', p_verified_on => (t + interval '1 day')::date);
        IF i %% 20 = 0 THEN
            PERFORM set_tier_override(p_case_ref => ref, p_tier => 3, p_reason => 'bench',
                                      p_expires_at => t + interval '80 days', p_actor => 'cli:bench');
        END IF;
        IF i %% 4 = 0 THEN
            a := queue_enforcement_action(p_case_ref => ref, p_kind => 'asset_search', p_actor => 'cli:bench');
            PERFORM advance_enforcement_action(p_case_ref => ref, p_action_id => (a->>'action_id')::bigint,
                                               p_state => 'in_progress', p_actor => 'cli:bench');
            IF i %% 12 <> 0 THEN
                PERFORM advance_enforcement_action(p_case_ref => ref, p_action_id => (a->>'action_id')::bigint,
                                                   p_state => 'cancelled', p_actor => 'cli:bench');
            END IF;
        END IF;
        IF i %% 10 = 0 THEN
            PERFORM log_enforcement_blocker(p_case_ref => ref, p_kind => 'court', p_reason => 'motion',
                                            p_eta => (base + make_interval(days => i %% 30 - 5))::date, p_actor => 'cli:bench');
        END IF;
        PERFORM set_config('dragonfly.clock', (t + interval '2 days')::text, true);
        PERFORM add_case_note(p_case_ref => ref, p_text => 'left voicemail', p_actor => 'U0OWN' || (i %% 40));
        PERFORM add_case_note(p_case_ref => ref, p_text => 'sent demand letter', p_actor => 'U0OWN' || (i %% 40));
        IF i %% 10 <> 0 THEN
            PERFORM set_next_action(p_case_ref => ref, p_at => t + interval '4 days', p_what => 'call back',
                                    p_actor => 'cli:bench');
        END IF;
        PERFORM set_config('dragonfly.clock', (t + interval '3 days')::text, true);
        PERFORM add_case_note(p_case_ref => ref, p_text => 'follow up', p_actor => 'U0OWN' || (i %% 40));
        IF i %% 10 <> 0 THEN
            PERFORM set_next_action(p_case_ref => ref, p_at => base + make_interval(days => i %% 60 - 3),
                                    p_what => 'follow up', p_actor => 'cli:bench');
        END IF;
        IF i %% 3 = 0 THEN
            PERFORM set_enforcement_stage(p_case_ref => ref, p_stage => 'execution', p_actor => 'cli:bench');
        END IF;
        IF i %% 5 = 0 THEN
            PERFORM record_enforcement_payment(p_case_ref => ref, p_amount => 100 + i %% 900, p_kind => 'direct',
                p_idempotency_key => 'bench-' || i, p_actor => 'cli:bench', p_received_on => (t + interval '3 days')::date);
        END IF;
        IF i %% 25 = 0 THEN
            PERFORM set_enforcement_stage(p_case_ref => ref, p_stage => 'closed', p_closing_reason => 'uncollectible',
                                          p_actor => 'cli:bench');
        END IF;
    END LOOP;
END $$;
"""


def seed(url: str, cases: int, workers: int, base: datetime, chunk: int = 500) -> None:
    ranges = [(lo, min(lo + chunk - 1, cases)) for lo in range(1, cases + 1, chunk)]
    lock = threading.Lock()
    done = [0]
    started = time.perf_counter()

    def work() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                with lock:
                    if not ranges:
                        return
                    lo, hi = ranges.pop(0)
                conn.execute(SEED_CHUNK % {"lo": lo, "hi": hi, "base": f"'{base.isoformat()}'"})  # type: ignore[arg-type]
                with lock:
                    done[0] += hi - lo + 1
                    if done[0] % 10000 < chunk:
                        print(
                            f"  seeded {done[0]} cases, {time.perf_counter() - started:.0f} s",
                            flush=True,
                        )

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(conn: psycopg.Connection, sql: str, params: dict, runs: int = 7) -> tuple[float, int]:  # type: ignore[type-arg]
    times, n = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        n = len(conn.execute(sql, params).fetchall())
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[1:]), n


DIGEST = "SELECT * FROM digest_items(%(now)s, NULL)"
DIGEST_FLOOR = [
    "SELECT owner_slack_id, case_ref, tier, next_action_at FROM enforcement_cases "
    "WHERE status = 'open' AND next_action_at < %(now)s",
    "SELECT c.owner_slack_id, c.case_ref, c.tier, x.eta FROM blockers x JOIN enforcement_cases c ON c.id = x.case_id "
    "WHERE x.cleared_at IS NULL AND x.eta < %(today)s AND c.status = 'open'",
    "SELECT c.owner_slack_id, c.case_ref, c.tier, a.next_deadline FROM enforcement_actions a "
    "JOIN enforcement_cases c ON c.id = a.case_id WHERE a.is_open AND a.next_deadline <= %(horizon)s "
    "AND c.status = 'open'",
    "SELECT e.case_id, e.payload FROM enforcement_events e WHERE e.kind = 'deadline_warning' "
    "AND e.occurred_at > %(now)s - interval '1 day' AND e.occurred_at <= %(now)s",
    "SELECT owner_slack_id, case_ref FROM enforcement_cases WHERE status = 'open' AND next_action_at IS NULL",
]
WEEKLY = "SELECT weekly_summary(%(now)s, %(week)s)"
WEEKLY_FLOOR = [
    "SELECT c.tier, count(*), sum(j.unpaid_principal + j.unpaid_costs) FROM enforcement_cases c "
    "JOIN judgments j ON j.id = c.judgment_id WHERE c.status = 'open' GROUP BY c.tier",
    "SELECT sum(gross) FROM payments WHERE received_on BETWEEN %(week)s AND %(week)s::date + 6",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    ap.add_argument("--database", default="df_bench_sched")
    args = ap.parse_args()
    server = (
        os.environ.get("DRAGONFLY_BENCH_DATABASE_URL")
        or os.environ.get("DRAGONFLY_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    url = db.with_database(db.plain_url(server), args.database)
    now = datetime.now(UTC).replace(microsecond=0)
    if not args.reuse:
        with psycopg.connect(server, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {args.database}")
        db.upgrade(url)
        t0 = time.perf_counter()
        print(f"seeding {args.cases} cases with {args.workers} connections ...", flush=True)
        seed(url, args.cases, args.workers, now - timedelta(days=1))
        print(f"seeded in {time.perf_counter() - t0:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        n_cases, n_events = conn.execute(
            "SELECT (SELECT count(*) FROM enforcement_cases), (SELECT count(*) FROM enforcement_events)"
        ).fetchone()  # type: ignore[misc]
        today = conn.execute("SELECT firm_date_of(%(now)s)", {"now": now}).fetchone()[0]  # type: ignore[index]
        horizon = conn.execute("SELECT add_business_days(%(d)s, 3)", {"d": today}).fetchone()[0]  # type: ignore[index]
        week = today - timedelta(days=today.weekday() + 7)
        p = {"now": now, "today": today, "horizon": horizon, "week": week}
        print(f"\nbook: {n_cases} cases, {n_events} events; as of {now.isoformat()}")
        d_ms, d_rows = timed(conn, DIGEST, p)
        floor = [timed(conn, q, p) for q in DIGEST_FLOOR]
        f_ms, f_rows = sum(t for t, _ in floor), sum(n for _, n in floor)
        print(f"digest selection : {d_ms:8.1f} ms  ({d_rows} rows)")
        print(f"digest floor     : {f_ms:8.1f} ms  ({f_rows} rows, {len(floor)} indexed queries)")
        print(f"ratio            : {d_ms / f_ms:8.2f}x   target < 300 ms and <= 3x")
        w_ms, _ = timed(conn, WEEKLY, p, runs=4)
        wf = [timed(conn, q, p, runs=4) for q in WEEKLY_FLOOR]
        wf_ms = sum(t for t, _ in wf)
        print(f"weekly summary   : {w_ms:8.1f} ms")
        print(f"weekly floor     : {wf_ms:8.1f} ms")
        print(f"ratio            : {w_ms / wf_ms:8.2f}x")
        body = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'digest_items'").fetchone()[0]  # type: ignore[index]
        body = (
            body.replace("%", "%%")
            .replace("p_now", "%(now)s::timestamptz")
            .replace("p_since", "NULL::timestamptz")
            .replace("p_horizon", "3")
        )
        print("\nEXPLAIN ANALYZE of the digest selection (function body inlined):")
        for (line,) in conn.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + body, p):
            print("  " + line)


if __name__ == "__main__":
    main()
