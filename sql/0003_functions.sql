-- The sanctioned write path. Each function validates, changes rows and appends its event(s) in the
-- caller's single transaction, and returns a jsonb answer for the person who asked.

-- Interest segments for a new judgment, per CPLR 5004 and the consumer_rate_transition policy.
CREATE FUNCTION interest_plan(p_entered_on date, p_consumer boolean, p_person boolean,
    OUT segments jsonb, OUT basis text) LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_std numeric := (SELECT rate FROM interest_rates WHERE name = 'standard' ORDER BY effective_from DESC LIMIT 1);
    v_con numeric;
    v_con_from date;
    v_policy text := (SELECT value FROM policy_settings WHERE key = 'consumer_rate_transition');
BEGIN
    SELECT rate, effective_from INTO v_con, v_con_from FROM interest_rates
     WHERE name = 'consumer' ORDER BY effective_from DESC LIMIT 1;
    IF NOT (p_consumer AND p_person) THEN
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_std, 'why', 'CPLR 5004(a)'));
        basis := format('%s%% a year (CPLR 5004(a))', trim_scale(v_std * 100));
    ELSIF p_entered_on >= v_con_from THEN
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_con, 'why', 'CPLR 5004(a)(1)'));
        basis := format('%s%% a year: consumer debt, natural person, entered on or after %s (CPLR 5004(a))',
                        trim_scale(v_con * 100), v_con_from);
    ELSIF v_policy = 'from_effective_date' THEN
        segments := jsonb_build_array(
            jsonb_build_object('from', p_entered_on, 'to', v_con_from, 'rate', v_std, 'why', 'CPLR 5004(a) before 2022-04-30'),
            jsonb_build_object('from', v_con_from, 'rate', v_con, 'why', 'CPLR 5004(c), policy from_effective_date'));
        basis := format('%s%% until %s, then %s%%: consumer debt, natural person (CPLR 5004(c), policy from_effective_date)',
                        trim_scale(v_std * 100), v_con_from, trim_scale(v_con * 100));
    ELSE
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_con,
                                                         'why', 'CPLR 5004(c), policy from_entry'));
        basis := format('%s%% from entry: consumer debt, natural person, unpaid on %s (CPLR 5004(c), policy from_entry)',
                        trim_scale(v_con * 100), v_con_from);
    END IF;
END $$;

-- Score and tier of one case as of a date, from the policy tables. Returns the reasons too.
CREATE FUNCTION score_case(p_case_id bigint, p_as_of date,
    OUT score integer, OUT tier smallint, OUT reasons text[]) LANGUAGE plpgsql STABLE AS $$
DECLARE
    c enforcement_cases;
    j judgments;
    d debtors;
    v_balance numeric;
    v_age numeric;
    f record;
    v_codes text[] := '{}';
    v_hard text;
BEGIN
    SELECT * INTO c FROM enforcement_cases WHERE id = p_case_id;
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id;
    SELECT * INTO d FROM debtors WHERE id = j.debtor_id;
    v_balance := j.unpaid_principal + j.unpaid_costs + accrued_interest(j.id, p_as_of);
    v_codes := v_codes || CASE WHEN v_balance >= 50000 THEN 'balance_50k' WHEN v_balance >= 10000 THEN 'balance_10k'
                               WHEN v_balance >= 2500 THEN 'balance_2_5k' ELSE 'balance_low' END;
    IF EXISTS (SELECT 1 FROM assets a WHERE a.case_id = c.id AND a.kind = 'employer' AND a.verified_on > p_as_of - 180) THEN
        v_codes := v_codes || 'employer_verified'::text; END IF;
    IF EXISTS (SELECT 1 FROM assets a WHERE a.case_id = c.id AND a.kind = 'bank_account' AND a.verified_on > p_as_of - 90) THEN
        v_codes := v_codes || 'bank_verified'::text; END IF;
    IF EXISTS (SELECT 1 FROM assets a JOIN judgment_dockets k ON k.judgment_id = j.id AND k.county = a.county
                WHERE a.case_id = c.id AND a.kind = 'real_property') THEN
        v_codes := v_codes || 'real_property_docketed'::text; END IF;
    IF d.debtor_type = 'business' THEN v_codes := v_codes || 'operating_business'::text; END IF;
    IF c.last_payment_at IS NOT NULL THEN
        v_codes := v_codes || CASE WHEN c.last_payment_at::date > p_as_of - 180 THEN 'payment_recent' ELSE 'payment_ever' END;
    END IF;
    v_age := (p_as_of - j.entered_on) / 365.25;
    IF v_age < 2 THEN v_codes := v_codes || 'age_under_2'::text;
    ELSIF v_age < 5 THEN v_codes := v_codes || 'age_2_5'::text;
    ELSIF v_age >= 15 THEN v_codes := v_codes || 'age_over_15'::text;
    ELSIF v_age >= 10 THEN v_codes := v_codes || 'age_10_15'::text;
    END IF;
    IF EXISTS (SELECT 1 FROM assets a WHERE a.case_id = c.id AND a.kind = 'exempt_income')
       AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.case_id = c.id AND a.kind <> 'exempt_income') THEN
        v_codes := v_codes || 'exempt_income_only'::text; END IF;
    IF EXISTS (SELECT 1 FROM enforcement_actions x WHERE x.case_id = c.id AND x.kind = 'asset_search' AND x.state = 'none') THEN
        v_codes := v_codes || 'search_found_nothing'::text; END IF;

    score := 0; reasons := '{}';
    FOR f IN SELECT t.code, t.points, t.description FROM tier_factors t WHERE t.code = ANY (v_codes) ORDER BY t.points DESC LOOP
        score := score + f.points;
        reasons := reasons || format('%s%s %s', CASE WHEN f.points >= 0 THEN '+' ELSE '' END, f.points, f.description);
    END LOOP;
    SELECT t.tier INTO tier FROM tier_thresholds t WHERE score >= t.min_score ORDER BY t.tier DESC LIMIT 1;

    -- Hard rules after scoring.
    IF c.bankruptcy_stay OR j.vacated OR d.deceased THEN
        v_hard := CASE WHEN c.bankruptcy_stay THEN 'bankruptcy stay' WHEN j.vacated THEN 'judgment vacated'
                       ELSE 'debtor deceased' END;
        tier := 0; reasons := reasons || format('hard rule: %s -> Tier 0', v_hard);
    ELSIF tier < 2 AND v_balance >= 100000 THEN
        tier := 2; reasons := reasons || 'hard rule: balance >= $100,000 -> at least Tier 2'::text;
    ELSIF tier < 2 AND EXISTS (SELECT 1 FROM judgment_dockets k WHERE k.judgment_id = j.id
                               AND (k.docketed_on + interval '10 years')::date BETWEEN p_as_of AND p_as_of + 180) THEN
        tier := 2; reasons := reasons || 'hard rule: real-property lien expires within 180 days -> at least Tier 2'::text;
    END IF;
END $$;

CREATE FUNCTION create_enforcement_case(
    p_plaintiff_name text, p_debtor_name text, p_debtor_type text, p_court text, p_county text,
    p_index_number text, p_entered_on date, p_principal numeric, p_costs numeric DEFAULT 0,
    p_consumer_debt boolean DEFAULT false, p_owner text DEFAULT NULL, p_external_ref text DEFAULT NULL,
    p_actor text DEFAULT 'cli:unknown', p_source text DEFAULT 'cli', p_as_of date DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_type text;
    v_county text;
    v_plaintiff bigint;
    v_debtor bigint;
    v_j judgments;
    v_case enforcement_cases;
    v_plan record;
    v_seg jsonb;
    v_score record;
    v_as_of date := coalesce(p_as_of, firm_today());
BEGIN
    v_type := enum_text_check(p_debtor_type, ARRAY['person', 'business'], 'debtor type');
    PERFORM require_text(p_plaintiff_name, 'plaintiff name');
    PERFORM require_text(p_debtor_name, 'debtor name');
    PERFORM require_text(p_court, 'court');
    SELECT name INTO v_county FROM ny_counties WHERE lower(name) = lower(btrim(p_county));
    IF v_county IS NULL THEN
        PERFORM df_raise('DF008', format('"%s" is not a New York county', coalesce(p_county, '')),
                         'Use the county name, e.g. Kings, New York, Queens.');
    END IF;
    IF p_index_number IS NULL OR btrim(p_index_number) !~ '^([A-Za-z]{1,4}-?)?[0-9]{1,7}[/-][0-9]{2,4}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not an index number', coalesce(p_index_number, '')),
                         'Index numbers look like 54925/19 or CV-012345-23.');
    END IF;
    IF p_entered_on IS NULL OR p_entered_on > v_as_of THEN
        PERFORM df_raise('DF008', 'The entry date must be a past date', 'Give the date the judgment was entered.');
    END IF;
    IF p_principal IS NULL OR p_principal <= 0 OR p_principal <> round(p_principal, 2) THEN
        PERFORM df_raise('DF006', format('The principal must be a positive amount in cents, not %s', p_principal),
                         'Write it like 12345.67.');
    END IF;
    IF coalesce(p_costs, 0) < 0 OR p_costs <> round(p_costs, 2) THEN
        PERFORM df_raise('DF006', format('Costs must be zero or a positive amount, not %s', p_costs), 'Write it like 250.00.');
    END IF;
    IF p_owner IS NOT NULL AND p_owner !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user id', p_owner), 'Slack user ids look like U0123ABCD.');
    END IF;

    -- Idempotent on court + index number: the same judgment again returns the existing case.
    SELECT * INTO v_j FROM judgments WHERE court = btrim(p_court) AND index_number = btrim(p_index_number);
    IF FOUND THEN
        SELECT * INTO v_case FROM enforcement_cases WHERE judgment_id = v_j.id;
        IF v_j.principal <> p_principal OR v_j.entered_on <> p_entered_on THEN
            PERFORM df_raise('DF007', format('%s %s is already %s with different facts (principal %s, entered %s)',
                             v_j.court, v_j.index_number, v_case.case_ref, v_j.principal, v_j.entered_on),
                             'Check the row; correct the existing case through its own actions.');
        END IF;
        RETURN jsonb_build_object('case_id', v_case.id, 'case_ref', v_case.case_ref, 'created', false);
    END IF;

    INSERT INTO plaintiffs (name) VALUES (btrim(p_plaintiff_name))
        ON CONFLICT (name_key) DO UPDATE SET name = plaintiffs.name RETURNING id INTO v_plaintiff;
    INSERT INTO debtors (name, debtor_type) VALUES (btrim(p_debtor_name), v_type::debtor_type)
        ON CONFLICT (name_key, debtor_type) DO UPDATE SET name = debtors.name RETURNING id INTO v_debtor;

    SELECT * INTO v_plan FROM interest_plan(p_entered_on, coalesce(p_consumer_debt, false), v_type = 'person');
    INSERT INTO judgments (plaintiff_id, debtor_id, court, county, index_number, entered_on, principal, costs,
                           consumer_debt, debtor_is_person, external_ref, interest_basis,
                           unpaid_principal, unpaid_costs, accrual_date)
    VALUES (v_plaintiff, v_debtor, btrim(p_court), v_county, btrim(p_index_number), p_entered_on, p_principal,
            coalesce(p_costs, 0), coalesce(p_consumer_debt, false), v_type = 'person', p_external_ref, v_plan.basis,
            p_principal, coalesce(p_costs, 0), p_entered_on)
    RETURNING * INTO v_j;
    FOR v_seg IN SELECT jsonb_array_elements(v_plan.segments) LOOP
        INSERT INTO interest_segments (judgment_id, from_date, to_date, rate, why)
        VALUES (v_j.id, (v_seg->>'from')::date, (v_seg->>'to')::date, (v_seg->>'rate')::numeric, v_seg->>'why');
    END LOOP;
    INSERT INTO judgment_dockets (judgment_id, county, docketed_on) VALUES (v_j.id, v_county, p_entered_on);

    INSERT INTO enforcement_cases (judgment_id, owner_slack_id, next_action_at, next_action_what)
    VALUES (v_j.id, p_owner, df_now() + interval '1 day', 'verify the judgment and move to discovery')
    RETURNING * INTO v_case;
    SELECT * INTO v_score FROM score_case(v_case.id, v_as_of);
    UPDATE enforcement_cases SET tier = v_score.tier, rule_tier = v_score.tier, tier_score = v_score.score,
           tier_reasons = v_score.reasons WHERE id = v_case.id;
    PERFORM append_event(v_case.id, 'case_created', p_actor, p_source, jsonb_build_object(
        'court', v_j.court, 'county', v_county, 'index_number', v_j.index_number, 'entered_on', p_entered_on,
        'principal', p_principal, 'costs', v_j.costs, 'plaintiff', btrim(p_plaintiff_name),
        'debtor', btrim(p_debtor_name), 'tier', v_score.tier, 'owner', p_owner, 'interest', v_plan.basis));
    RETURN jsonb_build_object('case_id', v_case.id, 'case_ref', v_case.case_ref, 'created', true,
                              'tier', v_score.tier);
END $$;

CREATE FUNCTION allowed_stage_moves(p_from stage) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_from
        WHEN 'intake' THEN ARRAY['discovery', 'closed']
        WHEN 'discovery' THEN ARRAY['execution', 'closed']
        WHEN 'execution' THEN ARRAY['recovery', 'discovery', 'closed']
        WHEN 'recovery' THEN ARRAY['execution', 'closed']
        WHEN 'closed' THEN ARRAY['intake', 'discovery', 'execution', 'recovery']
    END
$$;

CREATE FUNCTION is_admin(p_actor text) RETURNS boolean LANGUAGE sql STABLE AS $$
    -- `cli:` actors are admins only when an operator session says so, never through the app role.
    SELECT (p_actor LIKE 'cli:%' AND is_operator_session())
        OR EXISTS (SELECT 1 FROM app_users WHERE slack_user_id = p_actor AND role = 'admin')
$$;

CREATE FUNCTION set_enforcement_stage(p_case_ref text, p_stage text, p_actor text, p_note text DEFAULT NULL,
    p_closing_reason text DEFAULT NULL, p_clear_blockers boolean DEFAULT false, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_blocker record;
    c enforcement_cases;
    v_to text;
    v_allowed text[];
    v_reason text;
    v_dwell numeric;
    v_cleared integer := 0;
    v_now timestamptz := df_now();
    v_at timestamptz;
    v_ev record;
BEGIN
    c := lock_case(p_case_ref);
    v_to := enum_text_check(p_stage, ARRAY['intake', 'discovery', 'execution', 'recovery', 'closed'], 'stage');
    v_allowed := allowed_stage_moves(c.stage);
    IF v_to = c.stage::text THEN
        PERFORM df_raise('DF002', format('%s is already in %s', c.case_ref, v_to),
                         format('From %s it can move to: %s.', c.stage, array_to_string(v_allowed, ', ')));
    END IF;
    IF NOT v_to = ANY (v_allowed) THEN
        PERFORM df_raise('DF002', format('%s cannot move from %s to %s', c.case_ref, c.stage, v_to),
                         format('From %s it can move to: %s.', c.stage, array_to_string(v_allowed, ', ')));
    END IF;
    IF c.stage = 'closed' AND NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF012', format('Reopening %s needs the admin role', c.case_ref), 'Ask an admin to reopen it.');
    END IF;
    IF v_to = 'closed' THEN
        IF p_closing_reason IS NULL OR btrim(p_closing_reason) = '' THEN
            PERFORM df_raise('DF003', format('Closing %s needs a reason', c.case_ref),
                             'Give one of: satisfied, settled, uncollectible, vacated, bankruptcy_discharge.');
        END IF;
        v_reason := enum_text_check(p_closing_reason,
            ARRAY['satisfied', 'settled', 'uncollectible', 'vacated', 'bankruptcy_discharge'], 'closing reason');
    END IF;
    v_dwell := round(extract(epoch FROM v_now - c.stage_entered_at) / 86400.0, 2);
    IF p_clear_blockers OR v_to = 'closed' THEN
        SELECT count(*) INTO v_cleared FROM blockers WHERE case_id = c.id AND cleared_at IS NULL;
    END IF;
    -- The event and the stage change in one write of the case row (the hot path: see bench/).
    v_at := event_time();
    SELECT * INTO v_ev FROM insert_event(c.id, c.event_seq + 1, c.last_event_hash,
        CASE WHEN c.stage = 'closed' THEN 'case_reopened' ELSE 'stage_changed' END::event_kind,
        p_actor, p_source, jsonb_strip_nulls(jsonb_build_object('from', c.stage, 'to', v_to, 'dwell_days', v_dwell,
        'note', nullif(btrim(p_note), ''), 'closing_reason', v_reason, 'blockers_cleared', nullif(v_cleared, 0))),
        NULL, NULL, v_at);
    UPDATE enforcement_cases SET stage = v_to::stage, stage_entered_at = v_now,
           status = CASE WHEN v_to = 'closed' THEN 'closed' ELSE 'open' END,
           closing_reason = v_reason::closing_reason,
           -- A reopened case needs a next action again (every open case has one).
           next_action_at = CASE WHEN v_to = 'closed' THEN NULL
                                 WHEN c.stage = 'closed' THEN v_now + interval '1 day' ELSE next_action_at END,
           next_action_what = CASE WHEN c.stage = 'closed' AND v_to <> 'closed' THEN 'reopened: plan the next step'
                                   ELSE next_action_what END,
           event_seq = c.event_seq + 1, last_event_hash = v_ev.hash,
           last_person_event_at = CASE WHEN p_actor LIKE 'system:%' THEN last_person_event_at ELSE v_at END
     WHERE id = c.id;
    IF v_cleared > 0 THEN
        -- Clearing a blocker is an event of its own (DOMAIN.md), after the move that cleared it.
        FOR v_blocker IN UPDATE blockers SET cleared_at = v_now, cleared_by = p_actor
                          WHERE case_id = c.id AND cleared_at IS NULL RETURNING id, kind, reason LOOP
            PERFORM append_event(c.id, 'blocker_cleared', p_actor, p_source, jsonb_build_object(
                'blocker_id', v_blocker.id, 'kind', v_blocker.kind, 'reason', v_blocker.reason,
                'note', format('cleared by the move to %s', v_to)));
        END LOOP;
    END IF;
    RETURN jsonb_build_object('case_ref', c.case_ref, 'from', c.stage, 'to', v_to, 'dwell_days', v_dwell,
                              'blockers_cleared', v_cleared);
END $$;

CREATE FUNCTION log_enforcement_blocker(p_case_ref text, p_kind text, p_reason text, p_eta date, p_actor text,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    v_reason text;
    v_id bigint;
    v_at timestamptz;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    v_kind := enum_text_check(p_kind, ARRAY['court', 'marshal_or_sheriff', 'bank', 'employer', 'debtor', 'internal'],
                              'blocker kind');
    v_reason := require_text(p_reason, 'reason for the blocker');
    IF p_eta IS NULL OR p_eta < firm_today() THEN
        PERFORM df_raise('DF008', 'The ETA must be today or a later date', 'Write it as eta:YYYY-MM-DD.');
    END IF;
    INSERT INTO blockers (case_id, kind, reason, eta, logged_by) VALUES (c.id, v_kind::blocker_kind, v_reason, p_eta, p_actor)
    RETURNING id INTO v_id;
    -- The reminder fires on the ETA morning, in the firm's time zone.
    v_at := (p_eta + time '09:00') AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone');
    UPDATE enforcement_cases SET next_action_at = v_at, next_action_what = 'blocker ETA: ' || v_reason WHERE id = c.id;
    PERFORM append_event(c.id, 'blocker_logged', p_actor, p_source,
        jsonb_build_object('blocker_id', v_id, 'kind', v_kind, 'reason', v_reason, 'eta', p_eta));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'blocker_id', v_id, 'kind', v_kind, 'eta', p_eta,
                              'next_action_at', v_at);
END $$;

CREATE FUNCTION clear_enforcement_blocker(p_case_ref text, p_actor text, p_blocker_id bigint DEFAULT NULL,
    p_note text DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    b record;
    v_ids bigint[] := '{}';
BEGIN
    c := lock_case(p_case_ref);
    FOR b IN SELECT * FROM blockers WHERE case_id = c.id AND cleared_at IS NULL
              AND (p_blocker_id IS NULL OR id = p_blocker_id) ORDER BY id LOOP
        UPDATE blockers SET cleared_at = df_now(), cleared_by = p_actor WHERE id = b.id;
        PERFORM append_event(c.id, 'blocker_cleared', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
            'blocker_id', b.id, 'kind', b.kind, 'reason', b.reason, 'note', nullif(btrim(p_note), ''))));
        v_ids := v_ids || b.id;
    END LOOP;
    IF cardinality(v_ids) = 0 THEN
        PERFORM df_raise('DF009', CASE WHEN p_blocker_id IS NULL THEN format('%s has no open blocker', c.case_ref)
                                  ELSE format('%s has no open blocker #%s', c.case_ref, p_blocker_id) END,
                         format('See the case card: /enforce case %s', c.case_ref));
    END IF;
    RETURN jsonb_build_object('case_ref', c.case_ref, 'cleared', to_jsonb(v_ids));
END $$;

CREATE FUNCTION set_tier_override(p_case_ref text, p_tier integer, p_reason text, p_expires_at timestamptz,
    p_actor text, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_reason text;
    v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    IF p_tier IS NULL OR p_tier NOT BETWEEN 0 AND 3 THEN
        PERFORM df_raise('DF008', format('Tier must be 0, 1, 2 or 3, not %s', coalesce(p_tier::text, 'nothing')),
                         'Tier 3 is the highest priority.');
    END IF;
    v_reason := require_text(p_reason, 'reason for the override');
    IF p_expires_at IS NULL OR p_expires_at <= df_now() THEN
        PERFORM df_raise('DF004', 'The override must expire in the future', 'Write until:YYYY-MM-DD, at most 90 days ahead.');
    END IF;
    IF p_expires_at > df_now() + interval '90 days' THEN
        PERFORM df_raise('DF004', format('An override may last at most 90 days (until %s)', (df_now() + interval '90 days')::date),
                         'Choose an earlier until: date; renew it when it expires.');
    END IF;
    UPDATE tier_overrides SET active = false WHERE case_id = c.id AND active;
    INSERT INTO tier_overrides (case_id, tier, reason, set_by, expires_at) VALUES (c.id, p_tier, v_reason, p_actor, p_expires_at)
    RETURNING id INTO v_id;
    UPDATE enforcement_cases SET tier = p_tier WHERE id = c.id;
    PERFORM append_event(c.id, 'tier_override_set', p_actor, p_source, jsonb_build_object(
        'override_id', v_id, 'tier', p_tier, 'previous_tier', c.tier, 'rule_tier', c.rule_tier,
        'reason', v_reason, 'expires_at', p_expires_at));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'tier', p_tier, 'previous_tier', c.tier, 'expires_at', p_expires_at);
END $$;

CREATE FUNCTION expire_tier_overrides(p_now timestamptz DEFAULT df_now(), p_actor text DEFAULT 'system:nightly')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    o record;
    c enforcement_cases;
    v_n integer := 0;
BEGIN
    -- The application role cannot move the clock forward to expire overrides early.
    IF NOT is_operator_session() THEN p_now := least(p_now, now()); END IF;
    FOR o IN SELECT * FROM tier_overrides WHERE active AND expires_at <= p_now ORDER BY case_id LOOP
        SELECT * INTO c FROM enforcement_cases WHERE id = o.case_id FOR UPDATE;
        UPDATE tier_overrides SET active = false WHERE id = o.id;
        UPDATE enforcement_cases SET tier = rule_tier WHERE id = c.id;
        PERFORM append_event(c.id, 'tier_override_expired', p_actor, 'scheduler', jsonb_build_object(
            'override_id', o.id, 'override_tier', o.tier, 'from', c.tier, 'to', c.rule_tier));
        v_n := v_n + 1;
    END LOOP;
    RETURN jsonb_build_object('expired', v_n);
END $$;

-- Nightly: rescore every open case; an effective-tier change is an event.
CREATE FUNCTION assign_tiers(p_as_of date DEFAULT NULL, p_actor text DEFAULT 'system:nightly')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_as_of date := coalesce(p_as_of, firm_today());
    r record;
    v_new_tier smallint;
    v_old_tier smallint;
    v_changed integer := 0;
    v_scored integer := 0;
BEGIN
    FOR r IN SELECT c.id, c.tier, c.rule_tier, s.score, s.tier AS new_rule, s.reasons,
                    (SELECT o.tier FROM tier_overrides o WHERE o.case_id = c.id AND o.active) AS override_tier
               FROM enforcement_cases c CROSS JOIN LATERAL score_case(c.id, v_as_of) s
              WHERE c.status = 'open' ORDER BY c.id LOOP
        v_scored := v_scored + 1;
        v_new_tier := coalesce(r.override_tier, r.new_rule);
        v_old_tier := r.tier;
        IF r.new_rule IS DISTINCT FROM r.rule_tier OR v_new_tier IS DISTINCT FROM r.tier THEN
            -- Lock, then re-read: an override set since the loop's snapshot must win.
            SELECT tier INTO v_old_tier FROM enforcement_cases WHERE id = r.id FOR UPDATE;
            v_new_tier := coalesce((SELECT o.tier FROM tier_overrides o WHERE o.case_id = r.id AND o.active), r.new_rule);
        END IF;
        UPDATE enforcement_cases SET rule_tier = r.new_rule, tier = v_new_tier, tier_score = r.score, tier_reasons = r.reasons
         WHERE id = r.id AND (rule_tier, tier, tier_score, tier_reasons) IS DISTINCT FROM (r.new_rule, v_new_tier, r.score, r.reasons);
        IF v_new_tier <> v_old_tier THEN
            PERFORM append_event(r.id, 'tier_changed', p_actor, 'scheduler', jsonb_build_object(
                'from', v_old_tier, 'to', v_new_tier, 'score', r.score, 'reasons', to_jsonb(r.reasons)));
            v_changed := v_changed + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('scored', v_scored, 'changed', v_changed);
END $$;

-- Deadlines a workflow step starts (DOMAIN.md table), each rolled to a business day (GCL 25-a).
CREATE FUNCTION workflow_deadlines(p_kind action_kind, p_state text, p_on date, p_tier integer, p_existing jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    d jsonb := coalesce(p_existing, '{}');
BEGIN
    IF p_kind = 'asset_search' AND p_state = 'requested' THEN
        d := d || jsonb_build_object('search_due', roll_business_day(p_on + CASE WHEN p_tier = 3 THEN 5 ELSE 10 END));
    ELSIF p_kind = 'information_subpoena' AND p_state = 'served' THEN
        d := d || jsonb_build_object('answer_due', roll_business_day(p_on + 7));          -- CPLR 5224(a)(3)
    ELSIF p_kind = 'restraining_notice' AND p_state = 'served' THEN
        d := d || jsonb_build_object('lapses_on', (p_on + interval '1 year')::date,      -- CPLR 5222(b)
                                     'lapse_warning', roll_business_day((p_on + interval '1 year')::date - 30));
    ELSIF p_kind = 'levy' AND p_state = 'issued' THEN
        d := d || jsonb_build_object('return_due', roll_business_day(p_on + 60));         -- CPLR 5230(c)
    ELSIF p_kind = 'levy' AND p_state = 'levied' THEN
        d := d || jsonb_build_object('void_on', p_on + 90,                               -- CPLR 5232(a)
            'warn_day_60', roll_business_day(p_on + 60), 'warn_day_75', roll_business_day(p_on + 75),
            'warn_day_85', roll_business_day(p_on + 85));
    ELSIF p_kind = 'garnishment' AND p_state = 'delivered' THEN
        d := d || jsonb_build_object('employer_due', roll_business_day(p_on + 20));      -- CPLR 5231(d),(e)
    ELSIF p_kind = 'garnishment' AND p_state = 'served_on_employer' THEN
        d := d || jsonb_build_object('remittance_expected', roll_business_day(p_on + 45));
    END IF;
    RETURN d;
END $$;

-- The earliest deadline still ahead of a state, for indexing and digests.
CREATE FUNCTION next_deadline_of(p_kind action_kind, p_state text, p_deadlines jsonb) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_kind = 'asset_search' AND p_state IN ('requested', 'in_progress') THEN (p_deadlines->>'search_due')::date
        WHEN p_kind = 'information_subpoena' AND p_state = 'served' THEN (p_deadlines->>'answer_due')::date
        WHEN p_kind = 'restraining_notice' AND p_state IN ('served', 'effective') THEN (p_deadlines->>'lapse_warning')::date
        WHEN p_kind = 'levy' AND p_state IN ('issued', 'delivered_to_officer') THEN (p_deadlines->>'return_due')::date
        -- The hard deadline; the day 60/75/85 warnings are the nightly job's (CPLR 5232(a)).
        WHEN p_kind = 'levy' AND p_state IN ('levied') THEN (p_deadlines->>'void_on')::date
        -- Not served or not paying within 20 days of delivery: it goes to the employer (CPLR 5231(d),(e)).
        WHEN p_kind = 'garnishment' AND p_state IN ('delivered', 'served_on_debtor') THEN (p_deadlines->>'employer_due')::date
        WHEN p_kind = 'garnishment' AND p_state = 'served_on_employer' THEN (p_deadlines->>'remittance_expected')::date
    END
$$;

-- A legal step needs a stored document of one of the named kinds, on this case.
CREATE FUNCTION require_document(c enforcement_cases, p_document_id bigint, p_kinds document_kind[], p_step text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_kind document_kind;
BEGIN
    IF cardinality(p_kinds) = 0 THEN RETURN; END IF;
    IF p_document_id IS NULL THEN
        PERFORM df_raise('DF005', format('%s needs a document (%s) before it is recorded', p_step,
                         array_to_string(p_kinds, ' or ')), 'Upload the document with the step.');
    END IF;
    SELECT kind INTO v_kind FROM enforcement_documents WHERE id = p_document_id AND case_id = c.id;
    IF NOT FOUND THEN
        PERFORM df_raise('DF005', format('Document #%s is not stored on %s', p_document_id, c.case_ref),
                         'Upload the document to this case first.');
    END IF;
    IF NOT v_kind = ANY (p_kinds) THEN
        PERFORM df_raise('DF005', format('%s needs a %s document, not %s', p_step, array_to_string(p_kinds, ' or '), v_kind),
                         'Upload the right kind of document.');
    END IF;
END $$;

CREATE FUNCTION queue_enforcement_action(p_case_ref text, p_kind text, p_actor text, p_document_id bigint DEFAULT NULL,
    p_recipient text DEFAULT NULL, p_note text DEFAULT NULL, p_idempotency_key text DEFAULT NULL,
    p_on date DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    t workflow_transitions;
    a enforcement_actions;
    v_on date := coalesce(p_on, firm_today());
    v_deadlines jsonb;
BEGIN
    c := lock_case(p_case_ref);
    v_kind := enum_text_check(p_kind, ARRAY['asset_search', 'information_subpoena', 'restraining_notice', 'levy',
                                            'garnishment', 'marshal'], 'workflow');
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
    SELECT * INTO t FROM workflow_transitions WHERE kind = v_kind::action_kind AND from_state = '';
    PERFORM require_document(c, p_document_id, t.document_kinds, format('Starting a %s (%s)', v_kind, t.to_state));
    v_deadlines := workflow_deadlines(v_kind::action_kind, t.to_state, v_on, c.tier, '{}');
    INSERT INTO enforcement_actions (case_id, kind, state, recipient, deadlines, next_deadline, idempotency_key, created_by)
    VALUES (c.id, v_kind::action_kind, t.to_state, nullif(btrim(p_recipient), ''), v_deadlines,
            next_deadline_of(v_kind::action_kind, t.to_state, v_deadlines), p_idempotency_key, p_actor)
    RETURNING * INTO a;
    PERFORM append_event(c.id, 'action_queued', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'kind', v_kind, 'state', a.state, 'deadlines', v_deadlines,
        'recipient', a.recipient, 'note', nullif(btrim(p_note), ''))), p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'kind', a.kind, 'state', a.state,
                              'deadlines', v_deadlines, 'created', true);
END $$;

CREATE FUNCTION advance_enforcement_action(p_case_ref text, p_action_id bigint, p_state text, p_actor text,
    p_document_id bigint DEFAULT NULL, p_note text DEFAULT NULL, p_officer_docket text DEFAULT NULL,
    p_on date DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    a enforcement_actions;
    t workflow_transitions;
    v_next text[];
    v_on date := coalesce(p_on, firm_today());
    v_deadlines jsonb;
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
    PERFORM require_document(c, p_document_id, t.document_kinds, format('%s #%s -> %s', a.kind, a.id, t.to_state));
    IF a.kind = 'marshal' AND t.to_state = 'docketed' AND coalesce(btrim(p_officer_docket), '') = '' THEN
        PERFORM df_raise('DF008', format('Docketing marshal #%s needs the officer''s docket number', a.id),
                         'Give the marshal''s own docket number with the step (in Slack: docket:M-1234).');
    END IF;
    v_deadlines := workflow_deadlines(a.kind, t.to_state, v_on, c.tier, a.deadlines);
    UPDATE enforcement_actions SET state = t.to_state, is_open = NOT t.terminal, state_entered_at = df_now(),
           deadlines = v_deadlines, next_deadline = CASE WHEN t.terminal THEN NULL
                                                         ELSE next_deadline_of(a.kind, t.to_state, v_deadlines) END,
           officer_docket = coalesce(nullif(btrim(p_officer_docket), ''), officer_docket)
     WHERE id = a.id;
    PERFORM append_event(c.id, 'action_advanced', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'action_id', a.id, 'kind', a.kind, 'from', a.state, 'to', t.to_state, 'deadlines', v_deadlines,
        'officer_docket', nullif(btrim(p_officer_docket), ''), 'note', nullif(btrim(p_note), ''))), p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'kind', a.kind, 'from', a.state,
                              'state', t.to_state, 'finished', t.terminal, 'deadlines', v_deadlines);
END $$;

-- CPLR 5224: an information subpoena served (with its document), answer due 7 days after receipt.
-- p_document_id defaults to NULL so a call without one is refused as DF005, not a missing function.
CREATE FUNCTION issue_subpoena(p_case_ref text, p_recipient text, p_actor text, p_document_id bigint DEFAULT NULL,
    p_served_on date DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
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
    v_deadlines := workflow_deadlines('information_subpoena', 'served', v_on, c.tier, '{}');
    INSERT INTO enforcement_actions (case_id, kind, state, recipient, deadlines, next_deadline, created_by)
    VALUES (c.id, 'information_subpoena', 'served', v_recipient, v_deadlines,
            (v_deadlines->>'answer_due')::date, p_actor) RETURNING * INTO a;
    PERFORM append_event(c.id, 'subpoena_issued', p_actor, p_source, jsonb_build_object(
        'action_id', a.id, 'recipient', v_recipient, 'served_on', v_on, 'deadlines', v_deadlines), p_document_id, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id, 'state', 'served', 'deadlines', v_deadlines);
END $$;

CREATE FUNCTION attach_enforcement_document(p_case_ref text, p_kind text, p_storage_key text, p_sha256 text,
    p_size_bytes bigint, p_content_type text, p_original_name text, p_uploader text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    d enforcement_documents;
BEGIN
    c := lock_case(p_case_ref);
    v_kind := enum_text_check(p_kind, ARRAY['execution', 'levy_notice', 'subpoena', 'proof_of_service',
        'restraining_notice', 'exemption_forms', 'officer_return', 'transmittal', 'remittance', 'search_report',
        'correspondence', 'other'], 'document kind');
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

-- Interest first, then principal, then costs (CPLR 5004; costs bear no interest).
CREATE FUNCTION record_enforcement_payment(p_case_ref text, p_amount numeric, p_kind text, p_idempotency_key text,
    p_actor text, p_received_on date DEFAULT NULL, p_document_id bigint DEFAULT NULL,
    p_reverses_payment_id bigint DEFAULT NULL, p_poundage numeric DEFAULT 0, p_fees numeric DEFAULT 0,
    p_require_document boolean DEFAULT false, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    j judgments;
    p payments;
    o payments;
    v_kind text;
    v_on date := coalesce(p_received_on, firm_today());
    v_accrued numeric;
    v_interest numeric;
    v_principal numeric;
    v_costs numeric;
    v_rest numeric;
    v_balance numeric;
BEGIN
    c := lock_case(p_case_ref);
    IF p_idempotency_key IS NULL OR btrim(p_idempotency_key) = '' THEN
        PERFORM df_raise('DF008', 'A payment needs an idempotency key', 'This is a program error; report it.');
    END IF;
    SELECT * INTO p FROM payments WHERE idempotency_key = p_idempotency_key;
    IF FOUND THEN
        IF p.case_id = c.id AND (p.gross = p_amount OR (p.kind = 'reversal' AND p.gross = -abs(p_amount)))
           AND p.kind::text = lower(p_kind) THEN
            SELECT * INTO j FROM judgments WHERE id = c.judgment_id;
            RETURN jsonb_build_object('case_ref', c.case_ref, 'payment_id', p.id, 'gross', p.gross,
                'interest_part', p.interest_part, 'principal_part', p.principal_part, 'costs_part', p.costs_part,
                'balance', case_balance(c.id), 'duplicate', true);
        END IF;
        PERFORM df_raise('DF007', 'This payment key was already used for a different payment',
                         format('Payment #%s is %s %s on %s.', p.id, p.gross, p.kind, (SELECT case_ref FROM enforcement_cases WHERE id = p.case_id)));
    END IF;
    PERFORM require_open(c);
    v_kind := enum_text_check(p_kind, ARRAY['direct', 'settlement', 'plan_installment', 'garnishment_remittance',
        'levy_proceeds', 'turnover', 'sale', 'reversal', 'adjustment'], 'payment kind');
    IF p_require_document OR p_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_document_id, '{remittance,correspondence,other,officer_return}', 'A payment');
    END IF;
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id FOR UPDATE;
    IF v_on > firm_today() THEN
        PERFORM df_raise('DF008', 'A payment cannot be dated in the future', 'Give the date the money was received.');
    END IF;
    IF v_on < j.accrual_date THEN
        PERFORM df_raise('DF008', format('A payment cannot be dated before %s (the last recorded payment or entry)', j.accrual_date),
                         'Record it as an adjustment dated today.');
    END IF;

    IF v_kind = 'reversal' THEN
        SELECT * INTO o FROM payments WHERE id = p_reverses_payment_id AND case_id = c.id;
        IF NOT FOUND OR o.kind = 'reversal' THEN
            PERFORM df_raise('DF009', format('%s has no payment #%s to reverse', c.case_ref, coalesce(p_reverses_payment_id::text, '?')),
                             'Name the payment id shown on the case card.');
        END IF;
        IF EXISTS (SELECT 1 FROM payments WHERE reverses_payment_id = o.id) THEN
            PERFORM df_raise('DF007', format('Payment #%s is already reversed', o.id), 'Nothing to do.');
        END IF;
        v_interest := -o.interest_part; v_principal := -o.principal_part; v_costs := -o.costs_part;
        v_accrued := j.interest_carry + j.unpaid_principal * interest_factor(j.id, j.accrual_date, v_on)
                     -- the reversed principal bore interest all along (the payment never happened)
                     + o.principal_part * interest_factor(j.id, o.received_on, v_on);
        UPDATE judgments SET interest_carry = v_accrued + o.interest_part, unpaid_principal = unpaid_principal + o.principal_part,
               unpaid_costs = unpaid_costs + o.costs_part, accrual_date = v_on WHERE id = j.id;
    ELSE
        IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
            PERFORM df_raise('DF006', format('A payment must be a positive amount in cents, not %s', coalesce(p_amount::text, 'nothing')),
                             'Write it like 1250.00; record a bounced payment as a reversal.');
        END IF;
        v_accrued := j.interest_carry + j.unpaid_principal * interest_factor(j.id, j.accrual_date, v_on);
        v_balance := round(v_accrued, 2) + j.unpaid_principal + j.unpaid_costs;
        IF p_amount > v_balance THEN
            PERFORM df_raise('DF006', format('%s is more than the balance of %s on %s', p_amount, v_balance, c.case_ref),
                             'Record the balance amount, and handle the excess outside the judgment.');
        END IF;
        v_interest := least(p_amount, round(v_accrued, 2));
        v_rest := p_amount - v_interest;
        v_principal := least(v_rest, j.unpaid_principal);
        v_costs := v_rest - v_principal;
        UPDATE judgments SET interest_carry = greatest(v_accrued - v_interest, 0),
               unpaid_principal = unpaid_principal - v_principal, unpaid_costs = unpaid_costs - v_costs,
               accrual_date = v_on WHERE id = j.id;
    END IF;
    INSERT INTO payments (case_id, kind, gross, interest_part, principal_part, costs_part, poundage, fees, received_on,
                          idempotency_key, reverses_payment_id, document_id, recorded_by)
    VALUES (c.id, v_kind::payment_kind, v_interest + v_principal + v_costs, v_interest, v_principal, v_costs,
            coalesce(p_poundage, 0), coalesce(p_fees, 0), v_on, p_idempotency_key,
            CASE WHEN v_kind = 'reversal' THEN o.id END, p_document_id, p_actor)
    RETURNING * INTO p;
    IF v_kind <> 'reversal' THEN
        UPDATE enforcement_cases SET last_payment_at = greatest(coalesce(last_payment_at, '-infinity'), v_on::timestamptz)
         WHERE id = c.id;
    ELSE
        -- A bounced payment is no payment: the last payment is the latest one still standing.
        UPDATE enforcement_cases SET last_payment_at = (
            SELECT max(x.received_on)::timestamptz FROM payments x
             WHERE x.case_id = c.id AND x.kind <> 'reversal'
               AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = x.id))
         WHERE id = c.id;
    END IF;
    v_balance := case_balance(c.id, v_on);
    PERFORM append_event(c.id, 'payment_recorded', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'payment_id', p.id, 'kind', v_kind, 'gross', p.gross, 'interest_part', p.interest_part,
        'principal_part', p.principal_part, 'costs_part', p.costs_part, 'received_on', v_on,
        'reverses_payment_id', p.reverses_payment_id, 'balance_after', v_balance)), p_document_id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'payment_id', p.id, 'gross', p.gross,
        'interest_part', p.interest_part, 'principal_part', p.principal_part, 'costs_part', p.costs_part,
        'balance', v_balance, 'duplicate', false);
END $$;

CREATE FUNCTION assign_case_owner(p_case_ref text, p_owner text, p_actor text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    IF p_owner IS NULL OR p_owner !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user', coalesce(p_owner, '')), 'Mention the person: @name.');
    END IF;
    UPDATE enforcement_cases SET owner_slack_id = p_owner WHERE id = c.id;
    PERFORM append_event(c.id, 'owner_assigned', p_actor, p_source,
        jsonb_build_object('from', c.owner_slack_id, 'to', p_owner));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'owner', p_owner, 'previous_owner', c.owner_slack_id);
END $$;

CREATE FUNCTION add_case_note(p_case_ref text, p_text text, p_actor text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_text text; v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    v_text := require_text(p_text, 'note text');
    IF length(v_text) > 3000 THEN
        PERFORM df_raise('DF008', 'A note can be at most 3000 characters', 'Split it, or attach a document.');
    END IF;
    v_id := append_event(c.id, 'note_added', p_actor, p_source, jsonb_build_object('text', v_text));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'event_id', v_id);
END $$;

CREATE FUNCTION set_next_action(p_case_ref text, p_at timestamptz, p_what text, p_actor text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    IF p_at IS NULL OR p_at <= df_now() THEN
        PERFORM df_raise('DF008', 'The next action must be in the future', 'Write the date as YYYY-MM-DD.');
    END IF;
    UPDATE enforcement_cases SET next_action_at = p_at, next_action_what = nullif(btrim(p_what), '') WHERE id = c.id;
    PERFORM append_event(c.id, 'next_action_set', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'at', p_at, 'what', nullif(btrim(p_what), ''), 'previous', c.next_action_at)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'next_action_at', p_at, 'what', nullif(btrim(p_what), ''));
END $$;

CREATE FUNCTION record_asset(p_case_ref text, p_kind text, p_description text, p_actor text,
    p_verified_on date DEFAULT NULL, p_county text DEFAULT NULL, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_kind text; v_desc text; v_county text; v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    v_kind := enum_text_check(p_kind, ARRAY['employer', 'bank_account', 'real_property', 'vehicle', 'business_interest',
                                            'exempt_income', 'other'], 'asset kind');
    v_desc := require_text(p_description, 'description of the asset');
    IF p_verified_on > firm_today() THEN
        PERFORM df_raise('DF008', 'The verification date cannot be in the future', 'Give the date it was verified.');
    END IF;
    IF p_county IS NOT NULL THEN
        SELECT name INTO v_county FROM ny_counties WHERE lower(name) = lower(btrim(p_county));
        IF v_county IS NULL THEN
            PERFORM df_raise('DF008', format('"%s" is not a New York county', p_county), 'Use the county name, e.g. Kings.');
        END IF;
    END IF;
    INSERT INTO assets (case_id, kind, description, county, verified_on)
    VALUES (c.id, v_kind::asset_kind, v_desc, v_county, p_verified_on) RETURNING id INTO v_id;
    PERFORM append_event(c.id, 'asset_recorded', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'asset_id', v_id, 'kind', v_kind, 'description', v_desc, 'county', v_county, 'verified_on', p_verified_on)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'asset_id', v_id);
END $$;

-- Facts behind the hard tier rules: bankruptcy stay, vacated judgment, deceased debtor.
CREATE FUNCTION set_case_flag(p_case_ref text, p_flag text, p_value boolean, p_reason text, p_actor text,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_flag text; v_reason text;
BEGIN
    c := lock_case(p_case_ref);
    v_flag := enum_text_check(p_flag, ARRAY['bankruptcy_stay', 'vacated', 'deceased'], 'case flag');
    v_reason := require_text(p_reason, 'reason');
    IF v_flag = 'bankruptcy_stay' THEN
        UPDATE enforcement_cases SET bankruptcy_stay = coalesce(p_value, true) WHERE id = c.id;
    ELSIF v_flag = 'vacated' THEN
        UPDATE judgments SET vacated = coalesce(p_value, true) WHERE id = c.judgment_id;
    ELSE
        UPDATE debtors SET deceased = coalesce(p_value, true)
         WHERE id = (SELECT debtor_id FROM judgments WHERE id = c.judgment_id);
    END IF;
    PERFORM append_event(c.id, 'flag_set', p_actor, p_source,
        jsonb_build_object('flag', v_flag, 'value', coalesce(p_value, true), 'reason', v_reason));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'flag', v_flag, 'value', coalesce(p_value, true));
END $$;

-- A deadline warning (nightly): idempotent per (action, warning), so a rerun records nothing twice.
CREATE FUNCTION record_deadline_warning(p_action_id bigint, p_warning text, p_due date, p_actor text DEFAULT 'system:nightly')
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE a enforcement_actions; c enforcement_cases;
BEGIN
    SELECT * INTO a FROM enforcement_actions WHERE id = p_action_id;
    IF NOT FOUND THEN PERFORM df_raise('DF009', format('No workflow #%s', p_action_id)); END IF;
    SELECT * INTO c FROM enforcement_cases WHERE id = a.case_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM enforcement_events WHERE action_id = a.id AND kind = 'deadline_warning'
                AND payload->>'warning' = p_warning) THEN
        RETURN false;
    END IF;
    PERFORM append_event(c.id, 'deadline_warning', p_actor, 'scheduler', jsonb_build_object(
        'action_id', a.id, 'kind', a.kind, 'state', a.state, 'warning', p_warning, 'due', p_due), NULL, a.id);
    RETURN true;
END $$;

CREATE FUNCTION grant_role(p_slack_user_id text, p_role text, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_role text;
BEGIN
    IF p_slack_user_id IS NULL OR p_slack_user_id !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user id', coalesce(p_slack_user_id, '')),
                         'Slack user ids look like U0123ABCD.');
    END IF;
    v_role := enum_text_check(p_role, ARRAY['viewer', 'officer', 'admin'], 'role');
    INSERT INTO app_users (slack_user_id, role, granted_by) VALUES (p_slack_user_id, v_role::app_role, p_actor)
    ON CONFLICT (slack_user_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, granted_at = df_now();
    RETURN jsonb_build_object('slack_user_id', p_slack_user_id, 'role', v_role);
END $$;

CREATE FUNCTION set_recovery_plan(p_month date, p_amount numeric, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_amount IS NULL OR p_amount < 0 OR p_amount <> round(p_amount, 2) THEN
        PERFORM df_raise('DF006', format('The plan must be zero or a positive amount, not %s', p_amount), 'Write it like 250000.');
    END IF;
    INSERT INTO recovery_plan (month, amount, set_by) VALUES (date_trunc('month', p_month)::date, p_amount, p_actor)
    ON CONFLICT (month) DO UPDATE SET amount = EXCLUDED.amount, set_by = EXCLUDED.set_by, set_at = df_now();
    RETURN jsonb_build_object('month', date_trunc('month', p_month)::date, 'amount', p_amount);
END $$;
