-- Papers (issue 17). New enum values get their own migration: PostgreSQL refuses to use a value
-- added by ALTER TYPE ... ADD VALUE in the transaction that added it, and 0101 uses both.
-- `draft`: a paper Dragonfly filled in from the case; stored like any document, never proof.
ALTER TYPE document_kind ADD VALUE IF NOT EXISTS 'draft';
-- `address_set`: a debtor, garnishee, employer or officer address recorded as a case fact.
ALTER TYPE event_kind ADD VALUE IF NOT EXISTS 'address_set';
