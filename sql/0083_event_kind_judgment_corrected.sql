-- A correction of a judgment's facts is an event of its own (issue 16). Alone in its migration:
-- a new enum value can be used only after the transaction that adds it commits.
ALTER TYPE event_kind ADD VALUE IF NOT EXISTS 'judgment_corrected';
