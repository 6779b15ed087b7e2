-- depends: 0153_whole_book_rules_inlined
-- doctor's payment-allocation check without replaying every paid case every morning (issue 12).
-- On the 1M demo book (50,000 cases with payments) misallocated_cases replayed every ledger:
-- 21.5 s of a 38 s `dragonfly doctor`. As for the hash chain (sql/0073), each case found right
-- gets a checkpoint: its event head then (every payment, reversal, reallocation or judgment
-- correction appends an event, so a moved head means the ledger's inputs may have changed) and the
-- fingerprint of the rules and rates the replay applies (a migration that changes them, or a new
-- rate, re-replays every case). Each run replays the cases with payments that have no checkpoint,
-- whose head moved or whose fingerprint differs, plus the p_rotate cases verified longest ago, so
-- every ledger is replayed again every (paid cases / p_rotate) runs; `dragonfly doctor --full`
-- replays all. A case found wrong keeps no checkpoint: it is reported on every run until an admin
-- re-allocates it. Written by operators only (no grant to the application role).

CREATE TABLE allocation_checkpoints (
    case_id     bigint PRIMARY KEY REFERENCES enforcement_cases(id),
    event_seq   integer NOT NULL,
    rules       text NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX allocation_checkpoints_rotation ON allocation_checkpoints (verified_at);

-- What the replay applies besides a case's own rows: the functions' code and the rate tables.
CREATE FUNCTION allocation_rules_fingerprint() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT md5(coalesce((SELECT string_agg(p.oid::regprocedure::text || p.prosrc, '|' ORDER BY p.oid::regprocedure::text)
                           FROM pg_proc p
                          WHERE p.pronamespace = 'public'::regnamespace
                            AND p.proname IN ('replay_ledger_read', 'interest_factor', 'standard_interest_factor',
                                              'applied_at_standard_rate')), '')
               || coalesce((SELECT string_agg(r::text, '|' ORDER BY r::text) FROM interest_rates r), ''))
$$;

-- Cases whose stored payment parts differ from the ledger replayed by the law (as
-- misallocated_cases), replaying only what may have changed since the checkpoints (or every paid
-- case with p_full); moves the checkpoint of every case found right. At most p_limit rows.
CREATE FUNCTION verify_allocations(p_full boolean DEFAULT false, p_rotate integer DEFAULT 1000,
    p_limit integer DEFAULT 50) RETURNS TABLE (case_ref text, payments integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_rules constant text := allocation_rules_fingerprint();
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS df_alloc_todo (case_id bigint PRIMARY KEY, judgment_id bigint, event_seq integer,
        changed integer) ON COMMIT DROP;
    TRUNCATE df_alloc_todo;
    INSERT INTO df_alloc_todo (case_id, judgment_id, event_seq)
    SELECT c.id, c.judgment_id, c.event_seq
      FROM enforcement_cases c LEFT JOIN allocation_checkpoints k ON k.case_id = c.id
     WHERE EXISTS (SELECT 1 FROM payments p WHERE p.case_id = c.id)
       AND (p_full OR k.case_id IS NULL OR k.event_seq <> c.event_seq OR k.rules <> v_rules
            OR c.id IN (SELECT r.case_id FROM allocation_checkpoints r ORDER BY r.verified_at LIMIT p_rotate));
    UPDATE df_alloc_todo t SET changed = jsonb_array_length(replay_ledger_read(t.judgment_id)->'changed');

    INSERT INTO allocation_checkpoints AS k (case_id, event_seq, rules, verified_at)
    SELECT t.case_id, t.event_seq, v_rules, now() FROM df_alloc_todo t WHERE t.changed = 0
    ON CONFLICT (case_id) DO UPDATE SET event_seq = EXCLUDED.event_seq, rules = EXCLUDED.rules,
        verified_at = EXCLUDED.verified_at;
    DELETE FROM allocation_checkpoints k USING df_alloc_todo t WHERE k.case_id = t.case_id AND t.changed > 0;

    RETURN QUERY SELECT c.case_ref, t.changed FROM df_alloc_todo t JOIN enforcement_cases c ON c.id = t.case_id
                  WHERE t.changed > 0 ORDER BY c.case_number LIMIT p_limit;
END $$;

-- The whole-book replay it replaces (doctor was its only caller).
DROP FUNCTION misallocated_cases(integer);
