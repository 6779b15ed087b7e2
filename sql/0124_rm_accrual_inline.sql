-- The read model's interest window (rm_accrual, sql/0070) as a function the planner inlines: a
-- SECURITY DEFINER function with its own search_path is planned and run once per case, which made
-- v_case_read_model_computed cost ~0.1-0.4 ms a case (5,000 cases: ~0.6-2 s at 1M cases, measured)
-- and so every refresh of many cases (an import batch's 10,000 new cases, refresh_all after a
-- policy change, the seed) and part of each single-case write. Inlined, the same 5,000 took 67 ms.
-- Same body, tables schema-qualified. Its only reader is v_case_read_model_computed, itself read
-- only by the sanctioned functions (owner's rights) and by doctor (an operator).
CREATE OR REPLACE FUNCTION rm_accrual(p_judgment_id bigint, p_accrual date, p_today date)
RETURNS TABLE (acc_from date, acc_rate_days numeric, acc_rate numeric, acc_until date)
LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT from_date, to_date, rate FROM public.interest_segments WHERE judgment_id = p_judgment_id),
    f AS (SELECT greatest(p_accrual, coalesce((SELECT max(b) FROM s, LATERAL (VALUES (s.from_date), (s.to_date)) v(b)
                                                WHERE b <= p_today), p_accrual)) AS d)
    SELECT f.d,
           coalesce((SELECT sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), f.d)
                                                   - greatest(s.from_date, p_accrual))) FROM s), 0),
           coalesce((SELECT sum(s.rate) FROM s WHERE s.from_date <= f.d
                        AND coalesce(s.to_date, 'infinity'::date) > f.d), 0),
           (SELECT min(b) FROM s, LATERAL (VALUES (s.from_date), (s.to_date)) v(b) WHERE b > f.d)
      FROM f
$$;
