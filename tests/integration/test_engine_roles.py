"""The application role: EXECUTE on the sanctioned functions and SELECT on the views, nothing
else."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy import text

from dragonfly import db
from tests.integration.test_engine_support import case_row, event_kinds, new_case


@pytest.fixture
def app_conn(db_url: str) -> Iterator[psycopg.Connection]:
    """Connected as postgres, then `SET ROLE dragonfly_app` (as the bot's connection would be)."""
    conn = psycopg.connect(db_url, autocommit=True)
    conn.execute("SET ROLE dragonfly_app")
    yield conn
    conn.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE enforcement_cases SET stage = 'closed'",
        "UPDATE enforcement_cases SET tier = 3",
        "DELETE FROM enforcement_events",
        "INSERT INTO app_users (slack_user_id, role, granted_by) VALUES ('U0EVIL', 'admin', 'x')",
        "UPDATE payments SET gross = 0",
        "SELECT * FROM enforcement_cases",
        "SELECT * FROM judgments",
        "TRUNCATE enforcement_events",
        "SELECT nextval('case_number_seq')",
    ],
)
def test_app_role_cannot_touch_tables(engine, app_conn, sql) -> None:
    new_case(engine)
    with pytest.raises(pg_errors.InsufficientPrivilege, match="permission denied"):
        app_conn.execute(sql)


def test_app_role_cannot_call_internal_helpers_to_write(engine, app_conn) -> None:
    ref = new_case(engine)
    case_id = case_row(engine, ref).id
    with pytest.raises(pg_errors.InsufficientPrivilege):
        app_conn.execute("SELECT append_event(%s, 'note_added', 'U0EVIL', 'x', '{}')", (case_id,))
    assert event_kinds(engine, ref) == ["case_created"]


def test_app_role_can_call_a_function_and_read_views(engine, app_conn) -> None:
    ref = new_case(engine)
    result = app_conn.execute(
        "SELECT set_enforcement_stage(p_case_ref => %s, p_stage => 'discovery',"
        " p_actor => 'U0ALICE')",
        (ref,),
    ).fetchone()[0]
    assert result["to"] == "discovery"
    stage = app_conn.execute(
        "SELECT stage FROM v_enforcement_cases WHERE case_ref = %s", (ref,)
    ).fetchone()[0]
    assert stage == "discovery"
    kinds = [
        r[0]
        for r in app_conn.execute(
            "SELECT kind FROM v_enforcement_timeline WHERE case_ref = %s ORDER BY seq", (ref,)
        )
    ]
    assert kinds == ["case_created", "stage_changed"]
    # Refusals reach the app role with their stable codes.
    with pytest.raises(psycopg.Error) as info:
        app_conn.execute(
            "SELECT set_enforcement_stage(p_case_ref => %s, p_stage => 'recovery',"
            " p_actor => 'U0ALICE')",
            (ref,),
        )
    assert info.value.sqlstate == "DF002"


def test_app_login_cannot_move_the_clock(engine, db_url: str, pg_admin_url: str) -> None:
    """A login role that is a member of dragonfly_app always runs on the real clock."""
    role = f"df_app_login_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    try:
        ref = new_case(engine)
        with engine.begin() as c:  # the login records a Slack officer (roles are enforced in SQL)
            c.execute(text("SELECT grant_role('U0ALICE', 'officer', 'cli:test')"))
        # user= overrides the URL's user on both the TCP and the embedded (socket) URL spellings.
        with psycopg.connect(db.plain_url(db_url), user=role, autocommit=False) as conn:
            conn.execute("SELECT set_config('dragonfly.clock', '2001-01-01T00:00:00Z', true)")
            conn.execute(
                "SELECT add_case_note(p_case_ref => %s, p_text => 'hi', p_actor => 'U0ALICE')",
                (ref,),
            )
            conn.commit()
        with engine.connect() as c:
            at = c.execute(text("SELECT max(occurred_at) FROM enforcement_events")).scalar()
        assert at > datetime(2020, 1, 1, tzinfo=UTC)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
