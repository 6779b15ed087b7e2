-- Index-only scans stay index-only on the two hot tables of a big book (issue 12). The digest,
-- `mine` and the Ops Console count and rank from indexes of enforcement_cases and case_read_model;
-- a row updated since the last VACUUM clears its page's all-visible bit, and every index entry on
-- that page is then checked against the heap. The nightly job updates ~100,000 cases of a
-- 1,000,000-case book (warnings, tiers), and at the default scale factor (0.2) autovacuum waits for
-- 200,000 dead rows, so the morning's digest read every case it counted from the heap: measured on
-- the bench book, digest_lines 2.36 s with 100,000 heap fetches per section -> 1.79 s after VACUUM.
-- Vacuuming these tables after 1% of their rows changed is cheap (the visibility map lets VACUUM
-- skip the clean pages) and keeps the morning reads on the index.
ALTER TABLE enforcement_cases SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE case_read_model SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
