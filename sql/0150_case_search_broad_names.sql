-- The case picker's name search for a text many cases match (issue 12). Found on the 1M demo
-- book: a plaintiff's name ("Acme Funding", 83,000 open cases) took 6.4 s and a word in every
-- debtor's name ("Debtor") 3.5 s, past Slack's 3 s for an external select, because every matching
-- case was joined and sorted to keep 100; and a plan whose estimate passed jit_above_cost spent
-- 40-60 ms compiling (JIT) for a query that runs in 2 ms.
--
-- The answer is unchanged (same rows, same order as sql/0122): the names containing the text, those
-- starting with it first (rank 2, then 3), each rank by tier (highest first) then case number. The
-- plaintiffs matching the text (few) give their first cases in that order by an index
-- (sql/0149). For the debtors, the way depends on how many the text matches, as the planner
-- estimates it from its histogram of names:
--  * up to p_broad_from: as before, from the names an index finds to their cases;
--  * more: the open cases are walked in the list's order (an index) and each is tested, stopping
--    at the 100th match; with that many matches the walk is short (at 1% of the book, ~10,000
--    cases).
-- Each rank is found on its own, the starting-with matches first, so that a text every name
-- starts with ("Demo") is not walked again for names that only contain it. A wrong estimate costs
-- time, never rows: each way finds all of its rank's matches.
-- p_broad_from is a parameter so that the tests can force either way and compare them.

-- A name starts with the text: ILIKE 'text%' is lower(name) LIKE lower('text%') (how PostgreSQL
-- runs ILIKE in UTF-8), which this index answers as a range; the trigram index would read the
-- posting list of every trigram of the text's first word, which at a big book can be every name.
CREATE INDEX IF NOT EXISTS debtors_name_prefix ON debtors (lower(name) text_pattern_ops);

DROP FUNCTION IF EXISTS search_open_cases(text, text, integer);
DROP FUNCTION IF EXISTS search_open_cases(text, text, integer, integer);

CREATE FUNCTION search_open_cases(p_query text, p_digits text, p_limit integer DEFAULT 100,
                                  p_broad_from integer DEFAULT 5000)
RETURNS TABLE (case_ref text, plaintiff_name text, debtor_name text, tier smallint, stage text, rank integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    SET jit = off SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    v_query text := btrim(coalesce(p_query, ''));
    v_number_prefix text := p_digits || '%';
    v_parts text[] := '{}';
    v_many boolean;
    v_probe text;
    v_pre text;
    v_any text;
    v_pl_pre bigint[];
    v_pl_any bigint[];  -- (only contains)
    v_est_pre bigint;
    v_est_any bigint;
    v_ids bigint[];
    v_ranks integer[];
    v_more_ids bigint[];
    v_more_ranks integer[];
    v_found bigint := 0;
BEGIN
    -- Candidates: queries of (id, rank) rows, each limited; ranks 0 and 1 by number (sql/0122).
    IF v_query = '' THEN
        v_parts := v_parts || format('(SELECT c.id, 3 FROM enforcement_cases c WHERE c.status = ''open'''
                                     ' ORDER BY c.tier DESC, c.case_number LIMIT %s)', p_limit);
    END IF;
    IF coalesce(p_digits, '') <> '' THEN
        IF length(p_digits) <= 12 THEN
            v_parts := v_parts || format('(SELECT c.id, 0 FROM enforcement_cases c'
                                         ' WHERE c.status = ''open'' AND c.case_number = %s)', p_digits::bigint);
        END IF;
        -- Dynamic, as in sql/0122: a cached generic plan of LIKE $1 could not use the prefix index.
        EXECUTE format('SELECT count(*) > 2000 FROM (SELECT 1 FROM enforcement_cases c WHERE c.status = ''open'''
                       ' AND c.case_number::text LIKE %L LIMIT 2001) x', v_number_prefix) INTO v_many;
        IF v_many THEN
            v_parts := v_parts || format('(SELECT c.id, 1 FROM enforcement_cases c WHERE c.status = ''open'''
                ' AND c.case_number::text LIKE %L ORDER BY c.tier DESC, c.case_number LIMIT %s)', v_number_prefix, p_limit);
        ELSE
            v_parts := v_parts || format('(WITH m AS MATERIALIZED (SELECT c.id, c.tier, c.case_number'
                ' FROM enforcement_cases c WHERE c.status = ''open'' AND c.case_number::text LIKE %L)'
                ' SELECT m.id, 1 FROM m ORDER BY m.tier DESC, m.case_number LIMIT %s)', v_number_prefix, p_limit);
        END IF;
    END IF;
    IF cardinality(v_parts) > 0 THEN
        EXECUTE format('SELECT array_agg(x.id), array_agg(x.r) FROM (%s) x(id, r)', array_to_string(v_parts, ' UNION ALL '))
           INTO v_ids, v_ranks;
    END IF;
    v_ids := coalesce(v_ids, '{}');
    v_ranks := coalesce(v_ranks, '{}');
    IF v_query <> '' THEN
        v_pre := v_query || '%';
        v_any := '%' || v_query || '%';
        -- The word of a several-word text that the trigram index reads (sql/0122).
        SELECT w INTO v_probe FROM unnest(regexp_split_to_array(v_query, '\s+')) w
         WHERE length(w) >= 3 AND w ~ '[0-9]' ORDER BY length(w) DESC, w LIMIT 1;
        v_probe := '%' || coalesce(v_probe, v_query) || '%';
        -- The plaintiffs whose name starts with the text, and those whose name only contains it.
        SELECT coalesce(array_agg(x.id) FILTER (WHERE x.name ILIKE v_pre), '{}'),
               coalesce(array_agg(x.id) FILTER (WHERE NOT x.name ILIKE v_pre), '{}')
          INTO v_pl_pre, v_pl_any FROM plaintiffs x WHERE x.name ILIKE v_any;
        v_est_pre := search_debtors_estimate(format('lower(x.name) LIKE lower(%L)', v_pre));
        v_est_any := search_debtors_estimate(format('x.name ILIKE %L', v_any));
        -- Rank 2 (a name starts with the text), then rank 3 (one contains it) for the places left.
        SELECT coalesce(array_agg(x.id), '{}'), coalesce(array_agg(x.r), '{}'), count(*)
          INTO v_more_ids, v_more_ranks, v_found
          FROM search_name_rank(2, v_pre, v_any, v_probe, v_pl_pre, p_limit, v_est_pre > p_broad_from) x;
        v_ids := v_ids || v_more_ids;
        v_ranks := v_ranks || v_more_ranks;
        IF v_found < p_limit THEN
            SELECT coalesce(array_agg(x.id), '{}'), coalesce(array_agg(x.r), '{}') INTO v_more_ids, v_more_ranks
              FROM search_name_rank(3, v_pre, v_any, v_probe, v_pl_any, p_limit - v_found::integer,
                                    v_est_any - v_est_pre > p_broad_from) x;
            v_ids := v_ids || v_more_ids;
            v_ranks := v_ranks || v_more_ranks;
        END IF;
    END IF;
    IF cardinality(v_ids) = 0 THEN RETURN; END IF;
    RETURN QUERY
    WITH best AS (SELECT DISTINCT ON (u.id) u.id, u.r FROM unnest(v_ids, v_ranks) u(id, r) ORDER BY u.id, u.r)
    SELECT c.case_ref, pl.name, d.name, c.tier, c.stage::text, b.r
      FROM best b
      JOIN enforcement_cases c ON c.id = b.id
      JOIN judgments j ON j.id = c.judgment_id
      JOIN debtors d ON d.id = j.debtor_id
      JOIN plaintiffs pl ON pl.id = j.plaintiff_id
     ORDER BY b.r, c.tier DESC, c.case_number
     LIMIT p_limit;
END $$;

-- How many debtors match a condition on x.name, as the planner estimates it from its statistics
-- (the histogram of names): planning only, ~0.1 ms, where counting them would read every match.
-- VOLATILE only because PostgreSQL refuses EXPLAIN in a function that is not; it writes nothing.
DROP FUNCTION IF EXISTS search_debtors_estimate(text);
CREATE FUNCTION search_debtors_estimate(p_condition text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE v_plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM debtors x WHERE ' || p_condition INTO v_plan;
    RETURN (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
END $$;

DROP FUNCTION IF EXISTS search_plaintiff_cases(bigint[], integer);

-- One rank's candidates (id, rank): rank 2, the open cases a name of which starts with the text;
-- rank 3, those a name of which contains it and none starts with it; the first p_limit in the
-- list's order. p_broad: walk the open cases in that order (an index) and test each, for at most
-- c_walk cases; when those hold fewer than p_limit matches (the estimate was wrong, or the book is
-- small), or not p_broad: from the debtors an index finds (rank 2: the names' prefix index; rank 3:
-- the trigram index, for p_probe; kept when the name matches the rank's pattern) and from the
-- plaintiffs p_plaintiffs (those matching it: each one's first cases by its index, sql/0149) to
-- their cases; UNION, not UNION ALL: a case both lead to takes one place. Runs with the caller's rights: the
-- application reaches it through search_open_cases.
CREATE OR REPLACE FUNCTION search_name_rank(p_rank integer, p_pre text, p_any text, p_probe text,
    p_plaintiffs bigint[], p_limit integer, p_broad boolean) RETURNS TABLE (id bigint, r integer)
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    c_walk CONSTANT integer := 50000;
    v_match text := CASE p_rank
        WHEN 2 THEN format('(d.name ILIKE %1$L OR pl.name ILIKE %1$L)', p_pre)
        ELSE format('(d.name ILIKE %1$L OR pl.name ILIKE %1$L) AND NOT (d.name ILIKE %2$L OR pl.name ILIKE %2$L)',
                    p_any, p_pre) END;
    v_walked bigint[];
BEGIN
    IF p_broad THEN
        -- The ordered, limited sub-query and the LATERAL ... LIMIT 1 keep the plan a walk of the
        -- index that stops at the p_limit-th match: the planner cannot estimate a match on either
        -- of two joined names, and would otherwise join every case and sort.
        EXECUTE format(
            'SELECT array_agg(w.id ORDER BY w.tier DESC, w.case_number) FROM ('
            'SELECT c.id, c.tier, c.case_number FROM (SELECT c.id, c.judgment_id, c.tier, c.case_number'
            ' FROM enforcement_cases c WHERE c.status = ''open'' ORDER BY c.tier DESC, c.case_number LIMIT %s) c,'
            ' LATERAL (SELECT 1 FROM judgments j JOIN debtors d ON d.id = j.debtor_id'
            ' JOIN plaintiffs pl ON pl.id = j.plaintiff_id WHERE j.id = c.judgment_id AND %s LIMIT 1) m'
            ' ORDER BY c.tier DESC, c.case_number LIMIT %s) w', c_walk, v_match, p_limit) INTO v_walked;
        IF cardinality(v_walked) = p_limit THEN
            RETURN QUERY SELECT u.id, p_rank FROM unnest(v_walked) u(id);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT x.id, %1$s FROM ((SELECT c.id, c.tier, c.case_number'
        '  FROM (SELECT * FROM debtors x WHERE %2$s OFFSET 0) d'
        '  JOIN judgments j ON j.debtor_id = d.id JOIN plaintiffs pl ON pl.id = j.plaintiff_id'
        '  JOIN enforcement_cases c ON c.judgment_id = j.id'
        '  WHERE c.status = ''open'' AND %3$s ORDER BY c.tier DESC, c.case_number LIMIT %4$s)'
        ' UNION (SELECT c.id, c.tier, c.case_number FROM unnest(%5$L::bigint[]) p(id) CROSS JOIN LATERAL ('
        '  SELECT c.id, c.tier, c.case_number FROM enforcement_cases c CROSS JOIN LATERAL ('
        '   SELECT 1 FROM judgments j JOIN debtors d ON d.id = j.debtor_id JOIN plaintiffs pl ON pl.id = j.plaintiff_id'
        '    WHERE j.id = c.judgment_id AND %3$s LIMIT 1) m'
        '  WHERE c.plaintiff_id = p.id AND c.status = ''open'' ORDER BY c.tier DESC, c.case_number LIMIT %4$s) c)) x'
        ' ORDER BY x.tier DESC, x.case_number LIMIT %4$s',
        p_rank, CASE p_rank WHEN 2 THEN format('lower(x.name) LIKE lower(%L)', p_pre)
                            ELSE format('x.name ILIKE %L', p_probe) END,
        v_match, p_limit, p_plaintiffs);
END $$;
