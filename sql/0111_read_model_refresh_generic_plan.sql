-- The read model refresh (sql/0070_read_model.sql) runs on every write through a sanctioned
-- function: a stage move, a note, a blocker or a payment refreshes its case's row (issue 15).
-- Its one statement (the computed view for the given cases, upserted) takes a cases array: its
-- custom plan for one case looked cheaper than the generic plan for "any number of cases", so
-- PostgreSQL planned the whole view again on every call, most of a stage move's server time.
-- The generic plan reads the given cases by their primary key, whatever their number; the rows
-- it writes are the same.
ALTER FUNCTION refresh_case_read_model(bigint[]) SET plan_cache_mode = force_generic_plan;
