-- The morning digest after a nightly run that recorded many deadline warnings (issue 12). On the
-- 1M demo book the nightly recorded 200,000 warnings (its workflows were opened together), and the
-- next digest_lines took 2.0-2.8 s instead of 0.35-0.39 s: its warning lines were every
-- deadline_warning event of the window, each read from the events' heap for its due date and joined
-- to its case for owner, tier and number, before a section's first lines were kept.
--
-- Each deadline warning of an open case is now also a digest_sources row (kind 'warning', the event
-- id, the case's owner, tier and number, the due date it warns of, and `at`, when it was recorded),
-- kept by the same triggers as the other rows: written with the event (statement-level, one insert
-- for a nightly's batch), following the case's owner and tier, gone when the case closes, back when
-- it reopens. The digest reads a window's warnings from one index-only range on `at`. Same rows,
-- order and counts (tests/integration/test_digest_lines.py now has warnings in its book).
ALTER TABLE digest_sources DROP CONSTRAINT digest_sources_kind_check,
    ADD CONSTRAINT digest_sources_kind_check CHECK (kind IN ('blocker', 'action', 'warning')),
    ALTER COLUMN due DROP NOT NULL,  -- (a warning's due date is its payload's; the digest sorts a missing one last)
    ADD COLUMN at timestamptz;      -- when a warning was recorded (NULL for the other kinds)

CREATE INDEX digest_sources_warnings ON digest_sources (at) INCLUDE (owner_slack_id, tier, due, case_number, case_id, src_id)
    WHERE kind = 'warning';

CREATE OR REPLACE VIEW v_digest_sources_computed AS
SELECT 'blocker'::text AS kind, b.id AS src_id, c.id AS case_id, c.owner_slack_id, c.tier, c.case_number,
       b.eta AS due, NULL::timestamptz AS at
  FROM blockers b JOIN enforcement_cases c ON c.id = b.case_id
 WHERE b.cleared_at IS NULL AND c.status = 'open'
UNION ALL
SELECT 'action', a.id, c.id, c.owner_slack_id, c.tier, c.case_number, a.next_deadline, NULL
  FROM enforcement_actions a JOIN enforcement_cases c ON c.id = a.case_id
 WHERE a.is_open AND a.next_deadline IS NOT NULL AND c.status = 'open'
UNION ALL
SELECT 'warning', e.id, c.id, c.owner_slack_id, c.tier, c.case_number, (e.payload->>'due')::date, e.occurred_at
  FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id
 WHERE e.kind = 'deadline_warning' AND c.status = 'open';

-- A statement's new deadline warnings, from its own rows joined to their cases: the warning part of
-- v_digest_sources_computed for just these events (a new event is no row yet). Not through
-- refresh_digest_sources: `id = ANY (ids)` over the events' warning index compares every warning
-- with every id, quadratic in a nightly's batch (20,000 warnings: 2 s). A note or a payment writes
-- no warning: one look at its own rows.
CREATE FUNCTION ds_warnings_recorded() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ds_new n WHERE n.kind = 'deadline_warning') THEN
        INSERT INTO digest_sources (kind, src_id, case_id, owner_slack_id, tier, case_number, due, at)
        SELECT 'warning', n.id, c.id, c.owner_slack_id, c.tier, c.case_number, (n.payload->>'due')::date, n.occurred_at
          FROM ds_new n JOIN enforcement_cases c ON c.id = n.case_id
         WHERE n.kind = 'deadline_warning' AND c.status = 'open';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER digest_sources_warnings_ins AFTER INSERT ON enforcement_events
    REFERENCING NEW TABLE AS ds_new FOR EACH STATEMENT EXECUTE FUNCTION ds_warnings_recorded();

INSERT INTO digest_sources SELECT * FROM v_digest_sources_computed WHERE kind = 'warning';
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
        -- (the warnings recorded in the window: one index-only range of digest_sources)
        SELECT s.owner_slack_id, 'warning', s.case_id, s.src_id,
               digest_sort_key(4, s.tier, (d.today - s.due)::numeric, s.case_number)
          FROM digest_sources s CROSS JOIN d
         WHERE s.kind = 'warning' AND s.at > coalesce(p_since, p_now - interval '1 day') AND s.at <= p_now
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
