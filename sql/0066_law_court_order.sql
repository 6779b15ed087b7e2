-- A court order is its own kind of document (issue 13 items 8, 10): leave of court for a second
-- restraining notice on the same garnishee (CPLR 5222(c)) and an order extending a levy (5232(a)).
-- Its own migration: a new enum value is usable only once this transaction has committed.
ALTER TYPE document_kind ADD VALUE IF NOT EXISTS 'court_order';
