# ruff: noqa: E501  (the seeding SQL reads better unwrapped)
"""A big, realistic book built set-based (issue 12): SQL generate_series writes the plaintiffs,
debtors, judgments (with their interest segments and dockets), cases, assets, workflows,
documents, blockers and payments of a chunk of cases in a few statements, and ~20 events per case
whose hash chain is computed level by level in one recursive query with the functions the import
and append_event use (event_hash(prev, event_canonical(...))), so `dragonfly doctor` verifies it.

The rows are written with session_replication_role = replica (no per-row triggers or foreign-key
checks: the generator writes consistent keys itself); the read model and its totals are then
derived in one set-based pass each (refresh_all_case_read_models, rebuild_case_totals,
rebuild_digest_sources).
"""

from __future__ import annotations

import threading
import time

import psycopg

EVENTS_PER_CASE = 20
OWNERS = 150  # ~6,700 cases each at 1M cases

# One chunk of cases [lo, hi]. Ids are the case index i, so every row of a case shares it.
CHUNK_SQL = f"""
SET LOCAL session_replication_role = replica;
SET LOCAL synchronous_commit = off;
INSERT INTO debtors (id, name, debtor_type, created_at)
SELECT i, 'Scale Debtor ' || i, CASE WHEN i % 7 = 0 THEN 'business' ELSE 'person' END::debtor_type, %(base)s::timestamptz
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i;
CREATE TEMP TABLE seed_j ON COMMIT DROP AS
SELECT i, (current_date - (200 + i % 3000))::date AS entered_on,
       (1000 + (i * 37) % 90000 + (i % 100) / 100.0)::numeric(14,2) AS principal,
       CASE WHEN i % 3 = 0 AND i % 7 <> 0 THEN 0.02 ELSE 0.09 END::numeric(6,4) AS rate,
       (ARRAY['Kings','Queens','New York','Bronx','Richmond'])[1 + i % 5] AS county,
       CASE WHEN i % 5 = 0 THEN (100 + i % 400)::numeric(14,2) END AS paid,
       CASE WHEN i % 5 = 0 THEN (current_date - (1 + i % 150))::date END AS paid_on
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i;
INSERT INTO judgments (id, plaintiff_id, debtor_id, court, county, index_number, entered_on, principal, costs,
                       consumer_debt, debtor_is_person, interest_basis, unpaid_principal, unpaid_costs,
                       interest_carry, accrual_date, created_at)
SELECT i, 1 + i % 500, i, 'Civil Court', county, i || '/' || (10 + i % 15), entered_on, principal, 150.00,
       i % 3 = 0, i % 7 <> 0, trim_scale(rate * 100) || '% a year', principal - coalesce(paid, 0), 150.00,
       CASE WHEN paid IS NULL THEN 0 ELSE round(principal * rate * (paid_on - entered_on) / 365, 6) END,
       coalesce(paid_on, entered_on), %(base)s::timestamptz
  FROM seed_j;
INSERT INTO interest_segments (id, judgment_id, from_date, rate, why)
SELECT i, i, entered_on, rate, 'CPLR 5004(a)' FROM seed_j;
INSERT INTO judgment_dockets (id, judgment_id, county, docketed_on) SELECT i, i, county, entered_on FROM seed_j;
INSERT INTO assets (id, case_id, kind, description, county, verified_on, created_at)
SELECT i, i, 'employer', 'Employer ' || i, NULL, current_date - i % 300, %(base)s::timestamptz
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i WHERE i % 3 = 0;
INSERT INTO enforcement_documents (id, case_id, kind, storage_key, sha256, size_bytes, content_type, original_name,
                                   uploaded_by, uploaded_at)
SELECT i, i, 'search_report', 'bench/' || i || '.pdf', encode(sha256(i::text::bytea), 'hex'), 1000,
       'application/pdf', 'report.pdf', 'U0OWN' || i % {OWNERS}, %(base)s::timestamptz
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i WHERE i % 10 = 0;
INSERT INTO enforcement_actions (id, case_id, kind, state, is_open, deadlines, next_deadline, created_by, created_at,
                                 state_entered_at)
SELECT i, i, 'asset_search', 'in_progress', true,
       jsonb_build_object('search_due', current_date + (i % 20 - 5)), current_date + (i % 20 - 5), 'U0OWN' || i % {OWNERS},
       %(base)s::timestamptz, %(base)s::timestamptz - make_interval(days => i % 30)
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i WHERE i % 4 = 0;
INSERT INTO blockers (id, case_id, kind, reason, eta, logged_by, logged_at)
SELECT i, i, 'court', 'motion pending', current_date + (i % 20 - 8), 'U0OWN' || i % {OWNERS}, %(base)s::timestamptz
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) i WHERE i % 10 = 3;
INSERT INTO payments (id, case_id, kind, gross, interest_part, principal_part, costs_part, received_on,
                      idempotency_key, recorded_by, recorded_at)
SELECT i, i, 'direct', paid, 0, paid, 0, paid_on, 'bench-' || i, 'U0OWN' || i % {OWNERS}, %(base)s::timestamptz
  FROM seed_j WHERE paid IS NOT NULL;

-- ~20 events a case; the chain is computed one seq level at a time (for all cases of the chunk).
CREATE TEMP TABLE seed_ev ON COMMIT DROP AS
WITH RECURSIVE k AS (SELECT %(base)s::timestamptz AS base),
chain AS (
    SELECT i, 1 AS seq, 'case_created'::event_kind AS kind, 'cli:bench'::text AS actor,
           jsonb_build_object('court', 'Civil Court', 'index_number', i || '/' || (10 + i % 15), 'debtor',
                              'Scale Debtor ' || i, 'owner', 'U0OWN' || i % {OWNERS}) AS payload,
           NULL::bigint AS document_id, NULL::bigint AS action_id,
           k.base - make_interval(days => 30 + (i % 60)::integer) AS at, repeat('0', 64) AS prev_hash,
           event_hash(repeat('0', 64), event_canonical(i, 1, 'case_created', 'cli:bench', 'bench',
               jsonb_build_object('court', 'Civil Court', 'index_number', i || '/' || (10 + i % 15), 'debtor',
                                  'Scale Debtor ' || i, 'owner', 'U0OWN' || i % {OWNERS}),
               NULL, NULL, k.base - make_interval(days => 30 + (i % 60)::integer))) AS hash
      FROM generate_series(%(lo)s::integer, %(hi)s::integer) i, k
    UNION ALL
    SELECT n.i, n.seq, n.kind, n.actor, n.payload, n.document_id, n.action_id, n.at, c.hash,
           event_hash(c.hash, event_canonical(n.i, n.seq, n.kind, n.actor, 'bench', n.payload, n.document_id,
                                              n.action_id, n.at))
      FROM chain c,
           LATERAL (SELECT c.i, c.seq + 1 AS seq,
                           x.kind, 'U0OWN' || c.i % {OWNERS} AS actor, x.payload, x.document_id, x.action_id,
                           c.at + interval '1 hour' AS at
                      FROM (SELECT CASE
                                WHEN c.seq + 1 = 2 THEN 'stage_changed'
                                WHEN c.seq + 1 = 3 AND c.i % 3 = 0 THEN 'asset_recorded'
                                WHEN c.seq + 1 = 4 AND c.i % 4 = 0 THEN 'action_queued'
                                WHEN c.seq + 1 = 5 AND c.i % 4 = 0 THEN 'action_advanced'
                                WHEN c.seq + 1 = 6 AND c.i % 10 = 0 THEN 'document_attached'
                                WHEN c.seq + 1 = 7 AND c.i % 5 = 0 THEN 'payment_recorded'
                                WHEN c.seq + 1 = 8 AND c.i % 10 = 3 THEN 'blocker_logged'
                                WHEN c.seq + 1 >= 9 AND (c.seq + 1) % 2 = 0 THEN 'next_action_set'
                                ELSE 'note_added' END::event_kind AS kind) t,
                           LATERAL (SELECT t.kind,
                               CASE t.kind
                                   WHEN 'stage_changed' THEN jsonb_build_object('from', 'intake', 'to', 'discovery', 'dwell_days', 1)
                                   WHEN 'asset_recorded' THEN jsonb_build_object('asset_id', c.i, 'kind', 'employer', 'description', 'Employer ' || c.i)
                                   WHEN 'action_queued' THEN jsonb_build_object('action_id', c.i, 'kind', 'asset_search', 'state', 'requested')
                                   WHEN 'action_advanced' THEN jsonb_build_object('action_id', c.i, 'kind', 'asset_search', 'from', 'requested', 'to', 'in_progress')
                                   WHEN 'document_attached' THEN jsonb_build_object('kind', 'search_report', 'name', 'report.pdf')
                                   WHEN 'payment_recorded' THEN jsonb_build_object('payment_id', c.i, 'kind', 'direct', 'gross', 100 + c.i % 400)
                                   WHEN 'blocker_logged' THEN jsonb_build_object('blocker_id', c.i, 'kind', 'court', 'reason', 'motion pending')
                                   WHEN 'next_action_set' THEN jsonb_build_object('at', c.at + interval '10 days', 'what', 'call back')
                                   ELSE jsonb_build_object('text', 'called the debtor, step ' || (c.seq + 1)) END AS payload,
                               CASE WHEN t.kind = 'document_attached' THEN c.i END AS document_id,
                               CASE WHEN t.kind IN ('action_queued', 'action_advanced') THEN c.i END AS action_id) x) n
     WHERE c.seq < {EVENTS_PER_CASE})
SELECT * FROM chain;
INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, document_id, action_id, occurred_at,
                                prev_hash, hash)
SELECT i, seq, kind, actor, 'bench', payload, document_id, action_id, at, prev_hash, hash FROM seed_ev ORDER BY i, seq;
INSERT INTO enforcement_cases (id, case_number, judgment_id, tier, rule_tier, tier_score, tier_reasons, stage,
                               stage_entered_at, owner_slack_id, next_action_at, next_action_what, status,
                               closing_reason, last_person_event_at, last_payment_at, event_seq, last_event_hash,
                               created_at)
SELECT e.i, 1000 + e.i, e.i, (e.i % 4)::smallint, (e.i % 4)::smallint, 30, '{{}}',
       (ARRAY['intake','discovery','discovery','discovery','execution','execution','execution','recovery','recovery','closed'])[1 + e.i % 10]::stage,
       %(base)s::timestamptz - make_interval(days => (e.i % 90)::integer), 'U0OWN' || e.i % {OWNERS},
       CASE WHEN e.i % 10 <> 9 THEN %(base)s::timestamptz + make_interval(days => (e.i % 40)::integer - 10) END,
       CASE WHEN e.i % 10 <> 9 THEN 'call back' END,
       CASE WHEN e.i % 10 = 9 THEN 'closed' ELSE 'open' END,
       CASE WHEN e.i % 10 = 9 THEN 'settled'::closing_reason END,
       e.at, CASE WHEN e.i % 5 = 0 THEN (current_date - (1 + e.i % 150))::timestamptz END,
       {EVENTS_PER_CASE}, e.hash, e.at - interval '{EVENTS_PER_CASE} hours'
  FROM seed_ev e WHERE e.seq = {EVENTS_PER_CASE};
"""

FINISH_SQL = [
    f"SELECT setval('{t}_id_seq', (SELECT coalesce(max(id), 1) FROM {t}))"
    for t in (
        "plaintiffs",
        "debtors",
        "judgments",
        "interest_segments",
        "judgment_dockets",
        "enforcement_cases",
        "assets",
        "enforcement_documents",
        "enforcement_actions",
        "blockers",
        "payments",
        "enforcement_events",
    )
] + [
    "SELECT setval('case_number_seq', (SELECT max(case_number) FROM enforcement_cases))",
    "SET session_replication_role = origin",
    # statistics first: the read model's per-case lookups must be planned as index probes
    "ANALYZE",
    "SELECT refresh_all_case_read_models()",
    "SELECT rebuild_case_totals()",
    # the seeded tiers are arbitrary: the first nightly scoring makes them the rules' (with events)
    "SELECT assign_tiers()",
    # the digest's line sources (sql/0137) are kept by triggers, which were off for the rows above
    "SELECT rebuild_digest_sources()",
    "SELECT compact_case_totals()",
    "VACUUM (ANALYZE) enforcement_cases, case_read_model, judgments, debtors, payments, blockers, enforcement_actions,"
    " digest_sources",
    "ANALYZE enforcement_events",
]


def build(url: str, cases: int, *, chunk: int = 50_000, workers: int = 2, log=print) -> float:  # type: ignore[no-untyped-def]
    """Write a `cases`-case book into the (migrated, empty) database at `url`; returns seconds."""
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO plaintiffs (id, name) SELECT p, 'Plaintiff ' || p FROM generate_series(1, 500) p")
        base = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    chunks = [(lo, min(lo + chunk - 1, cases)) for lo in range(1, cases + 1, chunk)]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        with psycopg.connect(url) as conn:
            while True:
                with lock:
                    if not chunks or errors:
                        return
                    lo, hi = chunks.pop(0)
                try:
                    sql = CHUNK_SQL.replace("%(lo)s", str(lo)).replace("%(hi)s", str(hi))
                    sql = sql.replace("%(base)s", f"'{base.isoformat()}'")
                    for statement in sql.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)  # type: ignore[call-overload]
                    conn.commit()
                except BaseException as exc:  # stop the other workers too
                    errors.append(exc)
                    return
                log(f"  seeded cases {lo}-{hi} ({time.perf_counter() - t0:.0f} s)")

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in FINISH_SQL:
            s = time.perf_counter()
            conn.execute(sql)  # type: ignore[arg-type]
            log(f"  {sql[:60]}... {time.perf_counter() - s:.1f} s")
    return time.perf_counter() - t0
