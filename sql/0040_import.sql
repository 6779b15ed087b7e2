-- Bulk import (`dragonfly import judgments|plaintiffs`, issue 6).
--
-- The importer streams a file with COPY into a session-local staging table
-- (pg_temp.df_import_judgments / pg_temp.df_import_plaintiffs, created by dragonfly/importer.py),
-- then calls the functions below:
--   import_check_judgments(p_owner, p_as_of)   validates every staged row in one set-based pass into
--                                               pg_temp.df_import_checked (status create|present|error,
--                                               problems); no domain table is written.
--   import_judgments_batch(p_after_line, p_limit, p_actor, p_source, p_as_of)
--                                               creates the next p_limit 'create' rows, set-based, in
--                                               the caller's transaction (the importer commits once per
--                                               batch); one case_created event per case.
--   import_check_plaintiffs() / import_plaintiffs_batch(p_actor) / create_plaintiff(...)
-- The rules are create_enforcement_case's (sql/0003_functions.sql): same county list, index-number
-- and Slack-id patterns, amounts in cents, no future entry date, idempotency on court + index number
-- (same facts: "already present"; different principal or entry date: refused, DF007 there).

-- A calendar date from strict YYYY-MM-DD text, or NULL when it is not a real date (2023-02-30).
-- No exception block: it runs once per staged row.
CREATE FUNCTION import_parse_date(p text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p ~ '^\d{4}-\d{2}-\d{2}$'
                 AND substr(p, 1, 4)::int >= 1
                 AND substr(p, 6, 2)::int BETWEEN 1 AND 12
                 AND substr(p, 9, 2)::int BETWEEN 1 AND extract(day FROM
                        make_date(substr(p, 1, 4)::int, substr(p, 6, 2)::int, 1) + interval '1 month - 1 day')::int
           THEN make_date(substr(p, 1, 4)::int, substr(p, 6, 2)::int, substr(p, 9, 2)::int) END
$$;

-- An amount from text: digits with an optional "$", optional thousands separators in groups of
-- three ("1,234.50"), at most two decimals. "12,34.5" and "1.234" are not amounts (NULL).
-- A leading "-" is kept, so callers can say "negative" rather than "not an amount".
CREATE FUNCTION import_parse_amount(p text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN btrim(p) ~ '^-?\$?([0-9]{1,3}(,[0-9]{3})+|[0-9]{1,12})(\.[0-9]{1,2})?$'
                 AND length(split_part(translate(btrim(p), '-$,', ''), '.', 1)) <= 12
           THEN translate(btrim(p), '$,', '')::numeric(14,2) END
$$;

-- true/false (also yes/no, y/n, t/f, 1/0; empty is false), or NULL when it is none of these.
CREATE FUNCTION import_parse_bool(p text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN coalesce(btrim(p), '') = '' THEN false
                WHEN lower(btrim(p)) IN ('true', 't', 'yes', 'y', '1') THEN true
                WHEN lower(btrim(p)) IN ('false', 'f', 'no', 'n', '0') THEN false END
$$;

-- The same key the plaintiffs and debtors tables generate (name_key).
CREATE FUNCTION import_name_key(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(regexp_replace(btrim(p), '\s+', ' ', 'g'))
$$;

-- Validates pg_temp.df_import_judgments into pg_temp.df_import_checked. Returns counts.
-- One pass over the staged rows: each parse runs once per row (the OFFSET 0 subquery keeps the
-- planner from copying a parse into every CASE that reads it), duplicates within the file are
-- found with a hash aggregate (lines listed only for the duplicated keys), and the rows to create
-- get their plaintiff and debtor name keys here, once, for the batches.
CREATE FUNCTION import_check_judgments(p_owner text DEFAULT NULL, p_as_of date DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    SET jit = off SET enable_mergejoin = off SET work_mem = '64MB' AS $$
DECLARE
    v_as_of date := coalesce(p_as_of, firm_today());
    v_result jsonb;
BEGIN
    IF p_owner IS NOT NULL AND p_owner !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user id', p_owner), 'Slack user ids look like U0123ABCD.');
    END IF;
    DROP TABLE IF EXISTS pg_temp.df_import_checked;
    CREATE TEMP TABLE df_import_checked AS
    WITH dupkeys AS MATERIALIZED (
        SELECT nullif(btrim(r.court), '') AS court, nullif(btrim(r.index_number), '') AS index_number
          FROM pg_temp.df_import_judgments r
         GROUP BY 1, 2 HAVING count(*) > 1),
    dup AS MATERIALIZED (
        SELECT k.court, k.index_number, string_agg(r.line::text, ', ' ORDER BY r.line) AS lines
          FROM dupkeys k JOIN pg_temp.df_import_judgments r
            ON nullif(btrim(r.court), '') = k.court AND nullif(btrim(r.index_number), '') = k.index_number
         WHERE k.court IS NOT NULL AND k.index_number IS NOT NULL
         GROUP BY k.court, k.index_number),
    d AS (
        SELECT p.*, dup.lines AS dup_lines,
               j.principal AS db_principal, j.entered_on AS db_entered_on, c.case_ref AS db_case_ref
          FROM (SELECT s.*,
                       CASE WHEN lower(s.debtor_type_raw) IN ('person', 'business') THEN lower(s.debtor_type_raw) END AS debtor_type,
                       k.name AS county,
                       import_parse_date(s.entered_raw) AS entered_on,
                       import_parse_amount(s.principal_raw) AS principal,
                       CASE WHEN s.costs_raw IS NULL THEN 0::numeric(14,2) ELSE import_parse_amount(s.costs_raw) END AS costs,
                       import_parse_bool(s.consumer_raw) AS consumer_debt
                  FROM (SELECT r.line,
                               nullif(btrim(r.plaintiff_name), '') AS plaintiff_name,
                               nullif(btrim(r.debtor_name), '') AS debtor_name,
                               nullif(btrim(r.debtor_type), '') AS debtor_type_raw,
                               nullif(btrim(r.court), '') AS court,
                               nullif(btrim(r.county), '') AS county_raw,
                               nullif(btrim(r.index_number), '') AS index_number,
                               nullif(btrim(r.entered_on), '') AS entered_raw,
                               nullif(btrim(r.principal), '') AS principal_raw,
                               nullif(btrim(r.costs), '') AS costs_raw,
                               nullif(btrim(r.consumer_debt), '') AS consumer_raw,
                               coalesce(nullif(btrim(r.owner_slack_id), ''), p_owner) AS owner,
                               nullif(btrim(r.external_ref), '') AS external_ref
                          FROM pg_temp.df_import_judgments r OFFSET 0) s
                  LEFT JOIN ny_counties k ON lower(k.name) = lower(s.county_raw)
                OFFSET 0) p
          LEFT JOIN dup ON dup.court = p.court AND dup.index_number = p.index_number
          LEFT JOIN judgments j ON j.court = p.court AND j.index_number = p.index_number
          LEFT JOIN enforcement_cases c ON c.judgment_id = j.id),
    e AS (
        SELECT d.*, array_remove(ARRAY[
            CASE WHEN d.plaintiff_name IS NULL THEN 'plaintiff_name|required, but empty' END,
            CASE WHEN d.debtor_name IS NULL THEN 'debtor_name|required, but empty' END,
            CASE WHEN d.debtor_type_raw IS NULL THEN 'debtor_type|required, but empty'
                 WHEN d.debtor_type IS NULL THEN format('debtor_type|"%s" is not a debtor type: use person or business', d.debtor_type_raw) END,
            CASE WHEN d.court IS NULL THEN 'court|required, but empty' END,
            CASE WHEN d.county_raw IS NULL THEN 'county|required, but empty'
                 WHEN d.county IS NULL THEN format('county|"%s" is not a New York county (e.g. Kings, New York, Queens)', d.county_raw) END,
            CASE WHEN d.index_number IS NULL THEN 'index_number|required, but empty'
                 WHEN d.index_number !~ '^([A-Za-z]{1,4}-?)?[0-9]{1,7}[/-][0-9]{2,4}$'
                 THEN format('index_number|"%s" is not an index number (e.g. 54925/19 or CV-012345-23)', d.index_number)
                 WHEN d.dup_lines IS NOT NULL
                 THEN format('index_number|%s %s is on more than one line of this file: %s', d.court, d.index_number, d.dup_lines)
                 WHEN d.db_case_ref IS NOT NULL AND d.principal IS NOT NULL AND d.entered_on IS NOT NULL
                      AND (d.db_principal <> d.principal OR d.db_entered_on <> d.entered_on)
                 THEN format('index_number|already %s with different facts (principal %s, entered %s)',
                             d.db_case_ref, d.db_principal, d.db_entered_on) END,
            CASE WHEN d.entered_raw IS NULL THEN 'entered_on|required, but empty'
                 WHEN d.entered_on IS NULL AND d.entered_raw !~ '^\d{4}-\d{2}-\d{2}$' THEN format('entered_on|"%s" is not a date in YYYY-MM-DD form', d.entered_raw)
                 WHEN d.entered_on IS NULL THEN format('entered_on|"%s" is not a real date', d.entered_raw)
                 WHEN d.entered_on > v_as_of THEN format('entered_on|%s is in the future', d.entered_raw) END,
            CASE WHEN d.principal_raw IS NULL THEN 'principal|required, but empty'
                 WHEN d.principal IS NULL THEN format('principal|"%s" is not an amount (write 1234.50 or 1,234.50; at most two decimals)', d.principal_raw)
                 WHEN d.principal < 0 THEN format('principal|%s is negative', d.principal_raw)
                 WHEN d.principal = 0 THEN 'principal|must be more than zero' END,
            CASE WHEN d.costs IS NULL THEN format('costs|"%s" is not an amount (write 250.00; at most two decimals)', d.costs_raw)
                 WHEN d.costs < 0 THEN format('costs|%s is negative', d.costs_raw) END,
            CASE WHEN d.consumer_debt IS NULL THEN format('consumer_debt|"%s" is not true or false', d.consumer_raw) END,
            CASE WHEN d.owner IS NOT NULL AND d.owner !~ '^[UW][A-Z0-9]{2,}$'
                 THEN format('owner_slack_id|"%s" is not a Slack user id (e.g. U0123ABCD)', d.owner) END
        ], NULL) AS problems
          FROM d OFFSET 0),
    f AS (
        SELECT e.*, CASE WHEN cardinality(e.problems) > 0 THEN 'error' WHEN e.db_case_ref IS NOT NULL THEN 'present'
                         ELSE 'create' END AS status
          FROM e)
    SELECT f.line, f.plaintiff_name, f.debtor_name, f.debtor_type, f.court, f.county,
           f.index_number, f.entered_on, f.principal, f.costs, f.consumer_debt, f.owner, f.external_ref,
           f.db_case_ref, f.status, f.problems,
           CASE WHEN f.status = 'create' THEN import_name_key(f.plaintiff_name) END AS plaintiff_key,
           CASE WHEN f.status = 'create' THEN import_name_key(f.debtor_name) END AS debtor_key
      FROM f ORDER BY f.line;
    CREATE INDEX ON pg_temp.df_import_checked (line);
    ANALYZE pg_temp.df_import_checked;
    SELECT jsonb_build_object(
        'rows', count(*),
        'create', count(*) FILTER (WHERE status = 'create'),
        'present', count(*) FILTER (WHERE status = 'present'),
        'error', count(*) FILTER (WHERE status = 'error'))
      INTO v_result FROM pg_temp.df_import_checked;
    RETURN v_result;
END $$;

-- Creates the cases of the next p_limit 'create' rows after line p_after_line, set-based, with the
-- same effects as create_enforcement_case row by row: plaintiff and debtor upserted by name key,
-- judgment, interest segments (interest_plan), docket in the county, the case with its rule tier
-- (the score_case rules for a new case: balance band, business debtor, judgment age, hard rules),
-- and exactly one case_created event per case, the first link of its hash chain. Rows whose
-- court + index number appeared since the check (a concurrent intake) count as already present,
-- or are refused with DF007 when their facts differ. Returns {created, present, last_line,
-- first_case_ref, last_case_ref}.
--
-- Cost (issue 6 bench): one INSERT ... SELECT per table over the batch; everything per row is a
-- plain expression. interest_plan runs once per distinct (entry date, consumer, person), the score
-- once per distinct combination of factor codes; df_now() once per batch (the column defaults would
-- call it per row, with the same value); the event hash by event_hash(event_canonical(...)), which
-- the planner inlines into the SELECT. What remains per row is the inserts
-- themselves: heap and index entries, the generated name keys, and the foreign-key triggers.
CREATE FUNCTION import_judgments_batch(p_after_line integer, p_limit integer, p_actor text,
    p_source text DEFAULT 'import', p_as_of date DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    SET jit = off SET enable_mergejoin = off SET work_mem = '64MB' AS $$
DECLARE
    v_as_of date := coalesce(p_as_of, firm_today());
    v_now timestamptz := df_now();
    v_clock boolean := coalesce(current_setting('dragonfly.clock', true), '') <> '';
    v_last integer;
    v_present integer;
    v_conflict record;
    v_result jsonb;
BEGIN
    IF p_actor IS NULL OR p_actor !~ '^([UW][A-Z0-9]+|system:[a-z_]+|cli:.+)$' THEN
        PERFORM df_raise('DF008', format('"%s" is not an actor', coalesce(p_actor, '')), 'Use cli:<name> or a Slack user id.');
    END IF;
    -- Serialise with other intakes for the duration of a batch: no court + index number can
    -- appear between the re-check below and the insert.
    LOCK TABLE judgments IN SHARE ROW EXCLUSIVE MODE;

    DROP TABLE IF EXISTS pg_temp.df_import_todo;
    CREATE TEMP TABLE df_import_todo ON COMMIT DROP AS
        SELECT k.*
          FROM pg_temp.df_import_checked k
         WHERE k.line > p_after_line AND k.status = 'create'
         ORDER BY k.line LIMIT p_limit;
    SELECT max(line) INTO v_last FROM pg_temp.df_import_todo;
    IF v_last IS NULL THEN
        RETURN jsonb_build_object('created', 0, 'present', 0, 'last_line', NULL);
    END IF;

    SELECT t.line, t.court, t.index_number, c.case_ref, j.principal, j.entered_on INTO v_conflict
      FROM pg_temp.df_import_todo t JOIN judgments j ON j.court = t.court AND j.index_number = t.index_number
      JOIN enforcement_cases c ON c.judgment_id = j.id
     WHERE j.principal <> t.principal OR j.entered_on <> t.entered_on LIMIT 1;
    IF FOUND THEN
        PERFORM df_raise('DF007', format('line %s: %s %s is already %s with different facts (principal %s, entered %s)',
                         v_conflict.line, v_conflict.court, v_conflict.index_number, v_conflict.case_ref,
                         v_conflict.principal, v_conflict.entered_on),
                         'Check the row; correct the existing case through its own actions.');
    END IF;
    DELETE FROM pg_temp.df_import_todo t USING judgments j
     WHERE j.court = t.court AND j.index_number = t.index_number;
    GET DIAGNOSTICS v_present = ROW_COUNT;
    ANALYZE pg_temp.df_import_todo;

    -- Only names not yet known go to the upsert (ON CONFLICT still covers a concurrent insert).
    INSERT INTO plaintiffs (name, created_at)
    SELECT DISTINCT ON (t.plaintiff_key) t.plaintiff_name, v_now FROM pg_temp.df_import_todo t
     WHERE NOT EXISTS (SELECT 1 FROM plaintiffs p WHERE p.name_key = t.plaintiff_key)
     ORDER BY t.plaintiff_key, t.line
    ON CONFLICT (name_key) DO NOTHING;
    INSERT INTO debtors (name, debtor_type, created_at)
    SELECT x.debtor_name, x.debtor_type::debtor_type, v_now
      FROM (SELECT DISTINCT ON (t.debtor_key, t.debtor_type) t.debtor_name, t.debtor_type, t.line
              FROM pg_temp.df_import_todo t
             WHERE NOT EXISTS (SELECT 1 FROM debtors d WHERE d.name_key = t.debtor_key
                                                         AND d.debtor_type = t.debtor_type::debtor_type)
             ORDER BY t.debtor_key, t.debtor_type, t.line) x
     ORDER BY x.line
    ON CONFLICT (name_key, debtor_type) DO NOTHING;

    DROP TABLE IF EXISTS pg_temp.df_import_new;
    CREATE TEMP TABLE df_import_new ON COMMIT DROP AS
    WITH plans AS MATERIALIZED (
        SELECT k.entered_on, k.consumer_debt, k.person, ip.segments, ip.basis,
               -- interest_factor(j, entered_on, as_of) over these segments, as score_case sees it
               (SELECT coalesce(sum((g->>'rate')::numeric::numeric(6,4)
                        * greatest(0, least(coalesce((g->>'to')::date, 'infinity'::date), greatest(v_as_of, k.entered_on))
                                      - greatest((g->>'from')::date, k.entered_on))), 0) / 365
                  FROM jsonb_array_elements(ip.segments) g
                 WHERE (g->>'from')::date < greatest(v_as_of, k.entered_on)
                   AND coalesce((g->>'to')::date, 'infinity'::date) > k.entered_on) AS factor
          FROM (SELECT DISTINCT t.entered_on, t.consumer_debt, t.debtor_type = 'person' AS person
                  FROM pg_temp.df_import_todo t) k,
               LATERAL interest_plan(k.entered_on, k.consumer_debt, k.person) ip),
    facts AS (
        SELECT t.*, pl.id AS plaintiff_id, d.id AS debtor_id, d.deceased, plans.segments, plans.basis,
               t.principal + t.costs
                 + round(greatest(0, 0::numeric(16,6) + t.principal * plans.factor), 2) AS balance,
               (v_as_of - t.entered_on) / 365.25 AS age
          FROM pg_temp.df_import_todo t
          JOIN plaintiffs pl ON pl.name_key = t.plaintiff_key
          JOIN debtors d ON d.name_key = t.debtor_key AND d.debtor_type = t.debtor_type::debtor_type
          JOIN plans ON plans.entered_on = t.entered_on AND plans.consumer_debt = t.consumer_debt
                    AND plans.person = (t.debtor_type = 'person')),
    coded AS MATERIALIZED (
        SELECT r.*, array_remove(ARRAY[
                   CASE WHEN r.balance >= 50000 THEN 'balance_50k' WHEN r.balance >= 10000 THEN 'balance_10k'
                        WHEN r.balance >= 2500 THEN 'balance_2_5k' ELSE 'balance_low' END,
                   CASE WHEN r.debtor_type = 'business' THEN 'operating_business' END,
                   CASE WHEN r.age < 2 THEN 'age_under_2' WHEN r.age < 5 THEN 'age_2_5'
                        WHEN r.age >= 15 THEN 'age_over_15' WHEN r.age >= 10 THEN 'age_10_15' END], NULL) AS codes
          FROM facts r),
    -- score_case's sum over tier_factors and its tier_thresholds lookup, once per combination of codes
    scored_codes AS MATERIALIZED (
        SELECT x.codes, sc.score, sc.reasons,
               (SELECT th.tier FROM tier_thresholds th WHERE sc.score >= th.min_score ORDER BY th.tier DESC LIMIT 1) AS tier
          FROM (SELECT DISTINCT codes FROM coded) x,
               LATERAL (SELECT coalesce(sum(f.points), 0)::integer AS score,
                               coalesce(array_agg(format('%s%s %s', CASE WHEN f.points >= 0 THEN '+' ELSE '' END,
                                                         f.points, f.description) ORDER BY f.points DESC), '{}') AS reasons
                          FROM tier_factors f WHERE f.code = ANY (x.codes)) sc),
    tiered AS (
        SELECT c.*, s.score, h.tier, s.reasons || h.hard AS reasons
          FROM coded c JOIN scored_codes s ON s.codes = c.codes,
               LATERAL (SELECT CASE WHEN c.deceased THEN 0::smallint
                                    WHEN s.tier < 2 AND c.balance >= 100000 THEN 2::smallint
                                    WHEN s.tier < 2 AND (c.entered_on + interval '10 years')::date BETWEEN v_as_of AND v_as_of + 180
                                    THEN 2::smallint
                                    ELSE s.tier END AS tier,
                               CASE WHEN c.deceased THEN ARRAY['hard rule: debtor deceased -> Tier 0']
                                    WHEN s.tier < 2 AND c.balance >= 100000 THEN ARRAY['hard rule: balance >= $100,000 -> at least Tier 2']
                                    WHEN s.tier < 2 AND (c.entered_on + interval '10 years')::date BETWEEN v_as_of AND v_as_of + 180
                                    THEN ARRAY['hard rule: real-property lien expires within 180 days -> at least Tier 2']
                                    ELSE '{}'::text[] END AS hard) h),
    numbered AS (
        SELECT nextval('judgments_id_seq') AS judgment_id, nextval('enforcement_cases_id_seq') AS case_id,
               nextval('case_number_seq') AS case_number,
               CASE WHEN v_clock THEN v_now ELSE clock_timestamp() END AS occurred_at, o.*
          FROM (SELECT * FROM tiered ORDER BY line) o),
    payloads AS (
        SELECT n.*, jsonb_build_object(
                   'court', n.court, 'county', n.county, 'index_number', n.index_number, 'entered_on', n.entered_on,
                   'principal', n.principal, 'costs', n.costs, 'plaintiff', n.plaintiff_name,
                   'debtor', n.debtor_name, 'tier', n.tier, 'owner', n.owner, 'interest', n.basis) AS payload
          FROM numbered n)
    -- Event seq 1 after the genesis hash, by the one definition doctor checks (both functions inline).
    SELECT p.*, event_hash(repeat('0', 64), event_canonical(p.case_id, 1, 'case_created', p_actor, p_source,
                                                           p.payload, NULL, NULL, p.occurred_at)) AS hash
      FROM payloads p;

    INSERT INTO judgments (id, plaintiff_id, debtor_id, court, county, index_number, entered_on, principal, costs,
                           consumer_debt, debtor_is_person, external_ref, interest_basis,
                           unpaid_principal, unpaid_costs, accrual_date, created_at)
    SELECT n.judgment_id, n.plaintiff_id, n.debtor_id, n.court, n.county, n.index_number, n.entered_on, n.principal,
           n.costs, n.consumer_debt, n.debtor_type = 'person', n.external_ref, n.basis, n.principal, n.costs, n.entered_on,
           v_now
      FROM pg_temp.df_import_new n ORDER BY n.line;
    INSERT INTO interest_segments (judgment_id, from_date, to_date, rate, why)
    SELECT n.judgment_id, (g->>'from')::date, (g->>'to')::date, (g->>'rate')::numeric, g->>'why'
      FROM pg_temp.df_import_new n, jsonb_array_elements(n.segments) WITH ORDINALITY AS s(g, i)
     ORDER BY n.line, s.i;
    INSERT INTO judgment_dockets (judgment_id, county, docketed_on)
    SELECT n.judgment_id, n.county, n.entered_on FROM pg_temp.df_import_new n ORDER BY n.line;
    INSERT INTO enforcement_cases (id, case_number, judgment_id, tier, rule_tier, tier_score, tier_reasons,
                                   owner_slack_id, next_action_at, next_action_what, event_seq, last_event_hash,
                                   last_person_event_at, stage_entered_at, created_at)
    SELECT n.case_id, n.case_number, n.judgment_id, n.tier, n.tier, n.score, n.reasons, n.owner,
           v_now + interval '1 day', 'verify the judgment and move to discovery', 1, n.hash,
           CASE WHEN p_actor LIKE 'system:%' THEN NULL ELSE n.occurred_at END, v_now, v_now
      FROM pg_temp.df_import_new n ORDER BY n.line;
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, occurred_at, prev_hash, hash)
    SELECT n.case_id, 1, 'case_created', p_actor, p_source, n.payload, n.occurred_at, repeat('0', 64), n.hash
      FROM pg_temp.df_import_new n ORDER BY n.line;

    SELECT jsonb_build_object('created', count(*), 'present', v_present, 'last_line', v_last,
                              'first_case_ref', 'DF-' || min(n.case_number), 'last_case_ref', 'DF-' || max(n.case_number))
      INTO v_result FROM pg_temp.df_import_new n;
    DROP TABLE pg_temp.df_import_new;
    DROP TABLE pg_temp.df_import_todo;
    RETURN v_result;
END $$;

-- ---------------------------------------------------------------- plaintiffs (the client list)

-- Adds a plaintiff or updates its contact and external ref, keyed on the name (case and spacing
-- ignored, as plaintiffs.name_key). Empty contact/ref keep what is stored.
CREATE FUNCTION create_plaintiff(p_name text, p_contact text DEFAULT NULL, p_external_ref text DEFAULT NULL,
    p_actor text DEFAULT 'cli:unknown')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v plaintiffs;
    v_created boolean;
    v_changed boolean := false;
BEGIN
    PERFORM require_text(p_name, 'plaintiff name');
    SELECT * INTO v FROM plaintiffs WHERE name_key = import_name_key(p_name) FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO plaintiffs (name, contact, external_ref)
        VALUES (btrim(p_name), nullif(btrim(p_contact), ''), nullif(btrim(p_external_ref), ''))
        ON CONFLICT (name_key) DO NOTHING RETURNING * INTO v;
        v_created := FOUND;
        IF NOT v_created THEN
            SELECT * INTO v FROM plaintiffs WHERE name_key = import_name_key(p_name) FOR UPDATE;
        END IF;
    ELSE
        v_created := false;
    END IF;
    IF NOT v_created AND (coalesce(nullif(btrim(p_contact), ''), v.contact) IS DISTINCT FROM v.contact
                          OR coalesce(nullif(btrim(p_external_ref), ''), v.external_ref) IS DISTINCT FROM v.external_ref) THEN
        UPDATE plaintiffs SET contact = coalesce(nullif(btrim(p_contact), ''), contact),
                              external_ref = coalesce(nullif(btrim(p_external_ref), ''), external_ref)
         WHERE id = v.id RETURNING * INTO v;
        v_changed := true;
    END IF;
    RETURN jsonb_build_object('plaintiff_id', v.id, 'name', v.name, 'created', v_created, 'updated', v_changed);
END $$;

-- Validates pg_temp.df_import_plaintiffs into pg_temp.df_import_plaintiffs_checked. Returns counts.
CREATE FUNCTION import_check_plaintiffs() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_result jsonb;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_import_plaintiffs_checked;
    CREATE TEMP TABLE df_import_plaintiffs_checked AS
    WITH s AS (
        SELECT r.line, nullif(btrim(r.name), '') AS name, import_name_key(nullif(btrim(r.name), '')) AS name_key,
               nullif(btrim(r.contact), '') AS contact, nullif(btrim(r.external_ref), '') AS external_ref
          FROM pg_temp.df_import_plaintiffs r),
    d AS (
        SELECT s.*, p.id AS existing_id,
               (p.id IS NOT NULL AND coalesce(s.contact, p.contact) IS NOT DISTINCT FROM p.contact
                AND coalesce(s.external_ref, p.external_ref) IS NOT DISTINCT FROM p.external_ref) AS same,
               CASE WHEN s.name_key IS NOT NULL AND count(*) OVER (PARTITION BY s.name_key) > 1 THEN
                    (SELECT string_agg(o.line::text, ', ' ORDER BY o.line) FROM s o
                      WHERE o.name_key = s.name_key AND o.line <> s.line) END AS other_lines
          FROM s LEFT JOIN plaintiffs p ON p.name_key = s.name_key)
    SELECT d.line, d.name, d.contact, d.external_ref,
           array_remove(ARRAY[
               CASE WHEN d.name IS NULL THEN 'name|required, but empty'
                    WHEN d.other_lines IS NOT NULL THEN format('name|"%s" is also on line %s of this file', d.name, d.other_lines)
               END], NULL) AS problems,
           CASE WHEN d.name IS NULL OR d.other_lines IS NOT NULL THEN 'error'
                WHEN d.existing_id IS NULL THEN 'create' WHEN d.same THEN 'present' ELSE 'update' END AS status
      FROM d;
    SELECT jsonb_build_object('rows', count(*), 'create', count(*) FILTER (WHERE status = 'create'),
                              'update', count(*) FILTER (WHERE status = 'update'),
                              'present', count(*) FILTER (WHERE status = 'present'),
                              'error', count(*) FILTER (WHERE status = 'error'))
      INTO v_result FROM pg_temp.df_import_plaintiffs_checked;
    RETURN v_result;
END $$;

-- Applies the checked 'create' and 'update' rows through create_plaintiff. Returns counts.
CREATE FUNCTION import_plaintiffs_batch(p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    v jsonb;
    v_created integer := 0;
    v_updated integer := 0;
BEGIN
    FOR r IN SELECT * FROM pg_temp.df_import_plaintiffs_checked WHERE status IN ('create', 'update') ORDER BY line LOOP
        v := create_plaintiff(r.name, r.contact, r.external_ref, p_actor);
        IF (v->>'created')::boolean THEN v_created := v_created + 1;
        ELSIF (v->>'updated')::boolean THEN v_updated := v_updated + 1; END IF;
    END LOOP;
    RETURN jsonb_build_object('created', v_created, 'updated', v_updated);
END $$;

-- ---------------------------------------------------------------- dragonfly smoke

-- Cases per stage and effective tier, with what a post-import check looks for.
CREATE VIEW v_case_census AS
SELECT c.stage::text AS stage, c.tier, count(*) AS cases,
       count(*) FILTER (WHERE c.status = 'open') AS open_cases,
       count(*) FILTER (WHERE c.status = 'open' AND c.owner_slack_id IS NULL) AS open_without_owner,
       count(*) FILTER (WHERE c.status = 'open' AND c.next_action_at IS NULL) AS open_without_next_action,
       count(*) FILTER (WHERE c.event_seq = 0) AS without_events
  FROM enforcement_cases c
 GROUP BY c.stage, c.tier;

-- Judgments that have no case (only a write outside the sanctioned path makes one).
CREATE VIEW v_judgments_without_case AS
SELECT j.id AS judgment_id, j.court, j.index_number
  FROM judgments j WHERE NOT EXISTS (SELECT 1 FROM enforcement_cases c WHERE c.judgment_id = j.id);
