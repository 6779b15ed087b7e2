-- rm_accrual (sql/0070_read_model.sql) with the same query and result, in plpgsql (issue 15).
-- As a SECURITY DEFINER SQL function it is never inlined, and PostgreSQL plans a non-inlined SQL
-- function's query afresh on every call: on the write path (every stage move, note, blocker and
-- payment refreshes its case's read model row) that planning was the largest single cost of the
-- refresh. plpgsql keeps the plan for the session.
CREATE OR REPLACE FUNCTION rm_accrual(p_judgment_id bigint, p_accrual date, p_today date)
RETURNS TABLE (acc_from date, acc_rate_days numeric, acc_rate numeric, acc_until date)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH s AS (SELECT x.from_date, x.to_date, x.rate FROM interest_segments x WHERE x.judgment_id = p_judgment_id),
    f AS (SELECT greatest(p_accrual, coalesce((SELECT max(b) FROM s, LATERAL (VALUES (s.from_date), (s.to_date)) v(b)
                                                WHERE b <= p_today), p_accrual)) AS d)
    SELECT f.d,
           coalesce((SELECT sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), f.d)
                                                   - greatest(s.from_date, p_accrual))) FROM s), 0)::numeric,
           coalesce((SELECT sum(s.rate) FROM s WHERE s.from_date <= f.d
                        AND coalesce(s.to_date, 'infinity'::date) > f.d), 0)::numeric,
           (SELECT min(b) FROM s, LATERAL (VALUES (s.from_date), (s.to_date)) v(b) WHERE b > f.d)
      FROM f;
END $$;

-- The refresh's one statement (the computed view for the given cases, upserted) takes a cases
-- array: its custom plan for one case looked cheaper than the generic plan for "any number of
-- cases", so PostgreSQL planned the whole view again on every call (most of a stage move's time).
-- The generic plan reads the given cases by their primary key, whatever their number.
ALTER FUNCTION refresh_case_read_model(bigint[]) SET plan_cache_mode = force_generic_plan;
