-- depends: 0132_workflow_kinds
-- The interest helpers every payment calls (record_enforcement_payment, issue 16), with the same
-- queries and results, in plpgsql, as sql/0112 did for firm_today and is_operator_session. As SQL
-- functions with a FROM they are never inlined, and PostgreSQL plans a non-inlined SQL function's
-- query again on every call (and the helpers a helper calls again each time it runs): a payment's
-- balance check, its allocation and its event's balance_after cost five such plannings a payment,
-- about a quarter of the bulk payments import's time (track_functions, 20,000 payments: 4.1 s of
-- 17 s in case_balance, accrued_interest, interest_factor and applied_at_standard_rate). plpgsql
-- keeps each query's plan for the session. No view calls them (the read model inlines its own
-- accrual, sql/0124); they keep their names, arguments, volatility and rights.

-- Sum over the judgment's rate segments of rate x days in [p_from, p_to), divided by 365.
CREATE OR REPLACE FUNCTION interest_factor(p_judgment_id bigint, p_from date, p_to date) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT coalesce(sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), p_to)
                                           - greatest(s.from_date, p_from))), 0) / 365
      FROM interest_segments s
     WHERE s.judgment_id = p_judgment_id AND s.from_date < p_to
       AND coalesce(s.to_date, 'infinity'::date) > p_from);
END $$;

-- Accrued, unpaid interest on a judgment at a date (simple interest on unpaid principal, CPLR 5004).
CREATE OR REPLACE FUNCTION accrued_interest(p_judgment_id bigint, p_as_of date) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT round(greatest(0, j.interest_carry
                 + j.unpaid_principal * interest_factor(j.id, j.accrual_date, greatest(p_as_of, j.accrual_date))), 2)
      FROM judgments j WHERE j.id = p_judgment_id);
END $$;

CREATE OR REPLACE FUNCTION case_balance(p_case_id bigint, p_as_of date DEFAULT NULL) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT j.unpaid_principal + j.unpaid_costs + accrued_interest(j.id, coalesce(p_as_of, firm_today()))
      FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id WHERE c.id = p_case_id);
END $$;

-- True when a payment on this judgment dated p_on is applied as it lawfully was then, at the
-- standard rate (sql/0061_law_ledger.sql).
CREATE OR REPLACE FUNCTION applied_at_standard_rate(p_judgment_id bigint, p_on date) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT coalesce(bool_or(j.consumer_debt AND j.debtor_is_person AND p_on < r.effective_from
                            AND j.entered_on < r.effective_from AND s.rate = r.rate), false)
      FROM judgments j
      JOIN interest_segments s ON s.judgment_id = j.id AND s.from_date = j.entered_on
     CROSS JOIN LATERAL (SELECT i.rate, i.effective_from FROM interest_rates i WHERE i.name = 'consumer'
                          ORDER BY i.effective_from DESC LIMIT 1) r
     WHERE j.id = p_judgment_id);
END $$;
