-- depends: 0084_judgment_corrections 0101_papers
-- One home for the workflow deadlines (issue 11): which deadline each workflow step starts, how it
-- is counted, in which states it is the workflow's next deadline, and which warning the nightly job
-- records for it, as rows of workflow_deadline_rules. workflow_deadlines (the deadlines a step
-- starts), next_deadline_of (the one the workflow waits for) and due_deadline_warnings (the
-- nightly warnings) read the table, so a new workflow kind brings its deadlines as rows.
-- docs/domain.md "Workflows"; the numbers stay policy_settings rows (each date rolled to a business
-- day, GCL 25-a, unless the law counts calendar days to the end).

CREATE TABLE workflow_deadline_rules (
    kind action_kind NOT NULL,
    deadline text NOT NULL,               -- its key in enforcement_actions.deadlines
    set_in text[] NOT NULL,               -- the states whose step starts it (again: it moves)
    position smallint NOT NULL DEFAULT 1, -- order within a step: a deadline counted from another after it
    days_policy text REFERENCES policy_settings (key), -- the policy row with its days
    period interval,                      -- or a period the law itself sets
    before_deadline text,                 -- counted back from this deadline of the same step, not from the step
    tier3_days_first boolean NOT NULL DEFAULT false, -- the policy holds {Tier 3 days, other tiers' days}
    each_day boolean NOT NULL DEFAULT false,  -- the policy holds several days: one deadline <deadline><day> each
    plus_mail_days boolean NOT NULL DEFAULT false, -- served by mail: plus mail_service_days (CPLR 2103(b)(2))
    business_day boolean NOT NULL DEFAULT true,    -- rolled to the next business day (GCL 25-a)
    skip_garnishee text,                  -- not started when the step is on this kind of garnishee
    open_in text[] NOT NULL DEFAULT '{}', -- states in which it is the next deadline (the earliest one counts)
    warning text,                         -- the nightly warning's name (%s: the rule's days)
    warning_in text[],                    -- states in which the warning applies (NULL: open_in)
    warn_days_late integer NOT NULL DEFAULT 0, -- the warning fires this many days after the deadline
    warning_due text,                     -- the deadline the warning reports as due (NULL: this one)
    law text NOT NULL,                    -- where the rule comes from
    PRIMARY KEY (kind, deadline),
    CHECK ((days_policy IS NULL) <> (period IS NULL))
);

INSERT INTO workflow_deadline_rules (kind, deadline, set_in, position, days_policy, period, before_deadline,
    tier3_days_first, each_day, plus_mail_days, business_day, skip_garnishee, open_in, warning, warning_in,
    warn_days_late, warning_due, law) VALUES
 ('asset_search', 'search_due', '{requested}', 1, 'asset_search_days', NULL, NULL,
  true, false, false, true, NULL, '{requested,in_progress}', 'asset_search_due', NULL,
  1, NULL, 'firm policy: 5 days for Tier 3, 10 otherwise'),
 ('information_subpoena', 'answer_due', '{served}', 1, 'subpoena_answer_days', NULL, NULL,
  false, false, true, true, NULL, '{served}', 'subpoena_answer_overdue', NULL,
  1, NULL, 'CPLR 5224(a)(3): due from receipt; served by mail, the mailing days later (CPLR 2103(b)(2))'),
 ('restraining_notice', 'lapses_on', '{served}', 1, NULL, '1 year', NULL,
  false, false, false, false, 'debtor', '{}', NULL, NULL,
  0, NULL, 'CPLR 5222(b): a notice on a third party lapses a year after service; one on the debtor does not'),
 ('restraining_notice', 'lapse_warning', '{served}', 2, 'restraint_warn_days_before_lapse', NULL, 'lapses_on',
  false, false, false, true, 'debtor', '{served,effective}', 'restraint_lapse_%sd', NULL,
  0, 'lapses_on', 'CPLR 5222(b): warn before the notice lapses'),
 ('levy', 'return_due', '{issued}', 1, 'levy_return_days', NULL, NULL,
  false, false, false, true, NULL, '{issued,delivered_to_officer,levied,turned_over}', 'levy_return_due', NULL,
  0, NULL, 'CPLR 5230(c): the execution is returnable 60 days after issue'),
 ('levy', 'void_on', '{levied}', 1, 'levy_void_days', NULL, NULL,
  false, false, false, false, NULL, '{levied}', NULL, NULL,
  0, NULL, 'CPLR 5232(a): the levy is void 90 days after service unless turned over or extended'),
 ('levy', 'warn_day_', '{levied}', 2, 'levy_warn_days', NULL, NULL,
  false, true, false, true, NULL, '{}', 'levy_day_%s', '{levied}',
  0, 'void_on', 'CPLR 5232(a): warn on days 60, 75 and 85 before the levy is void'),
 ('garnishment', 'employer_due', '{delivered,served_on_debtor}', 1, 'employer_after_days', NULL, NULL,
  false, false, false, true, NULL, '{delivered,served_on_debtor}', 'garnishment_employer_due', NULL,
  0, NULL, 'CPLR 5231(d): to the employer if the debtor is not served within 20 days or does not pay for 20 days'),
 ('garnishment', 'remittance_expected', '{served_on_employer}', 1, 'garnishment_no_remittance_days', NULL, NULL,
  false, false, false, true, NULL, '{served_on_employer}', 'garnishment_no_remittance_%sd', NULL,
  0, NULL, 'firm policy: chase the employer when no remittance comes after service');

-- Deadlines a workflow step starts (p_garnishee: whom a restraint or levy is on; p_by_mail: a
-- subpoena served by mail), from the rules of its kind and state, merged into p_existing.
CREATE OR REPLACE FUNCTION workflow_deadlines(p_kind action_kind, p_state text, p_on date, p_tier integer,
    p_existing jsonb, p_garnishee text DEFAULT NULL, p_by_mail boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    d jsonb := coalesce(p_existing, '{}');
    r workflow_deadline_rules;
    v_days integer[];
    v_n integer;
    v_due date;
BEGIN
    FOR r IN SELECT * FROM workflow_deadline_rules
              WHERE kind = p_kind AND p_state = ANY (set_in)
                AND (skip_garnishee IS NULL OR p_garnishee IS DISTINCT FROM skip_garnishee)
              ORDER BY position, deadline LOOP
        v_days := CASE WHEN r.days_policy IS NOT NULL THEN policy_ints(r.days_policy) ELSE ARRAY[0] END;
        IF r.tier3_days_first THEN
            v_days := ARRAY[CASE WHEN p_tier = 3 THEN v_days[1] ELSE v_days[2] END];
        ELSIF NOT r.each_day THEN
            v_days := v_days[1:1];
        END IF;
        FOREACH v_n IN ARRAY v_days LOOP
            IF r.before_deadline IS NOT NULL THEN
                v_due := (d->>r.before_deadline)::date - v_n;
            ELSE
                v_due := (p_on + coalesce(r.period, interval '0 days'))::date + v_n;
            END IF;
            IF r.plus_mail_days AND p_by_mail THEN
                v_due := v_due + policy_int('mail_service_days');
                d := d || jsonb_build_object('served_by_mail', true);
            END IF;
            IF r.business_day THEN
                v_due := roll_business_day(v_due);
            END IF;
            d := d || jsonb_build_object(CASE WHEN r.each_day THEN r.deadline || v_n ELSE r.deadline END, v_due);
        END LOOP;
    END LOOP;
    RETURN d;
END $$;

-- The deadline a workflow in p_state waits for: the earliest of its kind's deadlines open in that state.
CREATE OR REPLACE FUNCTION next_deadline_of(p_kind action_kind, p_state text, p_deadlines jsonb) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT min((p_deadlines->>r.deadline)::date)
      FROM workflow_deadline_rules r
     WHERE r.kind = p_kind AND p_state = ANY (r.open_in) AND NOT r.each_day
$$;

-- Workflow deadline warnings that are due on p_today (docs/domain.md "Workflows"). The nightly job
-- records each with record_deadline_warning, which is idempotent per (action, warning). A rule of
-- several days (the levy's warn_day_<n>) warns once per day its step recorded.
CREATE OR REPLACE FUNCTION due_deadline_warnings(p_today date)
RETURNS TABLE (action_id bigint, case_ref text, kind text, warning text, due date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.id, c.case_ref, a.kind::text, w.warning, w.due
      FROM enforcement_actions a
      JOIN enforcement_cases c ON c.id = a.case_id AND c.status = 'open'
      JOIN workflow_deadline_rules r ON r.kind = a.kind AND r.warning IS NOT NULL
                                    AND a.state = ANY (coalesce(r.warning_in, r.open_in))
     CROSS JOIN LATERAL (
        SELECT format(r.warning, CASE WHEN r.each_day THEN substr(e.key, length(r.deadline) + 1)
                                      ELSE (SELECT p.value FROM policy_settings p WHERE p.key = r.days_policy) END),
               (e.value #>> '{}')::date + r.warn_days_late,
               (a.deadlines->>coalesce(r.warning_due, r.deadline))::date
          FROM jsonb_each(a.deadlines) e
         WHERE CASE WHEN r.each_day THEN starts_with(e.key, r.deadline) ELSE e.key = r.deadline END
     ) AS w(warning, fire_on, due)
     WHERE a.is_open AND w.fire_on <= p_today
     ORDER BY a.id, w.warning
$$;
