-- The bulk import keeps create_enforcement_case's rules (issue 13 item 5): a judgment presumed paid
-- (CPLR 211(b), docs/domain.md "Twenty years") is Tier 0 with that reason and its case_created event
-- says since when. import_judgments_batch belongs to the import (0040); only those lines change.

CREATE OR REPLACE FUNCTION import_judgments_batch(p_after_line integer, p_limit integer, p_actor text,
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
               (v_as_of - t.entered_on) / 365.25 AS age,
               presumed_paid_on(t.entered_on, NULL) AS presumed_paid_on
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
               LATERAL (SELECT CASE WHEN c.deceased OR c.presumed_paid_on <= v_as_of THEN 0::smallint
                                    WHEN s.tier < 2 AND c.balance >= 100000 THEN 2::smallint
                                    WHEN s.tier < 2 AND (c.entered_on + interval '10 years')::date BETWEEN v_as_of AND v_as_of + 180
                                    THEN 2::smallint
                                    ELSE s.tier END AS tier,
                               CASE WHEN c.deceased THEN ARRAY['hard rule: debtor deceased -> Tier 0']
                                    WHEN c.presumed_paid_on <= v_as_of THEN ARRAY[format(
                                        'hard rule: judgment presumed paid since %s (CPLR 211(b)) -> Tier 0', c.presumed_paid_on)]
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
                   'debtor', n.debtor_name, 'tier', n.tier, 'owner', n.owner, 'interest', n.basis)
               || CASE WHEN n.presumed_paid_on <= v_as_of THEN jsonb_build_object('presumed_paid_since', n.presumed_paid_on)
                       ELSE '{}' END AS payload
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
