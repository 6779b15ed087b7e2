-- Bulk payments (`dragonfly import payments FILE`, issue 16): marshal and bank remittance reports
-- and lockbox files. Same contract as the judgment import (sql/0040_import.sql): the importer
-- (dragonfly/import_payments.py) streams the file with COPY into pg_temp.df_import_payments, then
--   import_check_payments()        validates every staged row in one set-based pass into
--                                  pg_temp.df_import_payments_checked (status create|present|error,
--                                  problems 'column|reason', seq = the order payments are applied);
--   import_payments_apply(...)     records the 'create' rows seq p_from..p_to, each through
--                                  record_enforcement_payment (interest first, its event), in the
--                                  caller's transaction. With p_collect a refused row is skipped and
--                                  returned as a problem (partial imports, dry runs, and finding
--                                  every bad row after a refusal); without it the first refusal
--                                  aborts the transaction, so nothing is written.
-- The idempotency key of a payment is 'import:' || the payer's reference: the same reference with
-- the same case, amount and kind again is "already present"; with other facts it is a bad row.
-- Payments are applied in order of date received (then line), so a case's payments never go
-- before one already applied (record_enforcement_payment refuses that).

CREATE FUNCTION import_payment_key(p_payer_ref text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'import:' || btrim(p_payer_ref)
$$;

CREATE FUNCTION import_check_payments(p_as_of date DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
    v_today date := coalesce(p_as_of, firm_today());
    v_result jsonb;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_import_payments_checked;
    CREATE TEMP TABLE df_import_payments_checked AS
    WITH s AS (
        SELECT r.line, nullif(btrim(r.case_ref), '') AS case_ref_raw, nullif(btrim(r.court), '') AS court,
               nullif(btrim(r.index_number), '') AS index_number, nullif(btrim(r.received_on), '') AS received_raw,
               nullif(btrim(r.gross), '') AS gross_raw, nullif(btrim(r.poundage), '') AS poundage_raw,
               nullif(btrim(r.fees), '') AS fees_raw, lower(nullif(btrim(r.kind), '')) AS kind_raw,
               nullif(btrim(r.payer_ref), '') AS payer_ref
          FROM pg_temp.df_import_payments r),
    p AS (
        SELECT s.*, import_parse_date(s.received_raw) AS received_on, import_parse_amount(s.gross_raw) AS gross,
               CASE WHEN s.poundage_raw IS NULL THEN 0 ELSE import_parse_amount(s.poundage_raw) END AS poundage,
               CASE WHEN s.fees_raw IS NULL THEN 0 ELSE import_parse_amount(s.fees_raw) END AS fees,
               CASE WHEN s.case_ref_raw ~* '^(DF-?)?\d{1,12}$' THEN substring(s.case_ref_raw FROM '\d+')::bigint END
                   AS case_number,
               CASE WHEN s.payer_ref IS NOT NULL THEN import_payment_key(s.payer_ref) END AS key
          FROM s OFFSET 0),
    dupkeys AS MATERIALIZED (
        SELECT key FROM p WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1),
    dup AS MATERIALIZED (
        SELECT p.key, string_agg(p.line::text, ', ' ORDER BY p.line) AS lines
          FROM p JOIN dupkeys k ON k.key = p.key GROUP BY p.key),
    d AS (
        SELECT p.*, c1.id AS id_by_ref, c2.id AS id_by_index, c2.case_ref AS ref_by_index, dup.lines AS dup_lines,
               coalesce(c1.id, c2.id) AS case_id
          FROM p
          LEFT JOIN enforcement_cases c1 ON c1.case_number = p.case_number
          LEFT JOIN judgments j2 ON p.court IS NOT NULL AND j2.court = p.court AND j2.index_number = p.index_number
          LEFT JOIN enforcement_cases c2 ON c2.judgment_id = j2.id
          LEFT JOIN dup ON dup.key = p.key),
    e AS (
        SELECT d.*, c.case_ref, c.status AS case_status, j.accrual_date, x.id AS existing_id,
               x.case_id AS existing_case_id, x.gross AS existing_gross, x.kind::text AS existing_kind,
               xc.case_ref AS existing_case_ref
          FROM d
          LEFT JOIN enforcement_cases c ON c.id = d.case_id
          LEFT JOIN judgments j ON j.id = c.judgment_id
          LEFT JOIN payments x ON x.idempotency_key = d.key
          LEFT JOIN enforcement_cases xc ON xc.id = x.case_id),
    checked AS (
        SELECT e.*, (e.existing_id IS NOT NULL AND e.existing_case_id = e.case_id AND e.existing_gross = e.gross
                     AND e.existing_kind = e.kind_raw) AS same,
               array_remove(ARRAY[
                   CASE WHEN e.case_ref_raw IS NOT NULL AND e.case_number IS NULL
                            THEN format('case_ref|"%s" is not a case id (they look like DF-1042)', e.case_ref_raw)
                        WHEN e.case_number IS NOT NULL AND e.id_by_ref IS NULL
                            THEN format('case_ref|there is no case DF-%s', e.case_number)
                        WHEN e.case_ref_raw IS NULL AND (e.court IS NULL OR e.index_number IS NULL)
                            THEN 'case_ref|required: give case_ref, or court and index_number'
                        WHEN e.case_ref_raw IS NULL AND e.id_by_index IS NULL
                            THEN format('index_number|no judgment of "%s" has index number %s', e.court, e.index_number)
                        WHEN e.id_by_ref IS NOT NULL AND e.id_by_index IS NOT NULL AND e.id_by_ref <> e.id_by_index
                            THEN format('case_ref|DF-%s is not %s %s (that judgment is %s)', e.case_number, e.court,
                                        e.index_number, e.ref_by_index)
                        WHEN e.case_ref_raw IS NOT NULL AND e.court IS NOT NULL AND e.index_number IS NOT NULL
                             AND e.id_by_index IS NULL
                            THEN format('index_number|no judgment of "%s" has index number %s', e.court, e.index_number)
                        WHEN e.case_status = 'closed'
                            THEN format('case_ref|%s is closed: reopen it before recording payments on it', e.case_ref)
                   END,
                   CASE WHEN e.received_raw IS NULL THEN 'received_on|required, but empty'
                        WHEN e.received_on IS NULL
                            THEN format('received_on|"%s" is not a date; write YYYY-MM-DD', e.received_raw)
                        WHEN e.received_on > v_today
                            THEN format('received_on|%s is in the future; give the date the money was received',
                                        e.received_on)
                        WHEN e.accrual_date IS NOT NULL AND e.received_on < e.accrual_date
                             AND NOT (e.existing_id IS NOT NULL AND e.existing_case_id = e.case_id)
                            THEN format('received_on|%s is before %s, the last payment or entry recorded on %s',
                                        e.received_on, e.accrual_date, e.case_ref)
                   END,
                   CASE WHEN e.gross_raw IS NULL THEN 'gross|required, but empty'
                        WHEN e.gross IS NULL
                            THEN format('gross|"%s" is not an amount; write it like 1250.00 or 1,250.00', e.gross_raw)
                        WHEN e.gross <= 0 THEN format('gross|%s: a payment must be more than zero', e.gross_raw)
                   END,
                   CASE WHEN e.poundage IS NULL
                            THEN format('poundage|"%s" is not an amount; write it like 62.50', e.poundage_raw)
                        WHEN e.poundage < 0 THEN 'poundage|cannot be negative'
                   END,
                   CASE WHEN e.fees IS NULL THEN format('fees|"%s" is not an amount; write it like 15.00', e.fees_raw)
                        WHEN e.fees < 0 THEN 'fees|cannot be negative'
                   END,
                   CASE WHEN e.kind_raw IS NULL THEN 'kind|required, but empty'
                        WHEN e.kind_raw = 'reversal'
                            THEN 'kind|a reversal names the payment it reverses: record it in Slack (/enforce pay ... reversal #id)'
                        WHEN e.kind_raw NOT IN ('direct', 'settlement', 'plan_installment', 'garnishment_remittance',
                                                'levy_proceeds', 'turnover', 'sale', 'adjustment')
                            THEN format('kind|"%s" is not a payment kind (direct, settlement, plan_installment, '
                                        'garnishment_remittance, levy_proceeds, turnover, sale, adjustment)', e.kind_raw)
                   END,
                   CASE WHEN e.payer_ref IS NULL THEN 'payer_ref|required, but empty (the payer''s reference is the key that makes a re-import harmless)'
                        WHEN e.dup_lines IS NOT NULL
                            THEN format('payer_ref|"%s" is on lines %s of this file', e.payer_ref, e.dup_lines)
                        WHEN e.existing_id IS NOT NULL AND NOT (e.existing_case_id = e.case_id
                             AND e.existing_gross = e.gross AND e.existing_kind = e.kind_raw)
                            THEN format('payer_ref|"%s" was already recorded as payment #%s: %s %s on %s',
                                        e.payer_ref, e.existing_id, e.existing_gross, e.existing_kind, e.existing_case_ref)
                   END], NULL) AS problems
          FROM e)
    SELECT k.line, k.case_ref, k.received_on, k.gross, k.poundage, k.fees, k.kind_raw AS kind, k.key, k.problems,
           CASE WHEN cardinality(k.problems) > 0 THEN 'error' WHEN k.same THEN 'present' ELSE 'create' END AS status,
           CASE WHEN cardinality(k.problems) = 0 AND NOT k.same
                THEN row_number() OVER (PARTITION BY cardinality(k.problems) = 0 AND NOT k.same
                                        ORDER BY k.received_on, k.line) END AS seq
      FROM checked k;
    CREATE INDEX ON pg_temp.df_import_payments_checked (seq);
    ANALYZE pg_temp.df_import_payments_checked;
    SELECT jsonb_build_object('rows', count(*), 'create', count(*) FILTER (WHERE status = 'create'),
                              'present', count(*) FILTER (WHERE status = 'present'),
                              'error', count(*) FILTER (WHERE status = 'error'))
      INTO v_result FROM pg_temp.df_import_payments_checked;
    RETURN v_result;
END $$;

-- Records the checked 'create' rows with seq in [p_from, p_to] through record_enforcement_payment.
-- Returns {"created": n, "problems": [{"line", "column", "reason"}]} (problems only with p_collect).
CREATE FUNCTION import_payments_apply(p_from bigint, p_to bigint, p_actor text, p_source text DEFAULT 'import',
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
        -- The payments recorded so far in this transaction change what the per-payment lookups
        -- (by idempotency key, by case) should use: planned on the statistics of a table that was
        -- empty, they scan it whole, and each payment costs more than the last. Fresh statistics
        -- (they count this transaction's own rows) re-plan them; one sample per chunk is cheap.
        ANALYZE payments;
    END IF;
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
    RETURN jsonb_build_object('created', v_created, 'problems', v_problems);
END $$;
