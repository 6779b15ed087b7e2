-- The Ops Console's "recent activity" (v_enforcement_recent, newest first, ties by event id) read
-- from the top of one index instead of sorting the whole log (issue 12: at 20M events the sort
-- took most of a minute). The composite replaces the occurred_at-only index, which it covers.
CREATE INDEX IF NOT EXISTS enforcement_events_recent ON enforcement_events (occurred_at DESC, id DESC);
DROP INDEX IF EXISTS enforcement_events_occurred;
