-- The hash-chain check without reading every event every morning (issue 12). doctor verifies each
-- case's events after its last checkpoint (the seq and hash of the head it verified last time),
-- linking the first of them to the checkpointed hash, and stores the new head as the checkpoint.
-- A checkpointed event whose hash changed since is reported. Each run also re-reads the whole
-- chain of the p_rotate cases verified in full longest ago, so every chain is re-read from its
-- genesis hash every (cases / p_rotate) runs; `dragonfly doctor --full` re-reads all of them. Checkpoints are written by operators only (no grant to the
-- application role), so the application cannot move them.

CREATE TABLE chain_checkpoints (
    case_id     bigint PRIMARY KEY REFERENCES enforcement_cases(id),
    seq         integer NOT NULL,
    hash        text NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now(),
    full_at     timestamptz NOT NULL DEFAULT now()   -- the last time its whole chain was re-read
);
CREATE INDEX chain_checkpoints_rotation ON chain_checkpoints (full_at);

-- Problems in the chains, checking only what is new since the checkpoints (or everything with
-- p_full), and moves the checkpoint of every case found sound to its head. At most 50 problems.
CREATE FUNCTION verify_event_chains(p_full boolean DEFAULT false, p_rotate integer DEFAULT 1000)
RETURNS TABLE (case_ref text, seq integer, problem text)
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS df_chain_todo (case_id bigint PRIMARY KEY, head_seq integer, head_hash text,
        from_seq integer, from_hash text) ON COMMIT DROP;
    TRUNCATE df_chain_todo;
    -- The rotation first (whole chains), then every case whose head moved since its checkpoint.
    INSERT INTO df_chain_todo
    SELECT c.id, c.event_seq, c.last_event_hash, 0, repeat('0', 64)
      FROM enforcement_cases c
     WHERE p_full OR c.id IN (SELECT k.case_id FROM chain_checkpoints k ORDER BY k.full_at LIMIT p_rotate);
    INSERT INTO df_chain_todo
    SELECT c.id, c.event_seq, c.last_event_hash, coalesce(k.seq, 0), coalesce(k.hash, repeat('0', 64))
      FROM enforcement_cases c LEFT JOIN chain_checkpoints k ON k.case_id = c.id
     WHERE NOT p_full AND (k.case_id IS NULL OR k.seq <> c.event_seq OR k.hash <> c.last_event_hash)
    ON CONFLICT (case_id) DO NOTHING;
    ANALYZE df_chain_todo;

    CREATE TEMP TABLE IF NOT EXISTS df_chain_problems (case_id bigint, seq integer, problem text) ON COMMIT DROP;
    TRUNCATE df_chain_problems;
    INSERT INTO df_chain_problems
    WITH e AS (
        SELECT e.case_id, e.seq, e.prev_hash, e.hash, t.from_seq, t.from_hash,
               lag(e.hash) OVER w AS expected_prev, lag(e.seq) OVER w AS prev_seq,
               event_hash(e.prev_hash, event_canonical(e.case_id, e.seq, e.kind, e.actor, e.source, e.payload,
                                                       e.document_id, e.action_id, e.occurred_at)) AS recomputed
          FROM df_chain_todo t JOIN enforcement_events e ON e.case_id = t.case_id AND e.seq > t.from_seq
                                                          AND e.seq <= t.head_seq
        WINDOW w AS (PARTITION BY e.case_id ORDER BY e.seq))
    SELECT e.case_id, e.seq,
           CASE WHEN e.recomputed <> e.hash THEN 'content does not match its hash'
                WHEN e.prev_hash <> coalesce(e.expected_prev, e.from_hash) THEN 'link to the previous event is broken'
                ELSE 'sequence gap' END
      FROM e
     WHERE e.recomputed <> e.hash OR e.prev_hash <> coalesce(e.expected_prev, e.from_hash)
        OR e.seq <> coalesce(e.prev_seq, e.from_seq) + 1;
    -- The event a checkpoint names must still carry the checkpointed hash.
    INSERT INTO df_chain_problems
    SELECT t.case_id, t.from_seq, 'checkpointed event changed or missing'
      FROM df_chain_todo t LEFT JOIN enforcement_events e ON e.case_id = t.case_id AND e.seq = t.from_seq
     WHERE t.from_seq > 0 AND (e.hash IS NULL OR e.hash <> t.from_hash);
    INSERT INTO df_chain_problems
    SELECT t.case_id, t.head_seq, 'case head does not match its last event'
      FROM df_chain_todo t LEFT JOIN enforcement_events e ON e.case_id = t.case_id AND e.seq = t.head_seq
     WHERE t.head_seq > 0 AND (e.hash IS NULL OR e.hash <> t.head_hash);
    INSERT INTO df_chain_problems
    SELECT t.case_id, t.head_seq, 'events after the case head'
      FROM df_chain_todo t WHERE EXISTS (SELECT 1 FROM enforcement_events e WHERE e.case_id = t.case_id
                                                                            AND e.seq > t.head_seq);

    INSERT INTO chain_checkpoints AS k (case_id, seq, hash, verified_at, full_at)
    SELECT t.case_id, t.head_seq, t.head_hash, now(), now() FROM df_chain_todo t
     WHERE t.head_seq > 0 AND NOT EXISTS (SELECT 1 FROM df_chain_problems p WHERE p.case_id = t.case_id)
    ON CONFLICT (case_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, verified_at = EXCLUDED.verified_at,
        full_at = CASE WHEN (SELECT t.from_seq FROM df_chain_todo t WHERE t.case_id = k.case_id) = 0
                       THEN EXCLUDED.full_at ELSE k.full_at END;

    RETURN QUERY SELECT c.case_ref, p.seq, p.problem FROM df_chain_problems p JOIN enforcement_cases c ON c.id = p.case_id
                  ORDER BY c.case_number, p.seq LIMIT 50;
END $$;
