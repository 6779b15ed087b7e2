-- depends: 0087_read_model_today_once
-- The read model's recomputation (sql/0087) takes the firm's date of the next action in the zone it
-- already holds once per statement (k.tz), as its other breach moments do, instead of calling
-- firm_date_of, which read the zone again for every case. Same columns, same answers (EXCEPT both
-- ways over 10,000 cases of the 1M bench book: 0 rows). Measured there: refresh_case_read_model of
-- 10,000 cases 289-343 ms -> 227-251 ms; every write, import batch and nightly refresh runs it.

CREATE OR REPLACE VIEW v_case_read_model_computed AS
SELECT c.id AS case_id, c.judgment_id, c.owner_slack_id, c.status = 'open' AS is_open, c.tier, c.stage, c.stage_entered_at,
       j.unpaid_principal, j.unpaid_costs, j.interest_carry, j.accrual_date,
       a.acc_from, a.acc_rate_days, a.acc_rate, a.acc_until,
       coalesce(p.recovered, 0)::numeric(14,2) AS recovered, coalesce(b.n, 0)::integer AS open_blockers,
       CASE WHEN c.status = 'open' THEN least(
           -- in its stage longer than stage_sla allows (strictly: the first microsecond after)
           ((c.stage_entered_at AT TIME ZONE 'UTC') + make_interval(days => sla.max_days)) AT TIME ZONE 'UTC'
               + interval '1 microsecond',
           -- next action more than one business day past due: breached from the start of the day
           -- after the first business day after the due date
           (roll_business_day((c.next_action_at AT TIME ZONE k.tz)::date + 1) + 1 + time '00:00') AT TIME ZONE k.tz,
           -- an open blocker's ETA, an open workflow's next deadline: breached the day after
           (b.min_eta + 1 + time '00:00') AT TIME ZONE k.tz,
           (x.min_deadline + 1 + time '00:00') AT TIME ZONE k.tz) END AS breach_at,
       CASE WHEN c.status = 'open' THEN
           ((coalesce(c.last_person_event_at, c.created_at) AT TIME ZONE 'UTC') + make_interval(days => st.days))
               AT TIME ZONE 'UTC' + interval '1 microsecond' END AS stale_after
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  CROSS JOIN (SELECT value AS tz, firm_today() AS today FROM policy_settings WHERE key = 'firm_timezone'
              OFFSET 0) k  -- evaluated once, not inlined into every use of k.today
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier
  LEFT JOIN stale_days st ON st.tier = c.tier
  CROSS JOIN LATERAL rm_accrual(j.id, j.accrual_date, k.today) a
  LEFT JOIN LATERAL (SELECT sum(y.gross) AS recovered FROM payments y WHERE y.case_id = c.id) p ON true
  LEFT JOIN LATERAL (SELECT count(*) AS n, min(y.eta) AS min_eta FROM blockers y
                      WHERE y.case_id = c.id AND y.cleared_at IS NULL) b ON true
  LEFT JOIN LATERAL (SELECT min(y.next_deadline) AS min_deadline FROM enforcement_actions y
                      WHERE y.case_id = c.id AND y.is_open) x ON true;
