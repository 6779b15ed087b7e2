-- Read models kept by the write path (issue 12): one row per case in case_read_model with what the
-- surfaces need (balance parts, interest accrued up to a date plus the rate from then on, the
-- moment the case breaches its SLA, the moment it goes stale, its effective tier), maintained by
-- triggers on the tables the sanctioned functions write, in the same transaction. Aggregates by
-- tier, stage and owner are an insert-only log of deltas (case_totals) that the nightly job
-- compacts, so reading them costs O(groups + today's changes), never O(cases).
--
-- Why triggers and not code in each sanctioned function: the functions have several owners; a
-- trigger on the table keeps the read model right whichever function (or future one) writes.

CREATE TABLE case_read_model (
    case_id          bigint PRIMARY KEY REFERENCES enforcement_cases(id),
    judgment_id      bigint NOT NULL,
    owner_slack_id   text,
    is_open          boolean NOT NULL,
    tier             smallint NOT NULL,      -- the effective tier (override or rule), as enforcement_cases.tier
    stage            stage NOT NULL,
    stage_entered_at timestamptz NOT NULL,
    unpaid_principal numeric(14,2) NOT NULL,
    unpaid_costs     numeric(14,2) NOT NULL,
    interest_carry   numeric(16,6) NOT NULL,
    accrual_date     date NOT NULL,
    -- Simple interest is linear between rate changes (CPLR 5004): acc_rate_days is the sum of
    -- rate x days over [accrual_date, acc_from), acc_rate the yearly rate from acc_from until
    -- acc_until (the next rate change; NULL: none). Interest on day d in that window is
    -- carry + unpaid_principal * (acc_rate_days + acc_rate * (d - acc_from)) / 365, exactly the
    -- segment sum v_case_balance used to compute.
    acc_from         date NOT NULL,
    acc_rate_days    numeric NOT NULL,
    acc_rate         numeric NOT NULL,
    acc_until        date,
    recovered        numeric(14,2) NOT NULL,
    open_blockers    integer NOT NULL,
    -- The SLA rule (v_case_sla_breaches) as a moment: breached iff breach_at <= now. NULL: closed,
    -- or nothing can breach (recovery stage without a next action, blocker or deadline).
    breach_at        timestamptz,
    -- Stale iff stale_after <= now (no event from a person for stale_days by tier).
    stale_after      timestamptz
);
CREATE INDEX case_read_model_breach ON case_read_model (tier, breach_at) WHERE is_open;
-- The Ops Console's "Tier 3 stuck in a stage" list, longest first.
CREATE INDEX case_read_model_stuck_t3 ON case_read_model (stage_entered_at) WHERE is_open AND tier = 3 AND stage <> 'recovery';
CREATE INDEX case_read_model_rate_change ON case_read_model (acc_until) WHERE acc_until IS NOT NULL;

-- The interest window of one judgment as seen on p_today (see the columns above).
CREATE FUNCTION rm_accrual(p_judgment_id bigint, p_accrual date, p_today date)
RETURNS TABLE (acc_from date, acc_rate_days numeric, acc_rate numeric, acc_until date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH s AS (SELECT from_date, to_date, rate FROM interest_segments WHERE judgment_id = p_judgment_id),
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

-- The full recomputation of every case's read model row from the base tables (the triggers
-- store exactly this; doctor compares the two).
CREATE VIEW v_case_read_model_computed AS
SELECT c.id AS case_id, c.judgment_id, c.owner_slack_id, c.status = 'open' AS is_open, c.tier, c.stage, c.stage_entered_at,
       j.unpaid_principal, j.unpaid_costs, j.interest_carry, j.accrual_date,
       a.acc_from, a.acc_rate_days, a.acc_rate, a.acc_until,
       coalesce(p.recovered, 0)::numeric(14,2) AS recovered, coalesce(b.n, 0)::integer AS open_blockers,
       CASE WHEN c.status = 'open' THEN least(
           -- in its stage longer than stage_sla allows (strictly: the first microsecond after)
           ((c.stage_entered_at AT TIME ZONE 'UTC') + make_interval(days => sla.max_days)) AT TIME ZONE 'UTC'
               + interval '1 microsecond',
           -- next action more than one business day past due: breached from the start of the day
           -- after the first business day after the due date
           (roll_business_day(firm_date_of(c.next_action_at) + 1) + 1 + time '00:00') AT TIME ZONE k.tz,
           -- an open blocker's ETA, an open workflow's next deadline: breached the day after
           (b.min_eta + 1 + time '00:00') AT TIME ZONE k.tz,
           (x.min_deadline + 1 + time '00:00') AT TIME ZONE k.tz) END AS breach_at,
       CASE WHEN c.status = 'open' THEN
           ((coalesce(c.last_person_event_at, c.created_at) AT TIME ZONE 'UTC') + make_interval(days => st.days))
               AT TIME ZONE 'UTC' + interval '1 microsecond' END AS stale_after
  FROM enforcement_cases c
  JOIN judgments j ON j.id = c.judgment_id
  CROSS JOIN (SELECT value AS tz, firm_today() AS today FROM policy_settings WHERE key = 'firm_timezone') k
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier
  LEFT JOIN stale_days st ON st.tier = c.tier
  CROSS JOIN LATERAL rm_accrual(j.id, j.accrual_date, k.today) a
  LEFT JOIN LATERAL (SELECT sum(y.gross) AS recovered FROM payments y WHERE y.case_id = c.id) p ON true
  LEFT JOIN LATERAL (SELECT count(*) AS n, min(y.eta) AS min_eta FROM blockers y
                      WHERE y.case_id = c.id AND y.cleared_at IS NULL) b ON true
  LEFT JOIN LATERAL (SELECT min(y.next_deadline) AS min_deadline FROM enforcement_actions y
                      WHERE y.case_id = c.id AND y.is_open) x ON true;

-- Stores the recomputed rows of the given cases; rows that did not change are not written.
CREATE FUNCTION refresh_case_read_model(p_ids bigint[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_n integer;
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN RETURN 0; END IF;
    INSERT INTO case_read_model AS m
    SELECT * FROM v_case_read_model_computed v WHERE v.case_id = ANY (p_ids)
    ON CONFLICT (case_id) DO UPDATE SET
        judgment_id = EXCLUDED.judgment_id, owner_slack_id = EXCLUDED.owner_slack_id, is_open = EXCLUDED.is_open,
        tier = EXCLUDED.tier, stage = EXCLUDED.stage, stage_entered_at = EXCLUDED.stage_entered_at,
        unpaid_principal = EXCLUDED.unpaid_principal,
        unpaid_costs = EXCLUDED.unpaid_costs, interest_carry = EXCLUDED.interest_carry,
        accrual_date = EXCLUDED.accrual_date, acc_from = EXCLUDED.acc_from, acc_rate_days = EXCLUDED.acc_rate_days,
        acc_rate = EXCLUDED.acc_rate, acc_until = EXCLUDED.acc_until, recovered = EXCLUDED.recovered,
        open_blockers = EXCLUDED.open_blockers, breach_at = EXCLUDED.breach_at, stale_after = EXCLUDED.stale_after
     WHERE (m.*) IS DISTINCT FROM (EXCLUDED.*);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;

-- Every case (after a policy change: stage_sla, stale_days, holidays, the firm's time zone).
CREATE FUNCTION refresh_all_case_read_models() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_n integer;
BEGIN
    INSERT INTO case_read_model AS m
    SELECT * FROM v_case_read_model_computed v
    ON CONFLICT (case_id) DO UPDATE SET
        judgment_id = EXCLUDED.judgment_id, owner_slack_id = EXCLUDED.owner_slack_id, is_open = EXCLUDED.is_open,
        tier = EXCLUDED.tier, stage = EXCLUDED.stage, stage_entered_at = EXCLUDED.stage_entered_at,
        unpaid_principal = EXCLUDED.unpaid_principal,
        unpaid_costs = EXCLUDED.unpaid_costs, interest_carry = EXCLUDED.interest_carry,
        accrual_date = EXCLUDED.accrual_date, acc_from = EXCLUDED.acc_from, acc_rate_days = EXCLUDED.acc_rate_days,
        acc_rate = EXCLUDED.acc_rate, acc_until = EXCLUDED.acc_until, recovered = EXCLUDED.recovered,
        open_blockers = EXCLUDED.open_blockers, breach_at = EXCLUDED.breach_at, stale_after = EXCLUDED.stale_after
     WHERE (m.*) IS DISTINCT FROM (EXCLUDED.*);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;

-- Interest on a day from a stored row: one multiplication inside the stored window; outside it
-- (a clock moved back, or a rate change the nightly job has not rolled yet) the segment sum.
CREATE FUNCTION rm_interest_slow(p_judgment_id bigint, p_carry numeric, p_principal numeric, p_accrual date,
    p_on date) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT round(greatest(0, p_carry + p_principal * coalesce((
        SELECT sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), p_on)
                                     - greatest(s.from_date, p_accrual))) / 365
          FROM interest_segments s WHERE s.judgment_id = p_judgment_id), 0)), 2)
$$;

CREATE FUNCTION rm_interest(m case_read_model, p_on date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_on >= m.acc_from AND (m.acc_until IS NULL OR p_on <= m.acc_until)
                THEN round(greatest(0, m.interest_carry + m.unpaid_principal
                                       * ((m.acc_rate_days + m.acc_rate * (p_on - m.acc_from)) / 365)), 2)
                ELSE rm_interest_slow(m.judgment_id, m.interest_carry, m.unpaid_principal, m.accrual_date, p_on) END
$$;

-- ---------------------------------------------------------------- aggregates (insert-only deltas)
-- One row per change of a group's totals. An open case contributes count 1, its principal,
-- costs and recoveries, and its interest as two exact terms: interest on day d (as a day number
-- from 2000-01-01) is (n0 + n1 * d) / 365 inside its window, so a group's interest is
-- (sum(n0) + sum(n1) * d) / 365: the exact sum of its cases' accrued interest, rounded once.
CREATE TABLE case_totals (
    id        bigserial PRIMARY KEY,
    tier      smallint NOT NULL,
    stage     stage NOT NULL,
    owner_slack_id text,
    cases     bigint NOT NULL,
    principal numeric NOT NULL,
    costs     numeric NOT NULL,
    recovered numeric NOT NULL,
    n0        numeric NOT NULL,
    n1        numeric NOT NULL
);

CREATE FUNCTION rm_n0(m case_read_model) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT 365 * m.interest_carry + m.unpaid_principal * (m.acc_rate_days - m.acc_rate * (m.acc_from - DATE '2000-01-01'))
$$;

CREATE FUNCTION rm_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_totals (tier, stage, owner_slack_id, cases, principal, costs, recovered, n0, n1)
    SELECT m.tier, m.stage, m.owner_slack_id, count(*), sum(m.unpaid_principal), sum(m.unpaid_costs),
           sum(m.recovered), sum(rm_n0(m)), sum(m.unpaid_principal * m.acc_rate)
      FROM rm_new m WHERE m.is_open GROUP BY m.tier, m.stage, m.owner_slack_id;
    RETURN NULL;
END $$;

CREATE FUNCTION rm_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_totals (tier, stage, owner_slack_id, cases, principal, costs, recovered, n0, n1)
    SELECT x.tier, x.stage, x.owner_slack_id, sum(x.sgn), sum(x.sgn * x.unpaid_principal), sum(x.sgn * x.unpaid_costs),
           sum(x.sgn * x.recovered), sum(x.sgn * x.n0), sum(x.sgn * x.n1)
      FROM (SELECT 1 AS sgn, m.tier, m.stage, m.owner_slack_id, m.unpaid_principal, m.unpaid_costs, m.recovered,
                   rm_n0(m) AS n0, m.unpaid_principal * m.acc_rate AS n1 FROM rm_new m WHERE m.is_open
            UNION ALL
            SELECT -1, m.tier, m.stage, m.owner_slack_id, m.unpaid_principal, m.unpaid_costs, m.recovered,
                   rm_n0(m), m.unpaid_principal * m.acc_rate FROM rm_old m WHERE m.is_open) x
     GROUP BY x.tier, x.stage, x.owner_slack_id
    HAVING sum(x.sgn) <> 0 OR sum(x.sgn * x.unpaid_principal) <> 0 OR sum(x.sgn * x.unpaid_costs) <> 0
        OR sum(x.sgn * x.recovered) <> 0 OR sum(x.sgn * x.n0) <> 0 OR sum(x.sgn * x.n1) <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER case_read_model_totals_ins AFTER INSERT ON case_read_model
    REFERENCING NEW TABLE AS rm_new FOR EACH STATEMENT EXECUTE FUNCTION rm_totals_insert();
CREATE TRIGGER case_read_model_totals_upd AFTER UPDATE ON case_read_model
    REFERENCING OLD TABLE AS rm_old NEW TABLE AS rm_new FOR EACH STATEMENT EXECUTE FUNCTION rm_totals_update();

-- Folds the deltas into one row per group (nightly). Rows committed meanwhile are kept as they are.
CREATE FUNCTION compact_case_totals() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_n integer;
BEGIN
    WITH gone AS (DELETE FROM case_totals RETURNING *)
    INSERT INTO case_totals (tier, stage, owner_slack_id, cases, principal, costs, recovered, n0, n1)
    SELECT tier, stage, owner_slack_id, sum(cases), sum(principal), sum(costs), sum(recovered), sum(n0), sum(n1)
      FROM gone GROUP BY tier, stage, owner_slack_id
    HAVING sum(cases) <> 0 OR sum(principal) <> 0 OR sum(costs) <> 0 OR sum(recovered) <> 0 OR sum(n0) <> 0
        OR sum(n1) <> 0;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;

-- Rebuilds the totals from the stored rows (after a bulk load that bypassed the triggers).
CREATE FUNCTION rebuild_case_totals() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_n integer;
BEGIN
    LOCK TABLE case_totals IN EXCLUSIVE MODE;
    DELETE FROM case_totals;
    INSERT INTO case_totals (tier, stage, owner_slack_id, cases, principal, costs, recovered, n0, n1)
    SELECT m.tier, m.stage, m.owner_slack_id, count(*), sum(m.unpaid_principal), sum(m.unpaid_costs),
           sum(m.recovered), sum(rm_n0(m)), sum(m.unpaid_principal * m.acc_rate)
      FROM case_read_model m WHERE m.is_open GROUP BY m.tier, m.stage, m.owner_slack_id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;

-- Totals by tier, stage and owner, as of a day: O(groups + deltas since the last compaction).
CREATE FUNCTION book_totals(p_on date)
RETURNS TABLE (tier smallint, stage stage, owner_slack_id text, cases bigint, principal numeric, costs numeric,
               recovered numeric, interest numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tier, t.stage, t.owner_slack_id, sum(t.cases)::bigint, sum(t.principal), sum(t.costs), sum(t.recovered),
           round(greatest(0, (sum(t.n0) + sum(t.n1) * (p_on - DATE '2000-01-01')) / 365), 2)
      FROM case_totals t GROUP BY t.tier, t.stage, t.owner_slack_id HAVING sum(t.cases) <> 0
$$;

-- ---------------------------------------------------------------- triggers on the written tables
CREATE FUNCTION rm_case_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_case_read_model(ARRAY(SELECT n.id FROM rm_cases_new n));
    RETURN NULL;
END $$;
CREATE FUNCTION rm_case_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A set-based writer (assign_tiers) refreshes its cases itself, in one statement, afterwards.
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    PERFORM refresh_case_read_model(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_cases_ins AFTER INSERT ON enforcement_cases
    REFERENCING NEW TABLE AS rm_cases_new FOR EACH STATEMENT EXECUTE FUNCTION rm_case_rows_inserted();
-- Only the columns the read model holds: an event's chain-head update alone is no change.
CREATE TRIGGER case_read_model_cases_upd AFTER UPDATE ON enforcement_cases FOR EACH ROW
    WHEN ((OLD.tier, OLD.stage, OLD.stage_entered_at, OLD.status, OLD.owner_slack_id, OLD.next_action_at,
           OLD.last_person_event_at, OLD.judgment_id)
          IS DISTINCT FROM (NEW.tier, NEW.stage, NEW.stage_entered_at, NEW.status, NEW.owner_slack_id,
           NEW.next_action_at, NEW.last_person_event_at, NEW.judgment_id))
    EXECUTE FUNCTION rm_case_row_changed();

CREATE FUNCTION rm_judgment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_case_read_model(ARRAY(SELECT c.id FROM enforcement_cases c WHERE c.judgment_id = NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_judgments_upd AFTER UPDATE ON judgments FOR EACH ROW
    WHEN ((OLD.unpaid_principal, OLD.unpaid_costs, OLD.interest_carry, OLD.accrual_date)
          IS DISTINCT FROM (NEW.unpaid_principal, NEW.unpaid_costs, NEW.interest_carry, NEW.accrual_date))
    EXECUTE FUNCTION rm_judgment_changed();

-- Child rows keyed by case_id (payments, blockers, workflows): statement-level, so a bulk write
-- refreshes its cases in one set-based statement.
CREATE FUNCTION rm_children_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_case_read_model(ARRAY(SELECT DISTINCT n.case_id FROM rm_child_new n));
    RETURN NULL;
END $$;
CREATE FUNCTION rm_children_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_case_read_model(ARRAY(SELECT DISTINCT o.case_id FROM rm_child_old o));
    RETURN NULL;
END $$;
CREATE FUNCTION rm_children_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_case_read_model(ARRAY(SELECT n.case_id FROM rm_child_new n UNION SELECT o.case_id FROM rm_child_old o));
    RETURN NULL;
END $$;

CREATE TRIGGER case_read_model_payments_ins AFTER INSERT ON payments
    REFERENCING NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_new();
CREATE TRIGGER case_read_model_payments_upd AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS rm_child_old NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_both();
CREATE TRIGGER case_read_model_blockers_ins AFTER INSERT ON blockers
    REFERENCING NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_new();
CREATE TRIGGER case_read_model_blockers_upd AFTER UPDATE ON blockers
    REFERENCING OLD TABLE AS rm_child_old NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_both();
CREATE TRIGGER case_read_model_blockers_del AFTER DELETE ON blockers
    REFERENCING OLD TABLE AS rm_child_old FOR EACH STATEMENT EXECUTE FUNCTION rm_children_old();
CREATE TRIGGER case_read_model_actions_ins AFTER INSERT ON enforcement_actions
    REFERENCING NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_new();
CREATE TRIGGER case_read_model_actions_upd AFTER UPDATE ON enforcement_actions
    REFERENCING OLD TABLE AS rm_child_old NEW TABLE AS rm_child_new FOR EACH STATEMENT EXECUTE FUNCTION rm_children_both();

-- Interest segments are written with their judgment before its case exists (nothing to refresh
-- then); a later change of a judgment's segments refreshes its case.
CREATE FUNCTION rm_segments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM refresh_case_read_model(ARRAY(SELECT c.id FROM enforcement_cases c
                                              WHERE c.judgment_id IN (SELECT o.judgment_id FROM rm_seg_old o)));
    ELSE
        PERFORM refresh_case_read_model(ARRAY(SELECT c.id FROM enforcement_cases c
                                              WHERE c.judgment_id IN (SELECT n.judgment_id FROM rm_seg_new n)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_segments_ins AFTER INSERT ON interest_segments
    REFERENCING NEW TABLE AS rm_seg_new FOR EACH STATEMENT EXECUTE FUNCTION rm_segments_changed();
CREATE TRIGGER case_read_model_segments_upd AFTER UPDATE ON interest_segments
    REFERENCING NEW TABLE AS rm_seg_new FOR EACH STATEMENT EXECUTE FUNCTION rm_segments_changed();
CREATE TRIGGER case_read_model_segments_del AFTER DELETE ON interest_segments
    REFERENCING OLD TABLE AS rm_seg_old FOR EACH STATEMENT EXECUTE FUNCTION rm_segments_changed();

-- Policy the SLA and staleness moments depend on: a change re-derives every case (rare, admin).
CREATE FUNCTION rm_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_all_case_read_models();
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_stage_sla AFTER INSERT OR UPDATE OR DELETE ON stage_sla
    FOR EACH STATEMENT EXECUTE FUNCTION rm_policy_changed();
CREATE TRIGGER case_read_model_stale_days AFTER INSERT OR UPDATE OR DELETE ON stale_days
    FOR EACH STATEMENT EXECUTE FUNCTION rm_policy_changed();
CREATE FUNCTION rm_holidays_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- `dragonfly calendar fill` runs after every upgrade: re-derive only if a day was added or removed.
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM rm_hol_new) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM rm_hol_old) THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_all_case_read_models();
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_holidays_ins AFTER INSERT ON ny_holidays
    REFERENCING NEW TABLE AS rm_hol_new FOR EACH STATEMENT EXECUTE FUNCTION rm_holidays_changed();
CREATE TRIGGER case_read_model_holidays_del AFTER DELETE ON ny_holidays
    REFERENCING OLD TABLE AS rm_hol_old FOR EACH STATEMENT EXECUTE FUNCTION rm_holidays_changed();
CREATE FUNCTION rm_timezone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_all_case_read_models();
    RETURN NULL;
END $$;
CREATE TRIGGER case_read_model_timezone AFTER UPDATE ON policy_settings FOR EACH ROW
    WHEN (NEW.key = 'firm_timezone' AND OLD.value IS DISTINCT FROM NEW.value)
    EXECUTE FUNCTION rm_timezone_changed();

-- What only time changes: a case whose interest rate changes today rolls its window forward.
-- (Tier rules are re-applied by assign_tiers, whose tier changes reach the read model through
-- the enforcement_cases trigger.) Then the day's deltas are folded.
CREATE FUNCTION refresh_read_model_for_day(p_today date DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_rolled integer; v_groups integer;
BEGIN
    v_rolled := refresh_case_read_model(ARRAY(SELECT m.case_id FROM case_read_model m
                                               WHERE m.acc_until <= coalesce(p_today, firm_today())
                                                  -- a clock moved back before a stored window
                                                  OR m.acc_from > coalesce(p_today, firm_today())));
    v_groups := compact_case_totals();
    RETURN jsonb_build_object('rate_windows_rolled', v_rolled, 'total_groups', v_groups);
END $$;

-- Existing books: fill the read model and the totals once (PERFORM: yoyo prints the rows of a
-- top-level SELECT to the terminal of whoever runs `dragonfly db upgrade` or `make run`).
DO $$ BEGIN PERFORM refresh_all_case_read_models(); PERFORM rebuild_case_totals(); END $$;
