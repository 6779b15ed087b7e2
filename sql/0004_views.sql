-- Read models. Python reads these through SQLModel models (dragonfly/views.py).

-- One line a person can read for any event.
-- Times in summaries are shown as the firm's local date.
CREATE FUNCTION firm_day(p_at text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char((p_at::timestamptz) AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'),
                   'YYYY-MM-DD')
$$;

CREATE FUNCTION event_summary(p_kind event_kind, p jsonb) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE p_kind
        WHEN 'case_created' THEN format('Case opened: %s v. %s, %s %s, principal $%s', p->>'plaintiff', p->>'debtor',
                                        p->>'court', p->>'index_number', p->>'principal')
        WHEN 'stage_changed' THEN format('Stage %s -> %s after %s days%s', p->>'from', p->>'to', p->>'dwell_days',
                                         coalesce(' (' || coalesce(p->>'closing_reason', p->>'note') || ')', ''))
        WHEN 'case_reopened' THEN format('Reopened into %s%s', p->>'to', coalesce(': ' || (p->>'note'), ''))
        WHEN 'blocker_logged' THEN format('Blocked (%s): %s, ETA %s', p->>'kind', p->>'reason', p->>'eta')
        WHEN 'blocker_cleared' THEN format('Blocker cleared (%s): %s', p->>'kind', p->>'reason')
        WHEN 'tier_override_set' THEN format('Tier overridden %s -> %s until %s: %s', p->>'previous_tier', p->>'tier',
                                             firm_day(p->>'expires_at'), p->>'reason')
        WHEN 'tier_override_expired' THEN format('Tier override expired; Tier %s -> %s', p->>'from', p->>'to')
        WHEN 'tier_changed' THEN format('Tier %s -> %s (score %s)', p->>'from', p->>'to', p->>'score')
        WHEN 'action_queued' THEN format('%s #%s started: %s', p->>'kind', p->>'action_id', p->>'state')
        WHEN 'action_advanced' THEN format('%s #%s: %s -> %s', p->>'kind', p->>'action_id', p->>'from', p->>'to')
        WHEN 'subpoena_issued' THEN format('Information subpoena #%s served on %s', p->>'action_id', p->>'recipient')
        WHEN 'payment_recorded' THEN format('Payment $%s (%s): interest $%s, principal $%s, costs $%s', p->>'gross',
                                            p->>'kind', p->>'interest_part', p->>'principal_part', p->>'costs_part')
        WHEN 'document_attached' THEN format('Document stored (%s): %s', p->>'kind', p->>'name')
        WHEN 'owner_assigned' THEN format('Owner: <@%s>', p->>'to')
        WHEN 'note_added' THEN 'Note: ' || left(p->>'text', 200)
        WHEN 'next_action_set' THEN format('Next action %s%s', firm_day(p->>'at'), coalesce(': ' || (p->>'what'), ''))
        WHEN 'asset_recorded' THEN format('Asset (%s): %s', p->>'kind', p->>'description')
        WHEN 'flag_set' THEN format('Flag %s = %s: %s', p->>'flag', p->>'value', p->>'reason')
        WHEN 'deadline_warning' THEN format('Deadline warning: %s #%s %s due %s', p->>'kind', p->>'action_id',
                                            p->>'warning', p->>'due')
    END
$$;

CREATE VIEW v_case_balance AS
SELECT c.id AS case_id, c.case_ref, j.principal, j.costs, j.unpaid_principal, j.unpaid_costs,
       round(greatest(0, j.interest_carry + j.unpaid_principal * coalesce(f.factor, 0)), 2) AS accrued_interest,
       j.unpaid_principal + j.unpaid_costs
           + round(greatest(0, j.interest_carry + j.unpaid_principal * coalesce(f.factor, 0)), 2) AS balance,
       coalesce(pay.recovered, 0) AS recovered, j.interest_basis
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  LEFT JOIN LATERAL (
        SELECT sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), firm_today())
                                     - greatest(s.from_date, j.accrual_date))) / 365 AS factor
          FROM interest_segments s WHERE s.judgment_id = j.id) f ON true
  LEFT JOIN LATERAL (SELECT sum(p.gross) AS recovered FROM payments p WHERE p.case_id = c.id) pay ON true;

-- THE SLA-breach rule (one definition; v_enforcement_cases.sla_breached and weekly_summary use it):
-- an open case is breached when it has stayed in its stage longer than stage_sla allows, or its
-- next action was due before the start of the last business day before today (more than one
-- business day past due), or it has an open blocker whose ETA is before today, or an open workflow
-- whose next deadline is before today (today = firm_today(), in the firm's time zone). One row per
-- breached open case. The clock is read once per query (scalar subqueries), so the whole book is
-- computed set-based; a lookup by case_id (as v_enforcement_cases does) stays an index probe.
CREATE VIEW v_case_sla_breaches AS
SELECT c.id AS case_id, c.tier
  FROM enforcement_cases c
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier
 WHERE c.status = 'open' AND (
        (sla.max_days IS NOT NULL AND c.stage_entered_at < (SELECT df_now()) - make_interval(days => sla.max_days))
     OR c.next_action_at < (SELECT (prev_business_day(firm_today()) + time '00:00')
                                   AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'))
     OR EXISTS (SELECT 1 FROM blockers x WHERE x.case_id = c.id AND x.cleared_at IS NULL
                   AND x.eta < (SELECT firm_today()))
     OR EXISTS (SELECT 1 FROM enforcement_actions a WHERE a.case_id = c.id AND a.is_open
                   AND a.next_deadline < (SELECT firm_today())));

CREATE VIEW v_enforcement_cases AS
SELECT c.id AS case_id, c.case_ref, c.case_number, c.tier, c.rule_tier, c.tier_score, c.tier_reasons,
       (SELECT o.tier FROM tier_overrides o WHERE o.case_id = c.id AND o.active) AS override_tier,
       (SELECT o.expires_at FROM tier_overrides o WHERE o.case_id = c.id AND o.active) AS override_expires_at,
       (SELECT o.reason FROM tier_overrides o WHERE o.case_id = c.id AND o.active) AS override_reason,
       c.stage::text AS stage, c.stage_entered_at,
       round(extract(epoch FROM df_now() - c.stage_entered_at) / 86400.0, 1) AS dwell_days,
       sla.max_days AS stage_max_days,
       c.owner_slack_id, c.next_action_at, c.next_action_what, c.status, c.closing_reason::text AS closing_reason,
       c.last_payment_at, c.last_person_event_at,
       pl.name AS plaintiff_name, d.name AS debtor_name, d.debtor_type::text AS debtor_type,
       j.court, j.county, j.index_number, j.entered_on, j.consumer_debt,
       b.principal, b.costs, b.unpaid_principal, b.unpaid_costs, b.accrued_interest, b.balance, b.recovered,
       b.interest_basis,
       (SELECT count(*) FROM blockers x WHERE x.case_id = c.id AND x.cleared_at IS NULL) AS open_blockers,
       (c.status = 'open' AND EXISTS (SELECT 1 FROM v_case_sla_breaches br WHERE br.case_id = c.id)) AS sla_breached,
       -- Stale: no event from a person for 7 / 14 / 30 / 90 days by tier (DOMAIN.md).
       (c.status = 'open' AND coalesce(c.last_person_event_at, c.created_at)
            < df_now() - make_interval(days => st.days)) AS is_stale
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  JOIN plaintiffs pl ON pl.id = j.plaintiff_id
  JOIN debtors d ON d.id = j.debtor_id
  JOIN v_case_balance b ON b.case_id = c.id
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier
  JOIN stale_days st ON st.tier = c.tier;

CREATE VIEW v_enforcement_overview AS
SELECT v.tier, count(*) AS cases, sum(v.balance) AS balance, sum(v.recovered) AS recovered,
       count(*) FILTER (WHERE v.sla_breached) AS sla_breaches
  FROM v_enforcement_cases v WHERE v.status = 'open' GROUP BY v.tier;

CREATE VIEW v_enforcement_timeline AS
SELECT e.id AS event_id, c.case_ref, e.seq, e.occurred_at, e.kind::text AS kind, e.actor, e.source,
       event_summary(e.kind, e.payload) AS summary, e.payload, e.document_id, doc.storage_key AS document_key,
       e.action_id, e.hash
  FROM enforcement_events e
  JOIN enforcement_cases c ON c.id = e.case_id
  LEFT JOIN enforcement_documents doc ON doc.id = e.document_id;

CREATE VIEW v_enforcement_recent AS
SELECT * FROM v_enforcement_timeline ORDER BY occurred_at DESC, event_id DESC;

CREATE VIEW v_plaintiffs_overview AS
SELECT pl.id AS plaintiff_id, pl.name AS plaintiff_name, count(c.id) AS judgments,
       count(c.id) FILTER (WHERE c.status = 'open') AS open_cases,
       coalesce(sum(b.balance) FILTER (WHERE c.status = 'open'), 0) AS balance,
       coalesce(sum(b.recovered), 0) AS recovered
  FROM plaintiffs pl
  LEFT JOIN judgments j ON j.plaintiff_id = pl.id
  LEFT JOIN enforcement_cases c ON c.judgment_id = j.id
  LEFT JOIN v_case_balance b ON b.case_id = c.id
 GROUP BY pl.id, pl.name;

CREATE VIEW v_open_blockers AS
SELECT x.id AS blocker_id, c.case_ref, c.owner_slack_id, c.tier, x.kind::text AS kind, x.reason, x.eta,
       x.logged_by, x.logged_at, (x.eta < firm_today()) AS eta_passed
  FROM blockers x JOIN enforcement_cases c ON c.id = x.case_id
 WHERE x.cleared_at IS NULL;

CREATE VIEW v_enforcement_actions AS
SELECT a.id AS action_id, c.case_ref, c.owner_slack_id, c.tier, a.kind::text AS kind, a.state, a.is_open,
       a.recipient, a.officer_docket, a.deadlines, a.next_deadline, a.state_entered_at, a.created_at,
       round(extract(epoch FROM df_now() - a.state_entered_at) / 86400.0, 1) AS state_age_days
  FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id;

CREATE VIEW v_enforcement_documents AS
SELECT d.id AS document_id, c.case_ref, d.kind::text AS kind, d.storage_key, d.sha256, d.size_bytes,
       d.content_type, d.original_name, d.uploaded_by, d.uploaded_at
  FROM enforcement_documents d JOIN enforcement_cases c ON c.id = d.case_id;

CREATE VIEW v_payments AS
SELECT p.id AS payment_id, c.case_ref, p.kind::text AS kind, p.gross, p.interest_part, p.principal_part,
       p.costs_part, p.poundage, p.fees, p.received_on, p.reverses_payment_id, p.document_id, p.recorded_by, p.recorded_at
  FROM payments p JOIN enforcement_cases c ON c.id = p.case_id;

-- Steps recorded without the document their workflow needs (only possible for imported history).
CREATE VIEW v_events_missing_document AS
SELECT e.id AS event_id, c.case_ref, e.kind::text AS kind, e.occurred_at, e.payload->>'kind' AS workflow,
       coalesce(e.payload->>'to', e.payload->>'state') AS step
  FROM enforcement_events e
  JOIN enforcement_cases c ON c.id = e.case_id
  JOIN workflow_transitions t ON t.kind::text = e.payload->>'kind'
       AND t.to_state = coalesce(e.payload->>'to', e.payload->>'state')
       AND t.from_state = CASE WHEN e.kind = 'action_queued' THEN '' ELSE e.payload->>'from' END
 WHERE e.kind IN ('action_queued', 'action_advanced') AND e.document_id IS NULL AND cardinality(t.document_kinds) > 0;

CREATE VIEW v_app_users AS SELECT slack_user_id, role::text AS role, granted_by, granted_at FROM app_users;
