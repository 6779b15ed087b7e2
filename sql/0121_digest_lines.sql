-- The morning digest at a big book (issue 12: "digest selection < 1 s" at 1M cases). A DM holds
-- at most 50 blocks (Slack), so a person is shown the first lines of each section and the count of
-- the rest; the roll-up shows counts only. digest_lines returns, per owner and section, the first
-- p_per_section lines in reading order (digest_items' order, sql/0030) and the section's count;
-- NULL returns every line. Past-due next actions, most of a big book's lines, are read per owner
-- and tier from the top of an index (owner, tier, next_action_at, case_number): at most
-- p_per_section rows, plus those due within 0.1 day after the last of them (whose overdue days,
-- rounded to a tenth, may tie with it); the count is an index-only range per owner. The sections are digest_items' (same rows, same order), except
-- that a workflow deadline already past (due before today) is in its own section,
-- deadline_overdue, as the digest has always shown it.

CREATE INDEX IF NOT EXISTS enforcement_cases_owner_tier_due
    ON enforcement_cases (owner_slack_id, tier, next_action_at, case_number) WHERE status = 'open';
-- The blocker and workflow lines are ranked and counted by owner from this index alone (no case
-- row read); only the lines shown read their case row.
CREATE INDEX IF NOT EXISTS enforcement_cases_open_owner_tier
    ON enforcement_cases (id) INCLUDE (owner_slack_id, tier, case_number) WHERE status = 'open';

CREATE FUNCTION digest_lines(p_now timestamptz, p_since timestamptz DEFAULT NULL, p_horizon integer DEFAULT 3,
    p_per_section integer DEFAULT 50)
RETURNS TABLE (owner text, section text, lines bigint, case_ref text, case_number bigint, tier smallint, stage text,
               due_at timestamptz, due_on date, detail text, overdue_days numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    -- row due later but within 0.1 day of the last of them. A row due later rounds to fewer overdue
    -- days, and one due at the same moment has a higher case number, so neither can be among the
    -- first p_per_section of its tier, nor of the section. (OFFSET 0 keeps each an index range.)
    past_due AS (
        SELECT x.id FROM owners o CROSS JOIN (VALUES (0::smallint), (1::smallint), (2::smallint), (3::smallint)) t(tier)
         CROSS JOIN LATERAL (
               SELECT c.id, c.next_action_at FROM enforcement_cases c
                WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                  AND c.next_action_at < p_now
                ORDER BY c.next_action_at, c.case_number LIMIT p_per_section) x
         WHERE o.owner IS NOT NULL
        UNION ALL
        SELECT y.id FROM owners o CROSS JOIN (VALUES (0::smallint), (1::smallint), (2::smallint), (3::smallint)) t(tier)
         CROSS JOIN LATERAL (
               SELECT max(z.next_action_at) AS last_at, count(*) AS n FROM (
                   SELECT c.next_action_at FROM enforcement_cases c
                    WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                      AND c.next_action_at < p_now
                    ORDER BY c.next_action_at, c.case_number LIMIT p_per_section) z) k
         CROSS JOIN LATERAL (
               SELECT c.id FROM enforcement_cases c
                WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.tier = t.tier
                  AND c.next_action_at > k.last_at AND c.next_action_at < p_now
                  AND c.next_action_at <= k.last_at + interval '0.1 day' OFFSET 0) y
         WHERE o.owner IS NOT NULL AND k.n = p_per_section
        UNION ALL
        SELECT c.id FROM enforcement_cases c
         WHERE c.owner_slack_id IS NULL AND c.status = 'open' AND c.next_action_at < p_now),
    past_due_count AS MATERIALIZED (
        SELECT o.owner, n.n FROM owners o
         CROSS JOIN LATERAL (SELECT count(*) AS n FROM enforcement_cases c
                              WHERE c.owner_slack_id = o.owner AND c.status = 'open' AND c.next_action_at < p_now) n
         WHERE o.owner IS NOT NULL
        UNION ALL
        SELECT NULL, count(*) FROM enforcement_cases c
         WHERE c.owner_slack_id IS NULL AND c.status = 'open' AND c.next_action_at < p_now),
    items AS (
        SELECT c.owner_slack_id AS owner, 1 AS rank, 'past_due' AS section, c.id AS case_id, c.case_number, c.tier,
               c.next_action_at AS due_at, NULL::date AS due_on, c.next_action_what AS detail,
               round(extract(epoch FROM p_now - c.next_action_at) / 86400.0, 1) AS overdue_days
          FROM enforcement_cases c WHERE c.id IN (SELECT p.id FROM past_due p)
        UNION ALL
        SELECT c.owner_slack_id, 2, 'blocker_eta', c.id, c.case_number, c.tier, NULL, x.eta,
               format('%s: %s', x.kind, x.reason), (d.today - x.eta)::numeric
          FROM blockers x CROSS JOIN d
         CROSS JOIN LATERAL (SELECT c.owner_slack_id, c.id, c.case_number, c.tier FROM enforcement_cases c
                              WHERE c.id = x.case_id AND c.status = 'open' LIMIT 1) c
         WHERE x.cleared_at IS NULL AND x.eta < d.today
        UNION ALL
        SELECT c.owner_slack_id, 3, CASE WHEN a.next_deadline < d.today THEN 'deadline_overdue' ELSE 'deadline' END,
               c.id, c.case_number, c.tier, NULL, a.next_deadline,
               format('%s #%s (%s)', a.kind, a.id, a.state), (d.today - a.next_deadline)::numeric
          FROM enforcement_actions a CROSS JOIN d
         CROSS JOIN LATERAL (SELECT c.owner_slack_id, c.id, c.case_number, c.tier FROM enforcement_cases c
                              WHERE c.id = a.case_id AND c.status = 'open' LIMIT 1) c
         WHERE a.is_open AND a.next_deadline <= d.horizon
        UNION ALL
        SELECT c.owner_slack_id, 4, 'warning', c.id, c.case_number, c.tier, NULL,
               (e.payload->>'due')::date, format('%s #%s %s', e.payload->>'kind', e.action_id, e.payload->>'warning'),
               (d.today - (e.payload->>'due')::date)::numeric
          FROM enforcement_events e CROSS JOIN d
         CROSS JOIN LATERAL (SELECT c.owner_slack_id, c.id, c.case_number, c.tier FROM enforcement_cases c
                              WHERE c.id = e.case_id AND c.status = 'open' LIMIT 1) c
         WHERE e.kind = 'deadline_warning' AND e.occurred_at > coalesce(p_since, p_now - interval '1 day')
           AND e.occurred_at <= p_now
        UNION ALL
        SELECT c.owner_slack_id, 5, 'no_next_action', c.id, c.case_number, c.tier, NULL, NULL, NULL, NULL
          FROM enforcement_cases c WHERE c.status = 'open' AND c.next_action_at IS NULL),
    ranked AS MATERIALIZED (
        SELECT i.*, digest_sort_key(i.rank, i.tier, i.overdue_days, i.case_number) AS key,
               row_number() OVER w AS n, count(*) OVER (PARTITION BY i.owner, i.section) AS section_lines
          FROM items i
        WINDOW w AS (PARTITION BY i.owner, i.section ORDER BY digest_sort_key(i.rank, i.tier, i.overdue_days, i.case_number)))
    SELECT r.owner, r.section, coalesce(p.n, r.section_lines),
           c.case_ref, r.case_number, r.tier, c.stage::text, r.due_at, r.due_on, r.detail, r.overdue_days
      FROM ranked r
     -- (LIMIT 1: a probe by primary key per line shown, never a join over the whole table)
     CROSS JOIN LATERAL (SELECT x.case_ref, x.stage FROM enforcement_cases x WHERE x.id = r.case_id LIMIT 1) c
      LEFT JOIN past_due_count p ON r.section = 'past_due' AND p.owner IS NOT DISTINCT FROM r.owner
     WHERE p_per_section IS NULL OR r.n <= p_per_section
     ORDER BY r.owner NULLS LAST, r.key
$$;
