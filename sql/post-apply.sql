-- Runs after every `dragonfly db upgrade` (yoyo post-apply hook): the application role may
-- EXECUTE the sanctioned functions and SELECT the views, and nothing else.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dragonfly_app') THEN
        CREATE ROLE dragonfly_app NOLOGIN;
    END IF;
END $$;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dragonfly_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM dragonfly_app;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO dragonfly_app;
-- Reference data (the firm's time zone, public holidays) that helper functions inside the views
-- read with the caller's rights: readable, never writable. No case data is granted.
GRANT SELECT ON policy_settings, ny_holidays TO dragonfly_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO dragonfly_app;
DO $$
DECLARE v record;
BEGIN
    FOR v IN SELECT table_name FROM information_schema.views WHERE table_schema = 'public' LOOP
        EXECUTE format('GRANT SELECT ON %I TO dragonfly_app', v.table_name);
    END LOOP;
END $$;
-- Except the read model's full recomputation: the triggers read it with the owner's rights and
-- doctor as the operator; for the application it would be whole-book work, and its interest
-- window (rm_accrual, inlined, sql/0124) reads interest_segments with the caller's rights.
REVOKE SELECT ON v_case_read_model_computed FROM dragonfly_app;
