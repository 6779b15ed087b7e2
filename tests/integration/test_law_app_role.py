"""As a real login in dragonfly_app (the bot and jobs in production): acts and payments dated
more than backdate_window_days ago are refused, within it they are recorded; operators may go
further; a `cli:` actor is no admin through the app role, so it cannot reverse a payment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest

from dragonfly import db
from tests.integration.test_engine_support import add_document, execute, new_case, scalar, snapshot


@pytest.fixture
def app_login(pg_admin_url: str, db_url: str) -> Iterator[psycopg.Connection]:
    role = f"df_law_app_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    try:
        with psycopg.connect(db.plain_url(db_url), user=role, autocommit=True) as conn:
            yield conn
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def _today(engine) -> date:  # type: ignore[no-untyped-def]
    return scalar(engine, "SELECT firm_today()")


def _pay(conn: psycopg.Connection, ref: str, on: date, key: str) -> dict:  # type: ignore[type-arg]
    return conn.execute(
        "SELECT record_enforcement_payment(p_case_ref => %s, p_amount => 100.00, p_kind => 'direct',"
        " p_idempotency_key => %s, p_actor => 'U0ALICE', p_received_on => %s)",
        (ref, key, on),
    ).fetchone()[0]


def test_the_app_role_cannot_back_date_a_payment(engine, app_login) -> None:
    today = _today(engine)
    ref = new_case(engine, entered_on=today - timedelta(days=400))
    before = snapshot(engine)
    with pytest.raises(psycopg.Error) as info:
        _pay(app_login, ref, today - timedelta(days=31), "old")
    assert info.value.sqlstate == "DF061"
    assert "more than 30 days ago" in str(info.value)
    assert snapshot(engine) == before
    # The window is a policy row.
    execute(engine, "UPDATE policy_settings SET value = '60' WHERE key = 'backdate_window_days'")
    assert _pay(app_login, ref, today - timedelta(days=45), "wider")["gross"] == 100
    execute(engine, "UPDATE policy_settings SET value = '30' WHERE key = 'backdate_window_days'")
    assert _pay(app_login, ref, today - timedelta(days=30), "edge")["gross"] == 100  # the window's last day


def test_the_app_role_cannot_back_date_a_workflow_step(engine, app_login) -> None:
    today = _today(engine)
    ref = new_case(engine, entered_on=today - timedelta(days=400))
    doc = add_document(engine, ref, "execution")
    before = snapshot(engine)
    with pytest.raises(psycopg.Error) as info:
        app_login.execute(
            "SELECT queue_enforcement_action(p_case_ref => %s, p_kind => 'levy', p_actor => 'U0ALICE',"
            " p_document_id => %s, p_on => %s)",
            (ref, doc, today - timedelta(days=90)),
        )
    assert info.value.sqlstate == "DF061" and snapshot(engine) == before
    sub = add_document(engine, ref, "subpoena")
    with pytest.raises(psycopg.Error) as info:
        app_login.execute(
            "SELECT issue_subpoena(p_case_ref => %s, p_recipient => 'Chase', p_actor => 'U0ALICE',"
            " p_document_id => %s, p_served_on => %s)",
            (ref, sub, today - timedelta(days=31)),
        )
    assert info.value.sqlstate == "DF061"
    a = app_login.execute(
        "SELECT queue_enforcement_action(p_case_ref => %s, p_kind => 'levy', p_actor => 'U0ALICE',"
        " p_document_id => %s)",
        (ref, doc),
    ).fetchone()[0]
    with pytest.raises(psycopg.Error) as info:
        app_login.execute(
            "SELECT advance_enforcement_action(p_case_ref => %s, p_action_id => %s, p_state => 'delivered_to_officer',"
            " p_actor => 'U0ALICE', p_document_id => %s, p_on => %s)",
            (ref, a["action_id"], doc, today - timedelta(days=31)),
        )
    assert info.value.sqlstate == "DF061"


def test_operators_may_record_older_dates(engine) -> None:
    from dragonfly import rpc
    from tests.integration.test_engine_support import run

    today = _today(engine)
    ref = new_case(engine, entered_on=today - timedelta(days=400))
    r = run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=100,
        kind="direct",
        idempotency_key="op",
        actor="cli:ops",
        received_on=today - timedelta(days=300),
    )
    assert r["gross"] == 100


def test_a_cli_actor_through_the_app_role_cannot_reverse(engine, app_login) -> None:
    ref = new_case(engine)
    paid = _pay(app_login, ref, _today(engine), "p1")
    before = snapshot(engine)
    with pytest.raises(psycopg.Error) as info:
        app_login.execute(
            "SELECT record_enforcement_payment(p_case_ref => %s, p_amount => 100.00, p_kind => 'reversal',"
            " p_idempotency_key => 'r1', p_actor => 'cli:admin', p_reverses_payment_id => %s)",
            (ref, paid["payment_id"]),
        )
    assert info.value.sqlstate == "DF060" and snapshot(engine) == before
