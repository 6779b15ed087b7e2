-- The Slack request path in one statement (issue 15): a typed `/enforce stage` or `/enforce note`
-- used to be five round trips in one transaction (BEGIN, claim_request, the sanctioned function,
-- enqueue_home_publish, COMMIT). This wrapper does the same three calls, in the same order, in one
-- statement, which is one transaction when sent in autocommit: a refusal from the sanctioned
-- function rolls back the claim and the home refresh with it, exactly as before.
--
-- SECURITY INVOKER on purpose: it only calls functions the caller may already call, so the role
-- rules (the functions' own checks and the trigger on enforcement_events, sql/0050) apply to the
-- caller as they did when it made the calls one by one.

-- Returns NULL when p_key was claimed before (Slack sent the request again: nothing is recorded),
-- else the sanctioned function's own result.
CREATE FUNCTION slack_command(p_key text, p_op text, p_actor text, p_args jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE v_result jsonb;
BEGIN
    IF p_key IS NOT NULL AND p_key <> '' AND NOT claim_request(p_key) THEN
        RETURN NULL;
    END IF;
    CASE p_op
        WHEN 'stage' THEN
            v_result := set_enforcement_stage(
                p_case_ref => p_args->>'case_ref', p_stage => p_args->>'stage', p_actor => p_actor,
                p_note => p_args->>'note', p_closing_reason => p_args->>'closing_reason',
                p_clear_blockers => coalesce((p_args->>'clear_blockers')::boolean, false));
        WHEN 'note' THEN
            v_result := add_case_note(p_case_ref => p_args->>'case_ref', p_text => p_args->>'text',
                                      p_actor => p_actor);
        ELSE
            PERFORM df_raise('DF008', format('"%s" is not a Slack command this function runs', p_op),
                             'Use stage or note.');
    END CASE;
    -- The person's App Home is rebuilt by the outbox worker (sql/0072), as after every action.
    PERFORM enqueue_home_publish(p_actor);
    RETURN v_result;
END $$;
