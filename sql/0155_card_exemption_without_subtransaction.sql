-- depends: 0154_allocation_checkpoints
-- The case card's bank exemption without a subtransaction (issue 12). bank_exemption_or_null
-- caught minimum_wage_on's refusal (DF063) in an EXCEPTION block, and plpgsql starts a
-- subtransaction for every call of a block with a handler: 49 us per card of a natural person
-- on the 1M demo book, the card's dearest part. The lookup now answers NULL when the year has no
-- wage (minimum_wage_or_null); minimum_wage_on refuses on that NULL, as before, and the card's
-- exemption is NULL, as before. Same values, same refusals (tests/integration/test_law_wages.py).

-- The greater of the federal and the region's hourly minimum wage on a day; NULL when an indexed
-- year has no row for the region (doctor lists those years).
CREATE FUNCTION minimum_wage_or_null(p_region text, p_on date) RETURNS numeric
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_state minimum_wages; v_federal numeric;
BEGIN
    SELECT * INTO v_state FROM minimum_wages WHERE region = p_region AND effective_from <= p_on
     ORDER BY effective_from DESC LIMIT 1;
    IF NOT FOUND OR (extract(year FROM p_on) >= policy_int('minimum_wage_indexed_from')
                     AND extract(year FROM v_state.effective_from) < extract(year FROM p_on)) THEN
        RETURN NULL;
    END IF;
    SELECT hourly INTO v_federal FROM minimum_wages WHERE region = 'federal' AND effective_from <= p_on
     ORDER BY effective_from DESC LIMIT 1;
    RETURN greatest(v_state.hourly, coalesce(v_federal, 0));
END $$;

-- The same wage, refused (never a silent default) when the year has none.
CREATE OR REPLACE FUNCTION minimum_wage_on(p_region text, p_on date) RETURNS numeric
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_wage numeric := minimum_wage_or_null(p_region, p_on);
BEGIN
    IF v_wage IS NULL THEN
        PERFORM df_raise('DF063', format('No minimum wage is recorded for %s in %s', p_region, extract(year FROM p_on)),
                         format('An operator records it: dragonfly policy minimum-wage %s %s-01-01 <hourly>.',
                                p_region, extract(year FROM p_on)));
    END IF;
    RETURN v_wage;
END $$;

-- CPLR 5222(i), 5205(l): what a natural person's bank accounts keep, in the judgment's county;
-- NULL when the year's wage is not recorded (the card says it is unknown).
CREATE OR REPLACE FUNCTION bank_exemption_or_null(p_county text, p_on date) RETURNS numeric(14,2)
LANGUAGE sql STABLE AS $$
    SELECT round(policy_int('bank_exemption_multiple') * minimum_wage_or_null(wage_region_of(p_county), p_on), 2)
$$;

-- The same amount, refused (DF063, by minimum_wage_on) when the year's wage is not recorded.
CREATE OR REPLACE FUNCTION bank_exemption_for(p_county text, p_on date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce(bank_exemption_or_null(p_county, p_on), minimum_wage_on(wage_region_of(p_county), p_on))
$$;
