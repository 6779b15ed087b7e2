-- depends: 0081_import_payments 0070_read_model
-- A bulk payments import refreshes each case's read model once per chunk instead of three times
-- per payment (the judgment's balance, the payment row and the case's last payment each fired a
-- refresh, sql/0070). The row and statement triggers on judgments and child rows now honour
-- `dragonfly.read_model_deferred`, as the case-row trigger already did for assign_tiers; the
-- writer that sets it refreshes the cases it touched itself, in the same transaction, before it
-- returns, so a reader never sees the two disagree. Nothing in record_enforcement_payment reads
-- the read model (its balance comes from the judgment), so deferring changes no amount.

CREATE OR REPLACE FUNCTION rm_judgment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    PERFORM refresh_case_read_model(ARRAY(SELECT c.id FROM enforcement_cases c WHERE c.judgment_id = NEW.id));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rm_children_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    PERFORM refresh_case_read_model(ARRAY(SELECT DISTINCT n.case_id FROM rm_child_new n));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rm_children_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    PERFORM refresh_case_read_model(ARRAY(SELECT DISTINCT o.case_id FROM rm_child_old o));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rm_children_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    PERFORM refresh_case_read_model(ARRAY(SELECT n.case_id FROM rm_child_new n UNION SELECT o.case_id FROM rm_child_old o));
    RETURN NULL;
END $$;

-- As in sql/0081, with the read model refreshed once for the chunk's cases at the end.
CREATE OR REPLACE FUNCTION import_payments_apply(p_from bigint, p_to bigint, p_actor text, p_source text DEFAULT 'import',
    p_collect boolean DEFAULT false) RETURNS jsonb
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
    IF p_from > 1 THEN
        -- Fresh statistics for the per-payment lookups (see sql/0081).
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
    PERFORM refresh_case_read_model(ARRAY(
        SELECT DISTINCT c.id FROM pg_temp.df_import_payments_checked k
          JOIN enforcement_cases c ON c.case_ref = k.case_ref
         WHERE k.seq BETWEEN p_from AND p_to AND k.status = 'create'));
    RETURN jsonb_build_object('created', v_created, 'problems', v_problems);
END $$;
