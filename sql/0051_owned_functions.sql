-- The functions this change owns, redefined (bodies as in 0002/0003) with the role rules of 0050
-- and the field limits: each text field refused over its limit with a sentence naming it, before
-- anything changes. The trigger of 0050 holds the same rules for every other writer of events.

-- Any required text is capped at the longest field limit; the 3-argument form applies the field's own.
CREATE OR REPLACE FUNCTION require_text(p_value text, p_what text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF p_value IS NULL OR btrim(p_value) = '' THEN
        PERFORM df_raise('DF003', format('A %s is required', p_what), format('Say why, in a few words.'));
    END IF;
    IF length(p_value) > 3000 THEN
        PERFORM df_raise('DF008', format('A %s can be at most 3000 characters (this one has %s)', p_what, length(p_value)),
                         'Shorten it, or attach the long text as a document.');
    END IF;
    RETURN btrim(p_value);
END $$;

CREATE FUNCTION require_text(p_value text, p_what text, p_field text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN require_text(limit_text(p_value, p_field), p_what);
END $$;

-- The refusal quotes at most 80 characters of what was given.
CREATE OR REPLACE FUNCTION enum_text_check(p_value text, p_allowed text[], p_what text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF p_value IS NULL OR NOT (lower(btrim(p_value)) = ANY (p_allowed)) THEN
        PERFORM df_raise('DF008', format('"%s" is not a %s', left(coalesce(p_value, ''), 80), p_what),
                         format('Use one of: %s.', array_to_string(p_allowed, ', ')));
    END IF;
    RETURN lower(btrim(p_value));
END $$;

CREATE OR REPLACE FUNCTION set_firm_timezone(p_tz text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_tz) THEN
        PERFORM df_raise('DF008', format('"%s" is not a time zone', p_tz), 'Use a name like America/New_York.');
    END IF;
    -- The zone decides every date the firm sees: an operator's (`dragonfly db upgrade`) to change.
    IF NOT is_operator_session()
       AND p_tz IS DISTINCT FROM (SELECT value FROM policy_settings WHERE key = 'firm_timezone') THEN
        PERFORM df_raise('DF012', format('The application cannot change the firm''s time zone to %s (it is %s)', p_tz,
                                         (SELECT value FROM policy_settings WHERE key = 'firm_timezone')),
                         'Set DRAGONFLY_TIMEZONE to the database''s zone, or run `dragonfly db upgrade` as the owner to change it.');
    END IF;
    UPDATE policy_settings SET value = p_tz WHERE key = 'firm_timezone' AND value <> p_tz;
    RETURN p_tz;
END $$;

CREATE OR REPLACE FUNCTION set_enforcement_stage(p_case_ref text, p_stage text, p_actor text, p_note text DEFAULT NULL,
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
    IF p_note IS NOT NULL THEN PERFORM limit_text(p_note, 'note'); END IF;
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

CREATE OR REPLACE FUNCTION log_enforcement_blocker(p_case_ref text, p_kind text, p_reason text, p_eta date, p_actor text,
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
    v_reason := require_text(p_reason, 'reason for the blocker', 'reason');
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

CREATE OR REPLACE FUNCTION clear_enforcement_blocker(p_case_ref text, p_actor text, p_blocker_id bigint DEFAULT NULL,
    p_note text DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    b record;
    v_ids bigint[] := '{}';
BEGIN
    c := lock_case(p_case_ref);
    PERFORM limit_text(p_note, 'note');
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

CREATE OR REPLACE FUNCTION set_tier_override(p_case_ref text, p_tier integer, p_reason text, p_expires_at timestamptz,
    p_actor text, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_reason text;
    v_id bigint;
BEGIN
    PERFORM require_role(p_actor, 'tier_override');
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    IF p_tier IS NULL OR p_tier NOT BETWEEN 0 AND 3 THEN
        PERFORM df_raise('DF008', format('Tier must be 0, 1, 2 or 3, not %s', coalesce(p_tier::text, 'nothing')),
                         'Tier 3 is the highest priority.');
    END IF;
    v_reason := require_text(p_reason, 'reason for the override', 'reason');
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

CREATE OR REPLACE FUNCTION expire_tier_overrides(p_now timestamptz DEFAULT df_now(), p_actor text DEFAULT 'system:nightly')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    o record;
    c enforcement_cases;
    v_n integer := 0;
BEGIN
    PERFORM require_batch_date(NULL, 'Expiring tier overrides');
    PERFORM require_actor_allowed(p_actor);
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

CREATE OR REPLACE FUNCTION add_case_note(p_case_ref text, p_text text, p_actor text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_text text; v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    v_text := require_text(p_text, 'note text', 'text');
    v_id := append_event(c.id, 'note_added', p_actor, p_source, jsonb_build_object('text', v_text));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'event_id', v_id);
END $$;

CREATE OR REPLACE FUNCTION set_next_action(p_case_ref text, p_at timestamptz, p_what text, p_actor text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM limit_text(p_what, 'what');
    PERFORM require_open(c);
    IF p_at IS NULL OR p_at <= df_now() THEN
        PERFORM df_raise('DF008', 'The next action must be in the future', 'Write the date as YYYY-MM-DD.');
    END IF;
    UPDATE enforcement_cases SET next_action_at = p_at, next_action_what = nullif(btrim(p_what), '') WHERE id = c.id;
    PERFORM append_event(c.id, 'next_action_set', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'at', p_at, 'what', nullif(btrim(p_what), ''), 'previous', c.next_action_at)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'next_action_at', p_at, 'what', nullif(btrim(p_what), ''));
END $$;

CREATE OR REPLACE FUNCTION record_asset(p_case_ref text, p_kind text, p_description text, p_actor text,
    p_verified_on date DEFAULT NULL, p_county text DEFAULT NULL, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_kind text; v_desc text; v_county text; v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    v_kind := enum_text_check(p_kind, ARRAY['employer', 'bank_account', 'real_property', 'vehicle', 'business_interest',
                                            'exempt_income', 'other'], 'asset kind');
    v_desc := require_text(p_description, 'description of the asset', 'description');
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

CREATE OR REPLACE FUNCTION set_case_flag(p_case_ref text, p_flag text, p_value boolean, p_reason text, p_actor text,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_flag text; v_reason text;
BEGIN
    c := lock_case(p_case_ref);
    v_flag := enum_text_check(p_flag, ARRAY['bankruptcy_stay', 'vacated', 'deceased'], 'case flag');
    v_reason := require_text(p_reason, 'reason', 'reason');
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

CREATE OR REPLACE FUNCTION grant_role(p_slack_user_id text, p_role text, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_role text;
BEGIN
    IF p_slack_user_id IS NULL OR p_slack_user_id !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user id', coalesce(p_slack_user_id, '')),
                         'Slack user ids look like U0123ABCD.');
    END IF;
    v_role := enum_text_check(p_role, ARRAY['viewer', 'officer', 'admin'], 'role');
    IF NOT is_operator_session() THEN
        -- Start-up re-seeds DRAGONFLY_ADMINS through the app role: granting what is held changes nothing.
        IF EXISTS (SELECT 1 FROM app_users WHERE slack_user_id = p_slack_user_id AND role = v_role::app_role) THEN
            RETURN jsonb_build_object('slack_user_id', p_slack_user_id, 'role', v_role, 'changed', false);
        END IF;
        PERFORM require_role(p_actor, 'grant_role');
    END IF;
    PERFORM require_actor_form(p_actor);
    INSERT INTO app_users (slack_user_id, role, granted_by) VALUES (p_slack_user_id, v_role::app_role, p_actor)
    ON CONFLICT (slack_user_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, granted_at = df_now();
    RETURN jsonb_build_object('slack_user_id', p_slack_user_id, 'role', v_role);
END $$;

CREATE OR REPLACE FUNCTION set_recovery_plan(p_month date, p_amount numeric, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM require_role(p_actor, 'recovery_plan');
    IF p_amount IS NULL OR p_amount < 0 OR p_amount <> round(p_amount, 2) THEN
        PERFORM df_raise('DF006', format('The plan must be zero or a positive amount, not %s', p_amount), 'Write it like 250000.');
    END IF;
    INSERT INTO recovery_plan (month, amount, set_by) VALUES (date_trunc('month', p_month)::date, p_amount, p_actor)
    ON CONFLICT (month) DO UPDATE SET amount = EXCLUDED.amount, set_by = EXCLUDED.set_by, set_at = df_now();
    RETURN jsonb_build_object('month', date_trunc('month', p_month)::date, 'amount', p_amount);
END $$;

CREATE OR REPLACE FUNCTION insert_event(p_case_id bigint, p_seq integer, p_prev_hash text, p_kind event_kind, p_actor text,
    p_source text, p_payload jsonb, p_document_id bigint, p_action_id bigint, p_at timestamptz,
    OUT event_id bigint, OUT hash text) LANGUAGE plpgsql AS $$
BEGIN
    -- A clear refusal for a malformed actor (the table's CHECK would only name the constraint);
    -- who may record which actor is the trigger's (0050).
    IF actor_form(p_actor) IS NULL THEN PERFORM require_actor_form(p_actor); END IF;
    hash := event_hash(p_prev_hash, event_canonical(p_case_id, p_seq, p_kind, p_actor, p_source,
                                                    p_payload, p_document_id, p_action_id, p_at));
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, document_id, action_id,
                                    occurred_at, prev_hash, hash)
    VALUES (p_case_id, p_seq, p_kind, p_actor, p_source, p_payload, p_document_id, p_action_id,
            p_at, p_prev_hash, hash)
    RETURNING id INTO event_id;
END $$;
