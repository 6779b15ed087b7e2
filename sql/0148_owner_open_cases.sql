-- depends: 0147_open_workflows_by_case
-- `mine`'s header count ("N open cases") from the totals by owner (issue 12): case_totals already
-- holds the open cases by tier, stage and owner (sql/0070, kept in the same transaction as every
-- write, compacted nightly), so a person's count is O(their groups + the day's deltas), not a walk
-- of their open cases through the owner-queue index (3 ms for 6,667 cases, ~270 ms for 166,667, the
-- demo book's six owners at 1M). The past-due and breached counts still read their indexes.
CREATE INDEX case_totals_owner ON case_totals (owner_slack_id);

CREATE FUNCTION owner_open_cases(p_owner text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(sum(t.cases), 0)::bigint FROM case_totals t WHERE t.owner_slack_id = p_owner
$$;
