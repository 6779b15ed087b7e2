-- Core schema: parties, judgments, cases, workflows, documents, payments, policy.
-- Money is numeric(14,2); times are timestamptz (UTC); dates are plain calendar dates.

DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dragonfly_app') THEN CREATE ROLE dragonfly_app NOLOGIN; END IF; END $$;

-- The engine's clock. An operator session (not the application role) may set `dragonfly.clock`
-- to replay history (demo seed, imports of past events, tests with a controlled clock).
-- An operator session (the schema owner, a superuser, a CLI) as opposed to the application role:
-- only operators may replay the clock or act as `cli:` admins.
CREATE FUNCTION is_operator_session() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
        OR NOT pg_has_role(session_user, 'dragonfly_app', 'MEMBER')
$$;

CREATE FUNCTION df_now() RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE v text := current_setting('dragonfly.clock', true);
BEGIN
    IF v IS NULL OR v = '' THEN
        RETURN now();
    END IF;
    -- pg_has_role is true for a superuser and every role, so test membership only for others:
    -- an operator connected as a superuser may set the clock; the application role may not.
    IF NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user)
       AND pg_has_role(session_user, 'dragonfly_app', 'MEMBER') THEN
        RETURN now();
    END IF;
    RETURN v::timestamptz;
END $$;

CREATE TYPE stage AS ENUM ('intake', 'discovery', 'execution', 'recovery', 'closed');
CREATE TYPE closing_reason AS ENUM ('satisfied', 'settled', 'uncollectible', 'vacated', 'bankruptcy_discharge');
CREATE TYPE debtor_type AS ENUM ('person', 'business');
CREATE TYPE blocker_kind AS ENUM ('court', 'marshal_or_sheriff', 'bank', 'employer', 'debtor', 'internal');
CREATE TYPE action_kind AS ENUM ('asset_search', 'information_subpoena', 'restraining_notice', 'levy', 'garnishment', 'marshal');
CREATE TYPE document_kind AS ENUM ('execution', 'levy_notice', 'subpoena', 'proof_of_service', 'restraining_notice',
    'exemption_forms', 'officer_return', 'transmittal', 'remittance', 'search_report', 'correspondence', 'other');
CREATE TYPE payment_kind AS ENUM ('direct', 'settlement', 'plan_installment', 'garnishment_remittance', 'levy_proceeds',
    'turnover', 'sale', 'reversal', 'adjustment');
CREATE TYPE asset_kind AS ENUM ('employer', 'bank_account', 'real_property', 'vehicle', 'business_interest', 'exempt_income', 'other');
CREATE TYPE app_role AS ENUM ('viewer', 'officer', 'admin');
CREATE TYPE event_kind AS ENUM ('case_created', 'stage_changed', 'case_reopened', 'blocker_logged', 'blocker_cleared',
    'tier_override_set', 'tier_override_expired', 'tier_changed', 'action_queued', 'action_advanced',
    'subpoena_issued', 'payment_recorded', 'document_attached', 'owner_assigned', 'note_added',
    'next_action_set', 'asset_recorded', 'flag_set', 'deadline_warning');

CREATE TABLE plaintiffs (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    name_key     text GENERATED ALWAYS AS (lower(regexp_replace(btrim(name), '\s+', ' ', 'g'))) STORED,
    contact      text,
    external_ref text,
    created_at   timestamptz NOT NULL DEFAULT df_now(),
    UNIQUE (name_key)
);

CREATE TABLE debtors (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    name_key    text GENERATED ALWAYS AS (lower(regexp_replace(btrim(name), '\s+', ' ', 'g'))) STORED,
    debtor_type debtor_type NOT NULL,
    deceased    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT df_now(),
    UNIQUE (name_key, debtor_type)
);

CREATE TABLE ny_counties (name text PRIMARY KEY);
INSERT INTO ny_counties(name) VALUES
 ('Albany'),('Allegany'),('Bronx'),('Broome'),('Cattaraugus'),('Cayuga'),('Chautauqua'),('Chemung'),('Chenango'),
 ('Clinton'),('Columbia'),('Cortland'),('Delaware'),('Dutchess'),('Erie'),('Essex'),('Franklin'),('Fulton'),
 ('Genesee'),('Greene'),('Hamilton'),('Herkimer'),('Jefferson'),('Kings'),('Lewis'),('Livingston'),('Madison'),
 ('Monroe'),('Montgomery'),('Nassau'),('New York'),('Niagara'),('Oneida'),('Onondaga'),('Ontario'),('Orange'),
 ('Orleans'),('Oswego'),('Otsego'),('Putnam'),('Queens'),('Rensselaer'),('Richmond'),('Rockland'),('St. Lawrence'),
 ('Saratoga'),('Schenectady'),('Schoharie'),('Schuyler'),('Seneca'),('Steuben'),('Suffolk'),('Sullivan'),('Tioga'),
 ('Tompkins'),('Ulster'),('Warren'),('Washington'),('Wayne'),('Westchester'),('Wyoming'),('Yates');

CREATE TABLE judgments (
    id               bigserial PRIMARY KEY,
    plaintiff_id     bigint NOT NULL REFERENCES plaintiffs(id),
    debtor_id        bigint NOT NULL REFERENCES debtors(id),
    court            text NOT NULL,
    county           text NOT NULL REFERENCES ny_counties(name),
    index_number     text NOT NULL,
    entered_on       date NOT NULL,
    principal        numeric(14,2) NOT NULL CHECK (principal > 0),
    costs            numeric(14,2) NOT NULL DEFAULT 0 CHECK (costs >= 0),
    consumer_debt    boolean NOT NULL DEFAULT false,
    debtor_is_person boolean NOT NULL,
    vacated          boolean NOT NULL DEFAULT false,
    external_ref     text,
    interest_basis   text NOT NULL,
    -- Running balances, maintained only by record_enforcement_payment: interest accrues on
    -- unpaid_principal from accrual_date; interest_carry is accrued-but-unpaid interest at that date.
    unpaid_principal numeric(14,2) NOT NULL,
    unpaid_costs     numeric(14,2) NOT NULL,
    interest_carry   numeric(16,6) NOT NULL DEFAULT 0,
    accrual_date     date NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT df_now(),
    UNIQUE (court, index_number)
);

-- Where the judgment is docketed (a lien on real property there, CPLR 5203, for 10 years).
CREATE TABLE judgment_dockets (
    id          bigserial PRIMARY KEY,
    judgment_id bigint NOT NULL REFERENCES judgments(id),
    county      text NOT NULL REFERENCES ny_counties(name),
    docketed_on date NOT NULL,
    UNIQUE (judgment_id, county)
);

-- Interest as dated rate segments (CPLR 5004): [from_date, to_date) at rate.
CREATE TABLE interest_segments (
    id          bigserial PRIMARY KEY,
    judgment_id bigint NOT NULL REFERENCES judgments(id),
    from_date   date NOT NULL,
    to_date     date,
    rate        numeric(6,4) NOT NULL,
    why         text NOT NULL
);
CREATE INDEX ON interest_segments (judgment_id, from_date);

CREATE SEQUENCE case_number_seq START 1001;

CREATE TABLE enforcement_cases (
    id               bigserial PRIMARY KEY,
    case_number      bigint NOT NULL UNIQUE DEFAULT nextval('case_number_seq'),
    case_ref         text GENERATED ALWAYS AS ('DF-' || case_number) STORED UNIQUE,
    judgment_id      bigint NOT NULL UNIQUE REFERENCES judgments(id),
    tier             smallint NOT NULL DEFAULT 0 CHECK (tier BETWEEN 0 AND 3),
    rule_tier        smallint NOT NULL DEFAULT 0 CHECK (rule_tier BETWEEN 0 AND 3),
    tier_score       smallint NOT NULL DEFAULT 0,
    tier_reasons     text[] NOT NULL DEFAULT '{}',
    stage            stage NOT NULL DEFAULT 'intake',
    stage_entered_at timestamptz NOT NULL DEFAULT df_now(),
    owner_slack_id   text,
    next_action_at   timestamptz,
    next_action_what text,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closing_reason   closing_reason,
    bankruptcy_stay  boolean NOT NULL DEFAULT false,
    last_person_event_at timestamptz,
    last_payment_at  timestamptz,
    -- The head of this case's event hash chain (maintained by append_event only).
    event_seq        integer NOT NULL DEFAULT 0,
    last_event_hash  text NOT NULL DEFAULT repeat('0', 64),
    created_at       timestamptz NOT NULL DEFAULT df_now(),
    CHECK ((status = 'closed') = (stage = 'closed')),
    CHECK (stage <> 'closed' OR closing_reason IS NOT NULL)
);
CREATE INDEX enforcement_cases_due ON enforcement_cases (next_action_at) WHERE status = 'open';
CREATE INDEX enforcement_cases_owner_due ON enforcement_cases (owner_slack_id, next_action_at) WHERE status = 'open';
-- No index covers stage or the chain head, so a stage move is a HOT update (no index writes):
-- it is the hottest write there is. Tier alone narrows the stale-Tier-3 scans enough.
CREATE INDEX enforcement_cases_tier_stage ON enforcement_cases (tier) WHERE status = 'open';
ALTER TABLE enforcement_cases SET (fillfactor = 85);

CREATE TABLE assets (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES enforcement_cases(id),
    kind        asset_kind NOT NULL,
    description text NOT NULL,
    county      text REFERENCES ny_counties(name),
    verified_on date,
    created_at  timestamptz NOT NULL DEFAULT df_now()
);
CREATE INDEX ON assets (case_id);

CREATE TABLE tier_overrides (
    id         bigserial PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES enforcement_cases(id),
    tier       smallint NOT NULL CHECK (tier BETWEEN 0 AND 3),
    reason     text NOT NULL CHECK (btrim(reason) <> ''),
    set_by     text NOT NULL,
    set_at     timestamptz NOT NULL DEFAULT df_now(),
    expires_at timestamptz NOT NULL,
    active     boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX tier_overrides_one_active ON tier_overrides (case_id) WHERE active;
CREATE INDEX tier_overrides_expiry ON tier_overrides (expires_at) WHERE active;

CREATE TABLE blockers (
    id         bigserial PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES enforcement_cases(id),
    kind       blocker_kind NOT NULL,
    reason     text NOT NULL CHECK (btrim(reason) <> ''),
    eta        date NOT NULL,
    logged_by  text NOT NULL,
    logged_at  timestamptz NOT NULL DEFAULT df_now(),
    cleared_at timestamptz,
    cleared_by text
);
CREATE INDEX blockers_open ON blockers (case_id) WHERE cleared_at IS NULL;
CREATE INDEX blockers_open_eta ON blockers (eta) WHERE cleared_at IS NULL;

CREATE TABLE enforcement_documents (
    id            bigserial PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES enforcement_cases(id),
    kind          document_kind NOT NULL,
    storage_key   text NOT NULL UNIQUE,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    content_type  text NOT NULL,
    original_name text NOT NULL,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT df_now(),
    UNIQUE (case_id, kind, sha256)
);

CREATE TABLE enforcement_actions (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES enforcement_cases(id),
    kind         action_kind NOT NULL,
    state        text NOT NULL,
    is_open      boolean NOT NULL DEFAULT true,
    recipient    text,
    officer_docket text,
    state_entered_at timestamptz NOT NULL DEFAULT df_now(),
    -- Named deadlines (return_due, void_on, answer_due, ...), each a date already rolled to a business day.
    deadlines    jsonb NOT NULL DEFAULT '{}',
    next_deadline date,
    idempotency_key text UNIQUE,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT df_now()
);
CREATE INDEX enforcement_actions_case ON enforcement_actions (case_id);
CREATE INDEX enforcement_actions_deadline ON enforcement_actions (next_deadline) WHERE is_open;

CREATE TABLE payments (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES enforcement_cases(id),
    kind            payment_kind NOT NULL,
    gross           numeric(14,2) NOT NULL,
    interest_part   numeric(14,2) NOT NULL,
    principal_part  numeric(14,2) NOT NULL,
    costs_part      numeric(14,2) NOT NULL,
    poundage        numeric(14,2) NOT NULL DEFAULT 0,
    fees            numeric(14,2) NOT NULL DEFAULT 0,
    received_on     date NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    reverses_payment_id bigint REFERENCES payments(id),
    document_id     bigint REFERENCES enforcement_documents(id),
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT df_now(),
    CHECK (gross = interest_part + principal_part + costs_part)
);
CREATE INDEX payments_case ON payments (case_id, received_on);
CREATE INDEX payments_received ON payments (received_on);
CREATE UNIQUE INDEX payments_one_reversal ON payments (reverses_payment_id) WHERE reverses_payment_id IS NOT NULL;

CREATE TABLE app_users (
    slack_user_id text PRIMARY KEY,
    role          app_role NOT NULL,
    granted_by    text NOT NULL,
    granted_at    timestamptz NOT NULL DEFAULT df_now()
);

-- ---------------------------------------------------------------- policy (effective-dated where law changes)
CREATE TABLE policy_settings (key text PRIMARY KEY, value text NOT NULL, why text NOT NULL);
INSERT INTO policy_settings VALUES
 ('consumer_rate_transition', 'from_entry',
  'CPLR 5004(c) for pre-2022-04-30 consumer judgments: from_entry (the statute''s words) or from_effective_date'),
 ('levy_warn_days', '60,75,85', 'CPLR 5232(a): levy void 90 days after service unless turned over or extended'),
 ('restraint_warn_days_before_lapse', '30', 'CPLR 5222(b): a restraining notice on a third party lapses after 1 year'),
 ('garnishment_no_remittance_days', '45', 'firm policy: chase the employer 45 days after service without remittance');

CREATE TABLE interest_rates (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL,
    rate           numeric(6,4) NOT NULL,
    effective_from date NOT NULL,
    why            text NOT NULL
);
INSERT INTO interest_rates (name, rate, effective_from, why) VALUES
 ('standard', 0.09, '1900-01-01', 'CPLR 5004(a): 9% per annum'),
 ('consumer', 0.02, '2022-04-30', 'CPLR 5004(a),(c) (L.2022 c.831): 2% on consumer debt against a natural person');

CREATE TABLE tier_factors (code text PRIMARY KEY, points smallint NOT NULL, description text NOT NULL);
INSERT INTO tier_factors VALUES
 ('balance_50k', 25, 'balance >= $50,000'),
 ('balance_10k', 18, 'balance $10,000-$50,000'),
 ('balance_2_5k', 10, 'balance $2,500-$10,000'),
 ('balance_low', 3, 'balance under $2,500'),
 ('employer_verified', 20, 'employer verified in the last 180 days'),
 ('bank_verified', 20, 'bank account verified in the last 90 days'),
 ('real_property_docketed', 20, 'real property in a county where the judgment is docketed'),
 ('operating_business', 10, 'debtor is an operating business'),
 ('payment_recent', 10, 'a payment in the last 180 days'),
 ('payment_ever', 5, 'a payment at some time'),
 ('age_under_2', 10, 'judgment less than 2 years old'),
 ('age_2_5', 5, 'judgment 2-5 years old'),
 ('age_10_15', -5, 'judgment 10-15 years old'),
 ('age_over_15', -10, 'judgment more than 15 years old'),
 ('exempt_income_only', -20, 'only exempt income known'),
 ('search_found_nothing', -15, 'a completed asset search found nothing');

CREATE TABLE tier_thresholds (tier smallint PRIMARY KEY, min_score smallint NOT NULL);
INSERT INTO tier_thresholds VALUES (3, 60), (2, 40), (1, 20), (0, -1000);

CREATE TABLE stage_sla (
    stage stage NOT NULL, tier smallint NOT NULL, max_days integer, PRIMARY KEY (stage, tier));
INSERT INTO stage_sla VALUES
 ('intake',3,1),('intake',2,1),('intake',1,1),('intake',0,1),
 ('discovery',3,10),('discovery',2,21),('discovery',1,30),('discovery',0,60),
 ('execution',3,30),('execution',2,45),('execution',1,60),('execution',0,90),
 ('recovery',3,NULL),('recovery',2,NULL),('recovery',1,NULL),('recovery',0,NULL);

-- "Stale": no event from a person for this many days, by tier.
CREATE TABLE stale_days (tier smallint PRIMARY KEY, days integer NOT NULL);
INSERT INTO stale_days VALUES (3, 7), (2, 14), (1, 30), (0, 90);

-- Exemption amounts (CPLR 5205(l), 5231(b)), effective-dated with the minimum wage.
CREATE TABLE exemption_amounts (
    name text NOT NULL, amount numeric(14,2) NOT NULL, effective_from date NOT NULL, why text NOT NULL,
    PRIMARY KEY (name, effective_from));
INSERT INTO exemption_amounts VALUES
 ('bank_account_person', 3960.00, '2025-01-01', 'CPLR 5205(l): 240 x $16.50 (NYC minimum wage 2025)'),
 ('bank_account_person', 4080.00, '2026-01-01', 'CPLR 5205(l): 240 x $17.00 (NYC minimum wage 2026)'),
 ('income_weekly_floor', 495.00, '2025-01-01', 'CPLR 5231(b): 30 x $16.50 weekly disposable earnings'),
 ('income_weekly_floor', 510.00, '2026-01-01', 'CPLR 5231(b): 30 x $17.00 weekly disposable earnings');
CREATE TABLE garnishment_policy (
    effective_from date PRIMARY KEY, max_gross_share numeric(4,3) NOT NULL, why text NOT NULL);
INSERT INTO garnishment_policy VALUES ('2008-07-01', 0.10, 'CPLR 5231(b): at most 10% of gross wages');

-- New York public holidays (General Construction Law 24), filled by `dragonfly calendar fill`
-- (run automatically after migrations) from the `holidays` package, filtered to GCL 24 days.
CREATE TABLE ny_holidays (day date PRIMARY KEY, name text NOT NULL);

-- Workflows: the allowed transitions and the documents a legal step needs (any of the kinds).
CREATE TABLE workflow_transitions (
    kind        action_kind NOT NULL,
    from_state  text NOT NULL,          -- '' is "queue a new one"
    to_state    text NOT NULL,
    document_kinds document_kind[] NOT NULL DEFAULT '{}',
    terminal    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (kind, from_state, to_state)
);
INSERT INTO workflow_transitions (kind, from_state, to_state, document_kinds, terminal) VALUES
 ('asset_search', '', 'requested', '{}', false),
 ('asset_search', 'requested', 'in_progress', '{}', false),
 ('asset_search', 'in_progress', 'found', '{search_report}', true),
 ('asset_search', 'in_progress', 'none', '{search_report}', true),
 ('asset_search', 'requested', 'cancelled', '{}', true),
 ('asset_search', 'in_progress', 'cancelled', '{}', true),
 ('information_subpoena', '', 'drafted', '{}', false),
 ('information_subpoena', 'drafted', 'served', '{subpoena,proof_of_service}', false),
 ('information_subpoena', 'served', 'answered', '{}', false),
 ('information_subpoena', 'served', 'overdue', '{}', false),
 ('information_subpoena', 'overdue', 'answered', '{}', false),
 ('information_subpoena', 'overdue', 'motion_to_compel', '{other,correspondence,proof_of_service}', false),
 ('information_subpoena', 'answered', 'closed', '{}', true),
 ('information_subpoena', 'motion_to_compel', 'closed', '{}', true),
 ('restraining_notice', '', 'served', '{restraining_notice}', false),
 ('restraining_notice', 'served', 'effective', '{}', false),
 ('restraining_notice', 'effective', 'released', '{correspondence,other}', true),
 ('restraining_notice', 'effective', 'levied', '{levy_notice}', true),
 ('restraining_notice', 'effective', 'expired', '{}', true),
 ('restraining_notice', 'served', 'released', '{correspondence,other}', true),
 ('levy', '', 'issued', '{execution}', false),
 ('levy', 'issued', 'delivered_to_officer', '{transmittal,execution}', false),
 ('levy', 'delivered_to_officer', 'levied', '{levy_notice}', false),
 ('levy', 'levied', 'turned_over', '{remittance,officer_return}', false),
 ('levy', 'turned_over', 'returned', '{officer_return}', true),
 ('levy', 'levied', 'returned', '{officer_return}', true),
 ('levy', 'delivered_to_officer', 'returned', '{officer_return}', true),
 ('garnishment', '', 'issued', '{execution}', false),
 ('garnishment', 'issued', 'delivered', '{transmittal,execution}', false),
 ('garnishment', 'delivered', 'served_on_debtor', '{proof_of_service}', false),
 ('garnishment', 'delivered', 'served_on_employer', '{proof_of_service}', false),
 ('garnishment', 'served_on_debtor', 'served_on_employer', '{proof_of_service}', false),
 ('garnishment', 'served_on_debtor', 'remitting', '{remittance}', false),
 ('garnishment', 'served_on_employer', 'remitting', '{remittance}', false),
 ('garnishment', 'remitting', 'satisfied', '{}', true),
 ('garnishment', 'remitting', 'terminated', '{}', true),
 ('garnishment', 'served_on_employer', 'terminated', '{}', true),
 ('marshal', '', 'sent', '{transmittal}', false),
 ('marshal', 'sent', 'docketed', '{}', false),
 ('marshal', 'docketed', 'active', '{}', false),
 ('marshal', 'active', 'returned', '{officer_return}', false),
 ('marshal', 'returned', 'closed', '{}', true);

-- Slack-facing durable queues (written by the bot in the request, drained by the scheduler's workers).
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    dedupe_key    text UNIQUE,
    method        text NOT NULL,             -- e.g. chat.postMessage, chat.postEphemeral, files.upload_v2
    payload       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL DEFAULT df_now(),
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT df_now(),
    sent_at       timestamptz,
    slack_ts      text
);
CREATE INDEX outbox_due ON outbox (not_before) WHERE status = 'pending';

CREATE TABLE ingestion_jobs (
    id            bigserial PRIMARY KEY,
    dedupe_key    text UNIQUE,               -- Slack file id + the step it proves
    case_ref      text NOT NULL,
    document_kind document_kind NOT NULL,
    slack_file_id text NOT NULL,
    file_name     text,
    download_url  text,
    uploader      text NOT NULL,
    -- What to record once the document is stored: {"op": "advance", "action_id": 1, "state": "levied", ...}
    intent        jsonb NOT NULL,
    reply_channel text,
    reply_thread_ts text,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL DEFAULT df_now(),
    last_error    text,
    result        jsonb,
    created_at    timestamptz NOT NULL DEFAULT df_now(),
    done_at       timestamptz
);
CREATE INDEX ingestion_due ON ingestion_jobs (not_before) WHERE status = 'pending';

-- Exactly-once job runs: a run claims (job, period) in the transaction that queues its messages.
CREATE TABLE job_runs (
    job        text NOT NULL,
    period     text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT df_now(),
    claimed_by text NOT NULL,
    summary    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (job, period)
);

-- Slack requests already handled (event_id, view.id, action_ts): a retry records nothing twice.
CREATE TABLE handled_requests (
    request_key text PRIMARY KEY,
    handled_at  timestamptz NOT NULL DEFAULT df_now(),
    result      jsonb
);

CREATE TABLE recovery_plan (month date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    amount numeric(14,2) NOT NULL CHECK (amount >= 0), set_by text NOT NULL, set_at timestamptz NOT NULL DEFAULT df_now());
