-- Payments by the law (issue 13 items 3, 4; issue 10 item 2): docs/domain.md "Interest" and "Payments".

-- Interest segments for a new judgment: 9% (CPLR 5004(a)(i)), or 2% for a consumer debt against a
-- natural person (5004(a)(ii), L.2021 c.831), with the consumer_rate_transition reading for
-- judgments entered before 2022-04-30.
CREATE OR REPLACE FUNCTION interest_plan(p_entered_on date, p_consumer boolean, p_person boolean,
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
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_std, 'why', 'CPLR 5004(a)(i)'));
        basis := format('%s%% a year (CPLR 5004(a)(i))', trim_scale(v_std * 100));
    ELSIF p_entered_on >= v_con_from THEN
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_con, 'why', 'CPLR 5004(a)(ii)'));
        basis := format('%s%% a year: consumer debt, natural person, entered on or after %s (CPLR 5004(a)(ii), L.2021 c.831)',
                        trim_scale(v_con * 100), v_con_from);
    ELSIF v_policy = 'from_effective_date' THEN
        segments := jsonb_build_array(
            jsonb_build_object('from', p_entered_on, 'to', v_con_from, 'rate', v_std,
                               'why', 'CPLR 5004(a)(i) before 2022-04-30'),
            jsonb_build_object('from', v_con_from, 'rate', v_con,
                               'why', 'CPLR 5004(a)(ii), L.2021 c.831, policy from_effective_date'));
        basis := format('%s%% until %s, then %s%%: consumer debt, natural person (CPLR 5004(a)(ii), L.2021 c.831, policy from_effective_date)',
                        trim_scale(v_std * 100), v_con_from, trim_scale(v_con * 100));
    ELSE
        segments := jsonb_build_array(jsonb_build_object('from', p_entered_on, 'rate', v_con,
                                                         'why', 'CPLR 5004(a)(ii), L.2021 c.831, policy from_entry'));
        basis := format('%s%% from entry: consumer debt, natural person, unpaid on %s (CPLR 5004(a)(ii), L.2021 c.831, '
                        'policy from_entry; amounts paid before %s stay applied as at %s%%)',
                        trim_scale(v_con * 100), v_con_from, v_con_from, trim_scale(v_std * 100));
    END IF;
END $$;

-- True when a payment on this judgment dated p_on is applied as it lawfully was then, at the
-- standard rate: a consumer judgment entered before the consumer rate took effect, read
-- from_entry (its first segment is the consumer rate from entry), paid before that date
-- (L.2021 c.831: amounts paid before 2022-04-30 stay applied; docs/domain.md "Interest").
CREATE FUNCTION applied_at_standard_rate(p_judgment_id bigint, p_on date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(bool_or(j.consumer_debt AND j.debtor_is_person AND p_on < r.effective_from
                            AND j.entered_on < r.effective_from AND s.rate = r.rate), false)
      FROM judgments j
      JOIN interest_segments s ON s.judgment_id = j.id AND s.from_date = j.entered_on
     CROSS JOIN LATERAL (SELECT i.rate, i.effective_from FROM interest_rates i WHERE i.name = 'consumer'
                          ORDER BY i.effective_from DESC LIMIT 1) r
     WHERE j.id = p_judgment_id
$$;

-- The standard rate (CPLR 5004(a)(i)) times days in [p_from, p_to), divided by 365.
CREATE FUNCTION standard_interest_factor(p_from date, p_to date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT rate FROM interest_rates WHERE name = 'standard' AND effective_from <= p_from
                      ORDER BY effective_from DESC LIMIT 1), 0) * greatest(0, p_to - p_from) / 365
$$;

-- The ledger replayed from entry: every standing payment (not a reversal, not reversed) in date
-- order pays the interest accrued to its date first, then principal, then costs (CPLR 5004;
-- docs/domain.md "Payments"). Payments "applied at the standard rate" see interest at 9%; interest
-- still unpaid afterwards is what the judgment's own segments accrue (never more). With p_write
-- the payments' parts and the judgment's running balances are rewritten; the answer lists the
-- payments whose parts changed (for the event that says so) and the state reached.
CREATE FUNCTION replay_ledger(p_judgment_id bigint, p_write boolean) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    j judgments;
    p record;
    v_principal numeric;
    v_costs numeric;
    v_carry numeric := 0;
    v_carry_std numeric := 0;
    v_from date;
    v_acc numeric;
    v_acc_std numeric;
    v_i numeric;
    v_p numeric;
    v_c numeric;
    v_rest numeric;
    v_changed jsonb := '[]';
BEGIN
    SELECT * INTO j FROM judgments WHERE id = p_judgment_id FOR UPDATE;
    v_principal := j.principal; v_costs := j.costs; v_from := j.entered_on;
    FOR p IN SELECT x.* FROM payments x JOIN enforcement_cases c ON c.id = x.case_id
              WHERE c.judgment_id = j.id AND x.kind <> 'reversal'
                AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = x.id)
              ORDER BY x.received_on, x.id LOOP
        v_acc := v_carry + v_principal * interest_factor(j.id, v_from, p.received_on);
        v_acc_std := v_carry_std + v_principal * standard_interest_factor(v_from, p.received_on);
        v_i := least(p.gross, round(CASE WHEN applied_at_standard_rate(j.id, p.received_on) THEN v_acc_std
                                         ELSE v_acc END, 2));
        v_rest := p.gross - v_i;
        v_p := least(v_rest, v_principal);
        v_c := v_rest - v_p;
        -- numeric(16,6), as the running carry is stored
        v_carry := round(greatest(v_acc - v_i, 0), 6);
        v_carry_std := round(greatest(v_acc_std - v_i, 0), 6);
        v_principal := v_principal - v_p; v_costs := v_costs - v_c; v_from := p.received_on;
        IF (p.interest_part, p.principal_part, p.costs_part) IS DISTINCT FROM (v_i, v_p, v_c) THEN
            v_changed := v_changed || jsonb_build_object('payment_id', p.id, 'received_on', p.received_on,
                'gross', p.gross, 'interest_part', v_i, 'principal_part', v_p, 'costs_part', v_c,
                'was', jsonb_build_object('interest_part', p.interest_part, 'principal_part', p.principal_part,
                                          'costs_part', p.costs_part));
            IF p_write THEN
                UPDATE payments SET interest_part = v_i, principal_part = v_p, costs_part = v_c WHERE id = p.id;
            END IF;
        END IF;
    END LOOP;
    IF p_write THEN
        UPDATE judgments SET unpaid_principal = v_principal, unpaid_costs = v_costs, interest_carry = v_carry,
               accrual_date = v_from WHERE id = j.id;
    END IF;
    RETURN jsonb_build_object('changed', v_changed, 'unpaid_principal', v_principal, 'unpaid_costs', v_costs,
                              'interest_carry', v_carry, 'interest_carry_standard', v_carry_std,
                              'accrual_date', v_from);
END $$;

-- The officer's poundage (issue 13 item 6, CPLR 8012(b)(1)): in the counties of New York City 5% of
-- the sum collected; elsewhere 5% of the first $250,000 collected and 3% of the rest. Tiers count
-- what the officer collected on the case so far (p_before), so each collection pays its margin.
INSERT INTO policy_settings (key, value, why) VALUES
 ('poundage_percent', '5', 'CPLR 8012(b)(1): 5% of the sum collected (New York City; elsewhere on the first tier)'),
 ('poundage_tier_limit', '250000', 'CPLR 8012(b)(1): outside New York City the 5% stops at $250,000 collected'),
 ('poundage_residue_percent', '3', 'CPLR 8012(b)(1): outside New York City, 3% of the sum collected above the tier')
ON CONFLICT (key) DO NOTHING;

-- A payment made directly or in settlement after a levy still owes the officer's poundage
-- (CPLR 8012(b)(2)): recorded on the payment, shown on the card.
ALTER TABLE payments ADD COLUMN poundage_owed numeric(14,2) NOT NULL DEFAULT 0;

CREATE FUNCTION poundage_total(p_county text, p_collected numeric) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_county IN ('Bronx', 'Kings', 'New York', 'Queens', 'Richmond')
                THEN p_collected * policy_int('poundage_percent') / 100
                ELSE least(p_collected, policy_int('poundage_tier_limit')) * policy_int('poundage_percent') / 100
                     + greatest(p_collected - policy_int('poundage_tier_limit'), 0) * policy_int('poundage_residue_percent') / 100
           END
$$;

CREATE FUNCTION poundage_on(p_county text, p_before numeric, p_amount numeric) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT round(poundage_total(p_county, p_before + p_amount), 2) - round(poundage_total(p_county, p_before), 2)
$$;

-- The replay without writing or locking, for checks (doctor): the same arithmetic as replay_ledger.
CREATE FUNCTION replay_ledger_read(p_judgment_id bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    j judgments; p record; v_principal numeric; v_carry numeric := 0; v_carry_std numeric := 0; v_from date;
    v_acc numeric; v_acc_std numeric; v_i numeric; v_p numeric; v_rest numeric; v_changed jsonb := '[]';
BEGIN
    SELECT * INTO j FROM judgments WHERE id = p_judgment_id;
    v_principal := j.principal; v_from := j.entered_on;
    FOR p IN SELECT x.* FROM payments x JOIN enforcement_cases c ON c.id = x.case_id
              WHERE c.judgment_id = j.id AND x.kind <> 'reversal'
                AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = x.id)
              ORDER BY x.received_on, x.id LOOP
        v_acc := v_carry + v_principal * interest_factor(j.id, v_from, p.received_on);
        v_acc_std := v_carry_std + v_principal * standard_interest_factor(v_from, p.received_on);
        v_i := least(p.gross, round(CASE WHEN applied_at_standard_rate(j.id, p.received_on) THEN v_acc_std
                                         ELSE v_acc END, 2));
        v_rest := p.gross - v_i;
        v_p := least(v_rest, v_principal);
        v_carry := round(greatest(v_acc - v_i, 0), 6);
        v_carry_std := round(greatest(v_acc_std - v_i, 0), 6);
        v_principal := v_principal - v_p; v_from := p.received_on;
        IF (p.interest_part, p.principal_part) IS DISTINCT FROM (v_i, v_p) THEN
            v_changed := v_changed || jsonb_build_object('payment_id', p.id);
        END IF;
    END LOOP;
    RETURN jsonb_build_object('changed', v_changed);
END $$;

-- Interest first, then principal, then costs (CPLR 5004; costs bear no interest). A reversal is
-- an admin's act and restores the ledger as if the payment never happened: every later payment is
-- re-allocated in date order (docs/domain.md "Payments").
CREATE OR REPLACE FUNCTION record_enforcement_payment(p_case_ref text, p_amount numeric, p_kind text, p_idempotency_key text,
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
    v_lawful boolean := false;
    v_state jsonb;
    v_replay jsonb;
    v_county text;
    v_poundage numeric := coalesce(p_poundage, 0);
    v_owed numeric := 0;
    v_before numeric;
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
    v_kind := enum_text_check(p_kind, enum_range(NULL::payment_kind)::text[], 'payment kind');
    -- Issue 10 item 2: only an admin reverses a payment, whichever process calls.
    IF v_kind = 'reversal' AND NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF060', format('Reversing a payment on %s needs the admin role', c.case_ref),
                         'Ask an admin to record the reversal (pay DF-n <amount> reversal #<payment id>).');
    END IF;
    IF p_require_document OR p_document_id IS NOT NULL THEN
        PERFORM require_document(c, p_document_id, payment_proof_kinds(), 'A payment');
    END IF;
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id FOR UPDATE;
    IF v_on > firm_today() THEN
        PERFORM df_raise('DF008', 'A payment cannot be dated in the future', 'Give the date the money was received.');
    END IF;
    PERFORM require_recent_date(v_on, 'A payment');
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
        -- The reversal row cancels the payment's parts as they stand; the replay below re-allocates
        -- every later payment as if this one had never happened.
        v_interest := -o.interest_part; v_principal := -o.principal_part; v_costs := -o.costs_part;
    ELSE
        IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
            PERFORM df_raise('DF006', format('A payment must be a positive amount in cents, not %s', coalesce(p_amount::text, 'nothing')),
                             'Write it like 1250.00; record a bounced payment as a reversal.');
        END IF;
        v_lawful := applied_at_standard_rate(j.id, v_on);
        IF v_lawful THEN
            -- Paid before the consumer rate took effect: interest owed then was at 9%.
            v_state := replay_ledger(j.id, false);
            v_accrued := (v_state->>'interest_carry_standard')::numeric
                         + j.unpaid_principal * standard_interest_factor(j.accrual_date, v_on);
        ELSE
            v_accrued := j.interest_carry + j.unpaid_principal * interest_factor(j.id, j.accrual_date, v_on);
        END IF;
        v_balance := round(v_accrued, 2) + j.unpaid_principal + j.unpaid_costs;
        IF p_amount > v_balance THEN
            PERFORM df_raise('DF006', format('%s is more than the balance of %s on %s', p_amount, v_balance, c.case_ref),
                             'Record the balance amount, and handle the excess outside the judgment.');
        END IF;
        v_interest := least(p_amount, round(v_accrued, 2));
        v_rest := p_amount - v_interest;
        v_principal := least(v_rest, j.unpaid_principal);
        v_costs := v_rest - v_principal;
        IF NOT v_lawful THEN
            UPDATE judgments SET interest_carry = greatest(v_accrued - v_interest, 0),
                   unpaid_principal = unpaid_principal - v_principal, unpaid_costs = unpaid_costs - v_costs,
                   accrual_date = v_on WHERE id = j.id;
        END IF;
    END IF;
    IF v_kind <> 'reversal' THEN
        v_county := j.county;
        SELECT coalesce(sum(x.gross), 0) INTO v_before FROM payments x
         WHERE x.case_id = c.id AND x.kind IN ('levy_proceeds', 'garnishment_remittance', 'turnover', 'sale')
           AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = x.id);
        IF v_kind IN ('levy_proceeds', 'garnishment_remittance', 'turnover', 'sale') AND v_poundage = 0 THEN
            -- CPLR 8012(b)(1): the officer's poundage on what it collected, unless the remittance says it.
            v_poundage := poundage_on(v_county, v_before, p_amount);
        ELSIF v_kind IN ('direct', 'settlement', 'plan_installment') AND EXISTS (
                SELECT 1 FROM enforcement_actions x WHERE x.case_id = c.id AND x.kind = 'levy'
                   AND x.state IN ('levied', 'turned_over')) THEN
            -- CPLR 8012(b)(2): paid around the officer after a levy: poundage on the lesser of the
            -- judgment and the amount paid is still owed.
            v_owed := poundage_on(v_county, v_before, least(p_amount, j.principal + j.costs));
        END IF;
    END IF;
    INSERT INTO payments (case_id, kind, gross, interest_part, principal_part, costs_part, poundage, fees, received_on,
                          idempotency_key, reverses_payment_id, document_id, recorded_by, poundage_owed)
    VALUES (c.id, v_kind::payment_kind, v_interest + v_principal + v_costs, v_interest, v_principal, v_costs,
            v_poundage, coalesce(p_fees, 0), v_on, p_idempotency_key,
            CASE WHEN v_kind = 'reversal' THEN o.id END, p_document_id, p_actor, v_owed)
    RETURNING * INTO p;
    IF v_kind = 'reversal' OR v_lawful THEN
        v_replay := replay_ledger(j.id, true);
    END IF;
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
        'reverses_payment_id', p.reverses_payment_id, 'balance_after', v_balance,
        'applied_at_standard_rate', CASE WHEN v_lawful THEN true END,
        'poundage', CASE WHEN p.poundage <> 0 THEN p.poundage END,
        'poundage_owed', CASE WHEN v_owed <> 0 THEN v_owed END,
        'reallocated', CASE WHEN v_kind = 'reversal' AND jsonb_array_length(v_replay->'changed') > 0
                            THEN v_replay->'changed' END)), p_document_id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'payment_id', p.id, 'gross', p.gross,
        'interest_part', p.interest_part, 'principal_part', p.principal_part, 'costs_part', p.costs_part,
        'balance', v_balance, 'duplicate', false, 'poundage', p.poundage, 'poundage_owed', p.poundage_owed,
        'reallocated', coalesce(v_replay->'changed', '[]'));
END $$;

-- Payments recorded before these rules (a pre-2022-04-30 payment allocated at 2%, a reversal that
-- only subtracted its parts) are re-allocated by the law on an admin's word: the ledger replayed,
-- every changed payment listed in one event (flag_set, flag ledger_reallocated). `dragonfly doctor`
-- lists the cases whose stored parts differ from the replay.
CREATE FUNCTION reallocate_payments(p_case_ref text, p_reason text, p_actor text, p_source text DEFAULT 'cli')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; v_reason text; v_replay jsonb;
BEGIN
    c := lock_case(p_case_ref);
    IF NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF060', format('Re-allocating the payments of %s needs the admin role', c.case_ref),
                         'Ask an admin to run it.');
    END IF;
    v_reason := require_text(p_reason, 'reason for the re-allocation');
    v_replay := replay_ledger(c.judgment_id, true);
    IF jsonb_array_length(v_replay->'changed') > 0 THEN
        PERFORM append_event(c.id, 'flag_set', p_actor, p_source, jsonb_build_object(
            'flag', 'ledger_reallocated', 'value', true, 'reason', v_reason,
            'reallocated', v_replay->'changed', 'balance_after', case_balance(c.id)));
    END IF;
    RETURN jsonb_build_object('case_ref', c.case_ref, 'reallocated', v_replay->'changed', 'balance', case_balance(c.id));
END $$;

-- Doctor: cases whose stored payment parts differ from the ledger replayed by the law.
CREATE FUNCTION misallocated_cases(p_limit integer DEFAULT 50) RETURNS TABLE (case_ref text, payments integer)
LANGUAGE sql STABLE AS $$
    SELECT c.case_ref, jsonb_array_length(r.v->'changed')
      FROM enforcement_cases c
     CROSS JOIN LATERAL (SELECT replay_ledger_read(c.judgment_id) AS v) r
     WHERE EXISTS (SELECT 1 FROM payments p WHERE p.case_id = c.id)
       AND jsonb_array_length(r.v->'changed') > 0
     ORDER BY c.case_number LIMIT p_limit
$$;
