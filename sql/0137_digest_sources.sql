-- The morning digest at a million cases (issue 12: "digest selection < 1 s"). On the 1M bench book
-- after a nightly run (550,000 lines counted), sql/0133 spent its time in two places:
--   * joining every open blocker and every open workflow due within the horizon to its case to
--     learn the owner, tier and number (~200,000 index probes), to show 50 lines a section;
--   * sorting every line and running two window functions over all of them to rank and count.
--
-- digest_sources holds exactly those facts, one row per open blocker and per open workflow with a
-- next deadline, of open cases: kind, source id, case, the case's owner, tier and number, and the
-- date the line is about (the blocker's ETA, the workflow's next deadline). The write path keeps it
-- (triggers below, in the same transaction as the change); v_digest_sources_computed is its
-- recomputation from the base tables, which `dragonfly doctor` compares it with and
-- rebuild_digest_sources() rewrites it from. The digest then reads, per owner, tier and section,
-- the first lines in reading order from (kind, owner, tier, due, case number) and counts each
-- section from (kind, due); and each section's first lines are a top-N sort of its own keys.
-- Same rows, order and counts as before (test_digest_lines). Measured in psql on that book:
-- 1.79 s -> ~0.5 s.
CREATE TABLE digest_sources (
    kind text NOT NULL CHECK (kind IN ('blocker', 'action')),
    src_id bigint NOT NULL,
    case_id bigint NOT NULL,
    owner_slack_id text,
    tier smallint NOT NULL,
    case_number bigint NOT NULL,
    due date NOT NULL,
    PRIMARY KEY (kind, src_id)
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX digest_sources_by_owner ON digest_sources (kind, owner_slack_id, tier, due, case_number)
    INCLUDE (case_id, src_id);
CREATE INDEX digest_sources_by_due ON digest_sources (kind, due) INCLUDE (owner_slack_id);
CREATE INDEX digest_sources_by_case ON digest_sources (case_id);

CREATE VIEW v_digest_sources_computed AS
SELECT 'blocker'::text AS kind, b.id AS src_id, c.id AS case_id, c.owner_slack_id, c.tier, c.case_number,
       b.eta AS due
  FROM blockers b JOIN enforcement_cases c ON c.id = b.case_id
 WHERE b.cleared_at IS NULL AND c.status = 'open'
UNION ALL
SELECT 'action', a.id, c.id, c.owner_slack_id, c.tier, c.case_number, a.next_deadline
  FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id
 WHERE a.is_open AND a.next_deadline IS NOT NULL AND c.status = 'open';

-- The rows of these sources, made again from the base tables (kind 'blocker' or 'action').
CREATE FUNCTION refresh_digest_sources(p_kind text, p_ids bigint[]) RETURNS void
LANGUAGE sql SET search_path = public, pg_temp AS $$
    DELETE FROM digest_sources WHERE kind = p_kind AND src_id = ANY (p_ids);
    INSERT INTO digest_sources SELECT * FROM v_digest_sources_computed v WHERE v.kind = p_kind AND v.src_id = ANY (p_ids);
$$;

-- Statement-level, so a bulk write is one set-based refresh of the rows it touched; the kind
-- ('blocker' or 'action') is the trigger's argument.
CREATE FUNCTION ds_sources_changed() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM refresh_digest_sources(TG_ARGV[0], ARRAY(SELECT o.id FROM ds_old o));
    ELSE
        PERFORM refresh_digest_sources(TG_ARGV[0], ARRAY(SELECT n.id FROM ds_new n));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER digest_sources_blockers_ins AFTER INSERT ON blockers
    REFERENCING NEW TABLE AS ds_new FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('blocker');
CREATE TRIGGER digest_sources_blockers_upd AFTER UPDATE ON blockers
    REFERENCING OLD TABLE AS ds_old NEW TABLE AS ds_new FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('blocker');
CREATE TRIGGER digest_sources_blockers_del AFTER DELETE ON blockers
    REFERENCING OLD TABLE AS ds_old FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('blocker');
CREATE TRIGGER digest_sources_actions_ins AFTER INSERT ON enforcement_actions
    REFERENCING NEW TABLE AS ds_new FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('action');
CREATE TRIGGER digest_sources_actions_upd AFTER UPDATE ON enforcement_actions
    REFERENCING OLD TABLE AS ds_old NEW TABLE AS ds_new FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('action');
CREATE TRIGGER digest_sources_actions_del AFTER DELETE ON enforcement_actions
    REFERENCING OLD TABLE AS ds_old FOR EACH STATEMENT EXECUTE FUNCTION ds_sources_changed('action');

-- A case's owner, tier or status: its rows follow (an event's chain-head update fires nothing).
CREATE FUNCTION ds_case_changed() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.status = 'open' AND NEW.status = 'open' THEN
        UPDATE digest_sources SET owner_slack_id = NEW.owner_slack_id, tier = NEW.tier WHERE case_id = NEW.id;
    ELSE
        DELETE FROM digest_sources WHERE case_id = NEW.id;
        INSERT INTO digest_sources SELECT * FROM v_digest_sources_computed v WHERE v.case_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER digest_sources_cases_upd AFTER UPDATE ON enforcement_cases FOR EACH ROW
    WHEN ((OLD.owner_slack_id, OLD.tier, OLD.status) IS DISTINCT FROM (NEW.owner_slack_id, NEW.tier, NEW.status))
    EXECUTE FUNCTION ds_case_changed();

-- All of it again from the base tables (a book written with triggers off: bench/scale_seed.py; or
-- the fix doctor names).
CREATE FUNCTION rebuild_digest_sources() RETURNS bigint
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE n bigint;
BEGIN
    DELETE FROM digest_sources;
    INSERT INTO digest_sources SELECT * FROM v_digest_sources_computed;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
DO $$ BEGIN PERFORM rebuild_digest_sources(); END $$;  -- PERFORM: yoyo prints a SELECT's rows
ANALYZE digest_sources;

CREATE OR REPLACE FUNCTION digest_lines(p_now timestamptz, p_since timestamptz DEFAULT NULL, p_horizon integer DEFAULT 3,
    p_per_section integer DEFAULT 50)
RETURNS TABLE (owner text, section text, lines bigint, case_ref text, case_number bigint, tier smallint, stage text,
               due_at timestamptz, due_on date, detail text, overdue_days numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off SET work_mem = '64MB' SET enable_sort = off AS $$
    WITH RECURSIVE d AS MATERIALIZED (
        SELECT firm_date_of(p_now) AS today, add_business_days(firm_date_of(p_now), p_horizon) AS horizon),
    -- The owners of open cases: a loose scan of the owner index, one probe per owner.
    owners AS (
        (SELECT c.owner_slack_id AS owner FROM enforcement_cases c
          WHERE c.status = 'open' AND c.owner_slack_id IS NOT NULL ORDER BY c.owner_slack_id LIMIT 1)
        UNION ALL
        SELECT (SELECT c.owner_slack_id FROM enforcement_cases c
                 WHERE c.status = 'open' AND c.owner_slack_id > o.owner ORDER BY c.owner_slack_id LIMIT 1)
          FROM owners o WHERE o.owner IS NOT NULL),
    -- Past due, per owner and tier: the first p_per_section by (due time, case number), and every
    -- row due later but within 0.1 day of the last of them (see sql/0121: a row due later rounds to
    -- fewer overdue days, so none outside these can be among the first p_per_section shown).
    -- (The three parts are disjoint, and each reads the columns its lines need from the index
    -- range it walks, so no line reads its case row twice.)
    past_due AS (
        SELECT x.* FROM owners o CROSS JOIN (VALUES (0::smallint), (1::smallint), (2::smallint), (3::smallint)) t(tier)
         CROSS JOIN LATERAL (
               SELECT c.owner_slack_id, c.id, c.tier, c.case_number, c.next_action_at FROM enforcement_cases c
                WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                  AND c.next_action_at < p_now
                ORDER BY c.next_action_at, c.case_number LIMIT p_per_section) x
         WHERE o.owner IS NOT NULL
        UNION ALL
        SELECT y.* FROM owners o CROSS JOIN (VALUES (0::smallint), (1::smallint), (2::smallint), (3::smallint)) t(tier)
         CROSS JOIN LATERAL (
               SELECT max(z.next_action_at) AS last_at, count(*) AS n FROM (
                   SELECT c.next_action_at FROM enforcement_cases c
                    WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                      AND c.next_action_at < p_now
                    ORDER BY c.next_action_at, c.case_number LIMIT p_per_section) z) k
         CROSS JOIN LATERAL (
               SELECT c.owner_slack_id, c.id, c.tier, c.case_number, c.next_action_at FROM enforcement_cases c
                WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                  AND c.next_action_at > k.last_at AND c.next_action_at < p_now
                  AND c.next_action_at <= k.last_at + interval '0.1 day' OFFSET 0) y
         WHERE o.owner IS NOT NULL AND k.n = p_per_section
        UNION ALL
        SELECT c.owner_slack_id, c.id, c.tier, c.case_number, c.next_action_at FROM enforcement_cases c
         WHERE c.owner_slack_id IS NULL AND c.status = 'open' AND c.next_action_at < p_now),
    past_due_count AS MATERIALIZED (
        SELECT o.owner, n.n FROM owners o
         CROSS JOIN LATERAL (SELECT count(*) AS n FROM enforcement_cases c
                              WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.next_action_at < p_now) n
         WHERE o.owner IS NOT NULL
        UNION ALL
        SELECT NULL, count(*) FROM enforcement_cases c
         WHERE c.owner_slack_id IS NULL AND c.status = 'open' AND c.next_action_at < p_now),
    -- Blocker and workflow-deadline lines from digest_sources (the open ones of open cases, with
    -- the case's owner, tier and number): per owner, tier and section the first p_per_section by
    -- (date, case number), which within one tier is the reading order (digest_sort_key), so the
    -- first lines of a section are among them; owners without a Slack id are read whole.
    -- Each section's dates: [lo, hi).
    ranges AS MATERIALIZED (
        SELECT r.* FROM d CROSS JOIN LATERAL (VALUES
            ('blocker_eta', 'blocker', 2, '-infinity'::date, d.today),
            ('deadline_overdue', 'action', 3, '-infinity'::date, d.today),
            ('deadline', 'action', 3, d.today, d.horizon + 1)) r(section, kind, rank, lo, hi)),
    source_rows AS (
        SELECT x.* FROM owners o CROSS JOIN (VALUES (0::smallint), (1::smallint), (2::smallint), (3::smallint)) t(tier)
         CROSS JOIN ranges r
         CROSS JOIN LATERAL (
               SELECT s.owner_slack_id, r.section, r.rank, s.case_id, s.src_id, s.tier, s.case_number, s.due
                 FROM digest_sources s
                WHERE s.kind = r.kind AND s.owner_slack_id = o.owner AND s.tier = t.tier
                  AND s.due >= r.lo AND s.due < r.hi
                ORDER BY s.due, s.case_number LIMIT p_per_section) x
         WHERE o.owner IS NOT NULL
        UNION ALL
        SELECT s.owner_slack_id, r.section, r.rank, s.case_id, s.src_id, s.tier, s.case_number, s.due
          FROM ranges r JOIN digest_sources s ON s.kind = r.kind AND s.owner_slack_id IS NULL
         WHERE s.due >= r.lo AND s.due < r.hi),
    source_lines AS (
        SELECT s.owner_slack_id, s.section, s.case_id, s.src_id,
               digest_sort_key(s.rank, s.tier, (d.today - s.due)::numeric, s.case_number) AS key
          FROM source_rows s CROSS JOIN d),
    -- Their counts, from the (kind, due) index: every line of these sections, shown or not.
    source_count AS MATERIALIZED (
        SELECT s.owner_slack_id AS owner, r.section, count(*) AS n
          FROM ranges r JOIN digest_sources s ON s.kind = r.kind AND s.due >= r.lo AND s.due < r.hi
         GROUP BY 1, 2),
    counted AS (
        SELECT p.owner, 'past_due' AS section, p.n FROM past_due_count p
        UNION ALL
        SELECT s.owner, s.section, s.n FROM source_count s),
    -- One narrow row per line: its owner, section, reading-order key and source row (a blocker,
    -- action or event id; the case itself for past_due and no_next_action).
    items AS (
        SELECT c.owner_slack_id AS owner, 'past_due' AS section, c.id AS case_id, NULL::bigint AS src,
               digest_sort_key(1, c.tier, round(extract(epoch FROM p_now - c.next_action_at) / 86400.0, 1),
                               c.case_number) AS key
          FROM past_due c
        UNION ALL
        SELECT s.owner_slack_id, s.section, s.case_id, s.src_id, s.key FROM source_lines s
        UNION ALL
        SELECT c.owner_slack_id, 'warning', c.id, e.id,
               digest_sort_key(4, c.tier, (d.today - (e.payload->>'due')::date)::numeric, c.case_number)
          FROM enforcement_events e CROSS JOIN d JOIN enforcement_cases c ON c.id = e.case_id AND c.status = 'open'
         WHERE e.kind = 'deadline_warning' AND e.occurred_at > coalesce(p_since, p_now - interval '1 day')
           AND e.occurred_at <= p_now
        UNION ALL
        SELECT c.owner_slack_id, 'no_next_action', c.id, NULL, digest_sort_key(5, c.tier, NULL, c.case_number)
          FROM enforcement_cases c WHERE c.status = 'open' AND c.next_action_at IS NULL),
    -- Counted per owner and section, and only the first p_per_section of each sorted: one hash
    -- aggregate gathers a section's keys, and each section's top lines are a top-N sort of its
    -- own few hundred keys (a full sort of every line, then window functions over all of them,
    -- was most of the time at 300,000 lines). (NULL p_per_section: LIMIT NULL is no limit.)
    grouped AS MATERIALIZED (
        SELECT i.owner, i.section, count(*) AS section_lines,
               array_agg(i.key) AS keys, array_agg(i.case_id) AS cases, array_agg(i.src) AS srcs
          FROM items i GROUP BY i.owner, i.section),
    shown AS (
        SELECT g.owner, g.section, g.section_lines, u.key, u.case_id, u.src
          FROM grouped g CROSS JOIN LATERAL (
               SELECT * FROM unnest(g.keys, g.cases, g.srcs) AS u(key, case_id, src)
                ORDER BY u.key LIMIT p_per_section) u)
    SELECT r.owner, r.section, coalesce(p.n, r.section_lines), c.case_ref, c.case_number, c.tier, c.stage::text,
           CASE WHEN r.section = 'past_due' THEN c.next_action_at END,
           CASE r.section WHEN 'blocker_eta' THEN x.eta WHEN 'warning' THEN (e.payload->>'due')::date
                          WHEN 'deadline' THEN a.next_deadline WHEN 'deadline_overdue' THEN a.next_deadline END,
           CASE r.section WHEN 'past_due' THEN c.next_action_what
                          WHEN 'blocker_eta' THEN format('%s: %s', x.kind, x.reason)
                          WHEN 'warning' THEN format('%s #%s %s', e.payload->>'kind', e.action_id, e.payload->>'warning')
                          WHEN 'no_next_action' THEN NULL
                          ELSE format('%s #%s (%s)', a.kind, a.id, a.state) END,
           CASE r.section WHEN 'past_due' THEN round(extract(epoch FROM p_now - c.next_action_at) / 86400.0, 1)
                          WHEN 'blocker_eta' THEN (d.today - x.eta)::numeric
                          WHEN 'warning' THEN (d.today - (e.payload->>'due')::date)::numeric
                          WHEN 'no_next_action' THEN NULL
                          ELSE (d.today - a.next_deadline)::numeric END
      FROM shown r CROSS JOIN d
     -- (LIMIT 1: a probe by primary key per line shown, never a join over the whole table)
     CROSS JOIN LATERAL (SELECT y.case_ref, y.case_number, y.tier, y.stage, y.next_action_at, y.next_action_what
                           FROM enforcement_cases y WHERE y.id = r.case_id LIMIT 1) c
      LEFT JOIN LATERAL (SELECT b.eta, b.kind, b.reason FROM blockers b
                          WHERE r.section = 'blocker_eta' AND b.id = r.src LIMIT 1) x ON true
      LEFT JOIN LATERAL (SELECT w.id, w.kind, w.state, w.next_deadline FROM enforcement_actions w
                          WHERE r.section IN ('deadline', 'deadline_overdue') AND w.id = r.src LIMIT 1) a ON true
      LEFT JOIN LATERAL (SELECT v.payload, v.action_id FROM enforcement_events v
                          WHERE r.section = 'warning' AND v.id = r.src LIMIT 1) e ON true
      -- (coalesce: an equality the planner can hash; '' is no Slack user id)
      LEFT JOIN counted p ON p.section = r.section AND coalesce(p.owner, '') = coalesce(r.owner, '')
     ORDER BY r.owner NULLS LAST, r.key
$$;
