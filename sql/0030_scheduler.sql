-- Scheduler read functions: the digest selection, the stale Tier 3 alert, nightly deadline
-- warnings and the weekly executive summary. All read-only (STABLE), SECURITY DEFINER with a fixed
-- search_path so the application role needs only EXECUTE. Each takes the time it runs "as of", so
-- tests and `dragonfly jobs run --at` control the clock.

-- Open cases without a next action are a digest section of their own.
CREATE INDEX IF NOT EXISTS enforcement_cases_open_no_next ON enforcement_cases (owner_slack_id)
    WHERE status = 'open' AND next_action_at IS NULL;
CREATE INDEX IF NOT EXISTS enforcement_events_warnings ON enforcement_events (occurred_at)
    WHERE kind = 'deadline_warning';

CREATE FUNCTION firm_date_of(p_at timestamptz) RETURNS date LANGUAGE sql STABLE
SET search_path = public, pg_temp AS $$
    SELECT (p_at AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'))::date
$$;

-- The digest's order after the owner, packed into one bigint (the same total order as
-- `rank, (tier >= 2) DESC, overdue_days DESC NULLS LAST, tier DESC, case_number`): sorting ~20k lines
-- by one integer key instead of five keys was most of digest_items' time at 100k cases (see
-- bench/bench_scheduler.py). Bits: rank (3) | tier < 2 (1) | overdue in tenths of a day, descending,
-- NULL last (24, clamped to +-2,298 years) | 3 - tier (2) | case_number (33, below 8.5 billion).
-- IMMUTABLE SQL without SET clauses, so the planner inlines it.
CREATE FUNCTION digest_sort_key(p_rank integer, p_tier smallint, p_overdue_days numeric, p_case_number bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (p_rank::bigint << 60)
         | ((p_tier < 2)::integer::bigint << 59)
         | ((8388607 - coalesce(least(greatest(round(p_overdue_days * 10)::bigint, -8388607), 8388607), -8388608)) << 35)
         | ((3 - greatest(0, least(p_tier, 3)))::bigint << 33)
         | p_case_number
$$;

-- The morning digest, one row per line, already in the order a person reads it:
-- by owner; sections past_due, blocker_eta, deadline, warning, no_next_action; within a section
-- Tier 3 and 2 before Tier 1 and 0, then the most overdue first.
CREATE FUNCTION digest_items(p_now timestamptz, p_since timestamptz DEFAULT NULL, p_horizon integer DEFAULT 3)
RETURNS TABLE (owner text, section text, case_ref text, case_number bigint, tier smallint, stage text,
               due_at timestamptz, due_on date, detail text, overdue_days numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH d AS (SELECT firm_date_of(p_now) AS today,
                      add_business_days(firm_date_of(p_now), p_horizon) AS horizon),
    items AS (
        SELECT c.owner_slack_id AS owner, 1 AS rank, 'past_due' AS section, c.case_ref, c.case_number, c.tier,
               c.stage::text AS stage, c.next_action_at AS due_at, NULL::date AS due_on,
               c.next_action_what AS detail,
               round(extract(epoch FROM p_now - c.next_action_at) / 86400.0, 1) AS overdue_days
          FROM enforcement_cases c
         WHERE c.status = 'open' AND c.next_action_at < p_now
        UNION ALL
        SELECT c.owner_slack_id, 2, 'blocker_eta', c.case_ref, c.case_number, c.tier, c.stage::text, NULL, x.eta,
               format('%s: %s', x.kind, x.reason), (d.today - x.eta)::numeric
          FROM blockers x JOIN enforcement_cases c ON c.id = x.case_id CROSS JOIN d
         WHERE x.cleared_at IS NULL AND x.eta < d.today AND c.status = 'open'
        UNION ALL
        SELECT c.owner_slack_id, 3, 'deadline', c.case_ref, c.case_number, c.tier, c.stage::text, NULL,
               a.next_deadline, format('%s #%s (%s)', a.kind, a.id, a.state), (d.today - a.next_deadline)::numeric
          FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id CROSS JOIN d
         WHERE a.is_open AND a.next_deadline <= d.horizon AND c.status = 'open'
        UNION ALL
        SELECT c.owner_slack_id, 4, 'warning', c.case_ref, c.case_number, c.tier, c.stage::text, NULL,
               (e.payload->>'due')::date, format('%s #%s %s', e.payload->>'kind', e.action_id, e.payload->>'warning'),
               (d.today - (e.payload->>'due')::date)::numeric
          FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id CROSS JOIN d
         WHERE e.kind = 'deadline_warning' AND e.occurred_at > coalesce(p_since, p_now - interval '1 day')
           AND e.occurred_at <= p_now AND c.status = 'open'
        UNION ALL
        SELECT c.owner_slack_id, 5, 'no_next_action', c.case_ref, c.case_number, c.tier, c.stage::text, NULL, NULL,
               NULL, NULL
          FROM enforcement_cases c WHERE c.status = 'open' AND c.next_action_at IS NULL)
    SELECT owner, section, case_ref, case_number, tier, stage, due_at, due_on, detail, overdue_days
      FROM items
     ORDER BY owner NULLS LAST, digest_sort_key(rank, tier, overdue_days, case_number)
$$;

-- Tier 3 open cases more than p_days in one stage; recovery is excluded while payments arrive at
-- least every 35 days (DOMAIN.md "Red flag").
CREATE FUNCTION stale_tier3(p_now timestamptz, p_days integer DEFAULT 7, p_payment_days integer DEFAULT 35)
RETURNS TABLE (case_ref text, case_number bigint, owner text, stage text, dwell_days numeric,
               last_payment_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.case_ref, c.case_number, c.owner_slack_id, c.stage::text,
           round(extract(epoch FROM p_now - c.stage_entered_at) / 86400.0, 1), c.last_payment_at
      FROM enforcement_cases c
     WHERE c.status = 'open' AND c.tier = 3 AND c.stage_entered_at < p_now - make_interval(days => p_days)
       AND NOT (c.stage = 'recovery' AND c.last_payment_at >= p_now - make_interval(days => p_payment_days))
     ORDER BY c.stage_entered_at, c.case_number
$$;

-- Workflow deadline warnings that are due on p_today (DOMAIN.md workflows table). The nightly job
-- records each with record_deadline_warning, which is idempotent per (action, warning).
CREATE FUNCTION due_deadline_warnings(p_today date)
RETURNS TABLE (action_id bigint, case_ref text, kind text, warning text, due date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.id, c.case_ref, a.kind::text, w.warning, w.due
      FROM enforcement_actions a
      JOIN enforcement_cases c ON c.id = a.case_id AND c.status = 'open'
     CROSS JOIN LATERAL (VALUES
        -- CPLR 5232(a): the levy is void 90 days after service unless turned over or extended
        ('levy_day_60', (a.deadlines->>'warn_day_60')::date, (a.deadlines->>'void_on')::date,
         a.kind = 'levy' AND a.state = 'levied'),
        ('levy_day_75', (a.deadlines->>'warn_day_75')::date, (a.deadlines->>'void_on')::date,
         a.kind = 'levy' AND a.state = 'levied'),
        ('levy_day_85', (a.deadlines->>'warn_day_85')::date, (a.deadlines->>'void_on')::date,
         a.kind = 'levy' AND a.state = 'levied'),
        -- CPLR 5230(c): the execution is returnable 60 days after issue
        ('levy_return_due', (a.deadlines->>'return_due')::date, (a.deadlines->>'return_due')::date,
         a.kind = 'levy' AND a.state IN ('issued', 'delivered_to_officer')),
        -- CPLR 5222(b): a restraining notice on a third party lapses after a year; warn 30 days before
        ('restraint_lapse_30d', (a.deadlines->>'lapse_warning')::date, (a.deadlines->>'lapses_on')::date,
         a.kind = 'restraining_notice' AND a.state IN ('served', 'effective')),
        -- CPLR 5224(a)(3): answer due 7 days after receipt; overdue the day after
        ('subpoena_answer_overdue', (a.deadlines->>'answer_due')::date + 1, (a.deadlines->>'answer_due')::date,
         a.kind = 'information_subpoena' AND a.state = 'served'),
        -- firm policy (policy_settings garnishment_no_remittance_days): 45 days after service on the employer
        ('garnishment_no_remittance_45d', (a.deadlines->>'remittance_expected')::date,
         (a.deadlines->>'remittance_expected')::date, a.kind = 'garnishment' AND a.state = 'served_on_employer'),
        -- CPLR 5231(d),(e): not served or not paying within 20 days of delivery -> the employer
        ('garnishment_employer_due', (a.deadlines->>'employer_due')::date, (a.deadlines->>'employer_due')::date,
         a.kind = 'garnishment' AND a.state IN ('delivered', 'served_on_debtor')),
        ('asset_search_due', (a.deadlines->>'search_due')::date + 1, (a.deadlines->>'search_due')::date,
         a.kind = 'asset_search' AND a.state IN ('requested', 'in_progress'))
     ) AS w(warning, fire_on, due, applies)
     WHERE a.is_open AND w.applies AND w.fire_on IS NOT NULL AND w.fire_on <= p_today
     ORDER BY a.id, w.warning
$$;

-- The weekly executive summary as one jsonb document. p_week_start is the Monday of the week it
-- reports (recoveries from that Monday through the Sunday), p_now the time it is computed as of.
-- Balances are v_case_balance's, computed in one pass over the open cases with the clock read once
-- (not once per case) and the accrued-interest factor grouped once per judgment; keep the formula
-- in step with that view (tests compare the two). SLA breaches come from v_case_sla_breaches, the one
-- definition of the SLA rule (v_enforcement_cases.sla_breached uses it too), computed set-based.
CREATE FUNCTION weekly_summary(p_now timestamptz, p_week_start date)
RETURNS jsonb LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' AS $$
    WITH k AS MATERIALIZED (SELECT df_now() AS now, firm_today() AS today),
    -- v_case_balance's accrued interest, with the clock read once instead of once per case
    factor AS (
        SELECT s.judgment_id,
               sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), k.today)
                                        - greatest(s.from_date, j.accrual_date))) / 365 AS factor
          FROM interest_segments s JOIN judgments j ON j.id = s.judgment_id CROSS JOIN k
         GROUP BY s.judgment_id),
    balances AS (
        SELECT o.tier, count(*) AS cases,
               sum(j.unpaid_principal + j.unpaid_costs
                   + round(greatest(0, j.interest_carry + j.unpaid_principal * coalesce(f.factor, 0)), 2)) AS balance
          FROM enforcement_cases o
          JOIN judgments j ON j.id = o.judgment_id
          LEFT JOIN factor f ON f.judgment_id = j.id
         WHERE o.status = 'open' GROUP BY o.tier),
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
          FROM enforcement_cases o WHERE o.status = 'open' GROUP BY o.stage),
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

-- Recoveries by week (Monday) against the plan prorated to the week, for the summary's chart.
CREATE FUNCTION weekly_recoveries(p_first_monday date, p_weeks integer)
RETURNS TABLE (week_start date, recovered numeric, plan numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT w::date,
           coalesce((SELECT sum(p.gross) FROM payments p WHERE p.received_on BETWEEN w::date AND w::date + 6), 0),
           round(coalesce((SELECT sum(rp.amount * 1.0 / extract(day FROM (date_trunc('month', g) + interval '1 month'
                                        - interval '1 day')))
                             FROM generate_series(w, w + interval '6 days', interval '1 day') g
                             JOIN recovery_plan rp ON rp.month = date_trunc('month', g)::date), 0), 2)
      FROM generate_series(p_first_monday::timestamp, (p_first_monday + 7 * (p_weeks - 1))::timestamp,
                           interval '7 days') w
$$;

-- A random sample of the week's events for the quality audit: is the proof there, is there a note.
CREATE FUNCTION audit_sample(p_from timestamptz, p_to timestamptz, p_n integer DEFAULT 10)
RETURNS TABLE (event_id bigint, case_ref text, occurred_at timestamptz, kind text, actor text, summary text,
               has_document boolean, has_note boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT e.id, c.case_ref, e.occurred_at, e.kind::text, e.actor, event_summary(e.kind, e.payload),
           e.document_id IS NOT NULL, coalesce(nullif(btrim(coalesce(e.payload->>'note', e.payload->>'text')), ''),
           NULL) IS NOT NULL
      FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id
     WHERE e.occurred_at >= p_from AND e.occurred_at < p_to
     ORDER BY random() LIMIT p_n
$$;

-- Steps recorded without their document (imported history), per case, for the weekly ops list.
CREATE FUNCTION documents_missing() RETURNS TABLE (case_ref text, owner text, steps bigint, first_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT m.case_ref, c.owner_slack_id, count(*), min(m.occurred_at)
      FROM v_events_missing_document m JOIN enforcement_cases c ON c.case_ref = m.case_ref
     WHERE c.status = 'open' GROUP BY m.case_ref, c.owner_slack_id, c.case_number ORDER BY c.case_number
$$;

-- An ingestion job about to record its step: locks the row; false if it is no longer pending
-- (another worker finished it), so a stale claim never records twice.
CREATE FUNCTION begin_ingestion_step(p_id bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_status text;
BEGIN
    SELECT status INTO v_status FROM ingestion_jobs WHERE id = p_id FOR UPDATE;
    RETURN v_status = 'pending';
END $$;
