-- The nightly at scale, the rest of it (issue 12 "Nightly at scale"): override expiry and the
-- deadline warnings (workflow deadlines and judgment-lien renewal windows) are set-based. Each
-- reads its candidates from an index, locks the cases it will write (in id order), and writes,
-- with an event each, only the cases whose override expires or that have a warning not yet
-- recorded. The events are appended after each case's chain head in one INSERT: the chain is the
-- one append_event would write (event_hash(prev, event_canonical(...)) per event, seq + 1), computed
-- one level at a time for cases that get more than one event in the run.

-- The events staged in pg_temp.df_append (case_id, ord, kind, actor, source, payload, document_id,
-- action_id), appended to their cases in `ord` order, all at p_at. Not SECURITY DEFINER: only a
-- sanctioned function (which runs as the owner) can write the log through it. Locks the cases
-- (id order) if the caller has not. Returns how many events were appended.
CREATE FUNCTION append_staged_events(p_at timestamptz) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_levels integer;
    v_n integer;
BEGIN
    PERFORM 1 FROM enforcement_cases c WHERE c.id IN (SELECT s.case_id FROM pg_temp.df_append s)
     ORDER BY c.id FOR UPDATE;
    DROP TABLE IF EXISTS pg_temp.df_append_chain;
    CREATE TEMP TABLE df_append_chain ON COMMIT DROP AS
    SELECT s.case_id, s.level, c.event_seq + s.level AS seq, s.kind, s.actor, s.source, s.payload, s.document_id,
           s.action_id, CASE WHEN s.level = 1 THEN c.last_event_hash END AS prev_hash, NULL::text AS hash
      FROM (SELECT x.*, row_number() OVER (PARTITION BY x.case_id ORDER BY x.ord)::integer AS level
              FROM pg_temp.df_append x) s
      JOIN enforcement_cases c ON c.id = s.case_id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n = 0 THEN RETURN 0; END IF;
    SELECT max(level) INTO v_levels FROM df_append_chain;
    FOR k IN 1..v_levels LOOP
        IF k > 1 THEN
            UPDATE df_append_chain x SET prev_hash = p.hash
              FROM df_append_chain p WHERE x.level = k AND p.level = k - 1 AND p.case_id = x.case_id;
        END IF;
        UPDATE df_append_chain x
           SET hash = event_hash(x.prev_hash, event_canonical(x.case_id, x.seq, x.kind, x.actor, x.source, x.payload,
                                                              x.document_id, x.action_id, p_at))
         WHERE x.level = k;
    END LOOP;
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, document_id, action_id, occurred_at,
                                    prev_hash, hash)
    SELECT x.case_id, x.seq, x.kind, x.actor, x.source, x.payload, x.document_id, x.action_id, p_at, x.prev_hash,
           x.hash
      FROM df_append_chain x ORDER BY x.case_id, x.seq;
    -- The new chain heads; an event from a person (not system:) is the case's last person event,
    -- as append_event records it.
    UPDATE enforcement_cases c
       SET event_seq = h.seq, last_event_hash = h.hash,
           last_person_event_at = CASE WHEN h.person THEN p_at ELSE c.last_person_event_at END
      FROM (SELECT DISTINCT ON (x.case_id) x.case_id, x.seq, x.hash,
                   bool_or(x.actor NOT LIKE 'system:%') OVER (PARTITION BY x.case_id) AS person
              FROM df_append_chain x ORDER BY x.case_id, x.seq DESC) h
     WHERE c.id = h.case_id;
    DROP TABLE pg_temp.df_append_chain;
    RETURN v_n;
END $$;

CREATE FUNCTION stage_events() RETURNS void LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_append;
    CREATE TEMP TABLE df_append (case_id bigint NOT NULL, ord bigint NOT NULL, kind event_kind NOT NULL,
        actor text NOT NULL, source text NOT NULL, payload jsonb NOT NULL, document_id bigint, action_id bigint)
        ON COMMIT DROP;
END $$;

-- Overrides whose time has come, all at once: the case returns to its rule tier and gets a
-- tier_override_expired event (as before, one per expired override, whether or not the tier moves).
-- The overrides are read again under the case locks, so one replaced meanwhile is left alone.
CREATE OR REPLACE FUNCTION expire_tier_overrides(p_now timestamptz DEFAULT df_now(), p_actor text DEFAULT 'system:nightly')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_n integer;
BEGIN
    PERFORM require_batch_date(NULL, 'Expiring tier overrides');
    PERFORM require_actor_allowed(p_actor);
    -- The application role cannot move the clock forward to expire overrides early.
    IF NOT is_operator_session() THEN p_now := least(p_now, now()); END IF;
    DROP TABLE IF EXISTS pg_temp.df_override_expiry;
    CREATE TEMP TABLE df_override_expiry ON COMMIT DROP AS
    WITH locked AS (
        SELECT c.id FROM enforcement_cases c
         WHERE c.id IN (SELECT o.case_id FROM tier_overrides o WHERE o.active AND o.expires_at <= p_now)
         ORDER BY c.id FOR UPDATE)
    SELECT l.id AS case_id FROM locked l;
    -- Under the locks (a new statement, a new snapshot): the overrides still active and due.
    DROP TABLE IF EXISTS pg_temp.df_override_expired;
    CREATE TEMP TABLE df_override_expired ON COMMIT DROP AS
    SELECT o.id, o.case_id, o.tier AS override_tier, c.tier AS from_tier, c.rule_tier AS to_tier
      FROM tier_overrides o JOIN enforcement_cases c ON c.id = o.case_id
     WHERE o.active AND o.expires_at <= p_now AND o.case_id IN (SELECT x.case_id FROM df_override_expiry x);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n = 0 THEN RETURN jsonb_build_object('expired', 0); END IF;
    UPDATE tier_overrides SET active = false WHERE id IN (SELECT x.id FROM df_override_expired x);
    PERFORM stage_events();
    INSERT INTO df_append (case_id, ord, kind, actor, source, payload)
    SELECT x.case_id, x.id, 'tier_override_expired', p_actor, 'scheduler',
           jsonb_build_object('override_id', x.id, 'override_tier', x.override_tier, 'from', x.from_tier,
                              'to', x.to_tier)
      FROM df_override_expired x;
    PERFORM append_staged_events(event_time());
    -- The tiers, then the read model of those cases in one statement (as assign_tiers does).
    PERFORM set_config('dragonfly.read_model_deferred', 'on', true);
    UPDATE enforcement_cases c SET tier = c.rule_tier
     WHERE c.id IN (SELECT x.case_id FROM df_override_expired x) AND c.tier <> c.rule_tier;
    PERFORM set_config('dragonfly.read_model_deferred', 'off', true);
    PERFORM refresh_case_read_model(ARRAY(SELECT x.case_id FROM df_override_expired x));
    DROP TABLE pg_temp.df_append;
    DROP TABLE pg_temp.df_override_expired;
    DROP TABLE pg_temp.df_override_expiry;
    RETURN jsonb_build_object('expired', v_n);
END $$;

-- Every workflow deadline warning due by p_today (due_deadline_warnings) not yet recorded, each a
-- deadline_warning event once per (workflow, warning) exactly as record_deadline_warning writes it,
-- in one pass. Returns how many were new.
CREATE FUNCTION record_due_deadline_warnings(p_today date, p_actor text DEFAULT 'system:nightly') RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_n integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_due_warnings;
    CREATE TEMP TABLE df_due_warnings ON COMMIT DROP AS
    SELECT w.action_id, w.warning, w.due FROM due_deadline_warnings(p_today) w
     WHERE NOT EXISTS (SELECT 1 FROM enforcement_events e WHERE e.action_id = w.action_id
                          AND e.kind = 'deadline_warning' AND e.payload->>'warning' = w.warning);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n = 0 THEN RETURN 0; END IF;
    PERFORM 1 FROM enforcement_cases c
     WHERE c.id IN (SELECT a.case_id FROM enforcement_actions a WHERE a.id IN (SELECT d.action_id FROM df_due_warnings d))
     ORDER BY c.id FOR UPDATE;
    PERFORM stage_events();
    -- Under the locks: the workflow as it is now, and not recorded by a run that finished meanwhile.
    INSERT INTO df_append (case_id, ord, kind, actor, source, payload, action_id)
    SELECT a.case_id, row_number() OVER (ORDER BY d.action_id, d.warning), 'deadline_warning', p_actor, 'scheduler',
           jsonb_build_object('action_id', a.id, 'kind', a.kind, 'state', a.state, 'warning', d.warning, 'due', d.due),
           a.id
      FROM df_due_warnings d JOIN enforcement_actions a ON a.id = d.action_id
     WHERE NOT EXISTS (SELECT 1 FROM enforcement_events e WHERE e.action_id = d.action_id
                          AND e.kind = 'deadline_warning' AND e.payload->>'warning' = d.warning);
    v_n := append_staged_events(event_time());
    DROP TABLE pg_temp.df_append;
    DROP TABLE pg_temp.df_due_warnings;
    RETURN v_n;
END $$;

-- Liens in their renewal window (CPLR 5014, docs/domain.md "Liens"), once per open case, county
-- and expiry date, in one pass. The dockets are read by an index range on the docketing date
-- (a few days wider than the window, for the calendar arithmetic of lien_expires_on), then the
-- window itself is applied exactly as before.
CREATE INDEX IF NOT EXISTS judgment_dockets_docketed_on ON judgment_dockets (docketed_on);

CREATE OR REPLACE FUNCTION record_lien_warnings(p_today date, p_actor text DEFAULT 'system:nightly') RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_years integer := policy_int('lien_years');
    v_window integer := policy_int('lien_renewal_window_days');
    v_n integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.df_lien_due;
    CREATE TEMP TABLE df_lien_due ON COMMIT DROP AS
    SELECT c.id AS case_id, k.county, lien_expires_on(k.docketed_on) AS expires_on
      FROM judgment_dockets k JOIN enforcement_cases c ON c.judgment_id = k.judgment_id AND c.status = 'open'
     WHERE k.docketed_on BETWEEN (p_today - make_interval(years => v_years))::date - 3
                             AND (p_today + v_window - make_interval(years => v_years))::date + 3
       AND p_today >= lien_expires_on(k.docketed_on) - v_window AND p_today < lien_expires_on(k.docketed_on);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n = 0 THEN RETURN 0; END IF;
    PERFORM 1 FROM enforcement_cases c WHERE c.id IN (SELECT d.case_id FROM df_lien_due d) ORDER BY c.id FOR UPDATE;
    PERFORM stage_events();
    INSERT INTO df_append (case_id, ord, kind, actor, source, payload)
    SELECT d.case_id, row_number() OVER (ORDER BY d.case_id, d.county), 'deadline_warning', p_actor, 'scheduler',
           jsonb_build_object('kind', 'judgment_lien', 'action_id', d.county, 'county', d.county,
                              'warning', 'lien_renewal_window', 'due', d.expires_on,
                              'state', 'renewal window open (CPLR 5014)')
      FROM df_lien_due d
     WHERE NOT EXISTS (SELECT 1 FROM enforcement_events e WHERE e.case_id = d.case_id AND e.kind = 'deadline_warning'
                          AND e.payload->>'warning' = 'lien_renewal_window' AND e.payload->>'county' = d.county
                          AND e.payload->>'due' = d.expires_on::text);
    v_n := append_staged_events(event_time());
    DROP TABLE pg_temp.df_append;
    DROP TABLE pg_temp.df_lien_due;
    RETURN v_n;
END $$;
