-- The case card's last five events at a big book (issues 12 and 15). The card found them by
-- case_ref through v_enforcement_timeline, so every event of the case was read and sorted to keep
-- five (a case with a year of history has hundreds; pgbench on the 1M bench book, 20 events a
-- case: 0.26-0.54 ms -> 0.22-0.26 ms). The view gains case_id (its last column; nothing else
-- changes) and the card asks by it, so the (case_id, seq) index is read backwards for five rows.
CREATE OR REPLACE VIEW v_enforcement_timeline AS
SELECT e.id AS event_id, c.case_ref, e.seq, e.occurred_at, e.kind::text AS kind, e.actor, e.source,
       event_summary(e.kind, e.payload) AS summary, e.payload, e.document_id, doc.storage_key AS document_key,
       e.action_id, e.hash, e.case_id
  FROM enforcement_events e
  JOIN enforcement_cases c ON c.id = e.case_id
  LEFT JOIN enforcement_documents doc ON doc.id = e.document_id;
