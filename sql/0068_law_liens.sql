-- Judgment liens on real property (issue 13 item 9): docs/domain.md "Liens". The lien lasts ten
-- years from docketing in each county (CPLR 5203(a)); renewal opens a year before (CPLR 5014):
-- warn from then, measured from each county's docketing date.

INSERT INTO policy_settings (key, value, why) VALUES
 ('lien_years', '10', 'CPLR 5203(a): a judgment is a lien on real property for ten years after docketing'),
 ('lien_renewal_window_days', '365', 'CPLR 5014: a renewal judgment may be sought in the year before the lien expires')
ON CONFLICT (key) DO NOTHING;

CREATE FUNCTION lien_expires_on(p_docketed_on date) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (p_docketed_on + make_interval(years => policy_int('lien_years')))::date
$$;

-- Each county's lien of one case, as the card shows it.
CREATE FUNCTION case_liens(p_judgment_id bigint, p_today date) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('county', k.county, 'docketed_on', k.docketed_on,
               'expires_on', lien_expires_on(k.docketed_on),
               'renewal_from', lien_expires_on(k.docketed_on) - policy_int('lien_renewal_window_days'),
               'in_renewal_window', p_today >= lien_expires_on(k.docketed_on) - policy_int('lien_renewal_window_days')
                                    AND p_today < lien_expires_on(k.docketed_on),
               'expired', p_today >= lien_expires_on(k.docketed_on))
             ORDER BY k.docketed_on, k.county), '[]')
      FROM judgment_dockets k WHERE k.judgment_id = p_judgment_id
$$;

-- The card shows each county's lien with the rest of the law on the case.
CREATE OR REPLACE VIEW v_case_law AS
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
                  WHERE a.case_id = c.id AND a.kind IN ('restraining_notice', 'levy') AND a.is_open), '[]') AS restraints,
       case_liens(c.judgment_id, firm_today()) AS liens
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id;

-- The judgment docketed (a transcript) in another county, or a renewal judgment docketed (CPLR
-- 5014): the lien there runs from this date. An event (flag_set, flag docketed).
CREATE FUNCTION record_judgment_docket(p_case_ref text, p_county text, p_docketed_on date, p_actor text,
    p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE c enforcement_cases; j judgments; v_county text;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    SELECT name INTO v_county FROM ny_counties WHERE lower(name) = lower(btrim(p_county));
    IF v_county IS NULL THEN
        PERFORM df_raise('DF008', format('"%s" is not a New York county', coalesce(p_county, '')),
                         'Use the county name, e.g. Kings, New York, Queens.');
    END IF;
    SELECT * INTO j FROM judgments WHERE id = c.judgment_id;
    IF p_docketed_on IS NULL OR p_docketed_on < j.entered_on OR p_docketed_on > firm_today() THEN
        PERFORM df_raise('DF008', 'The docketing date must be between the entry date and today',
                         'Give the date the county clerk docketed it.');
    END IF;
    PERFORM require_recent_date(p_docketed_on, 'Docketing a judgment');
    INSERT INTO judgment_dockets (judgment_id, county, docketed_on) VALUES (j.id, v_county, p_docketed_on)
    ON CONFLICT (judgment_id, county) DO UPDATE SET docketed_on = greatest(judgment_dockets.docketed_on, EXCLUDED.docketed_on);
    PERFORM append_event(c.id, 'flag_set', p_actor, p_source, jsonb_build_object(
        'flag', 'docketed', 'value', true, 'county', v_county, 'docketed_on', p_docketed_on,
        'lien_expires_on', lien_expires_on(p_docketed_on), 'reason', format('docketed in %s County', v_county)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'county', v_county, 'docketed_on', p_docketed_on,
                              'lien_expires_on', lien_expires_on(p_docketed_on));
END $$;

-- Nightly: one deadline_warning event per open case, county and lien expiry once the renewal
-- window is open (idempotent: a rerun records nothing twice). Returns how many were new.
CREATE FUNCTION record_lien_warnings(p_today date, p_actor text DEFAULT 'system:nightly') RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record; v_n integer := 0;
BEGIN
    FOR r IN SELECT c.id AS case_id, k.county, lien_expires_on(k.docketed_on) AS expires_on
               FROM judgment_dockets k JOIN enforcement_cases c ON c.judgment_id = k.judgment_id AND c.status = 'open'
              WHERE p_today >= lien_expires_on(k.docketed_on) - policy_int('lien_renewal_window_days')
                AND p_today < lien_expires_on(k.docketed_on)
              ORDER BY c.id, k.county LOOP
        PERFORM 1 FROM enforcement_cases WHERE id = r.case_id FOR UPDATE;
        IF NOT EXISTS (SELECT 1 FROM enforcement_events e WHERE e.case_id = r.case_id AND e.kind = 'deadline_warning'
                        AND e.payload->>'warning' = 'lien_renewal_window' AND e.payload->>'county' = r.county
                        AND e.payload->>'due' = r.expires_on::text) THEN
            PERFORM append_event(r.case_id, 'deadline_warning', p_actor, 'scheduler', jsonb_build_object(
                'kind', 'judgment_lien', 'action_id', r.county, 'county', r.county, 'warning', 'lien_renewal_window',
                'due', r.expires_on, 'state', 'renewal window open (CPLR 5014)'));
            v_n := v_n + 1;
        END IF;
    END LOOP;
    RETURN v_n;
END $$;
