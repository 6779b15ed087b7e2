-- Helpers every card and every write calls, with the same queries and results, in plpgsql
-- (issue 15). As SQL functions with a sub-select they are never inlined, and PostgreSQL plans a
-- non-inlined SQL function's query again on every call: firm_today() runs about five times per
-- case card and is_operator_session() once per recorded event. plpgsql keeps the plans.

CREATE OR REPLACE FUNCTION is_operator_session() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
        OR NOT pg_has_role(session_user, 'dragonfly_app', 'MEMBER');
END $$;

CREATE OR REPLACE FUNCTION firm_today() RETURNS date LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (df_now() AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'))::date;
END $$;

CREATE OR REPLACE FUNCTION case_liens(p_judgment_id bigint, p_today date) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object('county', k.county, 'docketed_on', k.docketed_on,
               'expires_on', lien_expires_on(k.docketed_on),
               'renewal_from', lien_expires_on(k.docketed_on) - policy_int('lien_renewal_window_days'),
               'in_renewal_window', p_today >= lien_expires_on(k.docketed_on) - policy_int('lien_renewal_window_days')
                                    AND p_today < lien_expires_on(k.docketed_on),
               'expired', p_today >= lien_expires_on(k.docketed_on))
             ORDER BY k.docketed_on, k.county), '[]')
      FROM judgment_dockets k WHERE k.judgment_id = p_judgment_id);
END $$;

-- Interest on a day from a read model row (sql/0070): twice per card, and not inlined (its row
-- argument is used many times), so as SQL it was planned on every call too.
CREATE OR REPLACE FUNCTION rm_interest(m case_read_model, p_on date) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE WHEN p_on >= m.acc_from AND (m.acc_until IS NULL OR p_on <= m.acc_until)
                THEN round(greatest(0, m.interest_carry + m.unpaid_principal
                                       * ((m.acc_rate_days + m.acc_rate * (p_on - m.acc_from)) / 365)), 2)
                ELSE rm_interest_slow(m.judgment_id, m.interest_carry, m.unpaid_principal, m.accrual_date, p_on) END;
END $$;

-- The firm's date of a moment: once per read model refresh (the next action's due day).
CREATE OR REPLACE FUNCTION firm_date_of(p_at timestamptz) RETURNS date LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (p_at AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'))::date;
END $$;
