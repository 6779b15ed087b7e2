-- The law, round two (issue 13): what the engine records so it can follow CPLR Article 52, 211(b)
-- and 5004 (docs/domain.md). Schema and policy rows only; the functions follow in 0061-0064.

-- Whom a restraining notice or a levy is served on (CPLR 5222, 5232). A natural person's account
-- at a bank needs the exemption notice and two exemption claim forms with it (CPLR 5222-a).
CREATE TYPE garnishee_kind AS ENUM ('bank', 'employer', 'third_party', 'debtor');
ALTER TABLE enforcement_actions
    ADD COLUMN garnishee_kind garnishee_kind,
    -- The exemption notice and claim forms served with the restraint or levy (CPLR 5222-a(b)).
    ADD COLUMN exemption_document_id bigint REFERENCES enforcement_documents(id);

-- CPLR 211(b): a money judgment is presumed paid twenty years after the creditor could first
-- enforce it; a payment or a written acknowledgment that an admin records renews the period.
ALTER TABLE judgments ADD COLUMN renewed_on date;

INSERT INTO policy_settings (key, value, why) VALUES
 ('backdate_window_days', '30',
  'firm policy: the application role may date an act or a payment at most this many days back; operators may go further'),
 ('presumed_paid_years', '20', 'CPLR 211(b): a money judgment is presumed paid after twenty years'),
 ('asset_search_days', '5,10', 'firm policy: an asset search is due in 5 days for Tier 3, 10 otherwise'),
 ('subpoena_answer_days', '7', 'CPLR 5224(a)(3): the answer is due seven days after receipt'),
 ('mail_service_days', '5', 'CPLR 2103(b)(2): service by mail adds five days'),
 ('levy_return_days', '60', 'CPLR 5230(c): a property execution is returnable sixty days after issue'),
 ('levy_void_days', '90', 'CPLR 5232(a): a levy is void ninety days after service unless turned over or extended'),
 ('employer_after_days', '20',
  'CPLR 5231(d): the income execution goes to the employer when the debtor is not served within 20 days of delivery or does not pay for 20 days after service')
ON CONFLICT (key) DO NOTHING;

-- Citations (issue 13 item 13): the consumer-rate act is L.2021 c.831; 9% is CPLR 5004(a)(i) and
-- 2% is 5004(a)(ii).
UPDATE policy_settings SET why =
  'CPLR 5004(a)(ii) as added by L.2021 c.831 (effective 2022-04-30), for consumer judgments entered before that date: '
  || 'from_entry (the act''s words: 2% from the date of entry on the part unpaid on 2022-04-30; amounts paid before '
  || 'stay applied as they lawfully were at 9%) or from_effective_date (9% until 2022-04-30, then 2%)'
 WHERE key = 'consumer_rate_transition';
UPDATE policy_settings SET why =
  'CPLR 5232(a): a levy is void 90 days after service unless turned over or extended; warn on these days after service'
 WHERE key = 'levy_warn_days';
UPDATE policy_settings SET why =
  'CPLR 5222(b): a restraining notice on a third party lapses one year after service; warn this many days before'
 WHERE key = 'restraint_warn_days_before_lapse';
UPDATE interest_rates SET why = 'CPLR 5004(a)(i): 9% per annum' WHERE name = 'standard';
UPDATE interest_rates SET why =
  'CPLR 5004(a)(ii) (L.2021 c.831, effective 2022-04-30): 2% on a consumer debt against a natural person'
 WHERE name = 'consumer';
UPDATE interest_segments SET why = CASE
    WHEN why = 'CPLR 5004(a)' THEN 'CPLR 5004(a)(i)'
    WHEN why = 'CPLR 5004(a)(1)' THEN 'CPLR 5004(a)(ii)'
    WHEN why = 'CPLR 5004(a) before 2022-04-30' THEN 'CPLR 5004(a)(i) before 2022-04-30'
    WHEN why = 'CPLR 5004(c), policy from_effective_date' THEN 'CPLR 5004(a)(ii), L.2021 c.831, policy from_effective_date'
    WHEN why = 'CPLR 5004(c), policy from_entry' THEN 'CPLR 5004(a)(ii), L.2021 c.831, policy from_entry'
    ELSE why END;
-- The card shows the stored basis: give existing judgments the corrected citations.
UPDATE judgments SET interest_basis = CASE
    WHEN interest_basis LIKE '%policy from_entry)' THEN
        replace(interest_basis, '(CPLR 5004(c), policy from_entry)',
                '(CPLR 5004(a)(ii), L.2021 c.831, policy from_entry; amounts paid before 2022-04-30 stay applied as at 9%)')
    WHEN interest_basis LIKE '%policy from_effective_date)' THEN
        replace(interest_basis, '(CPLR 5004(c), policy from_effective_date)',
                '(CPLR 5004(a)(ii), L.2021 c.831, policy from_effective_date)')
    WHEN interest_basis LIKE '%consumer debt, natural person, entered on or after%' THEN
        replace(interest_basis, '(CPLR 5004(a))', '(CPLR 5004(a)(ii), L.2021 c.831)')
    ELSE replace(interest_basis, '(CPLR 5004(a))', '(CPLR 5004(a)(i))') END;
UPDATE exemption_amounts SET why = replace(why, 'CPLR 5205(l)', 'CPLR 5222(i), 5205(l)')
 WHERE name = 'bank_account_person';

-- A policy number as an integer, or the list of them ('60,75,85'); a missing row is a program error.
CREATE FUNCTION policy_int(p_key text) RETURNS integer LANGUAGE plpgsql STABLE AS $$
DECLARE v text := (SELECT value FROM policy_settings WHERE key = p_key);
BEGIN
    IF v IS NULL THEN
        PERFORM df_raise('DF008', format('The policy setting %s is missing', p_key), 'Run dragonfly db upgrade.');
    END IF;
    RETURN split_part(v, ',', 1)::integer;
END $$;

CREATE FUNCTION policy_ints(p_key text) RETURNS integer[] LANGUAGE plpgsql STABLE AS $$
DECLARE v text := (SELECT value FROM policy_settings WHERE key = p_key);
BEGIN
    IF v IS NULL THEN
        PERFORM df_raise('DF008', format('The policy setting %s is missing', p_key), 'Run dragonfly db upgrade.');
    END IF;
    RETURN string_to_array(replace(v, ' ', ''), ',')::integer[];
END $$;

-- Refuses a back-dated act from the application role (firm policy backdate_window_days): only an
-- operator session (demo seed, imports, a CLI with the owner's login) may record older dates.
CREATE FUNCTION require_recent_date(p_on date, p_what text) RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE v_days integer := policy_int('backdate_window_days');
BEGIN
    IF p_on IS NOT NULL AND p_on < firm_today() - v_days AND NOT is_operator_session() THEN
        PERFORM df_raise('DF061', format('%s cannot be dated %s: that is more than %s days ago', p_what, p_on, v_days),
                         'Give the real date within the window; an operator records older acts with the dragonfly CLI.');
    END IF;
END $$;

-- The day from which a judgment is presumed paid (CPLR 211(b)): twenty years after entry or after
-- the last renewal an admin recorded (a payment or a written acknowledgment).
CREATE FUNCTION presumed_paid_on(p_entered_on date, p_renewed_on date) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (greatest(p_entered_on, coalesce(p_renewed_on, p_entered_on))
            + make_interval(years => policy_int('presumed_paid_years')))::date
$$;

-- The bank-account exemption of a natural person on a day (CPLR 5222(i), 5205(l)).
-- SECURITY DEFINER: the card's view reads it as the application role, which cannot read the table.
CREATE FUNCTION bank_exemption_on(p_on date) RETURNS numeric LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT amount FROM exemption_amounts WHERE name = 'bank_account_person' AND effective_from <= p_on
     ORDER BY effective_from DESC LIMIT 1
$$;

-- What the card shows of the law on one case: the twenty-year presumption, the exempt amount of a
-- person's bank account, the interest reading, and its restraints and levies on banks.
CREATE VIEW v_case_law AS
SELECT c.id AS case_id, c.case_ref, j.entered_on, j.renewed_on,
       presumed_paid_on(j.entered_on, j.renewed_on) AS presumed_paid_on,
       presumed_paid_on(j.entered_on, j.renewed_on) <= firm_today() AS presumed_paid,
       j.debtor_is_person,
       CASE WHEN j.debtor_is_person THEN bank_exemption_on(firm_today()) END AS bank_exemption,
       j.interest_basis,
       (SELECT value FROM policy_settings WHERE key = 'consumer_rate_transition') AS consumer_rate_transition,
       coalesce((SELECT jsonb_agg(jsonb_build_object('action_id', a.id, 'kind', a.kind, 'state', a.state,
                                                     'garnishee_kind', a.garnishee_kind,
                                                     'exemption_document_id', a.exemption_document_id)
                                  ORDER BY a.id)
                   FROM enforcement_actions a
                  WHERE a.case_id = c.id AND a.kind IN ('restraining_notice', 'levy') AND a.is_open), '[]') AS restraints
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id;
