-- Nightly at scale (issue 12): the weekly summary reads the stored read model, and assign_tiers
-- scores every open case in one set-based statement and writes (with an event) only the cases
-- whose score, reasons or tier changed.

-- The weekly executive summary as one jsonb document. p_week_start is the Monday of the week it
-- reports (recoveries from that Monday through the Sunday), p_now the time it is computed as of.
-- Balances are v_case_balance's, read from the stored read model (case_read_model, sql/0070) in one
-- pass with the clock read once; tests compare the two. SLA breaches come from v_case_sla_breaches,
-- the one definition of the SLA rule (an index range scan on the stored breach moments).
CREATE OR REPLACE FUNCTION weekly_summary(p_now timestamptz, p_week_start date)
RETURNS jsonb LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' AS $$
    WITH k AS MATERIALIZED (SELECT df_now() AS now, firm_today() AS today),
    -- Balances from the stored read model (sql/0070): one narrow row per open case, interest by
    -- one multiplication, each case rounded to the cent as v_case_balance rounds it.
    balances AS (
        SELECT m.tier, count(*) AS cases,
               sum(m.unpaid_principal + m.unpaid_costs + rm_interest(m, k.today)) AS balance
          FROM case_read_model m CROSS JOIN k
         WHERE m.is_open GROUP BY m.tier),
    breaches AS (
        SELECT b.tier, count(*) AS n FROM v_case_sla_breaches b GROUP BY b.tier),
    tiers AS (
        SELECT b.tier, b.cases, b.balance, coalesce(x.n, 0) AS breaches
          FROM balances b LEFT JOIN breaches x ON x.tier = b.tier),
    dwell AS (
        SELECT o.stage::text AS stage, count(*) AS cases,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p_now - o.stage_entered_at)
                     / 86400.0)::numeric, 1) AS median_days,
               round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM p_now - o.stage_entered_at)
                     / 86400.0)::numeric, 1) AS p90_days
          FROM case_read_model o WHERE o.is_open GROUP BY o.stage),
    pipeline AS (
        SELECT a.kind::text AS kind, a.state, count(*) AS actions,
               round(avg(extract(epoch FROM p_now - a.state_entered_at) / 86400.0)::numeric, 1) AS avg_age_days,
               round(max(extract(epoch FROM p_now - a.state_entered_at) / 86400.0)::numeric, 1) AS max_age_days
          FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id AND c.status = 'open'
         WHERE a.is_open GROUP BY a.kind, a.state),
    rec AS (
        SELECT coalesce(sum(p.gross) FILTER (WHERE p.received_on BETWEEN p_week_start AND p_week_start + 6), 0) AS week,
               coalesce(sum(p.gross) FILTER (WHERE p.received_on >= date_trunc('month', p_week_start + 6)::date
                                               AND p.received_on <= p_week_start + 6), 0) AS mtd
          FROM payments p WHERE p.received_on >= least(p_week_start, date_trunc('month', p_week_start + 6)::date)
           AND p.received_on <= p_week_start + 6),
    plan AS (
        SELECT coalesce((SELECT amount FROM recovery_plan WHERE month = date_trunc('month', p_week_start + 6)::date), 0)
               AS month_plan)
    SELECT jsonb_build_object(
        'week_start', p_week_start, 'week_end', p_week_start + 6,
        'tiers', coalesce((SELECT jsonb_agg(jsonb_build_object('tier', t.tier, 'cases', t.cases, 'balance', t.balance,
                                  'sla_breaches', t.breaches) ORDER BY t.tier DESC)
                             FROM tiers t), '[]'),
        'sla_breaches', (SELECT coalesce(sum(n), 0) FROM breaches),
        'dwell', coalesce((SELECT jsonb_agg(to_jsonb(dwell) ORDER BY dwell.stage) FROM dwell), '[]'),
        'pipeline', coalesce((SELECT jsonb_agg(to_jsonb(pipeline) ORDER BY pipeline.kind, pipeline.state)
                                FROM pipeline), '[]'),
        'recovered_week', (SELECT week FROM rec), 'recovered_mtd', (SELECT mtd FROM rec),
        'month', date_trunc('month', p_week_start + 6)::date, 'month_plan', (SELECT month_plan FROM plan))
$$;

-- score_case (sql/0064_law_twenty_years.sql) for every open case at once: the same factors, the same
-- tier_factors points and reasons order, the same thresholds and hard rules; the balance comes
-- from the read model (equal to accrued_interest's). A test compares the two case by case.
CREATE FUNCTION score_open_cases(p_as_of date)
RETURNS TABLE (case_id bigint, score integer, tier smallint, reasons text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH base AS (
        SELECT c.id, c.bankruptcy_stay, j.vacated, d.deceased, d.debtor_type, j.entered_on, j.id AS judgment_id,
               presumed_paid_on(j.entered_on, j.renewed_on) AS presumed_paid_on, c.last_payment_at, m.unpaid_principal + m.unpaid_costs + rm_interest(m, p_as_of) AS balance
          FROM enforcement_cases c
          JOIN judgments j ON j.id = c.judgment_id
          JOIN debtors d ON d.id = j.debtor_id
          JOIN case_read_model m ON m.case_id = c.id
         WHERE c.status = 'open'),
    asset_facts AS (
        SELECT a.case_id,
               bool_or(a.kind = 'employer' AND a.verified_on > p_as_of - 180) AS employer,
               bool_or(a.kind = 'bank_account' AND a.verified_on > p_as_of - 90) AS bank,
               bool_or(a.kind = 'exempt_income') AS exempt, bool_or(a.kind <> 'exempt_income') AS other,
               bool_or(a.kind = 'real_property' AND EXISTS (
                   SELECT 1 FROM enforcement_cases c JOIN judgment_dockets k ON k.judgment_id = c.judgment_id
                    WHERE c.id = a.case_id AND k.county = a.county)) AS property
          FROM assets a GROUP BY a.case_id),
    coded AS (
        SELECT b.*, (p_as_of - b.entered_on) / 365.25 AS age, array_remove(ARRAY[
                   CASE WHEN b.balance >= 50000 THEN 'balance_50k' WHEN b.balance >= 10000 THEN 'balance_10k'
                        WHEN b.balance >= 2500 THEN 'balance_2_5k' ELSE 'balance_low' END,
                   CASE WHEN f.employer THEN 'employer_verified' END,
                   CASE WHEN f.bank THEN 'bank_verified' END,
                   CASE WHEN f.property THEN 'real_property_docketed' END,
                   CASE WHEN b.debtor_type = 'business' THEN 'operating_business' END,
                   CASE WHEN b.last_payment_at IS NULL THEN NULL
                        WHEN b.last_payment_at::date > p_as_of - 180 THEN 'payment_recent' ELSE 'payment_ever' END,
                   CASE WHEN (p_as_of - b.entered_on) / 365.25 < 2 THEN 'age_under_2'
                        WHEN (p_as_of - b.entered_on) / 365.25 < 5 THEN 'age_2_5'
                        WHEN (p_as_of - b.entered_on) / 365.25 >= 15 THEN 'age_over_15'
                        WHEN (p_as_of - b.entered_on) / 365.25 >= 10 THEN 'age_10_15' END,
                   CASE WHEN f.exempt AND NOT f.other THEN 'exempt_income_only' END,
                   CASE WHEN EXISTS (SELECT 1 FROM enforcement_actions x WHERE x.case_id = b.id
                                        AND x.kind = 'asset_search' AND x.state = 'none')
                        THEN 'search_found_nothing' END], NULL) AS codes
          FROM base b LEFT JOIN asset_facts f ON f.case_id = b.id),
    scored_codes AS MATERIALIZED (
        SELECT x.codes, sc.score, sc.reasons,
               (SELECT th.tier FROM tier_thresholds th WHERE sc.score >= th.min_score ORDER BY th.tier DESC LIMIT 1)
                   AS tier
          FROM (SELECT DISTINCT codes FROM coded) x,
               LATERAL (SELECT coalesce(sum(f.points), 0)::integer AS score,
                               coalesce(array_agg(format('%s%s %s', CASE WHEN f.points >= 0 THEN '+' ELSE '' END,
                                                         f.points, f.description) ORDER BY f.points DESC), '{}')
                                   AS reasons
                          FROM tier_factors f WHERE f.code = ANY (x.codes)) sc)
    SELECT c.id, s.score, h.tier, s.reasons || h.hard
      FROM coded c JOIN scored_codes s ON s.codes = c.codes,
           LATERAL (SELECT EXISTS (SELECT 1 FROM judgment_dockets k WHERE k.judgment_id = c.judgment_id
                      AND (k.docketed_on + interval '10 years')::date BETWEEN p_as_of AND p_as_of + 180) AS expiring) l,
           LATERAL (SELECT
               CASE WHEN c.bankruptcy_stay OR c.vacated OR c.deceased OR c.presumed_paid_on <= p_as_of THEN 0::smallint
                    WHEN s.tier < 2 AND c.balance >= 100000 THEN 2::smallint
                    WHEN s.tier < 2 AND l.expiring THEN 2::smallint
                    ELSE s.tier END AS tier,
               CASE WHEN c.bankruptcy_stay THEN ARRAY['hard rule: bankruptcy stay -> Tier 0']
                    WHEN c.vacated THEN ARRAY['hard rule: judgment vacated -> Tier 0']
                    WHEN c.deceased THEN ARRAY['hard rule: debtor deceased -> Tier 0']
                    WHEN c.presumed_paid_on <= p_as_of THEN ARRAY[format(
                        'hard rule: judgment presumed paid since %s (CPLR 211(b)) -> Tier 0', c.presumed_paid_on)]
                    WHEN s.tier < 2 AND c.balance >= 100000 THEN ARRAY['hard rule: balance >= $100,000 -> at least Tier 2']
                    WHEN s.tier < 2 AND l.expiring
                    THEN ARRAY['hard rule: real-property lien expires within 180 days -> at least Tier 2']
                    ELSE '{}'::text[] END AS hard) h
$$;

-- Nightly: rescore every open case (set-based); only a case whose rule tier, score, reasons or
-- effective tier changed is written, and an effective-tier change is a tier_changed event. The
-- events are appended set-based after each case's chain head (each case gets at most one, so
-- event_hash(head, event_canonical(...)) per row is the chain append_event would write), and the
-- read model of the changed cases is refreshed in one statement at the end.
CREATE OR REPLACE FUNCTION assign_tiers(p_as_of date DEFAULT NULL, p_actor text DEFAULT 'system:nightly')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_as_of date := coalesce(p_as_of, firm_today());
    v_changed integer;
    v_scored integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_tier_scores;
    DROP TABLE IF EXISTS pg_temp.df_tier_changes;
    DROP TABLE IF EXISTS pg_temp.df_tier_events;
    CREATE TEMP TABLE df_tier_scores ON COMMIT DROP AS SELECT * FROM score_open_cases(v_as_of);
    GET DIAGNOSTICS v_scored = ROW_COUNT;
    -- Lock the cases whose facts changed (in id order), reading their chain heads under the lock.
    CREATE TEMP TABLE df_tier_changes ON COMMIT DROP AS
    WITH cand AS (
        SELECT s.* FROM df_tier_scores s JOIN enforcement_cases c ON c.id = s.case_id
         WHERE (c.rule_tier, c.tier, c.tier_score, c.tier_reasons) IS DISTINCT FROM
               (s.tier, coalesce((SELECT o.tier FROM tier_overrides o WHERE o.case_id = c.id AND o.active), s.tier),
                s.score, s.reasons)),
    locked AS (
        SELECT c.id, c.tier AS old_tier, c.event_seq, c.last_event_hash FROM enforcement_cases c
         WHERE c.id IN (SELECT case_id FROM cand) ORDER BY c.id FOR UPDATE)
    SELECT l.id, l.old_tier, l.event_seq, l.last_event_hash, x.tier AS rule_tier, x.score, x.reasons,
           x.tier AS new_tier
      FROM locked l JOIN cand x ON x.case_id = l.id;
    -- Re-read under the locks: an override set since the scores were read must win.
    UPDATE df_tier_changes x
       SET new_tier = coalesce((SELECT o.tier FROM tier_overrides o WHERE o.case_id = x.id AND o.active), x.rule_tier);
    CREATE TEMP TABLE df_tier_events ON COMMIT DROP AS
    SELECT t.id, t.event_seq + 1 AS seq, t.last_event_hash AS prev_hash, t.at, t.payload,
           event_hash(t.last_event_hash, event_canonical(t.id, t.event_seq + 1, 'tier_changed', p_actor, 'scheduler',
                                                         t.payload, NULL, NULL, t.at)) AS hash
      FROM (SELECT x.*, event_time() AS at,
                   jsonb_build_object('from', x.old_tier, 'to', x.new_tier, 'score', x.score,
                                      'reasons', to_jsonb(x.reasons)) AS payload
              FROM df_tier_changes x WHERE x.new_tier <> x.old_tier) t;
    GET DIAGNOSTICS v_changed = ROW_COUNT;
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, occurred_at, prev_hash, hash)
    SELECT e.id, e.seq, 'tier_changed', p_actor, 'scheduler', e.payload, e.at, e.prev_hash, e.hash
      FROM df_tier_events e ORDER BY e.id;
    PERFORM set_config('dragonfly.read_model_deferred', 'on', true);
    UPDATE enforcement_cases c
       SET rule_tier = x.rule_tier, tier_score = x.score, tier_reasons = x.reasons, tier = x.new_tier,
           event_seq = coalesce(e.seq, c.event_seq), last_event_hash = coalesce(e.hash, c.last_event_hash)
      FROM df_tier_changes x LEFT JOIN df_tier_events e ON e.id = x.id
     WHERE c.id = x.id;
    PERFORM set_config('dragonfly.read_model_deferred', 'off', true);
    PERFORM refresh_case_read_model(ARRAY(SELECT e.id FROM df_tier_events e));
    DROP TABLE pg_temp.df_tier_events;
    DROP TABLE pg_temp.df_tier_changes;
    DROP TABLE pg_temp.df_tier_scores;
    RETURN jsonb_build_object('scored', v_scored, 'changed', v_changed);
END $$;
