-- Twenty years (issue 13 item 5, CPLR 211(b)): docs/domain.md "Twenty years".

-- Score and tier of one case as of a date, from the policy tables; a judgment presumed paid is a
-- hard rule to Tier 0 with that reason (CPLR 211(b)).
CREATE OR REPLACE FUNCTION score_case(p_case_id bigint, p_as_of date,
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
    v_age := (p_as_of - j.entered_on) / 365.25;  -- tier_factors age_* rows
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
    IF c.bankruptcy_stay OR j.vacated OR d.deceased OR presumed_paid_on(j.entered_on, j.renewed_on) <= p_as_of THEN
        v_hard := CASE WHEN c.bankruptcy_stay THEN 'bankruptcy stay' WHEN j.vacated THEN 'judgment vacated'
                       WHEN d.deceased THEN 'debtor deceased'
                       ELSE format('judgment presumed paid since %s (CPLR 211(b))', presumed_paid_on(j.entered_on, j.renewed_on))
                  END;
        tier := 0; reasons := reasons || format('hard rule: %s -> Tier 0', v_hard);
    ELSIF tier < 2 AND v_balance >= 100000 THEN
        tier := 2; reasons := reasons || 'hard rule: balance >= $100,000 -> at least Tier 2'::text;
    ELSIF tier < 2 AND EXISTS (SELECT 1 FROM judgment_dockets k WHERE k.judgment_id = j.id
                               AND (k.docketed_on + interval '10 years')::date BETWEEN p_as_of AND p_as_of + 180) THEN
        tier := 2; reasons := reasons || 'hard rule: real-property lien expires within 180 days -> at least Tier 2'::text;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION create_enforcement_case(
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
    v_presumed date;
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
    -- CPLR 211(b): flag a judgment presumed paid on intake (the event and the answer say so).
    v_presumed := presumed_paid_on(p_entered_on, NULL);
    PERFORM append_event(v_case.id, 'case_created', p_actor, p_source, jsonb_build_object(
        'court', v_j.court, 'county', v_county, 'index_number', v_j.index_number, 'entered_on', p_entered_on,
        'principal', p_principal, 'costs', v_j.costs, 'plaintiff', btrim(p_plaintiff_name),
        'debtor', btrim(p_debtor_name), 'tier', v_score.tier, 'owner', p_owner, 'interest', v_plan.basis)
        || CASE WHEN v_presumed <= v_as_of THEN jsonb_build_object('presumed_paid_since', v_presumed) ELSE '{}' END);
    RETURN jsonb_build_object('case_id', v_case.id, 'case_ref', v_case.case_ref, 'created', true,
                              'tier', v_score.tier, 'presumed_paid', v_presumed <= v_as_of,
                              'presumed_paid_since', CASE WHEN v_presumed <= v_as_of THEN v_presumed END);
END $$;

-- CPLR 211(b): a payment or a written acknowledgment renews the twenty years. Only an admin
-- records it, with why and the date of the payment or acknowledgment; it is an event (flag_set).
CREATE FUNCTION record_judgment_renewal(p_case_ref text, p_basis text, p_on date, p_reason text, p_actor text,
    p_document_id bigint DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; j judgments; v_basis text; v_reason text; v_since date;
BEGIN
    c := lock_case(p_case_ref);
    IF NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF012', format('Renewing %s''s judgment needs the admin role', c.case_ref),
                         'Ask an admin to record the payment or acknowledgment.');
    END IF;
    v_basis := enum_text_check(p_basis, ARRAY['payment', 'acknowledgment'], 'renewal basis');
    v_reason := require_text(p_reason, 'reason for the renewal');
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id FOR UPDATE;
    IF p_on IS NULL OR p_on > firm_today() OR p_on < j.entered_on THEN
        PERFORM df_raise('DF008', 'The renewal date must be between the entry date and today',
                         'Give the date of the payment or of the written acknowledgment.');
    END IF;
    IF p_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_document_id, '{correspondence,other,remittance}', 'A renewal');
    END IF;
    UPDATE judgments SET renewed_on = greatest(coalesce(renewed_on, p_on), p_on) WHERE id = j.id;
    v_since := presumed_paid_on(j.entered_on, greatest(coalesce(j.renewed_on, p_on), p_on));
    PERFORM append_event(c.id, 'flag_set', p_actor, p_source, jsonb_build_object(
        'flag', 'twenty_year_renewal', 'value', true, 'basis', v_basis, 'on', p_on, 'reason', v_reason,
        'presumed_paid_since', v_since), p_document_id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'renewed_on', greatest(coalesce(j.renewed_on, p_on), p_on),
                              'presumed_paid_since', v_since, 'presumed_paid', v_since <= firm_today());
END $$;
