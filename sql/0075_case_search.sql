-- The case picker at scale (issue 12): candidates come from indexes (the case number's digits as a
-- text prefix, trigram indexes on debtor and plaintiff names, the open cases in tier order), and
-- only the lines shown are ranked and joined. Same order as before: the exact case number, then
-- numbers starting with the digits, then names starting with the text, then names containing it;
-- higher tier first, then case number.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS debtors_name_trgm ON debtors USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS plaintiffs_name_trgm ON plaintiffs USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS judgments_debtor ON judgments (debtor_id);
CREATE INDEX IF NOT EXISTS judgments_plaintiff ON judgments (plaintiff_id);
-- case_number never changes and tier is indexed already, so stage moves stay HOT updates.
CREATE INDEX IF NOT EXISTS enforcement_cases_number_text ON enforcement_cases ((case_number::text) text_pattern_ops)
    WHERE status = 'open';
CREATE INDEX IF NOT EXISTS enforcement_cases_open_by_tier ON enforcement_cases (tier DESC, case_number)
    WHERE status = 'open';

CREATE FUNCTION search_open_cases(p_query text, p_digits text, p_limit integer DEFAULT 100)
RETURNS TABLE (case_ref text, plaintiff_name text, debtor_name text, tier smallint, stage text, rank integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH cand AS (
        (SELECT c.id, CASE WHEN c.case_number::text = p_digits THEN 0 ELSE 1 END AS rank, c.tier, c.case_number
           FROM enforcement_cases c
          WHERE p_digits <> '' AND c.status = 'open' AND c.case_number::text LIKE p_digits || '%'
          ORDER BY 2, c.tier DESC, c.case_number LIMIT p_limit)
        UNION ALL
        (SELECT c.id, CASE WHEN d.name ILIKE p_query || '%' OR pl.name ILIKE p_query || '%' THEN 2 ELSE 3 END,
                c.tier, c.case_number
           FROM debtors d JOIN judgments j ON j.debtor_id = d.id
           JOIN plaintiffs pl ON pl.id = j.plaintiff_id
           JOIN enforcement_cases c ON c.judgment_id = j.id
          WHERE p_query <> '' AND c.status = 'open' AND d.name ILIKE '%' || p_query || '%'
          ORDER BY 2, c.tier DESC, c.case_number LIMIT p_limit)
        UNION ALL
        (SELECT c.id, CASE WHEN d.name ILIKE p_query || '%' OR pl.name ILIKE p_query || '%' THEN 2 ELSE 3 END,
                c.tier, c.case_number
           FROM plaintiffs pl JOIN judgments j ON j.plaintiff_id = pl.id
           JOIN debtors d ON d.id = j.debtor_id
           JOIN enforcement_cases c ON c.judgment_id = j.id
          WHERE p_query <> '' AND c.status = 'open' AND pl.name ILIKE '%' || p_query || '%'
          ORDER BY 2, c.tier DESC, c.case_number LIMIT p_limit)
        UNION ALL
        (SELECT c.id, 3, c.tier, c.case_number FROM enforcement_cases c
          WHERE p_query = '' AND c.status = 'open' ORDER BY c.tier DESC, c.case_number LIMIT p_limit)),
    best AS (
        SELECT DISTINCT ON (cand.id) cand.id, cand.rank, cand.tier, cand.case_number FROM cand
         ORDER BY cand.id, cand.rank)
    SELECT c.case_ref, pl.name, d.name, c.tier, c.stage::text, b.rank
      FROM (SELECT * FROM best ORDER BY rank, tier DESC, case_number LIMIT p_limit) b
      JOIN enforcement_cases c ON c.id = b.id
      JOIN judgments j ON j.id = c.judgment_id
      JOIN debtors d ON d.id = j.debtor_id
      JOIN plaintiffs pl ON pl.id = j.plaintiff_id
     ORDER BY b.rank, b.tier DESC, b.case_number
$$;
