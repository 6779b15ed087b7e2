-- Bulk corrections (`dragonfly import corrections FILE`, issue 16): one change per row, each
-- through its sanctioned function, so every change is validated by the same rules as in Slack and
-- leaves the same event:
--   change       value            reason                         until        function
--   owner        U0123ABCD        (optional, unused)             -            assign_case_owner
--   next_action  YYYY-MM-DD       what to do (required)          -            set_next_action (09:00 firm time)
--   stage        a stage          a note; to close: a closing reason          set_enforcement_stage
--   tier         0..3             why (required)                 YYYY-MM-DD   set_tier_override (expires 00:00)
--   principal    an amount        why (required)                 -            correct_judgment_fact
--   entered_on   YYYY-MM-DD       why (required)                 -            correct_judgment_fact
--   index_number e.g. 54925/19    why (required)                 -            correct_judgment_fact
--   debtor_type  person|business  why (required)                 -            correct_judgment_fact
--   (correct_judgment_fact is in sql/0084_judgment_corrections.sql; plpgsql resolves it when called)
-- Same contract as sql/0081_import_payments.sql: import_check_corrections() validates the staged
-- pg_temp.df_import_corrections set-based into pg_temp.df_import_corrections_checked (a change
-- the case already has is "already present", so a re-import records nothing), and
-- import_corrections_apply(p_from, p_to, p_actor, p_source, p_collect) applies the 'create' rows
-- in file order; with p_collect a refused change (a stage move the rules forbid, an override
-- longer than 90 days, a reopening without the admin role) is returned as a bad row.

CREATE FUNCTION import_firm_time(p_day date, p_hour integer) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT (p_day + make_interval(hours => p_hour))::timestamp
           AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone')
$$;

CREATE FUNCTION import_check_corrections() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE v_result jsonb;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_import_corrections_checked;
    CREATE TEMP TABLE df_import_corrections_checked AS
    WITH s AS (
        SELECT r.line, nullif(btrim(r.case_ref), '') AS case_ref_raw, lower(nullif(btrim(r.change), '')) AS change,
               nullif(btrim(r.value), '') AS value, nullif(btrim(r.reason), '') AS reason,
               nullif(btrim(r.until), '') AS until_raw
          FROM pg_temp.df_import_corrections r),
    p AS (
        SELECT s.*,
               CASE WHEN s.case_ref_raw ~* '^(DF-?)?\d{1,12}$' THEN substring(s.case_ref_raw FROM '\d+')::bigint END
                   AS case_number,
               CASE WHEN s.change = 'next_action' THEN import_firm_time(import_parse_date(s.value), 9) END AS next_at,
               CASE WHEN s.change = 'tier' THEN import_firm_time(import_parse_date(s.until_raw), 0) END AS until_at,
               CASE WHEN s.change = 'tier' AND s.value ~ '^[0-3]$' THEN s.value::integer END AS tier
          FROM s OFFSET 0),
    d AS (
        SELECT p.*, c.id AS case_id, c.case_ref, c.status AS case_status, c.stage::text AS stage_now,
               c.owner_slack_id, c.next_action_at, c.next_action_what, o.tier AS override_tier,
               o.expires_at AS override_until, j.principal AS principal_now, j.entered_on AS entered_now,
               j.index_number AS index_now, CASE WHEN j.debtor_is_person THEN 'person' ELSE 'business' END AS debtor_type_now,
               CASE WHEN c.id IS NOT NULL AND p.change IS NOT NULL
                         AND count(*) OVER (PARTITION BY c.id, p.change) > 1 THEN
                    (SELECT string_agg(x.line::text, ', ' ORDER BY x.line) FROM p x
                      WHERE x.case_number = p.case_number AND x.change = p.change) END AS dup_lines
          FROM p
          LEFT JOIN enforcement_cases c ON c.case_number = p.case_number
          LEFT JOIN tier_overrides o ON o.case_id = c.id AND o.active
          LEFT JOIN judgments j ON j.id = c.judgment_id),
    checked AS (
        SELECT d.*,
               CASE d.change
                   WHEN 'owner' THEN d.owner_slack_id IS NOT DISTINCT FROM d.value
                   WHEN 'next_action' THEN d.next_action_at = d.next_at
                                           AND d.next_action_what IS NOT DISTINCT FROM d.reason
                   WHEN 'stage' THEN d.stage_now = lower(d.value)
                   WHEN 'tier' THEN d.override_tier = d.tier AND d.override_until = d.until_at
                   WHEN 'principal' THEN d.principal_now = import_parse_amount(d.value)
                   WHEN 'entered_on' THEN d.entered_now = import_parse_date(d.value)
                   WHEN 'index_number' THEN d.index_now = d.value
                   WHEN 'debtor_type' THEN d.debtor_type_now = lower(d.value)
               END AS same,
               array_remove(ARRAY[
                   CASE WHEN d.case_ref_raw IS NULL THEN 'case_ref|required, but empty'
                        WHEN d.case_number IS NULL
                            THEN format('case_ref|"%s" is not a case id (they look like DF-1042)', d.case_ref_raw)
                        WHEN d.case_id IS NULL THEN format('case_ref|there is no case DF-%s', d.case_number)
                   END,
                   CASE WHEN d.change IS NULL THEN 'change|required: owner, next_action, stage, tier, principal, '
                                                   'entered_on, index_number or debtor_type'
                        WHEN d.change NOT IN ('owner', 'next_action', 'stage', 'tier', 'principal', 'entered_on',
                                              'index_number', 'debtor_type')
                            THEN format('change|"%s" is not a change this import makes (owner, next_action, stage, tier, '
                                        'principal, entered_on, index_number, debtor_type)', d.change)
                        WHEN d.dup_lines IS NOT NULL
                            THEN format('change|%s of %s is changed on lines %s of this file: keep one',
                                        d.change, d.case_ref, d.dup_lines)
                   END,
                   CASE WHEN d.change IN ('owner', 'next_action', 'stage', 'tier', 'principal', 'entered_on',
                                          'index_number', 'debtor_type') AND d.value IS NULL
                            THEN 'value|required, but empty'
                        WHEN d.change = 'owner' AND d.value !~ '^[UW][A-Z0-9]{2,}$'
                            THEN format('value|"%s" is not a Slack user id (like U0123ABCD)', d.value)
                        WHEN d.change = 'next_action' AND d.next_at IS NULL
                            THEN format('value|"%s" is not a date; write YYYY-MM-DD', d.value)
                        WHEN d.change = 'stage' AND lower(d.value) NOT IN ('intake', 'discovery', 'execution', 'recovery', 'closed')
                            THEN format('value|"%s" is not a stage (intake, discovery, execution, recovery, closed)', d.value)
                        WHEN d.change = 'tier' AND d.tier IS NULL THEN format('value|"%s" is not a tier (0, 1, 2 or 3)', d.value)
                        WHEN d.change = 'principal' AND coalesce(import_parse_amount(d.value), 0) <= 0
                            THEN format('value|"%s" is not a principal: more than zero, like 12,345.67', d.value)
                        WHEN d.change = 'entered_on' AND import_parse_date(d.value) IS NULL
                            THEN format('value|"%s" is not a date; write YYYY-MM-DD', d.value)
                        WHEN d.change = 'index_number' AND d.value !~ '^([A-Za-z]{1,4}-?)?[0-9]{1,7}[/-][0-9]{2,4}$'
                            THEN format('value|"%s" is not an index number (like 54925/19 or CV-012345-23)', d.value)
                        WHEN d.change = 'debtor_type' AND lower(d.value) NOT IN ('person', 'business')
                            THEN format('value|"%s" is not a debtor type (person or business)', d.value)
                   END,
                   CASE WHEN d.change IN ('next_action', 'stage', 'tier', 'principal', 'entered_on', 'index_number',
                                          'debtor_type') AND d.reason IS NULL
                            THEN format('reason|required for a %s change%s', d.change,
                                        CASE WHEN d.change = 'next_action' THEN ' (what is to be done)'
                                             WHEN d.change = 'stage' AND lower(d.value) = 'closed'
                                             THEN ' (satisfied, settled, uncollectible, vacated, bankruptcy_discharge)'
                                             ELSE '' END)
                   END,
                   CASE WHEN d.change = 'tier' AND d.until_raw IS NULL THEN 'until|required for a tier override'
                        WHEN d.change = 'tier' AND d.until_at IS NULL
                            THEN format('until|"%s" is not a date; write YYYY-MM-DD', d.until_raw)
                   END], NULL) AS problems
          FROM d)
    SELECT k.line, k.case_ref, k.change, k.value, k.reason, k.next_at, k.until_at, k.tier, k.problems,
           CASE WHEN cardinality(k.problems) > 0 THEN 'error' WHEN k.same THEN 'present' ELSE 'create' END AS status,
           CASE WHEN cardinality(k.problems) = 0 AND NOT coalesce(k.same, false)
                THEN row_number() OVER (PARTITION BY cardinality(k.problems) = 0 AND NOT coalesce(k.same, false)
                                        ORDER BY k.line) END AS seq
      FROM checked k;
    SELECT jsonb_build_object('rows', count(*), 'create', count(*) FILTER (WHERE status = 'create'),
                              'present', count(*) FILTER (WHERE status = 'present'),
                              'error', count(*) FILTER (WHERE status = 'error'))
      INTO v_result FROM pg_temp.df_import_corrections_checked;
    RETURN v_result;
END $$;

-- Applies the checked 'create' rows seq p_from..p_to in file order. Returns {"created": n,
-- "problems": [{"line", "column", "reason"}]} (problems only with p_collect; without it the first
-- refusal aborts the caller's transaction).
CREATE FUNCTION import_corrections_apply(p_from bigint, p_to bigint, p_actor text, p_source text DEFAULT 'import',
    p_collect boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    v_created integer := 0;
    v_problems jsonb := '[]';
    v_state text;
    v_message text;
    v_hint text;
BEGIN
    IF p_actor IS NULL OR p_actor !~ '^([UW][A-Z0-9]+|system:[a-z_]+|cli:.+)$' THEN
        PERFORM df_raise('DF008', format('"%s" is not an actor', coalesce(p_actor, '')), 'Use cli:<name> or a Slack user id.');
    END IF;
    FOR r IN SELECT * FROM pg_temp.df_import_corrections_checked
              WHERE seq BETWEEN p_from AND p_to AND status = 'create' ORDER BY seq LOOP
        BEGIN
            CASE r.change
                WHEN 'owner' THEN PERFORM assign_case_owner(r.case_ref, r.value, p_actor, p_source);
                WHEN 'next_action' THEN PERFORM set_next_action(r.case_ref, r.next_at, r.reason, p_actor, p_source);
                WHEN 'stage' THEN
                    PERFORM set_enforcement_stage(r.case_ref, lower(r.value), p_actor,
                        CASE WHEN lower(r.value) <> 'closed' THEN r.reason END,
                        CASE WHEN lower(r.value) = 'closed' THEN lower(r.reason) END, false, p_source);
                WHEN 'tier' THEN PERFORM set_tier_override(r.case_ref, r.tier, r.reason, r.until_at, p_actor, p_source);
                ELSE PERFORM correct_judgment_fact(r.case_ref, r.change, r.value, r.reason, p_actor, p_source);
            END CASE;
            v_created := v_created + 1;
        EXCEPTION WHEN SQLSTATE 'DF000' THEN  -- a refusal of class DF (df_raise)
            IF NOT p_collect THEN
                RAISE;
            END IF;
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_hint = PG_EXCEPTION_HINT;
            v_problems := v_problems || jsonb_build_object('line', r.line,
                'column', CASE WHEN v_state = 'DF004' THEN 'until' WHEN v_state = 'DF003' THEN 'reason' ELSE 'value' END,
                'reason', v_message || coalesce(nullif('. ' || v_hint, '. '), ''));
        END;
    END LOOP;
    RETURN jsonb_build_object('created', v_created, 'problems', v_problems);
END $$;
