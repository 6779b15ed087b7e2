-- Workflow steps by the law (issue 13 items 1, 2, 5, 11; the back-dating window): docs/domain.md.

-- Whom a restraint or levy is on, checked: NULL when not given.
CREATE FUNCTION garnishee_kind_of(p_value text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF p_value IS NULL OR btrim(p_value) = '' THEN RETURN NULL; END IF;
    RETURN enum_text_check(replace(p_value, '-', '_'), enum_range(NULL::garnishee_kind)::text[], 'kind of garnishee');
END $$;

-- A restraining notice or a levy is served on someone: say whom (CPLR 5222, 5232). On a natural
-- person's account at a bank it is void without the exemption notice and two exemption claim forms
-- served with it (CPLR 5222-a(b)): require that second document, of kind exemption_forms.
CREATE FUNCTION require_garnishee_papers(c enforcement_cases, p_step text, p_garnishee text, p_exemption_document_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_person boolean; v_kind document_kind;
BEGIN
    IF p_garnishee IS NULL THEN
        PERFORM df_raise('DF008', format('%s needs the kind of garnishee it is served on', p_step),
                         'Say whom it is on: bank, employer, third_party or debtor (in Slack: on:bank).');
    END IF;
    SELECT debtor_is_person INTO v_person FROM judgments WHERE id = c.judgment_id;
    IF p_garnishee = 'bank' AND v_person THEN
        IF p_exemption_document_id IS NULL THEN
            PERFORM df_raise('DF005', format('%s on a person''s bank account needs the exemption notice and two exemption '
                             'claim forms (CPLR 5222-a); without them it is void', p_step),
                             'Upload the exemption_forms document as the second document of the step.');
        END IF;
        SELECT kind INTO v_kind FROM enforcement_documents WHERE id = p_exemption_document_id AND case_id = c.id;
        IF NOT FOUND THEN
            PERFORM df_raise('DF005', format('Document #%s is not stored on %s', p_exemption_document_id, c.case_ref),
                             'Upload the exemption forms to this case first.');
        END IF;
        IF v_kind <> 'exemption_forms' THEN
            PERFORM df_raise('DF005', format('%s needs an exemption_forms document as its second document, not %s',
                             p_step, v_kind), 'Upload the exemption notice and claim forms as exemption_forms.');
        END IF;
    ELSIF p_exemption_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_exemption_document_id, '{exemption_forms}', p_step);
    END IF;
END $$;

-- CPLR 211(b): no new levy, income execution or restraint on a judgment presumed paid, unless an
-- admin recorded a payment or written acknowledgment that renews it (record_judgment_renewal).
CREATE FUNCTION require_not_presumed_paid(c enforcement_cases, p_kind text, p_on date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE j judgments; v_since date;
BEGIN
    IF p_kind NOT IN ('levy', 'garnishment', 'restraining_notice') THEN RETURN; END IF;
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id;
    v_since := presumed_paid_on(j.entered_on, j.renewed_on);
    IF v_since <= p_on THEN
        PERFORM df_raise('DF062', format('%s''s judgment (entered %s) is presumed paid since %s (CPLR 211(b)): no new %s',
                         c.case_ref, j.entered_on, v_since, p_kind),
                         format('An admin records the payment or written acknowledgment that renews it: '
                                'dragonfly case renew %s --basis acknowledgment --on YYYY-MM-DD "why".', c.case_ref));
    END IF;
END $$;

DROP FUNCTION queue_enforcement_action(text, text, text, bigint, text, text, text, date, text);
CREATE FUNCTION queue_enforcement_action(p_case_ref text, p_kind text, p_actor text, p_document_id bigint DEFAULT NULL,
    p_recipient text DEFAULT NULL, p_note text DEFAULT NULL, p_idempotency_key text DEFAULT NULL,
    p_on date DEFAULT NULL, p_source text DEFAULT 'slack', p_garnishee_kind text DEFAULT NULL,
    p_exemption_document_id bigint DEFAULT NULL, p_court_order_document_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    t workflow_transitions;
    a enforcement_actions;
    v_on date := coalesce(p_on, firm_today());
    v_deadlines jsonb;
    v_garnishee text;
BEGIN
    c := lock_case(p_case_ref);
    v_kind := enum_text_check(p_kind, enum_range(NULL::action_kind)::text[], 'workflow');
    IF p_idempotency_key IS NOT NULL THEN
        SELECT * INTO a FROM enforcement_actions WHERE idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF a.case_id <> c.id OR a.kind::text <> v_kind THEN
                PERFORM df_raise('DF007', 'This request key was already used for a different workflow',
                                 'Start the workflow again from the case card.');
            END IF;
            RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'kind', a.kind, 'state', a.state,
                                      'deadlines', a.deadlines, 'created', false);
        END IF;
    END IF;
    PERFORM require_open(c);
    PERFORM require_recent_date(v_on, format('Starting a %s', v_kind));
    PERFORM require_not_presumed_paid(c, v_kind, v_on);
    v_garnishee := garnishee_kind_of(p_garnishee_kind);
    IF v_garnishee IS NOT NULL AND v_kind NOT IN ('restraining_notice', 'levy') THEN
        PERFORM df_raise('DF008', format('A %s has no garnishee kind', v_kind),
                         'Only restraining notices and levies say whom they are on.');
    END IF;
    SELECT * INTO t FROM workflow_transitions WHERE kind = v_kind::action_kind AND from_state = '';
    PERFORM require_document(c, p_document_id, t.document_kinds, format('Starting a %s (%s)', v_kind, t.to_state));
    IF v_kind = 'restraining_notice' THEN
        -- The notice is served now, so whom it is on and the exemption papers are needed now.
        PERFORM require_garnishee_papers(c, 'A restraining notice', v_garnishee, p_exemption_document_id);
        -- CPLR 5222(c): a second notice on the same person for the same judgment needs leave of court.
        IF nullif(btrim(p_recipient), '') IS NOT NULL AND EXISTS (
            SELECT 1 FROM enforcement_actions x WHERE x.case_id = c.id AND x.kind = 'restraining_notice'
               AND lower(regexp_replace(btrim(x.recipient), '\s+', ' ', 'g'))
                   = lower(regexp_replace(btrim(p_recipient), '\s+', ' ', 'g'))) THEN
            IF p_court_order_document_id IS NULL THEN
                PERFORM df_raise('DF005', format('%s already served a restraining notice on %s: a second one needs leave '
                                 'of court (CPLR 5222(c))', c.case_ref, btrim(p_recipient)),
                                 'Upload the court order granting leave (court_order) with the notice.');
            END IF;
            PERFORM require_document(c, p_court_order_document_id, '{court_order}',
                                     'A second restraining notice on the same garnishee');
        END IF;
    ELSIF p_exemption_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_exemption_document_id, '{exemption_forms}', format('Starting a %s', v_kind));
    END IF;
    v_deadlines := workflow_deadlines(v_kind::action_kind, t.to_state, v_on, c.tier, '{}', v_garnishee);
    INSERT INTO enforcement_actions (case_id, kind, state, recipient, deadlines, next_deadline, idempotency_key, created_by,
                                     garnishee_kind, exemption_document_id)
    VALUES (c.id, v_kind::action_kind, t.to_state, nullif(btrim(p_recipient), ''), v_deadlines,
            next_deadline_of(v_kind::action_kind, t.to_state, v_deadlines), p_idempotency_key, p_actor,
            v_garnishee::garnishee_kind, p_exemption_document_id)
    RETURNING * INTO a;
    PERFORM append_event(c.id, 'action_queued', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'kind', v_kind, 'state', a.state, 'deadlines', v_deadlines,
        'recipient', a.recipient, 'note', nullif(btrim(p_note), ''), 'on', p_on, 'garnishee_kind', v_garnishee,
        'exemption_document_id', p_exemption_document_id, 'court_order_document_id', p_court_order_document_id)),
        p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'kind', a.kind, 'state', a.state,
                              'deadlines', v_deadlines, 'created', true, 'garnishee_kind', v_garnishee);
END $$;

DROP FUNCTION advance_enforcement_action(text, bigint, text, text, bigint, text, text, date, text);
CREATE FUNCTION advance_enforcement_action(p_case_ref text, p_action_id bigint, p_state text, p_actor text,
    p_document_id bigint DEFAULT NULL, p_note text DEFAULT NULL, p_officer_docket text DEFAULT NULL,
    p_on date DEFAULT NULL, p_source text DEFAULT 'slack', p_garnishee_kind text DEFAULT NULL,
    p_exemption_document_id bigint DEFAULT NULL, p_by_mail boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    a enforcement_actions;
    t workflow_transitions;
    v_next text[];
    v_on date := coalesce(p_on, firm_today());
    v_deadlines jsonb;
    v_garnishee text;
BEGIN
    c := lock_case(p_case_ref);
    SELECT * INTO a FROM enforcement_actions WHERE id = p_action_id AND case_id = c.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM df_raise('DF009', format('%s has no workflow #%s', c.case_ref, p_action_id),
                         format('The case card lists its workflows: /enforce case %s', c.case_ref));
    END IF;
    SELECT array_agg(to_state ORDER BY to_state) INTO v_next FROM workflow_transitions
     WHERE kind = a.kind AND from_state = a.state;
    IF NOT a.is_open THEN
        PERFORM df_raise('DF010', format('Workflow #%s (%s) is finished: %s', a.id, a.kind, a.state),
                         'Start a new workflow if more is needed.');
    END IF;
    PERFORM require_open(c);
    SELECT * INTO t FROM workflow_transitions WHERE kind = a.kind AND from_state = a.state AND to_state = lower(btrim(p_state));
    IF NOT FOUND THEN
        PERFORM df_raise('DF010', format('%s #%s cannot go from %s to %s', a.kind, a.id, a.state, coalesce(p_state, '')),
                         format('Next steps from %s: %s.', a.state, coalesce(array_to_string(v_next, ', '), 'none')));
    END IF;
    PERFORM require_recent_date(v_on, format('%s #%s -> %s', a.kind, a.id, t.to_state));
    PERFORM require_document(c, p_document_id, t.document_kinds, format('%s #%s -> %s', a.kind, a.id, t.to_state));
    IF a.kind = 'marshal' AND t.to_state = 'docketed' AND coalesce(btrim(p_officer_docket), '') = '' THEN
        PERFORM df_raise('DF008', format('Docketing marshal #%s needs the officer''s docket number', a.id),
                         'Give the marshal''s own docket number with the step (in Slack: docket:M-1234).');
    END IF;
    v_garnishee := coalesce(garnishee_kind_of(p_garnishee_kind), a.garnishee_kind::text);
    IF a.kind NOT IN ('restraining_notice', 'levy') AND p_garnishee_kind IS NOT NULL THEN
        PERFORM df_raise('DF008', format('A %s has no garnishee kind', a.kind),
                         'Only restraining notices and levies say whom they are on.');
    END IF;
    IF a.kind = 'levy' AND t.to_state = 'levied' THEN
        -- The levy is served on the garnishee now (CPLR 5232(a)), with the exemption papers (5222-a(b)).
        PERFORM require_garnishee_papers(c, format('Levy #%s', a.id), v_garnishee,
                                         coalesce(p_exemption_document_id, a.exemption_document_id));
    ELSIF p_exemption_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_exemption_document_id, '{exemption_forms}', format('%s #%s', a.kind, a.id));
    END IF;
    v_deadlines := workflow_deadlines(a.kind, t.to_state, v_on, c.tier, a.deadlines, v_garnishee, coalesce(p_by_mail, false));
    UPDATE enforcement_actions SET state = t.to_state, is_open = NOT t.terminal, state_entered_at = df_now(),
           deadlines = v_deadlines, next_deadline = CASE WHEN t.terminal THEN NULL
                                                         ELSE next_deadline_of(a.kind, t.to_state, v_deadlines) END,
           officer_docket = coalesce(nullif(btrim(p_officer_docket), ''), officer_docket),
           garnishee_kind = v_garnishee::garnishee_kind,
           exemption_document_id = coalesce(p_exemption_document_id, exemption_document_id)
     WHERE id = a.id;
    PERFORM append_event(c.id, 'action_advanced', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'kind', a.kind, 'from', a.state, 'to', t.to_state, 'deadlines', v_deadlines,
        'officer_docket', nullif(btrim(p_officer_docket), ''), 'note', nullif(btrim(p_note), ''), 'on', p_on,
        'garnishee_kind', CASE WHEN v_garnishee IS DISTINCT FROM a.garnishee_kind::text THEN v_garnishee END,
        'exemption_document_id', p_exemption_document_id)), p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'kind', a.kind, 'from', a.state,
                              'state', t.to_state, 'finished', t.terminal, 'deadlines', v_deadlines);
END $$;

-- CPLR 5224: an information subpoena served (with its document); the answer is due 7 days after
-- receipt, and receipt of one served by mail is the mailing days later (CPLR 2103(b)(2)).
DROP FUNCTION issue_subpoena(text, text, text, bigint, date, text);
CREATE FUNCTION issue_subpoena(p_case_ref text, p_recipient text, p_actor text, p_document_id bigint DEFAULT NULL,
    p_served_on date DEFAULT NULL, p_source text DEFAULT 'slack', p_by_mail boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_on date := coalesce(p_served_on, firm_today());
    v_recipient text;
    v_deadlines jsonb;
    a enforcement_actions;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    v_recipient := require_text(p_recipient, 'recipient of the subpoena');
    PERFORM require_document(c, p_document_id, '{subpoena,proof_of_service}', 'Serving an information subpoena');
    IF v_on > firm_today() THEN
        PERFORM df_raise('DF008', 'The service date cannot be in the future', 'Give the date it was served.');
    END IF;
    PERFORM require_recent_date(v_on, 'Serving an information subpoena');
    v_deadlines := workflow_deadlines('information_subpoena', 'served', v_on, c.tier, '{}', NULL, coalesce(p_by_mail, false));
    INSERT INTO enforcement_actions (case_id, kind, state, recipient, deadlines, next_deadline, created_by)
    VALUES (c.id, 'information_subpoena', 'served', v_recipient, v_deadlines,
            (v_deadlines->>'answer_due')::date, p_actor) RETURNING * INTO a;
    PERFORM append_event(c.id, 'subpoena_issued', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'recipient', v_recipient, 'served_on', v_on, 'deadlines', v_deadlines,
        'by_mail', CASE WHEN p_by_mail THEN true END)), p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'state', 'served', 'deadlines', v_deadlines);
END $$;

-- The document an ingestion job stored, for a step whose second document (the exemption forms,
-- CPLR 5222-a) came in its own upload: NULL while that job is pending, refused when it failed.
CREATE FUNCTION ingested_document_id(p_dedupe_key text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE j ingestion_jobs;
BEGIN
    SELECT * INTO j FROM ingestion_jobs WHERE dedupe_key = p_dedupe_key;
    IF NOT FOUND OR j.status = 'failed' THEN
        PERFORM df_raise('DF005', 'The exemption forms uploaded with this step could not be stored',
                         'Start the step again from the form with both documents.');
    END IF;
    RETURN CASE WHEN j.status = 'done' THEN (j.result->>'document_id')::bigint END;
END $$;
