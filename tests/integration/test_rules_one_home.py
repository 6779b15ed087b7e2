"""Issue 11, one home for each rule: the enum checks of the sanctioned functions read the enum types
(no function spells an enum's labels), and every workflow deadline comes from a
workflow_deadline_rules row (sql/0130, sql/0131)."""

from __future__ import annotations

from sqlalchemy import text

HAND_SPELLED_ENUM = """
SELECT DISTINCT p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
 CROSS JOIN LATERAL regexp_matches(p.prosrc, 'enum_text_check\\([^;]*?ARRAY\\[([^]]*)\\]', 'g') AS m(lit)
 WHERE EXISTS (
    SELECT 1 FROM pg_type ty JOIN pg_enum e ON e.enumtypid = ty.oid GROUP BY ty.oid
    HAVING array_agg(e.enumlabel::text) @> ARRAY(SELECT x[1] FROM regexp_matches(m.lit[1], '''([^'']*)''', 'g') x))
 ORDER BY 1
"""


def test_no_sanctioned_function_spells_an_enums_labels(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        assert conn.execute(text(HAND_SPELLED_ENUM)).scalars().all() == []


def test_a_label_added_to_an_enum_is_accepted_by_its_check(engine, make_case) -> None:  # type: ignore[no-untyped-def]
    ref = make_case()
    with engine.begin() as conn:
        conn.execute(text("ALTER TYPE blocker_kind ADD VALUE 'process_server'"))
    with engine.begin() as conn:
        blocker = conn.execute(
            text(
                "SELECT log_enforcement_blocker(p_case_ref => :r, p_kind => 'process_server',"
                " p_reason => 'serving the debtor', p_eta => current_date + 3, p_actor => 'U0ALICE')"
            ),
            {"r": ref},
        ).scalar_one()
    assert blocker["case_ref"] == ref


def test_every_deadline_a_workflow_starts_has_its_rule(engine) -> None:  # type: ignore[no-untyped-def]
    started = (
        "SELECT DISTINCT regexp_replace(k, '\\d+$', '')"
        " FROM workflow_deadline_rules r, unnest(r.set_in) s,"
        " jsonb_object_keys(workflow_deadlines(r.kind, s, DATE '2025-03-03', 2, '{}', 'bank', true)) k"
    )
    with engine.connect() as conn:
        keys = set(conn.execute(text(started)).scalars())
        rules = set(conn.execute(text("SELECT deadline FROM workflow_deadline_rules")).scalars())
    assert keys - {"served_by_mail"} == rules


def test_every_workflow_kind_has_its_words_and_a_first_step(engine) -> None:  # type: ignore[no-untyped-def]
    from dragonfly import rules

    with engine.connect() as conn:
        loaded = rules.read(conn)
    kinds = set(loaded.of("action_kind"))
    assert {w.kind for w in loaded.workflows} == kinds
    assert len(loaded.workflow_commands()) == len(kinds)
    with engine.connect() as conn:
        first = set(conn.execute(text("SELECT kind::text FROM workflow_transitions WHERE from_state = ''")).scalars())
    assert first == kinds
