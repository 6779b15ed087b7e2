"""The rules Python reads from the database (dragonfly/rules.py) instead of copying them."""

from __future__ import annotations

import os

import psycopg
from sqlalchemy import create_engine

from dragonfly import db, rules
from tests.stage_spec import STAGE_MOVES, Stage


def test_stages_and_moves_come_from_sql(engine) -> None:  # type: ignore[no-untyped-def]
    r = rules.load(engine)
    assert r.of("stage") == tuple(s.value for s in Stage)
    assert {s: tuple(m) for s, m in r.stage_moves.items()} == {
        s.value: tuple(m.value for m in ms) for s, ms in STAGE_MOVES.items()
    }
    for stage, moves in r.stage_moves.items():
        assert stage not in moves
        if stage != "closed":
            assert "closed" in moves


def test_kinds_and_numbers(engine) -> None:  # type: ignore[no-untyped-def]
    r = rules.load(engine)
    # The kinds the engine ships with; a migration may add one (with its workflow_kinds row).
    assert set(r.of("action_kind")) == {w.kind for w in r.workflows} >= {
        "asset_search",
        "information_subpoena",
        "restraining_notice",
        "levy",
        "garnishment",
        "marshal",
    }
    assert {"stage_changed", "payment_recorded", "tier_changed"} <= set(r.of("event_kind"))
    assert set(r.payment_proof_kinds) <= set(r.of("document_kind"))
    assert r.payment_proof_kinds[0] == "remittance"
    assert r.stale_days[3] == 7 and set(r.stale_days) == {0, 1, 2, 3}
    assert rules.current() == r


def test_a_migration_that_adds_a_label_reaches_the_rules(db_url: str) -> None:
    """A label added in SQL (as a migration would) shows in the rules a new process reads."""
    with psycopg.connect(db.plain_url(db_url), autocommit=True) as conn:
        conn.execute("ALTER TYPE blocker_kind ADD VALUE 'insurer'")
    engine = create_engine(db.sqlalchemy_url(db_url))
    try:
        with engine.connect() as conn:
            assert rules.read(conn).of("blocker_kind")[-1] == "insurer"
    finally:
        engine.dispose()


def test_the_app_role_can_read_the_rules(db_url: str, pg_admin_url: str) -> None:
    role = f"df_rules_login_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    url = db.sqlalchemy_url(db_url).replace("postgres@", f"{role}@", 1)
    engine = create_engine(url, connect_args={"user": role})
    try:
        with engine.connect() as conn:
            r = rules.read(conn)
        assert r.of("stage")[0] == "intake" and r.payment_proof_kinds
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
