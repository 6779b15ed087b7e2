-- depends: 0152_event_checks_once_per_actor
-- The rules a whole-book statement applies per case, written so PostgreSQL inlines them (issue 12:
-- the nightly's scoring of 900,000 open cases took 14-15 s on the 1M demo book, the weekly summary
-- 3.4-3.6 s). Two helpers were a function call per case:
--  * presumed_paid_on read its policy (presumed_paid_years, a plpgsql lookup) for every case:
--    4.4 us a call, 5.0 s over a million judgments against 0.14 s for the date arithmetic. The
--    rule itself is now presumed_paid_after(entered, renewed, years), an inlined expression;
--    presumed_paid_on(entered, renewed) is that rule with the policy read, as before, and a
--    statement over many cases reads the policy once and applies the rule per case.
--  * rm_interest(m, day) (plpgsql since sql/0112, for the card's cached plan) takes the whole row;
--    a query over many rows now calls rm_interest_on with the columns, which inlines (1.8 s ->
--    0.7 s over 900,000 rows). rm_interest is rm_interest_on: one definition.
-- score_open_cases and weekly_summary use them; same results (tests compare score_open_cases
-- with score_case case by case, and weekly_summary with v_case_balance).

-- CPLR 211(b), docs/domain.md "Twenty years": presumed paid `p_years` after entry or the last renewal.
CREATE FUNCTION presumed_paid_after(p_entered_on date, p_renewed_on date, p_years integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT (greatest(p_entered_on, coalesce(p_renewed_on, p_entered_on)) + make_interval(years => p_years))::date
$$;

CREATE OR REPLACE FUNCTION presumed_paid_on(p_entered_on date, p_renewed_on date) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT presumed_paid_after(p_entered_on, p_renewed_on, policy_int('presumed_paid_years'))
$$;

-- Interest on a day from a read model row's columns (sql/0070): inside the row's rate window one
-- multiplication, outside it the segment sum (rm_interest_slow).
CREATE FUNCTION rm_interest_on(p_carry numeric, p_principal numeric, p_acc_from date, p_acc_until date,
    p_rate_days numeric, p_rate numeric, p_judgment_id bigint, p_accrual date, p_on date) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_on >= p_acc_from AND (p_acc_until IS NULL OR p_on <= p_acc_until)
                THEN round(greatest(0, p_carry + p_principal * ((p_rate_days + p_rate * (p_on - p_acc_from)) / 365)), 2)
                ELSE rm_interest_slow(p_judgment_id, p_carry, p_principal, p_accrual, p_on) END
$$;

CREATE OR REPLACE FUNCTION rm_interest(m case_read_model, p_on date) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN rm_interest_on(m.interest_carry, m.unpaid_principal, m.acc_from, m.acc_until, m.acc_rate_days, m.acc_rate,
                          m.judgment_id, m.accrual_date, p_on);
END $$;

CREATE OR REPLACE FUNCTION weekly_summary(p_now timestamptz, p_week_start date)
RETURNS jsonb LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' AS $$
    WITH k AS MATERIALIZED (SELECT df_now() AS now, firm_today() AS today),
    -- Balances from the stored read model (sql/0070): one narrow row per open case, interest by
    -- one multiplication, each case rounded to the cent as v_case_balance rounds it.
    balances AS (
        SELECT m.tier, count(*) AS cases,
               sum(m.unpaid_principal + m.unpaid_costs
                   + rm_interest_on(m.interest_carry, m.unpaid_principal, m.acc_from, m.acc_until, m.acc_rate_days,
                                    m.acc_rate, m.judgment_id, m.accrual_date, k.today)) AS balance
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

CREATE OR REPLACE FUNCTION score_open_cases(p_as_of date)
RETURNS TABLE (case_id bigint, score integer, tier smallint, reasons text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH base AS (
        SELECT c.id, c.bankruptcy_stay, j.vacated, d.deceased, d.debtor_type, j.entered_on, j.id AS judgment_id,
               presumed_paid_after(j.entered_on, j.renewed_on, k.years) AS presumed_paid_on, c.last_payment_at,
               (p_as_of - j.entered_on) / 365.25 AS age,
               m.unpaid_principal + m.unpaid_costs
                 + rm_interest_on(m.interest_carry, m.unpaid_principal, m.acc_from, m.acc_until, m.acc_rate_days,
                                  m.acc_rate, m.judgment_id, m.accrual_date, p_as_of) AS balance
          FROM enforcement_cases c
          JOIN judgments j ON j.id = c.judgment_id
          JOIN debtors d ON d.id = j.debtor_id
          JOIN case_read_model m ON m.case_id = c.id
         CROSS JOIN (SELECT policy_int('presumed_paid_years') AS years OFFSET 0) k  -- once, not per case
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
        SELECT b.*, array_remove(ARRAY[
                   CASE WHEN b.balance >= 50000 THEN 'balance_50k' WHEN b.balance >= 10000 THEN 'balance_10k'
                        WHEN b.balance >= 2500 THEN 'balance_2_5k' ELSE 'balance_low' END,
                   CASE WHEN f.employer THEN 'employer_verified' END,
                   CASE WHEN f.bank THEN 'bank_verified' END,
                   CASE WHEN f.property THEN 'real_property_docketed' END,
                   CASE WHEN b.debtor_type = 'business' THEN 'operating_business' END,
                   CASE WHEN b.last_payment_at IS NULL THEN NULL
                        WHEN b.last_payment_at::date > p_as_of - 180 THEN 'payment_recent' ELSE 'payment_ever' END,
                   CASE WHEN b.age < 2 THEN 'age_under_2' WHEN b.age < 5 THEN 'age_2_5'
                        WHEN b.age >= 15 THEN 'age_over_15' WHEN b.age >= 10 THEN 'age_10_15' END,
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
