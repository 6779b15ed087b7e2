-- depends: 0144_read_model_firm_date_once
-- Room on each page for the updates every write makes (issue 12). Every event moves its case's
-- chain head (enforcement_cases.event_seq, last_event_hash) and a person's event moves the read
-- model's stale_after; neither column is indexed, so PostgreSQL can write the new row version on
-- the same page without touching an index (a HOT update) - if the page has room. Imported and seeded
-- rows fill their pages (fillfactor 100), so on a fresh big book such an update went to another
-- page and added an entry to each of enforcement_cases' 13 indexes and case_read_model's 5. Keeping
-- 10% of each page free leaves room for the next versions; judgments (a payment moves its unpaid
-- parts, none indexed) likewise. New pages follow at once; pages already full take it as they are
-- rewritten (VACUUM FULL, or over time as rows move).
ALTER TABLE enforcement_cases SET (fillfactor = 90);
ALTER TABLE case_read_model SET (fillfactor = 90);
ALTER TABLE judgments SET (fillfactor = 90);
