-- depends: 0131_enum_checks_from_types
-- The words of each kind of workflow (issue 11): the /enforce sub-command that starts it and how
-- forms, help and cards name it. With workflow_transitions (its steps and their documents) and
-- workflow_deadline_rules (its deadlines) a new workflow kind is rows of a migration: its
-- action_kind label (a migration of its own: a new enum value is usable only once committed)
-- and these rows. dragonfly.rules reads the table (rules.current().workflows).
CREATE TABLE workflow_kinds (
    kind action_kind PRIMARY KEY,
    command text NOT NULL UNIQUE CHECK (command ~ '^[a-z][a-z-]*$'),  -- /enforce <command> DF-n [recipient]
    title text NOT NULL,              -- how a form, the help and a card name it
    law text NOT NULL,                -- where it comes from (docs/domain.md "Workflows")
    position smallint NOT NULL        -- order in the help and in lists
);
INSERT INTO workflow_kinds (kind, command, title, law, position) VALUES
 ('levy', 'levy', 'levy on property (property execution)', 'CPLR 5230, 5232', 1),
 ('garnishment', 'garnish', 'income execution (wage garnishment)', 'CPLR 5231', 2),
 ('information_subpoena', 'subpoena', 'information subpoena', 'CPLR 5224', 3),
 ('restraining_notice', 'restrain', 'restraining notice', 'CPLR 5222', 4),
 ('marshal', 'marshal', 'execution sent to a marshal or sheriff', 'CPLR 5230(b)', 5),
 ('asset_search', 'search', 'asset search', 'firm policy', 6);

CREATE VIEW v_workflow_kinds AS
SELECT kind::text AS kind, command, title, law, position FROM workflow_kinds;
