-- depends: 0083_event_kind_judgment_corrected 0101_papers
-- Corrections of a judgment's facts (principal, entry date, index number, debtor type), issue 16:
-- correct_judgment_fact records each as a judgment_corrected event with the values before and
-- after and the reason ("corrections are new events"), keeps what depends on the fact current
-- (unpaid principal, interest segments and basis, the entry-county docket, the rule tier), and
-- refuses a correction the rules cannot absorb: principal, entry date and debtor type decide how
-- payments were split between interest and principal, so they are corrected only on a case with
-- no payments recorded (reverse the payments, correct, record them again).
-- event_summary (its latest body, sql/0101_papers.sql) gains the line for the new kind; the rest is
-- unchanged. The depends line makes yoyo apply this after that redefinition on a fresh database too.

CREATE OR REPLACE FUNCTION event_summary(p_kind event_kind, p jsonb) RETURNS text LANGUAGE sql STABLE AS $$
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
        WHEN 'address_set' THEN format('Address (%s) %s: %s', p->>'role', p->>'name',
                                       replace(p->>'address', E'\n', ', '))
        WHEN 'judgment_corrected' THEN format('Corrected %s: %s -> %s (%s)', replace(p->>'field', '_', ' '),
                                              p->>'before', p->>'after', p->>'reason')
    END
$$;

CREATE FUNCTION correct_judgment_fact(p_case_ref text, p_field text, p_value text, p_reason text, p_actor text,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    j judgments;
    d debtors;
    v_field text := lower(btrim(coalesce(p_field, '')));
    v_reason text;
    v_before text;
    v_after text;
    v_amount numeric;
    v_date date;
    v_index text;
    v_type text;
    v_debtor bigint;
    v_other text;
    v_plan record;
    v_seg jsonb;
    v_score record;
    v_override smallint;
    v_tier smallint;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    IF v_field NOT IN ('principal', 'entered_on', 'index_number', 'debtor_type') THEN
        PERFORM df_raise('DF008', format('"%s" is not a judgment fact that can be corrected', coalesce(p_field, '')),
                         'Correct one of: principal, entered_on, index_number, debtor_type.');
    END IF;
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        PERFORM df_raise('DF003', format('Correcting the %s of %s needs a reason', replace(v_field, '_', ' '), c.case_ref),
                         'Say why the recorded value was wrong (e.g. "clerk''s transcript shows 12,345.00").');
    END IF;
    v_reason := btrim(p_reason);
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id FOR UPDATE;
    SELECT * INTO d FROM debtors WHERE id = j.debtor_id;
    IF v_field IN ('principal', 'entered_on', 'debtor_type') AND EXISTS (SELECT 1 FROM payments WHERE case_id = c.id) THEN
        PERFORM df_raise('DF008', format('%s has payments recorded: its %s decided how they were split', c.case_ref,
                                         replace(v_field, '_', ' ')),
                         'Reverse the payments, correct the judgment, then record them again.');
    END IF;

    IF v_field = 'principal' THEN
        v_amount := import_parse_amount(p_value);
        IF v_amount IS NULL OR v_amount <= 0 THEN
            PERFORM df_raise('DF006', format('The principal must be a positive amount in cents, not %s', coalesce(p_value, 'nothing')),
                             'Write it like 12345.67.');
        END IF;
        v_before := j.principal::text; v_after := v_amount::text;
        UPDATE judgments SET principal = v_amount, unpaid_principal = v_amount WHERE id = j.id;
    ELSIF v_field = 'entered_on' THEN
        v_date := import_parse_date(btrim(coalesce(p_value, '')));
        IF v_date IS NULL OR v_date > firm_today() THEN
            PERFORM df_raise('DF008', format('"%s" is not a past date', coalesce(p_value, '')), 'Write YYYY-MM-DD.');
        END IF;
        v_before := j.entered_on::text; v_after := v_date::text;
        UPDATE judgment_dockets SET docketed_on = v_date
         WHERE judgment_id = j.id AND county = j.county AND docketed_on = j.entered_on;
        UPDATE judgments SET entered_on = v_date, accrual_date = v_date WHERE id = j.id;
    ELSIF v_field = 'index_number' THEN
        v_index := btrim(coalesce(p_value, ''));
        IF v_index !~ '^([A-Za-z]{1,4}-?)?[0-9]{1,7}[/-][0-9]{2,4}$' THEN
            PERFORM df_raise('DF008', format('"%s" is not an index number', v_index),
                             'Index numbers look like 54925/19 or CV-012345-23.');
        END IF;
        SELECT x.case_ref INTO v_other FROM judgments o JOIN enforcement_cases x ON x.judgment_id = o.id
         WHERE o.court = j.court AND o.index_number = v_index AND o.id <> j.id;
        IF v_other IS NOT NULL THEN
            PERFORM df_raise('DF007', format('%s %s is already %s', j.court, v_index, v_other),
                             'Check the index number; one judgment is one case.');
        END IF;
        v_before := j.index_number; v_after := v_index;
        UPDATE judgments SET index_number = v_index WHERE id = j.id;
    ELSE
        v_type := enum_text_check(p_value, ARRAY['person', 'business'], 'debtor type');
        v_before := d.debtor_type::text; v_after := v_type;
        INSERT INTO debtors (name, debtor_type) VALUES (d.name, v_type::debtor_type)
            ON CONFLICT (name_key, debtor_type) DO UPDATE SET name = debtors.name RETURNING id INTO v_debtor;
        UPDATE judgments SET debtor_id = v_debtor, debtor_is_person = (v_type = 'person') WHERE id = j.id;
    END IF;
    IF v_before = v_after THEN
        RETURN jsonb_build_object('case_ref', c.case_ref, 'field', v_field, 'value', v_after, 'changed', false);
    END IF;

    IF v_field IN ('entered_on', 'debtor_type') THEN
        -- The interest plan follows from the entry date and whether the debtor is a natural person.
        SELECT * INTO j FROM judgments WHERE id = j.id;
        SELECT * INTO v_plan FROM interest_plan(j.entered_on, j.consumer_debt, j.debtor_is_person);
        DELETE FROM interest_segments WHERE judgment_id = j.id;
        FOR v_seg IN SELECT jsonb_array_elements(v_plan.segments) LOOP
            INSERT INTO interest_segments (judgment_id, from_date, to_date, rate, why)
            VALUES (j.id, (v_seg->>'from')::date, (v_seg->>'to')::date, (v_seg->>'rate')::numeric, v_seg->>'why');
        END LOOP;
        UPDATE judgments SET interest_basis = v_plan.basis WHERE id = j.id;
    END IF;
    SELECT * INTO v_score FROM score_case(c.id, firm_today());
    v_override := (SELECT o.tier FROM tier_overrides o WHERE o.case_id = c.id AND o.active);
    v_tier := coalesce(v_override, v_score.tier);
    UPDATE enforcement_cases SET rule_tier = v_score.tier, tier = v_tier, tier_score = v_score.score,
           tier_reasons = v_score.reasons WHERE id = c.id;
    PERFORM append_event(c.id, 'judgment_corrected', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'field', v_field, 'before', v_before, 'after', v_after, 'reason', v_reason,
        'tier_before', CASE WHEN v_tier <> c.tier THEN c.tier END, 'tier_after', CASE WHEN v_tier <> c.tier THEN v_tier END)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'field', v_field, 'before', v_before, 'value', v_after,
                              'changed', true, 'tier', v_tier);
END $$;
