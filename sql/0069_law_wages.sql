-- The wage floor as data the code reads (issue 13 item 7): docs/domain.md "Exemptions".
-- Minimum wages by region, effective-dated (Labor Law 652; 29 U.S.C. 206 for the federal one);
-- the bank-account exemption is 240 x the greater of the federal and the state hourly minimum
-- wage (CPLR 5222(i), 5205(l)); an income execution is at most 10% of gross, at most 25% of
-- disposable earnings, at most what disposable earnings exceed 30 x the minimum wage, and nothing
-- when weekly disposable earnings are at most 30 x the minimum wage (CPLR 5231(b)).

CREATE TABLE minimum_wages (
    region         text NOT NULL CHECK (region IN ('federal', 'nyc', 'long_island_westchester', 'rest_of_state')),
    effective_from date NOT NULL,
    hourly         numeric(6,2) NOT NULL CHECK (hourly > 0),
    why            text NOT NULL,
    set_by         text NOT NULL DEFAULT 'migration',
    PRIMARY KEY (region, effective_from)
);
-- New York's regions as Labor Law 652 names them; the large-employer rate in New York City
-- (small employers there reached $15.00 a year later, on 2019-12-31).
INSERT INTO minimum_wages (region, effective_from, hourly, why) VALUES
 ('federal', '1997-09-01', 5.15, '29 U.S.C. 206(a)(1)'),
 ('federal', '2007-07-24', 5.85, '29 U.S.C. 206(a)(1), Fair Minimum Wage Act of 2007'),
 ('federal', '2008-07-24', 6.55, '29 U.S.C. 206(a)(1), Fair Minimum Wage Act of 2007'),
 ('federal', '2009-07-24', 7.25, '29 U.S.C. 206(a)(1), Fair Minimum Wage Act of 2007')
;
INSERT INTO minimum_wages (region, effective_from, hourly, why)
SELECT r.region, v.effective_from::date, v.hourly, 'Labor Law 652(1): statewide rate'
  FROM (VALUES ('nyc'), ('long_island_westchester'), ('rest_of_state')) r(region),
       (VALUES ('2000-01-01', 5.15), ('2005-01-01', 6.00), ('2006-01-01', 6.75), ('2007-01-01', 7.15),
               ('2009-07-24', 7.25), ('2013-12-31', 8.00), ('2014-12-31', 8.75), ('2015-12-31', 9.00)) v(effective_from, hourly);
INSERT INTO minimum_wages (region, effective_from, hourly, why) VALUES
 ('nyc', '2016-12-31', 11.00, 'Labor Law 652(1)(a)(i)'), ('nyc', '2017-12-31', 13.00, 'Labor Law 652(1)(a)(i)'),
 ('nyc', '2018-12-31', 15.00, 'Labor Law 652(1)(a)(i)'), ('nyc', '2024-01-01', 16.00, 'Labor Law 652(1)(a)(i), L.2023 c.56'),
 ('nyc', '2025-01-01', 16.50, 'Labor Law 652(1)(a)(i), L.2023 c.56'), ('nyc', '2026-01-01', 17.00, 'Labor Law 652(1)(a)(i), L.2023 c.56'),
 ('long_island_westchester', '2016-12-31', 10.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2017-12-31', 11.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2018-12-31', 12.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2019-12-31', 13.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2020-12-31', 14.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2021-12-31', 15.00, 'Labor Law 652(1)(b)'),
 ('long_island_westchester', '2024-01-01', 16.00, 'Labor Law 652(1)(b), L.2023 c.56'),
 ('long_island_westchester', '2025-01-01', 16.50, 'Labor Law 652(1)(b), L.2023 c.56'),
 ('long_island_westchester', '2026-01-01', 17.00, 'Labor Law 652(1)(b), L.2023 c.56'),
 ('rest_of_state', '2016-12-31', 9.70, 'Labor Law 652(1)(c)'), ('rest_of_state', '2017-12-31', 10.40, 'Labor Law 652(1)(c)'),
 ('rest_of_state', '2018-12-31', 11.10, 'Labor Law 652(1)(c)'), ('rest_of_state', '2019-12-31', 11.80, 'Labor Law 652(1)(c)'),
 ('rest_of_state', '2020-12-31', 12.50, 'Labor Law 652(1)(c)'), ('rest_of_state', '2021-12-31', 13.20, 'Labor Law 652(1)(c)'),
 ('rest_of_state', '2023-01-01', 14.20, 'Labor Law 652(1)(c)'),
 ('rest_of_state', '2024-01-01', 15.00, 'Labor Law 652(1)(c), L.2023 c.56'),
 ('rest_of_state', '2025-01-01', 15.50, 'Labor Law 652(1)(c), L.2023 c.56'),
 ('rest_of_state', '2026-01-01', 16.00, 'Labor Law 652(1)(c), L.2023 c.56');

INSERT INTO policy_settings (key, value, why) VALUES
 ('minimum_wage_indexed_from', '2027',
  'Labor Law 652(1)(d), L.2023 c.56: from 2027 the state indexes the wage every year; each year needs its row'),
 ('bank_exemption_multiple', '240', 'CPLR 5222(i), 5205(l): 240 x the greater of the federal or state hourly minimum wage'),
 ('income_execution_disposable_share', '25', 'CPLR 5231(b): at most 25% of disposable earnings'),
 ('income_execution_floor_multiple', '30',
  'CPLR 5231(b): nothing when weekly disposable earnings are at most 30 x the minimum wage, never more than the excess')
ON CONFLICT (key) DO NOTHING;

ALTER TABLE enforcement_actions ADD COLUMN wage_facts jsonb;

-- The region of Labor Law 652 a county is in (the judgment's county stands for the debtor's).
CREATE FUNCTION wage_region_of(p_county text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_county IN ('Bronx', 'Kings', 'New York', 'Queens', 'Richmond') THEN 'nyc'
                WHEN p_county IN ('Nassau', 'Suffolk', 'Westchester') THEN 'long_island_westchester'
                ELSE 'rest_of_state' END
$$;

-- The greater of the federal and the region's hourly minimum wage on a day; refused (never a
-- silent default) when an indexed year has no row for the region (doctor lists those years).
CREATE FUNCTION minimum_wage_on(p_region text, p_on date) RETURNS numeric
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_state minimum_wages; v_federal numeric;
BEGIN
    SELECT * INTO v_state FROM minimum_wages WHERE region = p_region AND effective_from <= p_on
     ORDER BY effective_from DESC LIMIT 1;
    IF NOT FOUND OR (extract(year FROM p_on) >= policy_int('minimum_wage_indexed_from')
                     AND extract(year FROM v_state.effective_from) < extract(year FROM p_on)) THEN
        PERFORM df_raise('DF063', format('No minimum wage is recorded for %s in %s', p_region, extract(year FROM p_on)),
                         format('An operator records it: dragonfly policy minimum-wage %s %s-01-01 <hourly>.',
                                p_region, extract(year FROM p_on)));
    END IF;
    SELECT hourly INTO v_federal FROM minimum_wages WHERE region = 'federal' AND effective_from <= p_on
     ORDER BY effective_from DESC LIMIT 1;
    RETURN greatest(v_state.hourly, coalesce(v_federal, 0));
END $$;

-- CPLR 5222(i), 5205(l): what a natural person's bank accounts keep, in the judgment's county.
CREATE FUNCTION bank_exemption_for(p_county text, p_on date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT round(policy_int('bank_exemption_multiple') * minimum_wage_on(wage_region_of(p_county), p_on), 2)
$$;

-- CPLR 5231(b): the most an income execution may take from one week's pay.
CREATE FUNCTION income_execution_limit(p_gross numeric, p_disposable numeric, p_min_wage numeric, p_on date)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_disposable <= policy_int('income_execution_floor_multiple') * p_min_wage THEN 0::numeric
                ELSE round(least(
                    p_gross * (SELECT g.max_gross_share FROM garnishment_policy g WHERE g.effective_from <= p_on
                                ORDER BY g.effective_from DESC LIMIT 1),
                    p_disposable * policy_int('income_execution_disposable_share') / 100,
                    p_disposable - policy_int('income_execution_floor_multiple') * p_min_wage), 2) END
$$;

-- A garnishment records the debtor's weekly wage facts and the weekly amount it takes; an amount
-- over the CPLR 5231(b) limit is refused. An event (flag_set, flag wage_facts).
CREATE FUNCTION record_wage_facts(p_case_ref text, p_action_id bigint, p_gross_weekly numeric,
    p_disposable_weekly numeric, p_weekly_amount numeric, p_actor text, p_on date DEFAULT NULL,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases; a enforcement_actions; v_county text; v_on date := coalesce(p_on, firm_today());
    v_wage numeric; v_limit numeric; v_facts jsonb;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    SELECT * INTO a FROM enforcement_actions WHERE id = p_action_id AND case_id = c.id FOR UPDATE;
    IF NOT FOUND OR a.kind <> 'garnishment' OR NOT a.is_open THEN
        PERFORM df_raise('DF009', format('%s has no open garnishment #%s', c.case_ref, p_action_id),
                         format('The case card lists its workflows: /enforce case %s', c.case_ref));
    END IF;
    IF p_gross_weekly IS NULL OR p_disposable_weekly IS NULL OR p_weekly_amount IS NULL OR p_gross_weekly <= 0
       OR p_disposable_weekly < 0 OR p_disposable_weekly > p_gross_weekly OR p_weekly_amount < 0 THEN
        PERFORM df_raise('DF006', 'Give weekly gross pay, weekly disposable earnings (at most the gross) and the weekly amount',
                         'Amounts in dollars and cents, like 1250.00.');
    END IF;
    SELECT county INTO v_county FROM judgments WHERE id = c.judgment_id;
    v_wage := minimum_wage_on(wage_region_of(v_county), v_on);
    v_limit := income_execution_limit(p_gross_weekly, p_disposable_weekly, v_wage, v_on);
    IF p_weekly_amount > v_limit THEN
        PERFORM df_raise('DF064', format('$%s a week is more than CPLR 5231(b) allows: at most $%s (10%% of gross, 25%% of '
                         'disposable, nothing at or under 30 x $%s)', p_weekly_amount, v_limit, v_wage),
                         format('Ask for at most $%s a week.', v_limit));
    END IF;
    v_facts := jsonb_build_object('gross_weekly', p_gross_weekly, 'disposable_weekly', p_disposable_weekly,
        'weekly_amount', p_weekly_amount, 'limit', v_limit, 'minimum_wage', v_wage, 'region', wage_region_of(v_county),
        'on', v_on);
    UPDATE enforcement_actions SET wage_facts = v_facts WHERE id = a.id;
    PERFORM append_event(c.id, 'flag_set', p_actor, p_source, jsonb_build_object('flag', 'wage_facts', 'value', true,
        'reason', format('income execution $%s a week (limit $%s, CPLR 5231(b))', p_weekly_amount, v_limit))
        || v_facts, NULL, a.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'action_id', a.id) || v_facts;
END $$;

-- The firm records each indexed year's wage (issue 13 item 7): operators or admins only.
CREATE FUNCTION set_minimum_wage(p_region text, p_effective_from date, p_hourly numeric, p_why text, p_actor text)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_region text; v_why text;
BEGIN
    IF NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF012', 'Recording a minimum wage needs the admin role', 'Ask an admin or an operator.');
    END IF;
    v_region := enum_text_check(replace(p_region, '-', '_'),
                                ARRAY['federal', 'nyc', 'long_island_westchester', 'rest_of_state'], 'wage region');
    v_why := require_text(p_why, 'source of the rate (e.g. Labor Law 652, DOL notice)');
    IF p_hourly IS NULL OR p_hourly <= 0 OR p_hourly <> round(p_hourly, 2) OR p_effective_from IS NULL THEN
        PERFORM df_raise('DF006', format('An hourly wage is a positive amount in cents, not %s', p_hourly),
                         'Write it like 17.60, with the date it takes effect.');
    END IF;
    INSERT INTO minimum_wages (region, effective_from, hourly, why, set_by)
    VALUES (v_region, p_effective_from, p_hourly, v_why, p_actor)
    ON CONFLICT (region, effective_from) DO UPDATE SET hourly = EXCLUDED.hourly, why = EXCLUDED.why, set_by = EXCLUDED.set_by;
    RETURN jsonb_build_object('region', v_region, 'effective_from', p_effective_from, 'hourly', p_hourly);
END $$;

-- Doctor: the (region, year) pairs from the indexed year through p_today's year without a row.
CREATE FUNCTION missing_minimum_wage_years(p_today date) RETURNS TABLE (region text, year integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.region, y.year::integer
      FROM (VALUES ('nyc'), ('long_island_westchester'), ('rest_of_state')) r(region)
     CROSS JOIN generate_series(policy_int('minimum_wage_indexed_from'), extract(year FROM p_today)::integer) y(year)
     WHERE NOT EXISTS (SELECT 1 FROM minimum_wages w WHERE w.region = r.region
                        AND extract(year FROM w.effective_from) = y.year)
     ORDER BY y.year, r.region
$$;

-- The card's exempt amount: from the wages of the judgment's region; NULL (the card says it is
-- unknown, doctor lists the missing year) rather than a refusal that would hide the whole card.
CREATE FUNCTION bank_exemption_or_null(p_county text, p_on date) RETURNS numeric(14,2)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN bank_exemption_for(p_county, p_on);
EXCEPTION WHEN SQLSTATE 'DF063' THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE VIEW v_case_law AS
SELECT c.id AS case_id, c.case_ref, j.entered_on, j.renewed_on,
       presumed_paid_on(j.entered_on, j.renewed_on) AS presumed_paid_on,
       presumed_paid_on(j.entered_on, j.renewed_on) <= firm_today() AS presumed_paid,
       j.debtor_is_person,
       CASE WHEN j.debtor_is_person THEN bank_exemption_or_null(j.county, firm_today()) END AS bank_exemption,
       j.interest_basis,
       (SELECT value FROM policy_settings WHERE key = 'consumer_rate_transition') AS consumer_rate_transition,
       coalesce((SELECT jsonb_agg(jsonb_build_object('action_id', a.id, 'kind', a.kind, 'state', a.state,
                                                     'garnishee_kind', a.garnishee_kind,
                                                     'exemption_document_id', a.exemption_document_id)
                                  ORDER BY a.id)
                   FROM enforcement_actions a
                  WHERE a.case_id = c.id AND a.kind IN ('restraining_notice', 'levy') AND a.is_open), '[]') AS restraints,
       case_liens(c.judgment_id, firm_today()) AS liens,
       -- CPLR 8012(b)(2): poundage still owed on payments made around the officer after a levy
       coalesce((SELECT sum(p.poundage_owed) FROM payments p WHERE p.case_id = c.id
                    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses_payment_id = p.id)), 0) AS poundage_owed
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id;
