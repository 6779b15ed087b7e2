-- Rules Python reads instead of copying (issue 11): the document kinds that prove a payment, in the
-- order a form offers them. record_enforcement_payment checks a payment's proof against this list,
-- and the bot's payment form offers it (dragonfly/rules.py loads it once per process).
CREATE FUNCTION payment_proof_kinds() RETURNS document_kind[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['remittance', 'correspondence', 'officer_return', 'other']::document_kind[]
$$;

-- The stale rule's numbers, readable by the application role like every other read model.
CREATE VIEW v_stale_days AS SELECT tier, days FROM stale_days;
