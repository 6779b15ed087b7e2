-- The case card at a million cases (issue 12): the same answer with fewer lookups. Measured in
-- the server on the 1M bench book (a plpgsql loop over 2,000 open cases, the card's statement
-- with its plan cached as the request path's prepared statement keeps it): see the closing note
-- of this round; every change below keeps the rows, and the tests of the card and the law hold.

-- A summary's date (next action, override expiry) in the firm's zone. As SQL with a sub-select
-- it was never inlined, so PostgreSQL planned it again in every statement that showed one: about
-- half of a card's last five events are next_action_set. plpgsql keeps the plan.
CREATE OR REPLACE FUNCTION firm_day(p_at text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN to_char((p_at::timestamptz) AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'),
                   'YYYY-MM-DD');
END $$;

-- Each county's lien (docs/domain.md "Liens"): its expiry computed once per county by the one
-- rule (lien_expires_on), the renewal window read once per call. It read each policy number four
-- times per county.
CREATE OR REPLACE FUNCTION case_liens(p_judgment_id bigint, p_today date) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_window integer := policy_int('lien_renewal_window_days');
BEGIN
    RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object('county', k.county, 'docketed_on', k.docketed_on,
               'expires_on', x.expires_on,
               'renewal_from', x.expires_on - v_window,
               'in_renewal_window', p_today >= x.expires_on - v_window AND p_today < x.expires_on,
               'expired', p_today >= x.expires_on)
             ORDER BY k.docketed_on, k.county), '[]')
      FROM judgment_dockets k
     CROSS JOIN LATERAL (SELECT lien_expires_on(k.docketed_on) AS expires_on OFFSET 0) x
     WHERE k.judgment_id = p_judgment_id);
END $$;

-- The law on a case: the firm's day and the presumption date computed once per case (OFFSET 0
-- keeps each a sub-query, so it is not copied into every column that uses it).
CREATE OR REPLACE VIEW v_case_law AS
SELECT c.id AS case_id, c.case_ref, j.entered_on, j.renewed_on,
       pp.presumed_paid_on,
       pp.presumed_paid_on <= t.today AS presumed_paid,
       j.debtor_is_person,
       CASE WHEN j.debtor_is_person THEN bank_exemption_or_null(j.county, t.today) END AS bank_exemption,
       j.interest_basis,
       (SELECT value FROM policy_settings WHERE key = 'consumer_rate_transition') AS consumer_rate_transition,
       coalesce((SELECT jsonb_agg(jsonb_build_object('action_id', a.id, 'kind', a.kind, 'state', a.state,
                                                     'garnishee_kind', a.garnishee_kind,
                                                     'exemption_document_id', a.exemption_document_id)
                                  ORDER BY a.id)
                   FROM enforcement_actions a
                  WHERE a.case_id = c.id AND a.kind IN ('restraining_notice', 'levy') AND a.is_open), '[]') AS restraints,
       case_liens(c.judgment_id, t.today) AS liens,
       -- CPLR 8012(b)(2): poundage still owed on payments made around the officer after a levy
       coalesce((SELECT sum(p.poundage_owed) FROM payments p WHERE p.case_id = c.id
                    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = p.id)), 0) AS poundage_owed
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id
 CROSS JOIN (SELECT firm_today() AS today OFFSET 0) t
 CROSS JOIN LATERAL (SELECT presumed_paid_on(j.entered_on, j.renewed_on) AS presumed_paid_on OFFSET 0) pp;

-- The card's lists by case id (their last column; nothing else changes): the card asked for each
-- by case_ref, so each list looked the case up again by its number.
CREATE OR REPLACE VIEW v_open_blockers AS
SELECT x.id AS blocker_id, c.case_ref, c.owner_slack_id, c.tier, x.kind::text AS kind, x.reason, x.eta,
       x.logged_by, x.logged_at, (x.eta < firm_today()) AS eta_passed, x.case_id
  FROM blockers x JOIN enforcement_cases c ON c.id = x.case_id
 WHERE x.cleared_at IS NULL;

CREATE OR REPLACE VIEW v_enforcement_actions AS
SELECT a.id AS action_id, c.case_ref, c.owner_slack_id, c.tier, a.kind::text AS kind, a.state, a.is_open,
       a.recipient, a.officer_docket, a.deadlines, a.next_deadline, a.state_entered_at, a.created_at,
       round(extract(epoch FROM df_now() - a.state_entered_at) / 86400.0, 1) AS state_age_days, a.case_id
  FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id;

CREATE OR REPLACE VIEW v_enforcement_documents AS
SELECT d.id AS document_id, c.case_ref, d.kind::text AS kind, d.storage_key, d.sha256, d.size_bytes,
       d.content_type, d.original_name, d.uploaded_by, d.uploaded_at, d.case_id
  FROM enforcement_documents d JOIN enforcement_cases c ON c.id = d.case_id;

CREATE OR REPLACE VIEW v_case_addresses AS
SELECT a.id AS address_id, c.case_ref, a.role, a.name, a.address, a.set_by, a.set_at, a.case_id
  FROM case_addresses a JOIN enforcement_cases c ON c.id = a.case_id
 WHERE a.current;
