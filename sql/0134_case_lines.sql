-- `/enforce mine` at a big book (issue 12: within 3x of a read of precomputed rows). A page of
-- mine showed 20 rows of v_enforcement_cases, which computes ~40 columns a row (dwell days, three
-- override lookups, plaintiff, court, the SLA and stale flags with a df_now() call each) for the
-- seven the list shows. v_case_lines is those seven, from the same read model by the same rules:
-- balance = unpaid principal + unpaid costs + interest to the firm's today; breached = open and
-- breach_at passed (docs/domain.md, "SLAs"). A test keeps it equal to v_enforcement_cases.
CREATE VIEW v_case_lines AS
SELECT c.id AS case_id, c.case_ref, c.case_number, c.owner_slack_id, c.status, c.tier, c.stage::text AS stage,
       c.next_action_at, d.name AS debtor_name,
       m.unpaid_principal + m.unpaid_costs + rm_interest(m, (SELECT firm_today())) AS balance,
       (c.status = 'open' AND m.breach_at <= (SELECT df_now())) AS sla_breached
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  JOIN debtors d ON d.id = j.debtor_id
  JOIN case_read_model m ON m.case_id = c.id;

-- An owner's open cases whose SLA is breached, for `mine breached`: an index range of the read
-- model per owner (breach_at <= now), instead of the SLA test computed for every case they own.
-- (LEFT JOIN on the case's primary key: a count, which reads no case column, reads only the read
-- model; is_open is the case's status = 'open', kept by the write path and checked by doctor.)
CREATE INDEX IF NOT EXISTS case_read_model_owner_breach
    ON case_read_model (owner_slack_id, breach_at) WHERE is_open;
CREATE VIEW v_owner_breaches AS
SELECT m.case_id, c.case_ref, m.owner_slack_id, c.next_action_at, c.tier, c.case_number
  FROM case_read_model m LEFT JOIN enforcement_cases c ON c.id = m.case_id
 WHERE m.is_open AND m.breach_at <= df_now();
