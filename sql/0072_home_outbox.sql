-- The App Home is built by the outbox worker, never in a Slack request (issue 12): the request
-- (app_home_opened, the refresh button, a person's own action) queues "publish home for U", and
-- the worker builds the Ops Console when it sends, so the view shows the book as it is then.
-- Opens and actions before the worker takes the row coalesce into it: one publish per user.

INSERT INTO outbox_methods (method, purpose, keys, required) VALUES
    ('home.publish', 'a person''s App Home, built by the worker when it is sent, then views.publish',
     ARRAY['user_id'], ARRAY['user_id']);

-- At most one row per user that no worker has taken yet (claim_outbox counts attempts up, so a
-- row in flight no longer holds the place: a change after the worker read the book queues anew).
CREATE UNIQUE INDEX outbox_one_waiting_home ON outbox ((payload->>'user_id'))
    WHERE method = 'home.publish' AND status = 'pending' AND attempts = 0;

-- Queues (or joins the queued) App Home publish for a user; returns the outbox row id.
CREATE FUNCTION enqueue_home_publish(p_user text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id bigint;
BEGIN
    IF p_user IS NULL OR p_user !~ '^[UW][A-Z0-9]{2,}$' THEN
        PERFORM df_raise('DF008', format('"%s" is not a Slack user id', coalesce(p_user, '')),
                         'Slack user ids look like U0123ABCD.');
    END IF;
    INSERT INTO outbox (method, payload)
    VALUES ('home.publish', jsonb_build_object('user_id', p_user))
    ON CONFLICT ((payload->>'user_id')) WHERE method = 'home.publish' AND status = 'pending' AND attempts = 0
    DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM outbox
         WHERE method = 'home.publish' AND status = 'pending' AND attempts = 0 AND payload->>'user_id' = p_user;
    END IF;
    RETURN v_id;
END $$;
