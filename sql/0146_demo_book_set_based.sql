-- depends: 0145_hot_tables_fillfactor
-- A big demo book, set-based (issue 12): `dragonfly demo seed --cases N` for a large N writes cases
-- lo..hi of the book in one call: debtors, judgments with the interest plan and docket the import
-- gives them (interest_plan), cases, assets, asset searches, blockers and ~20 events a case whose
-- hash chain is computed level by level with the functions the import and append_event use
-- (event_hash(prev, event_canonical(...))), so `dragonfly doctor` verifies it. The tables' own
-- triggers and keys stay on: the read model, its totals and the digest's line sources are kept as
-- for any write, and the keys are checked. Payments and documents are recorded afterwards through
-- their own sanctioned functions (dragonfly/demo_bulk.py), so they follow the law's allocation and
-- every document row has its stored object.
--
-- Case i of the book has id i (judgment, debtor, asset, action and blocker likewise) and number
-- p_first_number + i - 1: the book must start empty, which each chunk checks for its ids. Stage by i % 10: 0 intake, 1-3 discovery, 4-6
-- execution, 7-8 recovery, 9 closed; each stage move is in the history.

CREATE FUNCTION demo_book_chunk(p_lo integer, p_hi integer, p_base timestamptz, p_owners text[],
                                p_plaintiffs bigint[], p_first_number bigint, p_actor text DEFAULT 'cli:demo')
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    SET jit = off SET work_mem = '256MB' AS $$
DECLARE
    v_events constant integer := 20;
    v_n integer;
BEGIN
    -- Demo data is an operator's to write (`dragonfly demo seed`), never the application's.
    IF NOT is_operator_session() THEN
        PERFORM df_raise('DF012', 'The application cannot write a demo book',
                         'Run `dragonfly demo seed` as the database owner.');
    END IF;
    IF p_lo < 1 OR p_hi < p_lo OR cardinality(p_owners) = 0 OR cardinality(p_plaintiffs) = 0 THEN
        PERFORM df_raise('DF008', format('cases %s-%s with %s owners and %s plaintiffs is not a chunk', p_lo, p_hi,
                         cardinality(p_owners), cardinality(p_plaintiffs)), 'Give 1 <= lo <= hi, owners and plaintiffs.');
    END IF;
    IF EXISTS (SELECT 1 FROM enforcement_cases WHERE id BETWEEN p_lo AND p_hi)
       OR EXISTS (SELECT 1 FROM judgments WHERE id BETWEEN p_lo AND p_hi)
       OR EXISTS (SELECT 1 FROM debtors WHERE id BETWEEN p_lo AND p_hi) THEN
        PERFORM df_raise('DF007', format('cases %s-%s of the demo book are taken', p_lo, p_hi),
                         'The set-based demo book is written into an empty book: use --append for the per-row one.');
    END IF;

    CREATE TEMP TABLE demo_j ON COMMIT DROP AS
    SELECT i, (p_base::date - (200 + i % 3000))::date AS entered_on,
           (1000 + (i * 37) % 90000 + (i % 100) / 100.0)::numeric(14,2) AS principal,
           i % 3 = 0 AS consumer, i % 7 <> 0 AS person,
           (ARRAY['Kings', 'Queens', 'New York', 'Bronx', 'Richmond', 'Nassau', 'Erie', 'Albany'])[1 + i % 8] AS county,
           p_owners[1 + i % cardinality(p_owners)] AS owner,
           (ARRAY['intake', 'discovery', 'discovery', 'discovery', 'execution', 'execution', 'execution',
                  'recovery', 'recovery', 'closed'])[1 + i % 10]::stage AS stage
      FROM generate_series(p_lo, p_hi) i;
    ANALYZE demo_j;
    CREATE TEMP TABLE demo_plan ON COMMIT DROP AS
    SELECT k.entered_on, k.consumer, k.person, ip.segments, ip.basis
      FROM (SELECT DISTINCT entered_on, consumer, person FROM demo_j) k,
           LATERAL interest_plan(k.entered_on, k.consumer, k.person) ip;

    INSERT INTO debtors (id, name, debtor_type, created_at)
    SELECT i, 'Demo Debtor ' || i, CASE WHEN person THEN 'person' ELSE 'business' END::debtor_type, p_base FROM demo_j;
    INSERT INTO judgments (id, plaintiff_id, debtor_id, court, county, index_number, entered_on, principal, costs,
                           consumer_debt, debtor_is_person, interest_basis, unpaid_principal, unpaid_costs,
                           accrual_date, created_at)
    SELECT j.i, p_plaintiffs[1 + j.i % cardinality(p_plaintiffs)], j.i, 'Civil Court of the City of New York', j.county,
           'D' || j.i || '/' || (10 + j.i % 15), j.entered_on, j.principal, 150.00, j.consumer, j.person, p.basis,
           j.principal, 150.00, j.entered_on, p_base
      FROM demo_j j JOIN demo_plan p USING (entered_on, consumer, person);
    INSERT INTO interest_segments (judgment_id, from_date, to_date, rate, why)
    SELECT j.i, (g->>'from')::date, (g->>'to')::date, (g->>'rate')::numeric, g->>'why'
      FROM demo_j j JOIN demo_plan p USING (entered_on, consumer, person),
           jsonb_array_elements(p.segments) WITH ORDINALITY AS s(g, n)
     ORDER BY j.i, s.n;
    INSERT INTO judgment_dockets (judgment_id, county, docketed_on) SELECT i, county, entered_on FROM demo_j;

    -- The history: seq 1 by the operator, then the owner's steps an hour apart; each stage move
    -- where the case's stage says it happened. Level by level for every case of the chunk.
    CREATE TEMP TABLE demo_ev ON COMMIT DROP AS
    WITH RECURSIVE chain AS (
        SELECT j.i, 1 AS seq, 'case_created'::event_kind AS kind, p_actor AS actor, x.payload,
               NULL::bigint AS action_id, p_base - make_interval(days => 120 + j.i % 60) AS at,
               repeat('0', 64) AS prev_hash,
               event_hash(repeat('0', 64), event_canonical(j.i, 1, 'case_created', p_actor, 'demo', x.payload, NULL, NULL,
                                                           p_base - make_interval(days => 120 + j.i % 60))) AS hash,
               j.stage, j.owner
          FROM demo_j j,
               LATERAL (SELECT jsonb_build_object('court', 'Civil Court of the City of New York',
                                                  'index_number', 'D' || j.i || '/' || (10 + j.i % 15),
                                                  'debtor', 'Demo Debtor ' || j.i, 'owner', j.owner,
                                                  'principal', j.principal, 'costs', 150.00) AS payload) x
        UNION ALL
        SELECT c.i, c.seq + 1, n.kind, c.owner, n.payload, n.action_id, c.at + interval '5 days', c.hash,
               event_hash(c.hash, event_canonical(c.i, c.seq + 1, n.kind, c.owner, 'demo', n.payload, NULL, n.action_id,
                                                  c.at + interval '5 days')),
               c.stage, c.owner
          FROM chain c,
               LATERAL (SELECT CASE
                   WHEN c.seq + 1 = 2 AND c.stage <> 'intake' THEN 'to:discovery'
                   WHEN c.seq + 1 = 3 AND c.i % 3 = 0 THEN 'asset'
                   WHEN c.seq + 1 = 4 AND c.i % 4 = 0 AND c.stage <> 'intake' THEN 'search'
                   WHEN c.seq + 1 = 5 AND c.i % 4 = 0 AND c.stage <> 'intake' THEN 'search:in_progress'
                   WHEN c.seq + 1 = 6 AND c.i % 10 = 3 THEN 'blocker'
                   WHEN c.seq + 1 = 14 AND c.stage IN ('execution', 'recovery', 'closed') THEN 'to:execution'
                   WHEN c.seq + 1 = 17 AND c.stage IN ('recovery', 'closed') THEN 'to:recovery'
                   WHEN c.seq + 1 = v_events AND c.stage = 'closed' THEN 'to:closed'
                   WHEN (c.seq + 1) % 3 = 0 THEN 'next'
                   ELSE 'note' END AS step) t,
               LATERAL (SELECT CASE WHEN t.step LIKE 'to:%' THEN 'stage_changed'
                                    WHEN t.step = 'asset' THEN 'asset_recorded'
                                    WHEN t.step = 'search' THEN 'action_queued'
                                    WHEN t.step = 'search:in_progress' THEN 'action_advanced'
                                    WHEN t.step = 'blocker' THEN 'blocker_logged'
                                    WHEN t.step = 'next' THEN 'next_action_set'
                                    ELSE 'note_added' END::event_kind AS kind,
                               CASE t.step
                                   WHEN 'to:discovery' THEN jsonb_build_object('from', 'intake', 'to', 'discovery', 'note', 'judgment verified')
                                   WHEN 'to:execution' THEN jsonb_build_object('from', 'discovery', 'to', 'execution')
                                   WHEN 'to:recovery' THEN jsonb_build_object('from', 'execution', 'to', 'recovery')
                                   WHEN 'to:closed' THEN jsonb_build_object('from', 'recovery', 'to', 'closed', 'closing_reason', 'settled')
                                   WHEN 'asset' THEN jsonb_build_object('asset_id', c.i, 'kind', 'employer', 'description', 'Employer ' || c.i)
                                   WHEN 'search' THEN jsonb_build_object('action_id', c.i, 'kind', 'asset_search', 'state', 'requested')
                                   WHEN 'search:in_progress' THEN jsonb_build_object('action_id', c.i, 'kind', 'asset_search',
                                                                                     'from', 'requested', 'to', 'in_progress')
                                   WHEN 'blocker' THEN jsonb_build_object('blocker_id', c.i, 'kind', 'court', 'reason', 'motion pending')
                                   WHEN 'next' THEN jsonb_build_object('at', c.at + interval '10 days', 'what', 'call the debtor back')
                                   ELSE jsonb_build_object('text', 'called the debtor, step ' || (c.seq + 1)) END AS payload,
                               CASE WHEN t.step LIKE 'search%' THEN c.i END AS action_id) n
         WHERE c.seq < v_events)
    SELECT * FROM chain;
    ANALYZE demo_ev;
    -- Each case's first and last event and its last stage move, in one pass.
    CREATE TEMP TABLE demo_head ON COMMIT DROP AS
    SELECT i, min(at) AS created_at, max(at) FILTER (WHERE kind = 'stage_changed') AS stage_at
      FROM demo_ev GROUP BY i;

    INSERT INTO enforcement_cases (id, case_number, judgment_id, tier, rule_tier, tier_score, tier_reasons, stage,
                                   stage_entered_at, owner_slack_id, next_action_at, next_action_what, status,
                                   closing_reason, last_person_event_at, event_seq, last_event_hash, created_at)
    SELECT e.i, p_first_number + e.i - 1, e.i, (e.i % 4)::smallint, (e.i % 4)::smallint, 0, '{}', e.stage,
           coalesce(h.stage_at, h.created_at), e.owner,
           CASE WHEN e.stage <> 'closed' THEN p_base + make_interval(days => e.i % 40 - 10) END,
           CASE WHEN e.stage <> 'closed' THEN 'call the debtor back' END,
           CASE WHEN e.stage = 'closed' THEN 'closed' ELSE 'open' END,
           CASE WHEN e.stage = 'closed' THEN 'settled'::closing_reason END,
           e.at, v_events, e.hash, h.created_at
      FROM demo_ev e JOIN demo_head h USING (i)
     WHERE e.seq = v_events ORDER BY e.i;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO assets (id, case_id, kind, description, verified_on, created_at)
    SELECT e.i, e.i, 'employer', 'Employer ' || e.i, e.at::date, e.at FROM demo_ev e WHERE e.kind = 'asset_recorded';
    INSERT INTO enforcement_actions (id, case_id, kind, state, is_open, deadlines, next_deadline, created_by, created_at,
                                     state_entered_at)
    SELECT q.i, q.i, 'asset_search', 'in_progress', true, w.d, next_deadline_of('asset_search', 'in_progress', w.d),
           q.owner, q.at, a.at
      FROM demo_ev q JOIN demo_ev a ON a.i = q.i AND a.seq = q.seq + 1,
           -- the deadlines the workflow's rules give a search requested that day (sql/0130)
           LATERAL (SELECT workflow_deadlines('asset_search', 'requested', (q.at AT TIME ZONE 'UTC')::date,
                                              q.i % 4, NULL) AS d) w
     WHERE q.kind = 'action_queued';
    INSERT INTO blockers (id, case_id, kind, reason, eta, logged_by, logged_at)
    SELECT e.i, e.i, 'court', 'motion pending', p_base::date + (e.i % 20 - 8), e.owner, e.at
      FROM demo_ev e WHERE e.kind = 'blocker_logged';
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, action_id, occurred_at, prev_hash, hash)
    SELECT i, seq, kind, actor, 'demo', payload, action_id, at, prev_hash, hash FROM demo_ev ORDER BY i, seq;

    DROP TABLE demo_head;
    DROP TABLE demo_ev;
    DROP TABLE demo_plan;
    DROP TABLE demo_j;
    RETURN v_n;
END $$;

-- After the chunks: the id sequences and case numbers continue after the book.
CREATE FUNCTION demo_book_finish(p_first_number bigint, p_cases integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT is_operator_session() THEN
        PERFORM df_raise('DF012', 'The application cannot write a demo book',
                         'Run `dragonfly demo seed` as the database owner.');
    END IF;
    PERFORM setval(pg_get_serial_sequence(t, 'id'), greatest(p_cases, 1))
       FROM unnest(ARRAY['debtors', 'judgments', 'enforcement_cases', 'assets', 'enforcement_actions', 'blockers']) t;
    PERFORM setval('case_number_seq', greatest(p_first_number + p_cases - 1,
                                               (SELECT last_value FROM case_number_seq)));
END $$;
