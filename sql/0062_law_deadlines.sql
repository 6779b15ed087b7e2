-- Workflow deadlines from the policy rows (issue 13 items 2, 11, 12): docs/domain.md "Workflows".
-- Every number is a policy_settings row; every date is rolled to a business day (GCL 25-a).

DROP FUNCTION workflow_deadlines(action_kind, text, date, integer, jsonb);

-- Deadlines a workflow step starts, each rolled to a business day (GCL 25-a). p_garnishee is whom
-- a restraint or levy is on; p_by_mail says a subpoena was served by mail (CPLR 2103(b)(2)).
CREATE FUNCTION workflow_deadlines(p_kind action_kind, p_state text, p_on date, p_tier integer, p_existing jsonb,
    p_garnishee text DEFAULT NULL, p_by_mail boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    d jsonb := coalesce(p_existing, '{}');
    v_days integer[];
    v_n integer;
    v_lapse date;
BEGIN
    IF p_kind = 'asset_search' AND p_state = 'requested' THEN
        v_days := policy_ints('asset_search_days');                                  -- firm policy
        d := d || jsonb_build_object('search_due', roll_business_day(p_on + CASE WHEN p_tier = 3 THEN v_days[1]
                                                                                 ELSE v_days[2] END));
    ELSIF p_kind = 'information_subpoena' AND p_state = 'served' THEN
        -- CPLR 5224(a)(3): due from receipt; served by mail, receipt is the mailing days later (2103(b)(2)).
        d := d || jsonb_build_object('answer_due', roll_business_day(p_on + policy_int('subpoena_answer_days')
                 + CASE WHEN p_by_mail THEN policy_int('mail_service_days') ELSE 0 END));
        IF p_by_mail THEN d := d || jsonb_build_object('served_by_mail', true); END IF;
    ELSIF p_kind = 'restraining_notice' AND p_state = 'served' THEN
        -- CPLR 5222(b): a notice on a third party lapses a year after service; one on the debtor does not.
        IF p_garnishee IS DISTINCT FROM 'debtor' THEN
            v_lapse := (p_on + interval '1 year')::date;
            d := d || jsonb_build_object('lapses_on', v_lapse, 'lapse_warning',
                       roll_business_day(v_lapse - policy_int('restraint_warn_days_before_lapse')));
        END IF;
    ELSIF p_kind = 'levy' AND p_state = 'issued' THEN
        d := d || jsonb_build_object('return_due', roll_business_day(p_on + policy_int('levy_return_days')));  -- CPLR 5230(c)
    ELSIF p_kind = 'levy' AND p_state = 'levied' THEN
        d := d || jsonb_build_object('void_on', p_on + policy_int('levy_void_days'));                         -- CPLR 5232(a)
        FOREACH v_n IN ARRAY policy_ints('levy_warn_days') LOOP
            d := d || jsonb_build_object('warn_day_' || v_n, roll_business_day(p_on + v_n));
        END LOOP;
    ELSIF p_kind = 'garnishment' AND p_state = 'delivered' THEN
        -- CPLR 5231(d): to the employer if the debtor is not served within 20 days of delivery ...
        d := d || jsonb_build_object('employer_due', roll_business_day(p_on + policy_int('employer_after_days')));
    ELSIF p_kind = 'garnishment' AND p_state = 'served_on_debtor' THEN
        -- ... or does not pay for 20 days after service: the date moves to service + 20.
        d := d || jsonb_build_object('employer_due', roll_business_day(p_on + policy_int('employer_after_days')));
    ELSIF p_kind = 'garnishment' AND p_state = 'served_on_employer' THEN
        d := d || jsonb_build_object('remittance_expected',
                   roll_business_day(p_on + policy_int('garnishment_no_remittance_days')));   -- firm policy
    END IF;
    RETURN d;
END $$;

-- Workflow deadline warnings that are due on p_today (docs/domain.md "Workflows"). The nightly job
-- records each with record_deadline_warning, which is idempotent per (action, warning). The levy
-- warnings are the warn_day_<n> deadlines the levy_warn_days policy made.
CREATE OR REPLACE FUNCTION due_deadline_warnings(p_today date)
RETURNS TABLE (action_id bigint, case_ref text, kind text, warning text, due date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.id, c.case_ref, a.kind::text, w.warning, w.due
      FROM enforcement_actions a
      JOIN enforcement_cases c ON c.id = a.case_id AND c.status = 'open'
     CROSS JOIN LATERAL (
        -- CPLR 5232(a): the levy is void 90 days after service unless turned over or extended
        SELECT 'levy_day_' || substr(e.key, 10), e.value #>> '{}', (a.deadlines->>'void_on')::date,
               a.kind = 'levy' AND a.state = 'levied'
          FROM jsonb_each(a.deadlines) e WHERE e.key LIKE 'warn\_day\_%'
        UNION ALL
        SELECT * FROM (VALUES
        -- CPLR 5230(c): the execution is returnable 60 days after issue
        ('levy_return_due', a.deadlines->>'return_due', (a.deadlines->>'return_due')::date,
         a.kind = 'levy' AND a.state IN ('issued', 'delivered_to_officer', 'levied', 'turned_over')),
        -- CPLR 5222(b): a restraining notice on a third party lapses after a year; warn before
        ('restraint_lapse_' || (SELECT value FROM policy_settings WHERE key = 'restraint_warn_days_before_lapse') || 'd',
         a.deadlines->>'lapse_warning', (a.deadlines->>'lapses_on')::date,
         a.kind = 'restraining_notice' AND a.state IN ('served', 'effective')),
        -- CPLR 5224(a)(3): answer due 7 days after receipt; overdue the day after
        ('subpoena_answer_overdue', ((a.deadlines->>'answer_due')::date + 1)::text, (a.deadlines->>'answer_due')::date,
         a.kind = 'information_subpoena' AND a.state = 'served'),
        -- firm policy (garnishment_no_remittance_days) after service on the employer
        ('garnishment_no_remittance_' || (SELECT value FROM policy_settings WHERE key = 'garnishment_no_remittance_days') || 'd',
         a.deadlines->>'remittance_expected', (a.deadlines->>'remittance_expected')::date,
         a.kind = 'garnishment' AND a.state = 'served_on_employer'),
        -- CPLR 5231(d): not served within 20 days of delivery, or not paying 20 days after service
        ('garnishment_employer_due', a.deadlines->>'employer_due', (a.deadlines->>'employer_due')::date,
         a.kind = 'garnishment' AND a.state IN ('delivered', 'served_on_debtor')),
        ('asset_search_due', ((a.deadlines->>'search_due')::date + 1)::text, (a.deadlines->>'search_due')::date,
         a.kind = 'asset_search' AND a.state IN ('requested', 'in_progress'))) v
     ) AS w(warning, fire_on, due, applies)
     WHERE a.is_open AND w.applies AND w.fire_on IS NOT NULL AND w.fire_on::date <= p_today
     ORDER BY a.id, w.warning
$$;
