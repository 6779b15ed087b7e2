-- The case picker's name search at a big book (issue 12: picker p99 < 100 ms at 1M cases). A
-- trigram index answers ILIKE '%text%' by reading the posting list of every trigram of the text;
-- for "Scale Debtor 123456" most of those trigrams are in every name, so the scan read ~3,500
-- index pages (137 ms) to find one row. The index is now asked for one word of the text only,
-- the longest with a digit (few names hold digits: a suffix, an index number), when there is one of
-- 3 characters or more (shorter gives no trigram; a text without one is searched whole), behind an
-- OFFSET 0 fence so the planner cannot fold the whole text back into the index condition, and the
-- whole text filters the few names found. Same rows, same order as sql/0076 (the name matches
-- are the names containing the whole text, as before).

CREATE OR REPLACE FUNCTION search_open_cases(p_query text, p_digits text, p_limit integer DEFAULT 100)
RETURNS TABLE (case_ref text, plaintiff_name text, debtor_name text, tier smallint, stage text, rank integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_parts text[] := '{}';
    v_prefix text := p_digits || '%';
    v_many boolean;
    v_name_rank text := format('CASE WHEN d.name ILIKE %L OR pl.name ILIKE %L THEN 2 ELSE 3 END',
                               p_query || '%', p_query || '%');
    v_probe text;
BEGIN
    -- The word of a several-word text that the trigram index reads (see the header).
    SELECT w INTO v_probe FROM unnest(regexp_split_to_array(btrim(coalesce(p_query, '')), '\s+')) w
     WHERE length(w) >= 3 AND w ~ '[0-9]' ORDER BY length(w) DESC, w LIMIT 1;
    v_probe := coalesce(v_probe, p_query);
    IF coalesce(p_query, '') = '' THEN
        v_parts := v_parts || 'SELECT c.id, 3 AS rank, c.tier, c.case_number FROM enforcement_cases c'
            ' WHERE c.status = ''open'' ORDER BY c.tier DESC, c.case_number LIMIT $1'::text;
    END IF;
    IF coalesce(p_digits, '') <> '' THEN
        IF length(p_digits) <= 12 THEN
            v_parts := v_parts || format('SELECT c.id, 0, c.tier, c.case_number FROM enforcement_cases c'
                ' WHERE c.status = ''open'' AND c.case_number = %s', p_digits::bigint);
        END IF;
        EXECUTE format('SELECT count(*) > 2000 FROM (SELECT 1 FROM enforcement_cases c WHERE c.status = ''open'''
                       ' AND c.case_number::text LIKE %L LIMIT 2001) x', v_prefix) INTO v_many;
        IF v_many THEN
            v_parts := v_parts || format('(SELECT c.id, 1, c.tier, c.case_number FROM enforcement_cases c'
                ' WHERE c.status = ''open'' AND c.case_number::text LIKE %L ORDER BY c.tier DESC, c.case_number'
                ' LIMIT $1)', v_prefix);
        ELSE
            v_parts := v_parts || format('(WITH m AS MATERIALIZED (SELECT c.id, c.tier, c.case_number'
                ' FROM enforcement_cases c WHERE c.status = ''open'' AND c.case_number::text LIKE %L)'
                ' SELECT m.id, 1, m.tier, m.case_number FROM m ORDER BY m.tier DESC, m.case_number LIMIT $1)', v_prefix);
        END IF;
    END IF;
    IF coalesce(p_query, '') <> '' THEN
        v_parts := v_parts || format('(SELECT c.id, %s, c.tier, c.case_number'
            ' FROM (SELECT * FROM debtors x WHERE x.name ILIKE %L OFFSET 0) d'
            ' JOIN judgments j ON j.debtor_id = d.id JOIN plaintiffs pl ON pl.id = j.plaintiff_id'
            ' JOIN enforcement_cases c ON c.judgment_id = j.id'
            ' WHERE c.status = ''open'' AND d.name ILIKE %L ORDER BY 2, c.tier DESC, c.case_number LIMIT $1)',
            v_name_rank, '%' || v_probe || '%', '%' || p_query || '%');
        v_parts := v_parts || format('(SELECT c.id, %s, c.tier, c.case_number'
            ' FROM (SELECT * FROM plaintiffs x WHERE x.name ILIKE %L OFFSET 0) pl'
            ' JOIN judgments j ON j.plaintiff_id = pl.id JOIN debtors d ON d.id = j.debtor_id'
            ' JOIN enforcement_cases c ON c.judgment_id = j.id'
            ' WHERE c.status = ''open'' AND pl.name ILIKE %L ORDER BY 2, c.tier DESC, c.case_number LIMIT $1)',
            v_name_rank, '%' || v_probe || '%', '%' || p_query || '%');
    END IF;
    IF cardinality(v_parts) = 0 THEN RETURN; END IF;
    RETURN QUERY EXECUTE format($q$
        WITH cand (id, rank, tier, case_number) AS (%s),
        best AS (SELECT DISTINCT ON (cand.id) cand.id, cand.rank, cand.tier, cand.case_number FROM cand
                  ORDER BY cand.id, cand.rank)
        SELECT c.case_ref, pl.name, d.name, c.tier, c.stage::text, b.rank
          FROM (SELECT * FROM best ORDER BY rank, tier DESC, case_number LIMIT $1) b
          JOIN enforcement_cases c ON c.id = b.id
          JOIN judgments j ON j.id = c.judgment_id
          JOIN debtors d ON d.id = j.debtor_id
          JOIN plaintiffs pl ON pl.id = j.plaintiff_id
         ORDER BY b.rank, b.tier DESC, b.case_number$q$, array_to_string(v_parts, ' UNION ALL '))
    USING p_limit;
END $$;
