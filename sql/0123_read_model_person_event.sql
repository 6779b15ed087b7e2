-- The read model on the write path (issue 12: a note or any act of a person within 3x of its
-- floor). Every event from a person moves the case's last_person_event_at, and with it only the
-- moment the case goes stale; the rest of its read model row (balance, interest window, SLA
-- breach moment) cannot change. That moment is now written directly, with the expression of
-- v_case_read_model_computed.stale_after (sql/0070; the read-model tests compare the two), instead
-- of recomputing the whole row (interest window, business-day arithmetic, three child aggregates).
CREATE OR REPLACE FUNCTION rm_case_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A set-based writer (assign_tiers) refreshes its cases itself, in one statement, afterwards.
    IF current_setting('dragonfly.read_model_deferred', true) = 'on' THEN RETURN NULL; END IF;
    IF (OLD.tier, OLD.stage, OLD.stage_entered_at, OLD.status, OLD.owner_slack_id, OLD.next_action_at, OLD.judgment_id)
       IS NOT DISTINCT FROM
       (NEW.tier, NEW.stage, NEW.stage_entered_at, NEW.status, NEW.owner_slack_id, NEW.next_action_at, NEW.judgment_id)
    THEN
        UPDATE case_read_model m
           SET stale_after = s.stale_after
          FROM (SELECT CASE WHEN NEW.status = 'open' THEN
                       ((coalesce(NEW.last_person_event_at, NEW.created_at) AT TIME ZONE 'UTC')
                        + make_interval(days => (SELECT st.days FROM stale_days st WHERE st.tier = NEW.tier)))
                       AT TIME ZONE 'UTC' + interval '1 microsecond' END AS stale_after) s
         WHERE m.case_id = NEW.id AND m.stale_after IS DISTINCT FROM s.stale_after;
        IF FOUND THEN RETURN NULL; END IF;
        -- no row to move (none stored yet, or already equal): the full refresh decides
    END IF;
    PERFORM refresh_case_read_model(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
