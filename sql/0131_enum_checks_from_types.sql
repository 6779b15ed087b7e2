-- depends: 0130_workflow_deadline_rules
-- The enum checks read the enum types instead of spelling their labels (issue 11): in every
-- sanctioned function, an enum_text_check whose allowed list is an ARRAY literal of exactly an enum
-- type's labels (in the type's order) now checks against enum_range(NULL::<type>)::text[], so a
-- label added to the type (ALTER TYPE ... ADD VALUE) is accepted everywhere at once.
--
-- The functions are rewritten from their live definitions (pg_get_functiondef) rather than copied
-- here: only the ARRAY literal changes, so whatever an earlier migration made of a function (its
-- body, SECURITY DEFINER, search_path, owner, grants) stays as it is. The literals are matched from
-- the labels pg_enum holds, so no label is written in this file. The functions this changes today:
-- create_enforcement_case, correct_judgment_fact (debtor_type), set_enforcement_stage (stage,
-- closing_reason), log_enforcement_blocker (blocker_kind), record_asset (asset_kind), grant_role
-- (app_role).
--
-- create_ingestion_job lists the document kinds an upload may prove: every kind but the generated
-- draft (a draft is never proof, docs/domain.md "Papers"). It is checked as every kind but draft,
-- so the court order granting leave for a second restraint (CPLR 5222(c)), which the advance form
-- offers, can now come as an upload too.
DO $$
DECLARE
    f record;
    t record;
    v_def text;
    v_new text;
    v_left text[];
BEGIN
    FOR f IN SELECT p.oid
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
              WHERE p.prokind = 'f' AND p.prosrc ~ 'enum_text_check\([^;]*ARRAY\[' LOOP
        v_def := pg_get_functiondef(f.oid);
        v_new := v_def;
        FOR t IN SELECT ty.typname,
                        array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder) AS labels,
                        array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder)
                            FILTER (WHERE e.enumlabel NOT IN ('court_order', 'draft')) AS uploadable
                   FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid
                   JOIN pg_namespace tn ON tn.oid = ty.typnamespace AND tn.nspname = 'public'
                  GROUP BY ty.typname LOOP
            v_new := regexp_replace(v_new, 'ARRAY\[\s*' || array_to_string(t.labels, '\s*,\s*') || '\s*\]',
                                    format('enum_range(NULL::%I)::text[]', t.typname), 'g');
            IF t.typname = 'document_kind' THEN
                v_new := regexp_replace(v_new,
                                        'ARRAY\[\s*' || array_to_string(t.uploadable, '\s*,\s*') || '\s*\]',
                                        'array_remove(enum_range(NULL::document_kind)::text[], ''draft'')', 'g');
            END IF;
        END LOOP;
        IF v_new <> v_def THEN
            EXECUTE v_new;
        END IF;
    END LOOP;

    -- What is left spelled by hand should not be an enum's labels (the extension, the renewal basis,
    -- the wage region, the address role and the case flag are not enum types). A warning, not a
    -- refusal: tests/integration/test_rules_one_home.py fails on it.
    SELECT array_agg(DISTINCT p.proname ORDER BY p.proname) INTO v_left
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
     CROSS JOIN LATERAL regexp_matches(p.prosrc, 'enum_text_check\([^;]*?ARRAY\[([^]]*)\]', 'g') AS m(lit)
     WHERE EXISTS (
        SELECT 1 FROM pg_type ty JOIN pg_enum e ON e.enumtypid = ty.oid
         GROUP BY ty.oid
        HAVING array_agg(e.enumlabel::text) @> ARRAY(SELECT x[1] FROM regexp_matches(m.lit[1], '''([^'']*)''', 'g') x));
    IF v_left IS NOT NULL THEN
        RAISE WARNING 'enum labels still spelled by hand in %', v_left;
    END IF;
END $$;
