-- depends: 0146_demo_book_set_based
-- A case's next workflow deadline and next blocker ETA (the read model's breach moment, sql/0144)
-- read from an index on (case, date) (issue 12). With only the date indexes, the planner may answer
-- min(next_deadline) for one case by walking the open workflows in deadline order until it meets
-- that case: every open workflow of the book read for each case. It did so whenever the statistics
-- said a case had many workflows - always before a big table's first ANALYZE: the set-based demo
-- seed (sql/0146) read 6.4 billion index entries for its first 260,000 cases, and the chunks slowed
-- from 20 s to 150 s. With (case_id, date) the first entry of the case is the answer at any size.
CREATE INDEX enforcement_actions_open_by_case ON enforcement_actions (case_id, next_deadline) WHERE is_open;
-- The same for blockers; it serves every read of a case's open blockers, so it replaces (case_id).
CREATE INDEX blockers_open_by_case ON blockers (case_id, eta) WHERE cleared_at IS NULL;
DROP INDEX blockers_open;
