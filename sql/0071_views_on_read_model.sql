-- The read views on the stored read model (0070): a case's balance, SLA breach and staleness are
-- column reads and one multiplication, the overview reads the totals (O(tiers)), and an owner's
-- queue is an index range scan. Same columns as before (0004), so readers do not change.

CREATE OR REPLACE VIEW v_case_balance AS
SELECT c.id AS case_id, c.case_ref, j.principal, j.costs, m.unpaid_principal, m.unpaid_costs,
       i.interest AS accrued_interest, m.unpaid_principal + m.unpaid_costs + i.interest AS balance,
       m.recovered::numeric AS recovered, j.interest_basis
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  JOIN case_read_model m ON m.case_id = c.id
  CROSS JOIN LATERAL (SELECT rm_interest(m, (SELECT firm_today())) AS interest) i;

-- THE SLA-breach rule, one definition: the moment is derived in v_case_read_model_computed
-- (stage longer than stage_sla allows; next action more than one business day past due; an open
-- blocker's ETA or an open workflow's next deadline before today, in the firm's time zone) and
-- stored; a case is breached from that moment on. An index range scan per tier.
CREATE OR REPLACE VIEW v_case_sla_breaches AS
SELECT m.case_id, m.tier
  FROM case_read_model m
 WHERE m.is_open AND m.breach_at <= (SELECT df_now());

CREATE OR REPLACE VIEW v_enforcement_cases AS
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
       j.principal, j.costs, m.unpaid_principal, m.unpaid_costs, i.interest AS accrued_interest,
       m.unpaid_principal + m.unpaid_costs + i.interest AS balance, m.recovered::numeric AS recovered,
       j.interest_basis,
       m.open_blockers::bigint AS open_blockers,
       (c.status = 'open' AND m.breach_at <= df_now()) AS sla_breached,
       -- Stale: no event from a person for 7 / 14 / 30 / 90 days by tier (DOMAIN.md).
       (c.status = 'open' AND m.stale_after <= df_now()) AS is_stale
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  JOIN plaintiffs pl ON pl.id = j.plaintiff_id
  JOIN debtors d ON d.id = j.debtor_id
  JOIN case_read_model m ON m.case_id = c.id
  CROSS JOIN LATERAL (SELECT rm_interest(m, (SELECT firm_today())) AS interest) i
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier;

-- Per effective tier: open cases, balance, recovered, SLA breaches, from the totals (O(tiers)).
-- A tier's balance is its cases' principal and costs plus the exact sum of their accrued
-- interest, rounded once to the cent.
CREATE OR REPLACE VIEW v_enforcement_overview AS
WITH t AS (
    SELECT z.tier, sum(z.cases)::bigint AS cases, sum(z.principal + z.costs) AS pc, sum(z.recovered) AS recovered,
           round(greatest(0, (sum(z.n0) + sum(z.n1) * ((SELECT firm_today()) - DATE '2000-01-01')) / 365), 2) AS interest
      FROM case_totals z GROUP BY z.tier)
SELECT t.tier, t.cases, t.pc + t.interest AS balance, t.recovered,
       (SELECT count(*) FROM v_case_sla_breaches br WHERE br.tier = t.tier) AS sla_breaches
  FROM t
 WHERE t.cases > 0;

-- An owner's open cases in queue order (no next action first, then the earliest, higher tier
-- first): the `mine` list and the Ops Console's past-due queue read the first rows of this index.
CREATE INDEX IF NOT EXISTS enforcement_cases_owner_queue
    ON enforcement_cases (owner_slack_id, next_action_at NULLS FIRST, tier DESC, case_number) WHERE status = 'open';
CREATE VIEW v_owner_queue AS
SELECT c.id AS case_id, c.case_ref, c.owner_slack_id, c.next_action_at, c.tier, c.case_number
  FROM enforcement_cases c WHERE c.status = 'open';

-- Tier 3 cases stuck in a stage (not recovery), longest first: an index scan on the read model.
CREATE VIEW v_stuck_tier3 AS
SELECT m.case_id, c.case_ref, m.stage::text AS stage, m.stage_entered_at, c.owner_slack_id
  FROM case_read_model m JOIN enforcement_cases c ON c.id = m.case_id
 WHERE m.is_open AND m.tier = 3 AND m.stage <> 'recovery';
