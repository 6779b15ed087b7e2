-- The bot's own state: "waiting for the document" messages whose threads accept the upload
-- that proves a step. Written only through open_upload_request; read through v_upload_requests.

CREATE TABLE upload_requests (
    id            bigserial PRIMARY KEY,
    channel       text NOT NULL,
    thread_ts     text NOT NULL,
    case_ref      text NOT NULL,
    step          text NOT NULL,             -- e.g. "levy:queue", "advance:7:levied", "pay"
    document_kind document_kind NOT NULL,
    intent        jsonb NOT NULL,            -- the ingestion intent, recorded once the file is stored
    requested_by  text NOT NULL,
    taken_by_file text,                      -- the Slack file that proves the step (first upload wins)
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, thread_ts)
);

CREATE FUNCTION open_upload_request(p_channel text, p_thread_ts text, p_case_ref text, p_step text,
    p_document_kind text, p_intent jsonb, p_requested_by text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM enforcement_cases WHERE case_ref = p_case_ref) THEN
        PERFORM df_raise('DF001', format('There is no case %s', p_case_ref), 'Check the number.');
    END IF;
    INSERT INTO upload_requests (channel, thread_ts, case_ref, step, document_kind, intent, requested_by)
    VALUES (p_channel, p_thread_ts, p_case_ref, p_step, p_document_kind::document_kind, p_intent, p_requested_by)
    ON CONFLICT (channel, thread_ts) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM upload_requests WHERE channel = p_channel AND thread_ts = p_thread_ts;
    END IF;
    RETURN v_id;
END $$;

-- The first file uploaded in the thread proves the step; true if `p_file_id` is (or now is) that file.
CREATE FUNCTION take_upload_request(p_id bigint, p_file_id text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_taken text;
BEGIN
    UPDATE upload_requests SET taken_by_file = p_file_id WHERE id = p_id AND taken_by_file IS NULL;
    SELECT taken_by_file INTO v_taken FROM upload_requests WHERE id = p_id;
    RETURN v_taken = p_file_id;
END $$;

CREATE VIEW v_upload_requests AS
SELECT id, channel, thread_ts, case_ref, step, document_kind::text AS document_kind, intent, requested_by,
       taken_by_file, created_at
  FROM upload_requests;

-- Which workflow steps need a document, and which kinds prove them (DOMAIN.md "Workflows").
CREATE VIEW v_workflow_transitions AS
SELECT kind::text AS kind, from_state, to_state, document_kinds::text[] AS document_kinds, terminal
  FROM workflow_transitions;
