-- depends: 0080_queue_ops
-- An operator's retry starts a new round for an ingestion job: `retries` counts the rounds, so the
-- uploader's answer for a round (its outbox dedupe key carries the round, scheduler/ingestion.py)
-- is a new message when a retried job gives up again, instead of being swallowed as a duplicate of
-- the first round's. The first round keeps its old key (no suffix).

ALTER TABLE ingestion_jobs ADD COLUMN retries integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION queue_retry(p_kind text, p_id bigint, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_kind text := queue_kind_check(p_kind); v_status text;
BEGIN
    PERFORM queue_require_operator(p_actor, 'Retrying a queued row');
    IF v_kind = 'outbox' THEN
        SELECT status INTO v_status FROM outbox WHERE id = p_id FOR UPDATE;
    ELSE
        SELECT status INTO v_status FROM ingestion_jobs WHERE id = p_id FOR UPDATE;
    END IF;
    IF v_status IS NULL THEN
        PERFORM df_raise('DF009', format('There is no %s row %s', v_kind, p_id), 'See: dragonfly queue list --kind ' || v_kind);
    END IF;
    IF v_status NOT IN ('failed', 'pending') THEN
        PERFORM df_raise('DF008', format('%s:%s is %s: there is nothing to retry', v_kind, p_id, v_status),
                         'Only failed or stuck rows can be retried.');
    END IF;
    IF v_kind = 'outbox' THEN
        UPDATE outbox SET status = 'pending', attempts = 0, not_before = now() WHERE id = p_id;
    ELSE
        UPDATE ingestion_jobs SET status = 'pending', attempts = 0, not_before = now(), done_at = NULL,
                                  retries = retries + 1
         WHERE id = p_id;
    END IF;
    RETURN jsonb_build_object('ref', v_kind || ':' || p_id, 'was', v_status, 'status', 'pending');
END $$;

CREATE OR REPLACE FUNCTION queue_retry_failed(p_actor text, p_kind text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_outbox integer := 0; v_ingestion integer := 0;
BEGIN
    IF p_kind IS NOT NULL THEN PERFORM queue_kind_check(p_kind); END IF;
    PERFORM queue_require_operator(p_actor, 'Retrying failed rows');
    IF p_kind IS NULL OR lower(p_kind) = 'outbox' THEN
        UPDATE outbox SET status = 'pending', attempts = 0, not_before = now() WHERE status = 'failed';
        GET DIAGNOSTICS v_outbox = ROW_COUNT;
    END IF;
    IF p_kind IS NULL OR lower(p_kind) = 'ingestion' THEN
        UPDATE ingestion_jobs SET status = 'pending', attempts = 0, not_before = now(), done_at = NULL,
                                  retries = retries + 1
         WHERE status = 'failed';
        GET DIAGNOSTICS v_ingestion = ROW_COUNT;
    END IF;
    RETURN jsonb_build_object('outbox', v_outbox, 'ingestion', v_ingestion);
END $$;
