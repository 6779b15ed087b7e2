-- The outbox sends only the Web API calls the product makes (security review, issue 10 item 1).
--
-- Before this migration enqueue_outbox took any method string, and the worker passed it to the
-- Slack client's URL join, which accepts an absolute URL: a login in the application role could
-- send the bot token to any server, call any Web API method (conversations.kick) or make the
-- worker upload a local file by path. Now each method the outbox may carry is a row here, with the
-- payload keys it may have and those it needs; enqueue_outbox refuses anything else, and the
-- worker (scheduler/outbox.py) dispatches through its own table of handlers, one per row here
-- (a test keeps the two equal). Uploads carry their bytes inline (`content_b64`), never a path.

CREATE TABLE outbox_methods (
    method    text PRIMARY KEY,
    purpose   text NOT NULL,
    keys      text[] NOT NULL,   -- payload keys the method may carry
    required  text[] NOT NULL    -- of which these must be present and non-empty
);

INSERT INTO outbox_methods (method, purpose, keys, required) VALUES
    ('chat.postMessage', 'messages to channels, threads and DMs (a U/W id is opened as a DM first)',
     ARRAY['channel', 'text', 'blocks', 'thread_ts', 'reply_broadcast', 'unfurl_links', 'unfurl_media', 'metadata'],
     ARRAY['channel', 'text']),
    ('chat.postEphemeral', 'replies only the person who acted can see',
     ARRAY['channel', 'user', 'text', 'blocks', 'thread_ts'],
     ARRAY['channel', 'user', 'text']),
    ('views.publish', 'a person''s App Home (Ops Console)',
     ARRAY['user_id', 'view'],
     ARRAY['user_id', 'view']),
    ('files_upload_v2', 'a file made by the product (the weekly chart), bytes inline as base64; '
     'sent as files.getUploadURLExternal, the upload, files.completeUploadExternal',
     ARRAY['channel', 'filename', 'title', 'content_b64', 'initial_comment', 'thread_ts'],
     ARRAY['channel', 'filename', 'content_b64']);

-- Rows queued before this migration with a method outside the list are never sent.
UPDATE outbox SET status = 'failed',
       last_error = format('refused: %s is not a Web API method the outbox sends', method)
 WHERE status = 'pending' AND method NOT IN (SELECT method FROM outbox_methods);
-- NOT VALID: old failed rows keep their method text; every new row must name a listed method.
ALTER TABLE outbox ADD CONSTRAINT outbox_method_allowed
    FOREIGN KEY (method) REFERENCES outbox_methods (method) NOT VALID;

CREATE OR REPLACE FUNCTION enqueue_outbox(p_method text, p_payload jsonb, p_dedupe_key text DEFAULT NULL,
    p_not_before timestamptz DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    m outbox_methods;
    v_id bigint;
    v_extra text[];
    v_missing text[];
BEGIN
    SELECT * INTO m FROM outbox_methods WHERE method = p_method;
    IF NOT FOUND THEN
        PERFORM df_raise('DF008', format('%s is not a Slack Web API call the outbox sends', coalesce(p_method, 'NULL')),
            format('Use one of: %s.', (SELECT string_agg(method, ', ' ORDER BY method) FROM outbox_methods)));
    END IF;
    IF p_payload IS NULL OR jsonb_typeof(p_payload) <> 'object' THEN
        PERFORM df_raise('DF008', format('The payload of %s must be a JSON object of its arguments', p_method));
    END IF;
    SELECT array_agg(k ORDER BY k) INTO v_extra
      FROM jsonb_object_keys(p_payload) AS k WHERE k <> ALL (m.keys);
    IF v_extra IS NOT NULL THEN
        PERFORM df_raise('DF008', format('%s does not take %s in the outbox', p_method, array_to_string(v_extra, ', ')),
            format('It takes: %s.', array_to_string(m.keys, ', ')));
    END IF;
    SELECT array_agg(k ORDER BY k) INTO v_missing
      FROM unnest(m.required) AS k
     WHERE p_payload->k IS NULL OR jsonb_typeof(p_payload->k) = 'null' OR p_payload->>k = '';
    IF v_missing IS NOT NULL THEN
        PERFORM df_raise('DF008', format('%s needs %s', p_method, array_to_string(v_missing, ', ')));
    END IF;
    INSERT INTO outbox (method, payload, dedupe_key, not_before)
    VALUES (p_method, p_payload, p_dedupe_key, coalesce(p_not_before, df_now()))
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM outbox WHERE dedupe_key = p_dedupe_key;
    END IF;
    RETURN v_id;
END $$;
