-- Operating the queues (`dragonfly queue list|retry|discard`, `dragonfly doctor`, issue 16).
--
-- A delivery (outbox) or a document ingestion that exhausts its retries stays in its table as
-- 'failed'. These functions make such rows, and rows no worker has taken for a long time
-- ("stuck": the lease expired or the next attempt was due long ago, e.g. the scheduler is down),
-- visible and fixable through the sanctioned path:
--   queue_rows(p_kind, p_state, p_stuck_seconds)   what, for whom, attempts, last error, age
--   queue_retry(p_kind, p_id, p_actor)              back to pending, due now, attempts from zero
--   queue_retry_failed(p_kind, p_actor)             every failed row of one queue (or both)
--   queue_discard(p_kind, p_id, p_reason, p_actor)  gives up on a row for good, with the reason;
--                                                   on the case as a note event where there is one
-- p_kind is 'outbox' or 'ingestion'. Only an operator session (the CLI) or an admin may retry or
-- discard: the app role's callers must name an admin.

ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'failed', 'discarded'));
ALTER TABLE outbox ADD COLUMN discarded_at timestamptz, ADD COLUMN discarded_by text, ADD COLUMN discard_reason text;
ALTER TABLE ingestion_jobs DROP CONSTRAINT IF EXISTS ingestion_jobs_status_check;
ALTER TABLE ingestion_jobs ADD CONSTRAINT ingestion_jobs_status_check
    CHECK (status IN ('pending', 'done', 'failed', 'discarded'));
ALTER TABLE ingestion_jobs ADD COLUMN discarded_at timestamptz, ADD COLUMN discarded_by text,
    ADD COLUMN discard_reason text;
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';
CREATE INDEX ingestion_failed ON ingestion_jobs (id) WHERE status = 'failed';

-- Both queues in one shape. `case_ref`: the case a row serves (an ingestion job's case; an
-- outbox reply queued by an ingestion job, dedupe key ingestion:<id>:..., that job's case).
CREATE VIEW v_queue_rows AS
SELECT 'outbox'::text AS kind, o.id, 'outbox:' || o.id AS ref, o.status, o.method AS what,
       coalesce(o.payload->>'channel', o.payload->>'user', o.payload->>'user_id') AS for_whom,
       j.case_ref, o.attempts, o.last_error, o.created_at, o.not_before, o.discard_reason, o.discarded_by
  FROM outbox o
  LEFT JOIN ingestion_jobs j
         ON j.id = CASE WHEN o.dedupe_key ~ '^ingestion:\d{1,18}:' THEN split_part(o.dedupe_key, ':', 2)::bigint END
UNION ALL
SELECT 'ingestion', j.id, 'ingestion:' || j.id, j.status,
       concat_ws(' ', j.intent->>'op', j.intent->>'kind', j.intent->>'state', '(' || j.document_kind || ')'),
       j.uploader, j.case_ref, j.attempts, j.last_error, j.created_at, j.not_before, j.discard_reason, j.discarded_by
  FROM ingestion_jobs j;

CREATE FUNCTION queue_kind_check(p_kind text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_kind IS NULL OR lower(p_kind) NOT IN ('outbox', 'ingestion') THEN
        PERFORM df_raise('DF008', format('"%s" is not a queue', coalesce(p_kind, '')), 'Use outbox or ingestion.');
    END IF;
    RETURN lower(p_kind);
END $$;

-- p_state: 'failed', 'stuck', 'open' (failed or pending, the default) or 'all'. A pending row is
-- stuck when its not_before (the lease's end, or the next attempt) is more than p_stuck_seconds past.
CREATE FUNCTION queue_rows(p_kind text DEFAULT NULL, p_state text DEFAULT 'open', p_stuck_seconds integer DEFAULT 900,
    p_limit integer DEFAULT 200)
RETURNS TABLE (kind text, id bigint, ref text, status text, stuck boolean, what text, for_whom text, case_ref text,
               attempts integer, last_error text, created_at timestamptz, not_before timestamptz,
               age_seconds numeric, discard_reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_kind IS NOT NULL THEN PERFORM queue_kind_check(p_kind); END IF;
    IF coalesce(p_state, 'open') NOT IN ('failed', 'stuck', 'open', 'all') THEN
        PERFORM df_raise('DF008', format('"%s" is not a queue state', p_state), 'Use failed, stuck, open or all.');
    END IF;
    RETURN QUERY
    SELECT q.kind, q.id, q.ref, q.status,
           (q.status = 'pending' AND q.not_before < now() - make_interval(secs => p_stuck_seconds)),
           q.what, q.for_whom, q.case_ref, q.attempts, q.last_error, q.created_at, q.not_before,
           round(extract(epoch FROM now() - q.created_at), 0), q.discard_reason
      FROM v_queue_rows q
     WHERE (p_kind IS NULL OR q.kind = lower(p_kind))
       AND CASE coalesce(p_state, 'open')
             WHEN 'failed' THEN q.status = 'failed'
             WHEN 'stuck' THEN q.status = 'pending' AND q.not_before < now() - make_interval(secs => p_stuck_seconds)
             WHEN 'open' THEN q.status = 'failed'
                           OR (q.status = 'pending' AND q.not_before < now() - make_interval(secs => p_stuck_seconds))
             ELSE true END
     ORDER BY q.created_at, q.kind, q.id
     LIMIT p_limit;
END $$;

-- Depth and age per queue, for /metrics: pending and failed counts, age of the oldest pending row.
CREATE FUNCTION queue_depths() RETURNS TABLE (kind text, pending bigint, failed bigint, oldest_pending_seconds numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT 'outbox', count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'failed'),
           coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)
      FROM outbox WHERE status IN ('pending', 'failed')
    UNION ALL
    SELECT 'ingestion', count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'failed'),
           coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)
      FROM ingestion_jobs WHERE status IN ('pending', 'failed')
$$;

CREATE FUNCTION queue_require_operator(p_actor text, p_what text) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_actor IS NULL OR p_actor !~ '^([UW][A-Z0-9]+|system:[a-z_]+|cli:.+)$' THEN
        PERFORM df_raise('DF008', format('"%s" is not an actor', coalesce(p_actor, '')), 'Use cli:<name> or a Slack user id.');
    END IF;
    IF NOT is_admin(p_actor) THEN
        PERFORM df_raise('DF012', format('%s needs an operator or an admin', p_what),
                         'Run it from the dragonfly CLI, or ask an admin.');
    END IF;
END $$;

-- One row back to the queue: pending, due now, attempts from zero (so it gets every retry again;
-- a worker holding an old claim token cannot match the restarted count's early values in
-- practice, and its row was not pending anyway). Refuses rows already delivered or discarded.
CREATE FUNCTION queue_retry(p_kind text, p_id bigint, p_actor text) RETURNS jsonb
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
        UPDATE ingestion_jobs SET status = 'pending', attempts = 0, not_before = now(), done_at = NULL WHERE id = p_id;
    END IF;
    RETURN jsonb_build_object('ref', v_kind || ':' || p_id, 'was', v_status, 'status', 'pending');
END $$;

-- Every failed row of one queue (NULL: both) back to pending. Returns how many per queue.
CREATE FUNCTION queue_retry_failed(p_actor text, p_kind text DEFAULT NULL) RETURNS jsonb
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
        UPDATE ingestion_jobs SET status = 'pending', attempts = 0, not_before = now(), done_at = NULL
         WHERE status = 'failed';
        GET DIAGNOSTICS v_ingestion = ROW_COUNT;
    END IF;
    RETURN jsonb_build_object('outbox', v_outbox, 'ingestion', v_ingestion);
END $$;

-- Gives up on a failed or pending row for good, saying why. Where the row serves a case, the case
-- gets a note event with the reason (events are the record: "if it isn't written, it didn't happen").
CREATE FUNCTION queue_discard(p_kind text, p_id bigint, p_reason text, p_actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_kind text := queue_kind_check(p_kind);
    v_reason text;
    q v_queue_rows;
    c enforcement_cases;
    v_event bigint;
BEGIN
    PERFORM queue_require_operator(p_actor, 'Discarding a queued row');
    v_reason := btrim(coalesce(p_reason, ''));
    IF length(v_reason) < 3 THEN
        PERFORM df_raise('DF003', 'Discarding a queued row needs a reason', 'Add --reason "why it will never be sent".');
    END IF;
    IF v_kind = 'outbox' THEN
        PERFORM 1 FROM outbox WHERE id = p_id FOR UPDATE;
    ELSE
        PERFORM 1 FROM ingestion_jobs WHERE id = p_id FOR UPDATE;
    END IF;
    SELECT * INTO q FROM v_queue_rows v WHERE v.kind = v_kind AND v.id = p_id;
    IF NOT FOUND THEN
        PERFORM df_raise('DF009', format('There is no %s row %s', v_kind, p_id), 'See: dragonfly queue list --kind ' || v_kind);
    END IF;
    IF q.status NOT IN ('failed', 'pending') THEN
        PERFORM df_raise('DF008', format('%s is %s: there is nothing to discard', q.ref, q.status),
                         'Only failed or pending rows can be discarded.');
    END IF;
    IF v_kind = 'outbox' THEN
        UPDATE outbox SET status = 'discarded', discarded_at = now(), discarded_by = p_actor,
               discard_reason = left(v_reason, 2000) WHERE id = p_id;
    ELSE
        UPDATE ingestion_jobs SET status = 'discarded', discarded_at = now(), discarded_by = p_actor,
               discard_reason = left(v_reason, 2000), done_at = now() WHERE id = p_id;
    END IF;
    IF q.case_ref IS NOT NULL THEN
        c := lock_case(q.case_ref);
        v_event := append_event(c.id, 'note_added', p_actor, 'cli', jsonb_build_object(
            'text', format('Discarded %s (%s, %s attempts; last error: %s): %s', q.ref, q.what, q.attempts,
                           coalesce(q.last_error, 'none'), v_reason),
            'queue_row', q.ref, 'discard_reason', v_reason));
    END IF;
    RETURN jsonb_build_object('ref', q.ref, 'was', q.status, 'status', 'discarded', 'case_ref', q.case_ref,
                              'event_id', v_event);
END $$;
