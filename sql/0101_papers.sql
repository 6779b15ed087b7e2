-- Papers (issue 17): addresses as case facts, read models the paper data needs, and drafts that
-- are stored like any document but never accepted as proof of a step.

-- Where papers go and where service happens: the debtor, garnishees (banks and other third
-- parties), the employer (income execution, CPLR 5231) and enforcement officers (marshal or
-- sheriff). One current debtor and one current employer address per case; garnishees and officers
-- by name. A replaced address stays as history (current = false); the event log says who and when.
CREATE TABLE case_addresses (
    id       bigserial PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES enforcement_cases(id),
    role     text NOT NULL CHECK (role IN ('debtor', 'garnishee', 'employer', 'officer')),
    name     text NOT NULL CHECK (btrim(name) <> ''),
    name_key text GENERATED ALWAYS AS (lower(regexp_replace(btrim(name), '\s+', ' ', 'g'))) STORED,
    address  text NOT NULL CHECK (btrim(address) <> ''),
    set_by   text NOT NULL,
    set_at   timestamptz NOT NULL DEFAULT df_now(),
    current  boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX case_addresses_current ON case_addresses (case_id, role, name_key) WHERE current;

-- Records (or replaces) an address. Lines are separated by newlines or ';'. A mailing address
-- needs a ZIP code, so one without it is refused rather than printed on a paper.
CREATE FUNCTION set_case_address(p_case_ref text, p_role text, p_address text, p_actor text,
    p_name text DEFAULT NULL, p_source text DEFAULT 'slack') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_role text;
    v_name text;
    v_key text;
    v_address text;
    v_old case_addresses;
    v_id bigint;
BEGIN
    c := lock_case(p_case_ref);
    PERFORM require_open(c);
    v_role := enum_text_check(p_role, ARRAY['debtor', 'garnishee', 'employer', 'officer'], 'address role');
    SELECT string_agg(btrim(line), E'\n' ORDER BY n) INTO v_address
      FROM regexp_split_to_table(coalesce(p_address, ''), '\s*[;\n]\s*') WITH ORDINALITY AS t(line, n)
     WHERE btrim(line) <> '';
    IF v_address IS NULL THEN
        PERFORM df_raise('DF003', format('An address for the %s is required', v_role),
                         'Write it as: street; city, NY ZIP (e.g. 12 Main St; Brooklyn, NY 11201).');
    END IF;
    IF length(v_address) > 400 THEN
        PERFORM df_raise('DF008', 'That address is longer than 400 characters', 'Give the mailing address only.');
    END IF;
    IF v_address !~ '(^|[^0-9])[0-9]{5}(-[0-9]{4})?([^0-9]|$)' THEN
        PERFORM df_raise('DF008', format('The address "%s" has no ZIP code', replace(v_address, E'\n', '; ')),
                         'Write the full mailing address, e.g. 12 Main St; Brooklyn, NY 11201.');
    END IF;
    IF v_role = 'debtor' THEN
        v_name := coalesce(nullif(btrim(p_name), ''),
                           (SELECT d.name FROM judgments j JOIN debtors d ON d.id = j.debtor_id WHERE j.id = c.judgment_id));
    ELSE
        v_name := nullif(btrim(p_name), '');
        IF v_name IS NULL THEN
            PERFORM df_raise('DF003', format('The %s''s name is required', v_role),
                             format('Write: address %s %s <name>; <street>; <city, NY ZIP>', c.case_ref, v_role));
        END IF;
    END IF;
    v_key := lower(regexp_replace(v_name, '\s+', ' ', 'g'));
    SELECT * INTO v_old FROM case_addresses
     WHERE case_id = c.id AND role = v_role AND current
       AND (v_role IN ('debtor', 'employer') OR name_key = v_key);
    IF FOUND AND v_old.name_key = v_key AND v_old.address = v_address THEN
        RETURN jsonb_build_object('case_ref', c.case_ref, 'role', v_role, 'name', v_old.name, 'address', v_old.address,
                                  'address_id', v_old.id, 'changed', false);
    END IF;
    IF v_old.id IS NOT NULL THEN
        UPDATE case_addresses SET current = false WHERE id = v_old.id;
    END IF;
    INSERT INTO case_addresses (case_id, role, name, address, set_by)
    VALUES (c.id, v_role, v_name, v_address, p_actor) RETURNING id INTO v_id;
    PERFORM append_event(c.id, 'address_set', p_actor, p_source, jsonb_strip_nulls(jsonb_build_object(
        'address_id', v_id, 'role', v_role, 'name', v_name, 'address', v_address,
        'previous', CASE WHEN v_old.id IS NULL THEN NULL
                         ELSE jsonb_build_object('name', v_old.name, 'address', v_old.address) END)));
    RETURN jsonb_build_object('case_ref', c.case_ref, 'role', v_role, 'name', v_name, 'address', v_address,
                              'address_id', v_id, 'changed', true,
                              'replaced', CASE WHEN v_old.id IS NULL THEN NULL ELSE v_old.address END);
END $$;

CREATE VIEW v_case_addresses AS
SELECT a.id AS address_id, c.case_ref, a.role, a.name, a.address, a.set_by, a.set_at
  FROM case_addresses a JOIN enforcement_cases c ON c.id = a.case_id
 WHERE a.current;

-- The dated interest segments of a case's judgment (CPLR 5004): a paper states the rate and its basis.
CREATE VIEW v_interest_segments AS
SELECT s.id AS segment_id, c.case_ref, s.from_date, s.to_date, s.rate, s.why
  FROM interest_segments s JOIN enforcement_cases c ON c.judgment_id = s.judgment_id;

-- Policy numbers the papers print (exempt amounts, CPLR 5205(l), 5222-a, 5231(b)).
CREATE VIEW v_exemption_amounts AS SELECT name, amount, effective_from, why FROM exemption_amounts;
CREATE VIEW v_garnishment_policy AS SELECT effective_from, max_gross_share, why FROM garnishment_policy;

-- The redefinitions below copy the current bodies (0003_functions.sql, 0004_views.sql) and add
-- the `draft` document kind and the `address_set` event.

CREATE OR REPLACE FUNCTION require_document(c enforcement_cases, p_document_id bigint, p_kinds document_kind[], p_step text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_kind document_kind;
BEGIN
    IF cardinality(p_kinds) = 0 THEN RETURN; END IF;
    IF p_document_id IS NULL THEN
        PERFORM df_raise('DF005', format('%s needs a document (%s) before it is recorded', p_step,
                         array_to_string(p_kinds, ' or ')), 'Upload the document with the step.');
    END IF;
    SELECT kind INTO v_kind FROM enforcement_documents WHERE id = p_document_id AND case_id = c.id;
    IF NOT FOUND THEN
        PERFORM df_raise('DF005', format('Document #%s is not stored on %s', p_document_id, c.case_ref),
                         'Upload the document to this case first.');
    END IF;
    -- A draft is what Dragonfly filled in, not what was signed and served: never proof (issue 17).
    IF v_kind = 'draft' THEN
        PERFORM df_raise('DF005', format('Document #%s is a draft Dragonfly made, not proof: %s needs the %s that was signed and served',
                         p_document_id, p_step, array_to_string(p_kinds, ' or ')),
                         'Review and sign the draft, serve it, then upload the served copy.');
    END IF;
    IF NOT v_kind = ANY (p_kinds) THEN
        PERFORM df_raise('DF005', format('%s needs a %s document, not %s', p_step, array_to_string(p_kinds, ' or '), v_kind),
                         'Upload the right kind of document.');
    END IF;
END $$;

CREATE OR REPLACE FUNCTION attach_enforcement_document(p_case_ref text, p_kind text, p_storage_key text, p_sha256 text,
    p_size_bytes bigint, p_content_type text, p_original_name text, p_uploader text, p_source text DEFAULT 'slack')
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c enforcement_cases;
    v_kind text;
    d enforcement_documents;
BEGIN
    c := lock_case(p_case_ref);
    -- every label of the enum (issue 11: no hand-spelled copy of the kinds)
    v_kind := enum_text_check(p_kind, enum_range(NULL::document_kind)::text[], 'document kind');
    IF p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' OR coalesce(p_size_bytes, 0) <= 0 OR btrim(coalesce(p_storage_key, '')) = '' THEN
        PERFORM df_raise('DF008', 'A document needs its storage key, sha256 and size', 'Store the file first.');
    END IF;
    -- The same bytes on the same case and kind are one document.
    SELECT * INTO d FROM enforcement_documents WHERE case_id = c.id AND kind = v_kind::document_kind AND sha256 = p_sha256;
    IF FOUND THEN
        RETURN jsonb_build_object('case_ref', c.case_ref, 'document_id', d.id, 'storage_key', d.storage_key, 'created', false);
    END IF;
    INSERT INTO enforcement_documents (case_id, kind, storage_key, sha256, size_bytes, content_type, original_name, uploaded_by)
    VALUES (c.id, v_kind::document_kind, p_storage_key, p_sha256, p_size_bytes, p_content_type,
            coalesce(nullif(btrim(p_original_name), ''), 'document'), p_uploader)
    RETURNING * INTO d;
    PERFORM append_event(c.id, 'document_attached', p_uploader, p_source, jsonb_build_object(
        'kind', v_kind, 'name', d.original_name, 'sha256', d.sha256, 'size', d.size_bytes), d.id);
    RETURN jsonb_build_object('case_ref', c.case_ref, 'document_id', d.id, 'storage_key', d.storage_key, 'created', true);
END $$;

CREATE OR REPLACE FUNCTION event_summary(p_kind event_kind, p jsonb) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE p_kind
        WHEN 'case_created' THEN format('Case opened: %s v. %s, %s %s, principal $%s', p->>'plaintiff', p->>'debtor',
                                        p->>'court', p->>'index_number', p->>'principal')
        WHEN 'stage_changed' THEN format('Stage %s -> %s after %s days%s', p->>'from', p->>'to', p->>'dwell_days',
                                         coalesce(' (' || coalesce(p->>'closing_reason', p->>'note') || ')', ''))
        WHEN 'case_reopened' THEN format('Reopened into %s%s', p->>'to', coalesce(': ' || (p->>'note'), ''))
        WHEN 'blocker_logged' THEN format('Blocked (%s): %s, ETA %s', p->>'kind', p->>'reason', p->>'eta')
        WHEN 'blocker_cleared' THEN format('Blocker cleared (%s): %s', p->>'kind', p->>'reason')
        WHEN 'tier_override_set' THEN format('Tier overridden %s -> %s until %s: %s', p->>'previous_tier', p->>'tier',
                                             firm_day(p->>'expires_at'), p->>'reason')
        WHEN 'tier_override_expired' THEN format('Tier override expired; Tier %s -> %s', p->>'from', p->>'to')
        WHEN 'tier_changed' THEN format('Tier %s -> %s (score %s)', p->>'from', p->>'to', p->>'score')
        WHEN 'action_queued' THEN format('%s #%s started: %s', p->>'kind', p->>'action_id', p->>'state')
        WHEN 'action_advanced' THEN format('%s #%s: %s -> %s', p->>'kind', p->>'action_id', p->>'from', p->>'to')
        WHEN 'subpoena_issued' THEN format('Information subpoena #%s served on %s', p->>'action_id', p->>'recipient')
        WHEN 'payment_recorded' THEN format('Payment $%s (%s): interest $%s, principal $%s, costs $%s', p->>'gross',
                                            p->>'kind', p->>'interest_part', p->>'principal_part', p->>'costs_part')
        WHEN 'document_attached' THEN format('Document stored (%s): %s', p->>'kind', p->>'name')
        WHEN 'owner_assigned' THEN format('Owner: <@%s>', p->>'to')
        WHEN 'note_added' THEN 'Note: ' || left(p->>'text', 200)
        WHEN 'next_action_set' THEN format('Next action %s%s', firm_day(p->>'at'), coalesce(': ' || (p->>'what'), ''))
        WHEN 'asset_recorded' THEN format('Asset (%s): %s', p->>'kind', p->>'description')
        WHEN 'flag_set' THEN format('Flag %s = %s: %s', p->>'flag', p->>'value', p->>'reason')
        WHEN 'deadline_warning' THEN format('Deadline warning: %s #%s %s due %s', p->>'kind', p->>'action_id',
                                            p->>'warning', p->>'due')
        WHEN 'address_set' THEN format('Address (%s) %s: %s', p->>'role', p->>'name',
                                       replace(p->>'address', E'\n', ', '))
    END
$$;
