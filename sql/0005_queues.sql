-- Durable queues between the request path and the workers, and exactly-once claims.
-- Rows are taken with FOR UPDATE SKIP LOCKED and leased: a worker that dies mid-delivery
-- leaves the row to be retried after the lease, so nothing is lost.

CREATE FUNCTION enqueue_outbox(p_method text, p_payload jsonb, p_dedupe_key text DEFAULT NULL,
    p_not_before timestamptz DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id bigint;
BEGIN
    INSERT INTO outbox (method, payload, dedupe_key, not_before)
    VALUES (p_method, p_payload, p_dedupe_key, coalesce(p_not_before, df_now()))
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM outbox WHERE dedupe_key = p_dedupe_key;
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION claim_outbox(p_limit integer DEFAULT 20, p_lease_seconds integer DEFAULT 60)
RETURNS SETOF outbox LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT id FROM outbox WHERE status = 'pending' AND not_before <= now()
         ORDER BY not_before, id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    UPDATE outbox o SET attempts = o.attempts + 1, not_before = now() + make_interval(secs => p_lease_seconds)
      FROM due WHERE o.id = due.id RETURNING o.*;
END $$;

-- The claim token is the `attempts` count claim_outbox returned: a worker whose lease ran out and
-- whose row was claimed again (attempts moved on) holds a stale token, and every call below refuses
-- it. NULL (the default) skips the token check, for callers that claimed nothing.

-- Before each send: renew the lease of a row this worker still holds (cheap, by primary key). False
-- if the row was claimed again, sent or failed meanwhile: the worker must not send it.
CREATE FUNCTION renew_outbox_lease(p_id bigint, p_attempts integer, p_lease_seconds integer DEFAULT 60)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE outbox SET not_before = greatest(not_before, now() + make_interval(secs => p_lease_seconds))
     WHERE id = p_id AND status = 'pending' AND attempts = p_attempts;
    RETURN FOUND;
END $$;

-- Locks a held row for the duration of the sending transaction (claim_outbox skips locked rows, so
-- no other worker can take it while the HTTP call is in flight, whatever the lease says). False if
-- the row is no longer this worker's.
CREATE FUNCTION hold_outbox_row(p_id bigint, p_attempts integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM outbox WHERE id = p_id AND status = 'pending' AND attempts = p_attempts FOR UPDATE;
    RETURN FOUND;
END $$;

-- True if the row was marked sent by this call (false: stale token, or no longer pending).
CREATE FUNCTION mark_outbox_sent(p_id bigint, p_slack_ts text DEFAULT NULL, p_attempts integer DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE outbox SET status = 'sent', sent_at = now(), slack_ts = p_slack_ts, last_error = NULL
     WHERE id = p_id AND status = 'pending' AND (p_attempts IS NULL OR attempts = p_attempts);
    RETURN FOUND;
END $$;

-- A failed delivery waits `p_delay_seconds` (Slack's Retry-After, or back-off); gives up after p_max_attempts.
-- Returns the row's new status, NULL if it refused (stale token, or no longer pending).
CREATE FUNCTION mark_outbox_retry(p_id bigint, p_delay_seconds numeric, p_error text, p_max_attempts integer DEFAULT 12,
    p_attempts integer DEFAULT NULL)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_status text;
BEGIN
    UPDATE outbox SET last_error = left(p_error, 2000),
           status = CASE WHEN attempts >= p_max_attempts THEN 'failed' ELSE 'pending' END,
           not_before = now() + make_interval(secs => greatest(p_delay_seconds, 0))
     WHERE id = p_id AND status = 'pending'   -- a stale worker never reopens a sent row
       AND (p_attempts IS NULL OR attempts = p_attempts)  -- nor touches a row claimed again
     RETURNING status INTO v_status;
    RETURN v_status;
END $$;

CREATE FUNCTION create_ingestion_job(p_dedupe_key text, p_case_ref text, p_document_kind text, p_slack_file_id text,
    p_uploader text, p_intent jsonb, p_file_name text DEFAULT NULL, p_download_url text DEFAULT NULL,
    p_reply_channel text DEFAULT NULL, p_reply_thread_ts text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id bigint; v_kind text; c enforcement_cases;
BEGIN
    SELECT * INTO c FROM enforcement_cases WHERE case_number = substring(p_case_ref FROM '\d+')::bigint;
    IF NOT FOUND THEN
        PERFORM df_raise('DF001', format('There is no case %s', p_case_ref), 'Check the number.');
    END IF;
    v_kind := enum_text_check(p_document_kind, ARRAY['execution', 'levy_notice', 'subpoena', 'proof_of_service',
        'restraining_notice', 'exemption_forms', 'officer_return', 'transmittal', 'remittance', 'search_report',
        'correspondence', 'other'], 'document kind');
    INSERT INTO ingestion_jobs (dedupe_key, case_ref, document_kind, slack_file_id, file_name, download_url, uploader,
                                intent, reply_channel, reply_thread_ts)
    VALUES (p_dedupe_key, c.case_ref, v_kind::document_kind, p_slack_file_id, p_file_name, p_download_url, p_uploader,
            p_intent, p_reply_channel, p_reply_thread_ts)
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM ingestion_jobs WHERE dedupe_key = p_dedupe_key;
        RETURN jsonb_build_object('job_id', v_id, 'created', false);
    END IF;
    RETURN jsonb_build_object('job_id', v_id, 'created', true);
END $$;

CREATE FUNCTION claim_ingestion_jobs(p_limit integer DEFAULT 5, p_lease_seconds integer DEFAULT 300)
RETURNS SETOF ingestion_jobs LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT id FROM ingestion_jobs WHERE status = 'pending' AND not_before <= now()
         ORDER BY not_before, id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    UPDATE ingestion_jobs j SET attempts = j.attempts + 1, not_before = now() + make_interval(secs => p_lease_seconds)
      FROM due WHERE j.id = due.id RETURNING j.*;
END $$;

CREATE FUNCTION finish_ingestion_job(p_id bigint, p_status text, p_result jsonb DEFAULT NULL, p_error text DEFAULT NULL,
    p_retry_seconds numeric DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- p_status: done | failed | retry
    UPDATE ingestion_jobs SET
        status = CASE WHEN p_status = 'retry' THEN 'pending' ELSE p_status END,
        result = coalesce(p_result, result), last_error = left(p_error, 2000),
        not_before = CASE WHEN p_status = 'retry' THEN now() + make_interval(secs => coalesce(p_retry_seconds, 30))
                          ELSE not_before END,
        done_at = CASE WHEN p_status IN ('done', 'failed') THEN now() END
     WHERE id = p_id AND status = 'pending';  -- a worker whose lease ran out never reopens a finished job
END $$;

-- Slack idempotency: true the first time a request key (event_id, view.id, action_ts) is seen.
-- Call it in the same transaction as the action it guards, so a refused action claims nothing.
CREATE FUNCTION claim_request(p_key text, p_result jsonb DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO handled_requests (request_key, result) VALUES (p_key, p_result) ON CONFLICT DO NOTHING;
    RETURN FOUND;
END $$;

-- Scheduler exactly-once: true if this (job, period) was not claimed before. Call it in the
-- transaction that queues the job's outbox messages.
CREATE FUNCTION claim_job_run(p_job text, p_period text, p_by text, p_summary jsonb DEFAULT '{}') RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO job_runs (job, period, claimed_by, summary) VALUES (p_job, p_period, p_by, coalesce(p_summary, '{}'))
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END $$;

CREATE VIEW v_outbox AS SELECT id, dedupe_key, method, payload, status, attempts, not_before, last_error,
    created_at, sent_at, slack_ts FROM outbox;
CREATE VIEW v_ingestion_jobs AS SELECT * FROM ingestion_jobs;
CREATE VIEW v_job_runs AS SELECT * FROM job_runs;
CREATE VIEW v_recovery_plan AS SELECT * FROM recovery_plan;
