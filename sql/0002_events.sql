-- The append-only, hash-chained event log, and the helpers every sanctioned function uses.

INSERT INTO policy_settings VALUES ('firm_timezone', 'America/New_York', 'the firm''s local time for dates and reminders');



CREATE TABLE enforcement_events (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES enforcement_cases(id),
    seq         integer NOT NULL,
    kind        event_kind NOT NULL,
    actor       text NOT NULL CHECK (actor ~ '^([UW][A-Z0-9]+|system:[a-z_]+|cli:.+)$'),
    source      text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    document_id bigint REFERENCES enforcement_documents(id),
    action_id   bigint REFERENCES enforcement_actions(id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX enforcement_events_occurred ON enforcement_events (occurred_at DESC);
CREATE INDEX enforcement_events_action ON enforcement_events (action_id) WHERE action_id IS NOT NULL;

-- Corrections are new events: the log refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'enforcement_events is append-only: record a correcting event instead'
        USING ERRCODE = 'DF013';
END $$;
CREATE TRIGGER enforcement_events_append_only BEFORE UPDATE OR DELETE ON enforcement_events
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER enforcement_events_no_truncate BEFORE TRUNCATE ON enforcement_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();

-- The canonical text of an event that its hash covers (doctor recomputes it the same way).
CREATE FUNCTION event_canonical(p_case_id bigint, p_seq integer, p_kind event_kind, p_actor text, p_source text,
    p_payload jsonb, p_document_id bigint, p_action_id bigint, p_occurred_at timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$  -- STABLE like to_char and concat_ws, so the planner inlines it
    SELECT concat_ws('|', p_case_id::text, p_seq::text, p_kind::text, p_actor, p_source,
        coalesce(p_document_id::text, ''), coalesce(p_action_id::text, ''),
        to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_payload::text)
$$;

CREATE FUNCTION event_hash(p_prev_hash text, p_canonical text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(p_prev_hash || '|' || p_canonical, 'UTF8')), 'hex')
$$;

-- When an event happens: the controlled clock if one is set, else the wall clock (so events of one
-- transaction keep their order).
CREATE FUNCTION event_time() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN coalesce(current_setting('dragonfly.clock', true), '') = '' THEN clock_timestamp() ELSE df_now() END
$$;

-- Inserts one event after the chain head (p_seq - 1, p_prev_hash) and returns its id and hash. The
-- caller holds the case row lock and stores (p_seq, hash) as the new head of the chain.
CREATE FUNCTION insert_event(p_case_id bigint, p_seq integer, p_prev_hash text, p_kind event_kind, p_actor text,
    p_source text, p_payload jsonb, p_document_id bigint, p_action_id bigint, p_at timestamptz,
    OUT event_id bigint, OUT hash text) LANGUAGE plpgsql AS $$
BEGIN
    hash := event_hash(p_prev_hash, event_canonical(p_case_id, p_seq, p_kind, p_actor, p_source,
                                                    p_payload, p_document_id, p_action_id, p_at));
    INSERT INTO enforcement_events (case_id, seq, kind, actor, source, payload, document_id, action_id,
                                    occurred_at, prev_hash, hash)
    VALUES (p_case_id, p_seq, p_kind, p_actor, p_source, p_payload, p_document_id, p_action_id,
            p_at, p_prev_hash, hash)
    RETURNING id INTO event_id;
END $$;

-- Appends one event to a case's chain. The row lock (FOR UPDATE; callers normally hold it already)
-- serialises appends per case so the chain never forks. One read and one write of the case row.
CREATE FUNCTION append_event(p_case_id bigint, p_kind event_kind, p_actor text, p_source text,
    p_payload jsonb DEFAULT '{}', p_document_id bigint DEFAULT NULL, p_action_id bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq  integer;
    v_prev text;
    v_at   timestamptz := event_time();
    v_ev   record;
BEGIN
    SELECT event_seq + 1, last_event_hash INTO v_seq, v_prev FROM enforcement_cases WHERE id = p_case_id FOR UPDATE;
    SELECT * INTO v_ev FROM insert_event(p_case_id, v_seq, v_prev, p_kind, p_actor, p_source, p_payload,
                                         p_document_id, p_action_id, v_at);
    UPDATE enforcement_cases SET event_seq = v_seq, last_event_hash = v_ev.hash,
           last_person_event_at = CASE WHEN p_actor LIKE 'system:%' THEN last_person_event_at ELSE v_at END
     WHERE id = p_case_id;
    RETURN v_ev.event_id;
END $$;

-- Refusals: SQLSTATE class DF, mapped one-to-one to Python domain exceptions (dragonfly/errors.py).
CREATE FUNCTION df_raise(p_code text, p_message text, p_hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = p_code, MESSAGE = p_message, HINT = coalesce(p_hint, '');
END $$;

CREATE FUNCTION firm_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (df_now() AT TIME ZONE (SELECT value FROM policy_settings WHERE key = 'firm_timezone'))::date
$$;

-- Business days: not Saturday, Sunday or a GCL 24 public holiday (GCL 25-a rolls deadlines forward).
CREATE FUNCTION is_business_day(p_day date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT extract(isodow FROM p_day) < 6 AND NOT EXISTS (SELECT 1 FROM ny_holidays WHERE day = p_day)
$$;

CREATE FUNCTION roll_business_day(p_day date) RETURNS date LANGUAGE plpgsql STABLE AS $$
DECLARE v date := p_day;
BEGIN
    WHILE NOT is_business_day(v) LOOP v := v + 1; END LOOP;
    RETURN v;
END $$;

-- The latest business day strictly before a day.
CREATE FUNCTION prev_business_day(p_day date) RETURNS date LANGUAGE plpgsql STABLE AS $$
DECLARE v date := p_day - 1;
BEGIN
    WHILE NOT is_business_day(v) LOOP v := v - 1; END LOOP;
    RETURN v;
END $$;

-- The firm's time zone follows DRAGONFLY_TIMEZONE (set by `dragonfly db upgrade` and at start-up).
CREATE FUNCTION set_firm_timezone(p_tz text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_tz) THEN
        PERFORM df_raise('DF008', format('"%s" is not a time zone', p_tz), 'Use a name like America/New_York.');
    END IF;
    UPDATE policy_settings SET value = p_tz WHERE key = 'firm_timezone' AND value <> p_tz;
    RETURN p_tz;
END $$;

CREATE FUNCTION add_business_days(p_day date, p_n integer) RETURNS date LANGUAGE plpgsql STABLE AS $$
DECLARE v date := p_day; n integer := 0;
BEGIN
    WHILE n < p_n LOOP
        v := v + 1;
        IF is_business_day(v) THEN n := n + 1; END IF;
    END LOOP;
    RETURN v;
END $$;

-- Finds a case by its human id ('DF-1042', 'df-1042' or '1042') and locks it for this transaction.
CREATE FUNCTION lock_case(p_case_ref text) RETURNS enforcement_cases LANGUAGE plpgsql AS $$
DECLARE
    v enforcement_cases;
    v_num bigint;
BEGIN
    IF p_case_ref IS NULL OR p_case_ref !~* '^\s*(DF-)?\d{1,12}\s*$' THEN
        PERFORM df_raise('DF001', format('"%s" is not a case id', coalesce(p_case_ref, '')),
                         'Case ids look like DF-1042.');
    END IF;
    v_num := substring(p_case_ref FROM '\d+')::bigint;
    SELECT * INTO v FROM enforcement_cases WHERE case_number = v_num FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM df_raise('DF001', format('There is no case DF-%s', v_num),
                         'Check the number, or find the case with /enforce mine.');
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION require_open(v enforcement_cases) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF v.status = 'closed' THEN
        PERFORM df_raise('DF011', format('%s is closed (%s)', v.case_ref, v.closing_reason),
                         'An admin can reopen it with /enforce stage ' || v.case_ref || ' discovery.');
    END IF;
END $$;

CREATE FUNCTION require_text(p_value text, p_what text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF p_value IS NULL OR btrim(p_value) = '' THEN
        PERFORM df_raise('DF003', format('A %s is required', p_what), format('Say why, in a few words.'));
    END IF;
    RETURN btrim(p_value);
END $$;

-- Sum over the judgment's rate segments of rate x days in [p_from, p_to), divided by 365.
CREATE FUNCTION interest_factor(p_judgment_id bigint, p_from date, p_to date) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(s.rate * greatest(0, least(coalesce(s.to_date, 'infinity'::date), p_to)
                                           - greatest(s.from_date, p_from))), 0) / 365
      FROM interest_segments s
     WHERE s.judgment_id = p_judgment_id AND s.from_date < p_to
       AND coalesce(s.to_date, 'infinity'::date) > p_from
$$;

-- Accrued, unpaid interest on a judgment at a date (simple interest on unpaid principal, CPLR 5004).
CREATE FUNCTION accrued_interest(p_judgment_id bigint, p_as_of date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT round(greatest(0, j.interest_carry
                 + j.unpaid_principal * interest_factor(j.id, j.accrual_date, greatest(p_as_of, j.accrual_date))), 2)
      FROM judgments j WHERE j.id = p_judgment_id
$$;

CREATE FUNCTION case_balance(p_case_id bigint, p_as_of date DEFAULT NULL) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT j.unpaid_principal + j.unpaid_costs + accrued_interest(j.id, coalesce(p_as_of, firm_today()))
      FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id WHERE c.id = p_case_id
$$;

CREATE FUNCTION enum_text_check(p_value text, p_allowed text[], p_what text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF p_value IS NULL OR NOT (lower(btrim(p_value)) = ANY (p_allowed)) THEN
        PERFORM df_raise('DF008', format('"%s" is not a %s', coalesce(p_value, ''), p_what),
                         format('Use one of: %s.', array_to_string(p_allowed, ', ')));
    END IF;
    RETURN lower(btrim(p_value));
END $$;
