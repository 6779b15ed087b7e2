-- Extensions and leave of court (issue 13 items 8, 10): docs/domain.md "Workflows", "Exemptions".

INSERT INTO policy_settings (key, value, why) VALUES
 ('levy_return_extension_days', '60',
  'CPLR 5230(c): the judgment creditor may extend the return date in writing, by at most 60 days at a time'),
 ('levy_extension_days', '90', 'CPLR 5232(a): the court may extend the 90-day levy; default length of an extension')
ON CONFLICT (key) DO NOTHING;

-- A stored document; court_order joins the kinds (CPLR 5222(c), 5232(a)).
CREATE OR REPLACE FUNCTION attach_enforcement_document(p_case_ref text, p_kind text, p_storage_key text, p_sha256 text,
    p_size_bytes bigint, p_content_type text, p_original_name text, p_uploader text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    d enforcement_documents;
BEGIN
    c := lock_case(p_case_ref);
    -- every label of the enum (issue 11: no hand-spelled copy of the kinds)
    v_kind := enum_text_check(p_kind, enum_range(NULL::document_kind)::text[], 'document kind');
    IF p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' OR coalesce(p_size_bytes, 0) <= 0 OR btrim(coalesce(p_storage_key, '')) = '' THEN
        PERFORM df_raise('DF008', 'A document needs its storage key, sha256 and size', 'Store the file first.');
    END IF;
    -- The same bytes on the same case and kind are one document.
    SELECT * INTO d FROM enforcement_documents WHERE case_id = c.id AND kind = v_kind::document_kind AND sha256 = p_sha256;
    IF FOUND THEN
        RETURN jsonb_build_object('case_ref', c.case_ref, 'document_id', d.id, 'storage_key', d.storage_key, 'created', false);
    END IF;
    INSERT INTO enforcement_documents (case_id, kind, storage_key, sha256, size_bytes, content_type, original_name, uploaded_by)
    VALUES (c.id, v_kind::document_kind, p_storage_key, p_sha256, p_size_bytes, p_content_type,
            coalesce(nullif(btrim(p_original_name), ''), 'document'), p_uploader)
    RETURNING * INTO d;
    PERFORM append_event(c.id, 'document_attached', p_uploader, p_source, jsonb_build_object(
        'kind', v_kind, 'name', d.original_name, 'sha256', d.sha256, 'size', d.size_bytes), d.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'document_id', d.id, 'storage_key', d.storage_key, 'created', true);
END $$;

-- After a levy the next deadline is the earlier of the return date and the day the levy is void
-- (CPLR 5230(c), 5232(a)): the return date is kept, not forgotten.
CREATE OR REPLACE FUNCTION next_deadline_of(p_kind action_kind, p_state text, p_deadlines jsonb) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_kind = 'asset_search' AND p_state IN ('requested', 'in_progress') THEN (p_deadlines->>'search_due')::date
        WHEN p_kind = 'information_subpoena' AND p_state = 'served' THEN (p_deadlines->>'answer_due')::date
        WHEN p_kind = 'restraining_notice' AND p_state IN ('served', 'effective') THEN (p_deadlines->>'lapse_warning')::date
        WHEN p_kind = 'levy' AND p_state IN ('issued', 'delivered_to_officer') THEN (p_deadlines->>'return_due')::date
        WHEN p_kind = 'levy' AND p_state = 'levied' THEN
            least((p_deadlines->>'void_on')::date, (p_deadlines->>'return_due')::date)
        WHEN p_kind = 'levy' AND p_state = 'turned_over' THEN (p_deadlines->>'return_due')::date
        -- Not served or not paying within 20 days: it goes to the employer (CPLR 5231(d)).
        WHEN p_kind = 'garnishment' AND p_state IN ('delivered', 'served_on_debtor') THEN (p_deadlines->>'employer_due')::date
        WHEN p_kind = 'garnishment' AND p_state = 'served_on_employer' THEN (p_deadlines->>'remittance_expected')::date
    END
$$;

-- Extends a levy's return date (CPLR 5230(c): the creditor's writing, at most
-- levy_return_extension_days beyond the current return date) or the 90-day levy itself (5232(a):
-- a court order). The step needs its document; it is an action_advanced event in the same state.
CREATE FUNCTION extend_enforcement_action(p_case_ref text, p_action_id bigint, p_what text, p_actor text,
    p_until date DEFAULT NULL, p_document_id bigint DEFAULT NULL, p_note text DEFAULT NULL, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    a enforcement_actions;
    v_what text;
    v_key text;
    v_old date;
    v_new date;
    v_max integer;
    v_deadlines jsonb;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    SELECT * INTO a FROM enforcement_actions WHERE id = p_action_id AND case_id = c.id FOR UPDATE;
    IF NOT FOUND OR a.kind <> 'levy' THEN
        PERFORM df_raise('DF009', format('%s has no levy #%s', c.case_ref, p_action_id),
                         format('The case card lists its workflows: /enforce case %s', c.case_ref));
    END IF;
    v_what := enum_text_check(p_what, ARRAY['return', 'levy'], 'extension');
    IF NOT a.is_open THEN
        PERFORM df_raise('DF010', format('Levy #%s is finished (%s): nothing to extend', a.id, a.state),
                         'Issue a new execution if more is needed.');
    END IF;
    IF v_what = 'return' THEN
        v_key := 'return_due'; v_max := policy_int('levy_return_extension_days');
        PERFORM require_document(c, p_document_id, '{correspondence,other,court_order}',
                                 format('Extending levy #%s''s return date', a.id));
    ELSE
        IF a.state <> 'levied' THEN
            PERFORM df_raise('DF010', format('Levy #%s is %s: only a levy that was levied can be extended', a.id, a.state),
                             'Extend the return date instead (extension: return).');
        END IF;
        v_key := 'void_on'; v_max := NULL;
        PERFORM require_document(c, p_document_id, '{court_order}', format('Extending levy #%s', a.id));
    END IF;
    v_old := (a.deadlines->>v_key)::date;
    v_new := coalesce(p_until, v_old + CASE WHEN v_what = 'return' THEN v_max ELSE policy_int('levy_extension_days') END);
    IF v_what = 'return' THEN v_new := roll_business_day(v_new); END IF;
    IF v_old IS NULL OR v_new <= v_old THEN
        PERFORM df_raise('DF008', format('The new date must be after %s', coalesce(v_old::text, 'the current one')),
                         'Give the date the writing or the order extends it to.');
    END IF;
    IF v_max IS NOT NULL AND v_new > roll_business_day(v_old + v_max) THEN
        PERFORM df_raise('DF008', format('A return date may be extended by at most %s days at a time (to %s), not to %s',
                         v_max, roll_business_day(v_old + v_max), v_new), 'Give an earlier date; extend again later.');
    END IF;
    v_deadlines := a.deadlines || jsonb_build_object(v_key, v_new);
    IF v_what = 'levy' THEN
        -- The day-n warnings follow the new void date: the same days before it as before the old one.
        v_deadlines := v_deadlines || (SELECT coalesce(jsonb_object_agg(e.key, roll_business_day((e.value #>> '{}')::date
                                            + (v_new - v_old))), '{}')
                                         FROM jsonb_each(a.deadlines) e WHERE e.key LIKE 'warn\_day\_%');
    END IF;
    UPDATE enforcement_actions SET deadlines = v_deadlines, next_deadline = next_deadline_of(a.kind, a.state, v_deadlines)
     WHERE id = a.id;
    PERFORM append_event(c.id, 'action_advanced', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'kind', a.kind, 'from', a.state, 'to', a.state, 'deadlines', v_deadlines,
        'extended', v_key, 'extended_from', v_old, 'extended_to', v_new, 'note', nullif(btrim(p_note), ''))),
        p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'extended', v_key, 'from', v_old,
                              'to', v_new, 'deadlines', v_deadlines);
END $$;
