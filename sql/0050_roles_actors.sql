-- Who may do what, enforced in the database whichever process calls (README "Security").
--
-- Three kinds of session:
--   * operator: the schema owner or a superuser (`dragonfly db upgrade`, the CLI, imports, demo seed,
--     tests). It owns the tables, so no function can bind it; it may state any actor of a valid form.
--   * scheduler: a login that is a member of dragonfly_scheduler (itself a member of dragonfly_app).
--     It may also record `system:` actors, for the nightly rules only.
--   * app: any other member of dragonfly_app (the bot). It records the Slack user who acted, and that
--     user's role in app_users decides what is allowed.

-- Backward compatibility: when the scheduler role is first created (roles are per server), every
-- login already in dragonfly_app joins it, so a deployment that ran the bot and the jobs with one
-- login keeps working (its nightly job records `system:nightly`). Give the bot its own login,
-- member of dragonfly_app only, to get the protection (README "Security").
DO $$
DECLARE r record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dragonfly_scheduler') THEN
        CREATE ROLE dragonfly_scheduler NOLOGIN;
        FOR r IN SELECT m.rolname FROM pg_auth_members am
                   JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
                  WHERE g.rolname = 'dragonfly_app' AND m.rolcanlogin AND NOT m.rolsuper LOOP
            EXECUTE format('GRANT dragonfly_scheduler TO %I', r.rolname);
        END LOOP;
    END IF;
END $$;
GRANT dragonfly_app TO dragonfly_scheduler;

CREATE FUNCTION is_scheduler_session() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT is_operator_session() OR pg_has_role(session_user, 'dragonfly_scheduler', 'MEMBER')
$$;

-- The role each act needs, read by require_role (the bot's own earlier checks are bot/middleware.py
-- `require` calls). Viewers read; officers act; admins also override tiers, reopen cases,
-- reverse payments, grant roles and set the recovery plan.
CREATE TABLE role_rules (
    act      text PRIMARY KEY,
    min_role app_role NOT NULL,
    what     text NOT NULL,
    why      text NOT NULL
);
INSERT INTO role_rules VALUES
 ('write', 'officer', 'Recording anything on a case', 'viewers read, officers act'),
 ('tier_override', 'admin', 'Overriding a tier', 'an override outranks the tier rules for up to 90 days'),
 ('reopen', 'admin', 'Reopening a case', 'a closed case is a decision; undoing it is an admin''s'),
 ('payment_reversal', 'admin', 'Reversing a payment', 'a reversal puts money back on the balance'),
 ('grant_role', 'admin', 'Granting a role', 'who may act is an admin''s decision'),
 ('recovery_plan', 'admin', 'Setting the recovery plan', 'the plan is the firm''s target in the weekly summary');
CREATE VIEW v_role_rules AS SELECT act, min_role::text AS min_role, what FROM role_rules;

-- The actor forms any session may record. Slack issues user ids as U or W plus upper-case letters
-- and digits; `system:` names a scheduled job; `cli:` names the operator at the terminal. Nothing
-- else (no spaces, no <, >, |), so an actor rendered in Slack is never markup.
CREATE FUNCTION actor_form(p_actor text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_actor ~ '^[UW][A-Z0-9]{1,20}$' THEN 'slack'
        WHEN p_actor ~ '^system:[a-z_]{1,32}$' THEN 'system'
        WHEN p_actor ~ '^cli:[A-Za-z0-9._@-]{1,64}$' THEN 'cli'
    END
$$;

CREATE FUNCTION require_actor_form(p_actor text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF actor_form(p_actor) IS NULL THEN
        PERFORM df_raise('DF008', format('"%s" is not an actor', left(coalesce(p_actor, ''), 80)),
            'An actor is a Slack user id (U0123ABCD), system:<job> or cli:<name> (letters, digits, . _ @ -).');
    END IF;
    RETURN p_actor;
END $$;

-- Whether the session may record this actor at all (before any role is looked at).
CREATE FUNCTION require_actor_allowed(p_actor text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE v_form text := actor_form(require_actor_form(p_actor));
BEGIN
    IF v_form = 'cli' AND NOT is_operator_session() THEN
        PERFORM df_raise('DF012', format('The application cannot act as %s', p_actor),
            'cli: actors are recorded only by an operator''s own session (the dragonfly CLI with the owner''s login).');
    END IF;
    IF v_form = 'system' AND NOT is_scheduler_session() THEN
        PERFORM df_raise('DF012', format('The application cannot act as %s', p_actor),
            'system: actors are recorded only by the scheduler''s login (a member of dragonfly_scheduler).');
    END IF;
    RETURN p_actor;
END $$;

-- The role an actor holds, as far as the database knows: an operator's own `cli:` actor is an admin.
CREATE FUNCTION actor_role(p_actor text) RETURNS app_role LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_actor LIKE 'cli:%' AND is_operator_session() THEN 'admin'::app_role
                ELSE (SELECT role FROM app_users WHERE slack_user_id = p_actor) END
$$;

-- Refuses an act the actor's role does not allow. An operator session is trusted to state who acted
-- (it owns the tables); every member of dragonfly_app is held to the roles table.
CREATE FUNCTION require_role(p_actor text, p_act text) RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
    r role_rules;
    v_have app_role;
BEGIN
    PERFORM require_actor_allowed(p_actor);
    IF is_operator_session() THEN RETURN; END IF;
    SELECT * INTO STRICT r FROM role_rules WHERE act = p_act;
    v_have := actor_role(p_actor);
    IF v_have IS NULL OR v_have < r.min_role THEN
        PERFORM df_raise('DF012', format('%s needs the %s role; %s has %s', r.what, r.min_role, p_actor,
                                         coalesce(v_have::text, 'no role')),
                         format('Ask an admin to run: dragonfly users grant %s %s', p_actor, r.min_role));
    END IF;
END $$;

-- Nightly acts (re-tiering, expiring overrides, deadline warnings) and the date they run for:
-- only the scheduler's login or an operator, and only for today or yesterday (a run caught up
-- after a restart) in the firm's zone, never a future date. For assign_tiers(p_as_of) and the like.
CREATE FUNCTION require_batch_date(p_as_of date, p_what text) RETURNS date LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF is_operator_session() THEN RETURN p_as_of; END IF;
    IF NOT is_scheduler_session() THEN
        PERFORM df_raise('DF012', format('%s is the scheduler''s job', p_what),
                         'Only the scheduler''s login (a member of dragonfly_scheduler) or an operator may run it.');
    END IF;
    IF p_as_of IS NOT NULL AND (p_as_of > firm_today() OR p_as_of < firm_today() - 1) THEN
        PERFORM df_raise('DF008', format('%s cannot run for %s', p_what, p_as_of),
                         format('The scheduler runs it for today (%s) or yesterday; an operator can run other dates.',
                                firm_today()));
    END IF;
    RETURN p_as_of;
END $$;

-- Event kinds only the nightly rules record, and kinds that need more than the officer role.
CREATE FUNCTION event_act(p_kind event_kind, p_payload jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_kind = 'tier_override_set' THEN 'tier_override'
        WHEN p_kind = 'case_reopened' THEN 'reopen'
        WHEN p_kind = 'payment_recorded' AND p_payload->>'kind' = 'reversal' THEN 'payment_reversal'
        WHEN p_kind IN ('tier_changed', 'tier_override_expired', 'deadline_warning') THEN 'nightly'
        ELSE 'write'
    END
$$;

-- One limit per text field a person types, by its key in event payloads (and in ingestion intents).
-- The Slack parser reads the same numbers (v_field_limits) to refuse before anything is sent here.
CREATE TABLE field_limits (
    field     text PRIMARY KEY,
    label     text NOT NULL,
    max_chars integer NOT NULL CHECK (max_chars > 0),
    why       text NOT NULL,
    kinds     event_kind[]           -- the events whose payload key this is; NULL: every event
);
INSERT INTO field_limits (field, label, max_chars, why, kinds) VALUES
 ('text', 'note', 3000, 'a case note: a few paragraphs; longer belongs in a document', NULL),
 ('note', 'step note', 1000, 'a note on a stage move, workflow step or cleared blocker', NULL),
 ('reason', 'reason', 500, 'why a blocker, override or flag: a sentence or two', NULL),
 ('what', 'next action', 300, 'what to do next, shown in digests', NULL),
 ('recipient', 'recipient', 200, 'a bank, employer or person served', NULL),
 ('officer_docket', 'docket number', 64, 'the marshal''s or sheriff''s own docket number', NULL),
 ('name', 'file name', 255, 'a document''s file name (the usual file-system limit), shown on the case card',
  '{document_attached}'),
 ('description', 'description', 500, 'an asset: bank, branch, employer, address', NULL);
CREATE VIEW v_field_limits AS SELECT field, label, max_chars FROM field_limits;

-- The value trimmed, or a refusal naming the field's limit. NULL passes (optional fields).
CREATE FUNCTION limit_text(p_value text, p_field text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE f field_limits;
BEGIN
    IF p_value IS NULL THEN RETURN NULL; END IF;
    SELECT * INTO STRICT f FROM field_limits WHERE field = p_field;
    IF length(p_value) > f.max_chars THEN
        PERFORM df_raise('DF008', format('A %s can be at most %s characters (this one has %s)', f.label, f.max_chars,
                                         length(p_value)), 'Shorten it, or attach the long text as a document.');
    END IF;
    RETURN btrim(p_value);
END $$;

-- Which proofs a document may give once each: a workflow step, a payment.
CREATE FUNCTION proof_group(p_kind event_kind) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_kind IN ('action_queued', 'action_advanced', 'subpoena_issued') THEN 'step'
                WHEN p_kind = 'payment_recorded' THEN 'payment' END
$$;
CREATE INDEX enforcement_events_document ON enforcement_events (document_id) WHERE document_id IS NOT NULL;

-- Every event, whichever function appends it (append_event, insert_event, the import batch): the
-- actor's form, whether this session may record that actor, the actor's role for the act, the
-- source's form, and each text field's limit (field_limits, 0051). One call per INSERT statement.
CREATE FUNCTION check_new_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    -- Who: one check per distinct (actor, source, kind, act) (an import batch has one of each). An
    -- operator's rows with well-formed actor and source need nothing more, so its common path is
    -- this one query (the hot path of bench/bench_engine.py).
    FOR e IN SELECT d.* FROM (SELECT DISTINCT n.actor, n.source, n.kind, event_act(n.kind, n.payload) AS act
                                FROM new_events n) d
              WHERE NOT is_operator_session() OR actor_form(d.actor) IS NULL
                 OR d.source !~ '^[a-z][a-z0-9_-]{0,31}$' LOOP
        IF e.source !~ '^[a-z][a-z0-9_-]{0,31}$' THEN
            PERFORM df_raise('DF008', format('"%s" is not an event source', left(e.source, 40)),
                             'A source is a short lower-case word such as slack, scheduler or cli.');
        END IF;
        PERFORM require_actor_allowed(e.actor);
        CONTINUE WHEN is_operator_session();
        IF e.act = 'nightly' THEN
            IF actor_form(e.actor) <> 'system' THEN
                PERFORM df_raise('DF012', format('%s is recorded only by the nightly rules', e.kind),
                                 'The scheduler records it as system:nightly.');
            END IF;
        ELSIF actor_form(e.actor) = 'system' THEN
            PERFORM df_raise('DF012', format('%s cannot record %s', e.actor, e.kind),
                             'A system: actor records only the nightly rules; people act as themselves.');
        ELSE
            PERFORM require_role(e.actor, e.act);
        END IF;
    END LOOP;
    -- What, in one query (only the trigger function sees the statement's new rows):
    --  * each text field within its limit (field_limits; imported cases, case_created, are checked
    --    row by row by the import itself);
    --  * one document proves one step (README "In Slack"; a document is linked to the event it
    --    proves): the same bytes on this case (same sha256, whatever the Slack file
    --    id or document kind) back one workflow step and one payment, never a second of either.
    FOR e IN SELECT x.code, x.message, x.hint FROM (
                 SELECT 1 AS o, 'DF008' AS code,
                        format('A %s can be at most %s characters (this one has %s)', f.label, f.max_chars,
                               length(n.payload->>f.field)) AS message,
                        'Shorten it, or attach the long text as a document.' AS hint
                   FROM new_events n JOIN field_limits f ON n.payload ? f.field
                  WHERE n.kind <> 'case_created' AND (f.kinds IS NULL OR n.kind = ANY (f.kinds))
                    AND length(n.payload->>f.field) > f.max_chars
                 UNION ALL
                 SELECT 2, 'DF005',
                        format('%s (document #%s) already proves %s on this case', d.original_name, d.id,
                            CASE WHEN p.kind = 'payment_recorded' THEN format('payment #%s', p.payload->>'payment_id')
                                 ELSE format('%s #%s (%s)', coalesce(p.payload->>'kind', 'information_subpoena'),
                                             p.payload->>'action_id',
                                             coalesce(p.payload->>'to', p.payload->>'state', 'served')) END),
                        'One document proves one step: upload the document for this step (a copy of the same file is the same document).'
                   FROM new_events n
                   -- LATERAL ... LIMIT 1: index probes per new row, never a scan of the log.
                   CROSS JOIN LATERAL (SELECT * FROM enforcement_documents WHERE id = n.document_id LIMIT 1) d
                   CROSS JOIN LATERAL (
                        SELECT p.kind, p.payload FROM enforcement_documents d2
                          JOIN enforcement_events p ON p.document_id = d2.id
                         WHERE d2.case_id = d.case_id AND d2.sha256 = d.sha256 AND p.id <> n.id
                           AND proof_group(p.kind) = proof_group(n.kind) LIMIT 1) p
                  WHERE n.document_id IS NOT NULL AND proof_group(n.kind) IS NOT NULL) x
              ORDER BY x.o LIMIT 1 LOOP
        PERFORM df_raise(e.code, e.message, e.hint);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER enforcement_events_checked AFTER INSERT ON enforcement_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION check_new_events();

-- A step waiting for its document is checked when it is queued (not after the file is stored):
-- the file name and the step's text fields have the same limits as in the log.
CREATE FUNCTION check_ingestion_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE e record;
BEGIN
    PERFORM limit_text(NEW.file_name, 'name');
    FOR e IN SELECT f.field FROM field_limits f WHERE NEW.intent ? f.field LOOP
        PERFORM limit_text(NEW.intent->>e.field, e.field);
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER ingestion_jobs_checked BEFORE INSERT ON ingestion_jobs
    FOR EACH ROW EXECUTE FUNCTION check_ingestion_job();
