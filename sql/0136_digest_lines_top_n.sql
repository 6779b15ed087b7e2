-- The morning digest at a million cases, again (issue 12: "digest selection < 1 s"). On the 1M
-- bench book after a nightly run (550,000 lines counted, 320,000 of them blocker, deadline and
-- warning lines), sql/0133 sorted all 320,000 narrow lines and ran two window functions over them
-- to keep 50 a section: ~0.75 s of its ~1.6 s. Same rows, order and counts; only the ranking
-- changes (see "grouped" below).
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
    -- One narrow row per line: its owner, section, reading-order key and source row (a blocker,
    -- action or event id; the case itself for past_due and no_next_action).
    items AS (
        SELECT c.owner_slack_id AS owner, 'past_due' AS section, c.id AS case_id, NULL::bigint AS src,
               digest_sort_key(1, c.tier, round(extract(epoch FROM p_now - c.next_action_at) / 86400.0, 1),
                               c.case_number) AS key
          FROM past_due c
        UNION ALL
        SELECT c.owner_slack_id, 'blocker_eta', c.id, x.id,
               digest_sort_key(2, c.tier, (d.today - x.eta)::numeric, c.case_number)
          FROM blockers x CROSS JOIN d JOIN enforcement_cases c ON c.id = x.case_id AND c.status = 'open'
         WHERE x.cleared_at IS NULL AND x.eta < d.today
        UNION ALL
        SELECT c.owner_slack_id, CASE WHEN a.next_deadline < d.today THEN 'deadline_overdue' ELSE 'deadline' END,
               c.id, a.id, digest_sort_key(3, c.tier, (d.today - a.next_deadline)::numeric, c.case_number)
          FROM enforcement_actions a CROSS JOIN d JOIN enforcement_cases c ON c.id = a.case_id AND c.status = 'open'
         WHERE a.is_open AND a.next_deadline <= d.horizon
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
      LEFT JOIN past_due_count p ON r.section = 'past_due' AND coalesce(p.owner, '') = coalesce(r.owner, '')
     ORDER BY r.owner NULLS LAST, r.key
$$;
