-- depends: 0140_interest_helpers_cached_plans 0086_import_payments_read_model_once
-- A bulk payments import refreshes each case's read model once for the whole import, not once per
-- chunk: the importer (dragonfly/import_rowwise.py) records a file in chunks of 5,000 payments in
-- ONE transaction, and a file with several payments per case touched most cases again in every
-- chunk (100,000 payments on 20,000 cases: 100,000 case refreshes instead of 20,000, 8 of the
-- import's ~70 s). A chunk may now leave its cases to a later call in the same transaction
-- (p_refresh false); the call that passes p_refresh_from refreshes every case of the 'create' rows
-- p_refresh_from..p_to. The importer defers every chunk but the last, which refreshes from row 1,
-- before the transaction commits, so no reader ever sees a payment without its case's read
-- model row (nothing that records a payment reads the read model, sql/0086). The default, as
-- before, refreshes the chunk's own cases.
--
-- The statistics refresh between chunks (sql/0081: the per-payment lookups must not stay planned
-- on the statistics of an empty table) now runs only while the statistics are stale by more than
-- half: when pg_class counts fewer than half the payments this import has recorded so far. From an
-- empty table that is a handful of ANALYZEs instead of one per chunk (each ~0.1 s at 100,000
-- rows), and none on a book whose payments already outnumber the file's.

DROP FUNCTION import_payments_apply(bigint, bigint, text, text, boolean);

CREATE FUNCTION import_payments_apply(p_from bigint, p_to bigint, p_actor text, p_source text DEFAULT 'import',
    p_collect boolean DEFAULT false, p_refresh boolean DEFAULT true, p_refresh_from bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    v_created integer := 0;
    v_problems jsonb := '[]';
    v_state text;
    v_message text;
BEGIN
    IF p_actor IS NULL OR p_actor !~ '^([UW][A-Z0-9]+|system:[a-z_]+|cli:.+)$' THEN
        PERFORM df_raise('DF008', format('"%s" is not an actor', coalesce(p_actor, '')), 'Use cli:<name> or a Slack user id.');
    END IF;
    IF p_from > 1 AND (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'payments'::regclass) < (p_from - 1) / 2 THEN
        -- Fresh statistics for the per-payment lookups (see sql/0081), while they are stale.
        ANALYZE payments;
    END IF;
    PERFORM set_config('dragonfly.read_model_deferred', 'on', true);
    FOR r IN SELECT * FROM pg_temp.df_import_payments_checked
              WHERE seq BETWEEN p_from AND p_to AND status = 'create' ORDER BY seq LOOP
        IF NOT p_collect THEN
            PERFORM record_enforcement_payment(r.case_ref, r.gross, r.kind, r.key, p_actor, r.received_on, NULL, NULL,
                                               r.poundage, r.fees, false, p_source);
            v_created := v_created + 1;
        ELSE
            BEGIN
                PERFORM record_enforcement_payment(r.case_ref, r.gross, r.kind, r.key, p_actor, r.received_on, NULL,
                                                   NULL, r.poundage, r.fees, false, p_source);
                v_created := v_created + 1;
            EXCEPTION WHEN SQLSTATE 'DF000' THEN  -- any refusal of class DF (df_raise)
                GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
                v_problems := v_problems || jsonb_build_object('line', r.line,
                    'column', CASE v_state WHEN 'DF006' THEN 'gross' WHEN 'DF007' THEN 'payer_ref'
                                           WHEN 'DF011' THEN 'case_ref' WHEN 'DF001' THEN 'case_ref'
                                           WHEN 'DF008' THEN 'received_on' ELSE '(row)' END,
                    'reason', v_message);
            END;
        END IF;
    END LOOP;
    PERFORM set_config('dragonfly.read_model_deferred', 'off', true);
    IF p_refresh THEN
        PERFORM refresh_case_read_model(ARRAY(
            SELECT DISTINCT c.id FROM pg_temp.df_import_payments_checked k
              JOIN enforcement_cases c ON c.case_ref = k.case_ref
             WHERE k.seq BETWEEN coalesce(p_refresh_from, p_from) AND p_to AND k.status = 'create'));
    END IF;
    RETURN jsonb_build_object('created', v_created, 'problems', v_problems);
END $$;
