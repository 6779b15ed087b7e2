-- depends: 0151_digest_warning_sources
-- Every recorded event's checks (check_new_events, sql/0050) once per distinct actor, source and
-- act of the statement, as that function's comment says, and the session's operator test once per
-- statement: the filter on the distinct rows was pushed below the DISTINCT, so it ran (a plpgsql
-- call and three regular expressions) for every new row: an import batch of 10,000 cases or a
-- nightly of 200,000 warnings paid it per event. Same checks, same refusals.

CREATE OR REPLACE FUNCTION check_new_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e record;
    v_operator constant boolean := is_operator_session();
BEGIN
    -- Who: one check per distinct (actor, source, kind, act) (an import batch has one of each). An
    -- operator's rows with well-formed actor and source need nothing more, so its common path is
    -- this one query (the hot path of bench/bench_engine.py).
    FOR e IN WITH d AS MATERIALIZED (SELECT DISTINCT n.actor, n.source, n.kind, event_act(n.kind, n.payload) AS act
                                       FROM new_events n)
             SELECT d.* FROM d
              WHERE NOT v_operator OR actor_form(d.actor) IS NULL
                 OR d.source !~ '^[a-z][a-z0-9_-]{0,31}$' LOOP
        IF e.source !~ '^[a-z][a-z0-9_-]{0,31}$' THEN
            PERFORM df_raise('DF008', format('"%s" is not an event source', left(e.source, 40)),
                             'A source is a short lower-case word such as slack, scheduler or cli.');
        END IF;
        PERFORM require_actor_allowed(e.actor);
        CONTINUE WHEN v_operator;
        IF e.act = 'nightly' THEN
            IF actor_form(e.actor) <> 'system' THEN
                PERFORM df_raise('DF012', format('%s is recorded only by the nightly rules', e.kind),
                                 'The scheduler records it as system:nightly.');
            END IF;
        ELSIF actor_form(e.actor) = 'system' THEN
            PERFORM df_raise('DF012', format('%s cannot record %s', e.actor, e.kind),
                             'A system: actor records only the nightly rules; people act as themselves.');
        ELSE
            PERFORM require_role(e.actor, e.act);
        END IF;
    END LOOP;
    -- What, in one query (only the trigger function sees the statement's new rows):
    --  * each text field within its limit (field_limits; imported cases, case_created, are checked
    --    row by row by the import itself);
    --  * one document proves one step (README "In Slack"; a document is linked to the event it
    --    proves): the same bytes on this case (same sha256, whatever the Slack file
    --    id or document kind) back one workflow step and one payment, never a second of either.
    FOR e IN SELECT x.code, x.message, x.hint FROM (
                 SELECT 1 AS o, 'DF008' AS code,
                        format('A %s can be at most %s characters (this one has %s)', f.label, f.max_chars,
                               length(n.payload->>f.field)) AS message,
                        'Shorten it, or attach the long text as a document.' AS hint
                   FROM new_events n JOIN field_limits f ON n.payload ? f.field
                  WHERE n.kind <> 'case_created' AND (f.kinds IS NULL OR n.kind = ANY (f.kinds))
                    AND length(n.payload->>f.field) > f.max_chars
                 UNION ALL
                 SELECT 2, 'DF005',
                        format('%s (document #%s) already proves %s on this case', d.original_name, d.id,
                            CASE WHEN p.kind = 'payment_recorded' THEN format('payment #%s', p.payload->>'payment_id')
                                 ELSE format('%s #%s (%s)', coalesce(p.payload->>'kind', 'information_subpoena'),
                                             p.payload->>'action_id',
                                             coalesce(p.payload->>'to', p.payload->>'state', 'served')) END),
                        'One document proves one step: upload the document for this step (a copy of the same file is the same document).'
                   FROM new_events n
                   -- LATERAL ... LIMIT 1: index probes per new row, never a scan of the log.
                   CROSS JOIN LATERAL (SELECT * FROM enforcement_documents WHERE id = n.document_id LIMIT 1) d
                   CROSS JOIN LATERAL (
                        SELECT p.kind, p.payload FROM enforcement_documents d2
                          JOIN enforcement_events p ON p.document_id = d2.id
                         WHERE d2.case_id = d.case_id AND d2.sha256 = d.sha256 AND p.id <> n.id
                           AND proof_group(p.kind) = proof_group(n.kind) LIMIT 1) p
                  WHERE n.document_id IS NOT NULL AND proof_group(n.kind) IS NOT NULL) x
              ORDER BY x.o LIMIT 1 LOOP
        PERFORM df_raise(e.code, e.message, e.hint);
    END LOOP;
    RETURN NULL;
END $$;
