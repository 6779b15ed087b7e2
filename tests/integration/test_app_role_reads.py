"""The application role reads every view (and nothing it should not): the bot and the jobs connect
as a member of dragonfly_app in production."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from dragonfly import rpc


def _busy_case(engine, make_case) -> str:
    ref = make_case()
    with rpc.transaction(engine) as conn:
        rpc.set_enforcement_stage(conn, case_ref=ref, stage="discovery", actor="U0OFFICER")
        rpc.log_enforcement_blocker(
            conn, case_ref=ref, kind="court", reason="clerk", eta=date.today() + timedelta(days=3), actor="U0OFFICER"
        )
        rpc.queue_enforcement_action(conn, case_ref=ref, kind="asset_search", actor="U0OFFICER")
        rpc.record_enforcement_payment(
            conn, case_ref=ref, amount=Decimal("100.00"), kind="direct", idempotency_key=f"k-{ref}", actor="U0OFFICER"
        )
    return ref


def test_every_view_is_readable_by_the_app_role(engine, make_case, db_url):
    _busy_case(engine, make_case)
    with engine.connect() as conn:
        views = (
            conn.execute(
                text("SELECT table_name FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1")
            )
            .scalars()
            .all()
        )
    assert "v_enforcement_cases" in views
    with engine.connect() as conn:
        granted = [
            v
            for v in views
            if conn.execute(text("SELECT has_table_privilege('dragonfly_app', :v, 'SELECT')"), {"v": v}).scalar_one()
        ]
    # the one view kept from it: the read model's full recomputation (sql/post-apply.sql)
    assert sorted(set(views) - set(granted)) == ["v_case_read_model_computed"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET ROLE dragonfly_app")
        for view in granted:
            conn.execute(f"SELECT * FROM {view} LIMIT 5").fetchall()  # raises on a permission error


def test_app_role_cannot_write_reference_data(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET ROLE dragonfly_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE policy_settings SET value = 'from_effective_date' WHERE key = 'consumer_rate_transition'"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM ny_holidays")


def test_stage_move_that_clears_blockers_records_each_clearing(engine, make_case):
    ref = _busy_case(engine, make_case)
    with rpc.transaction(engine) as conn:
        rpc.set_enforcement_stage(conn, case_ref=ref, stage="execution", actor="U0OFFICER", clear_blockers=True)
    with engine.connect() as conn:
        kinds = (
            conn.execute(text("SELECT kind FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq"), {"r": ref})
            .scalars()
            .all()
        )
        open_blockers = conn.execute(
            text("SELECT count(*) FROM v_open_blockers WHERE case_ref = :r"), {"r": ref}
        ).scalar_one()
    assert kinds[-2:] == ["stage_changed", "blocker_cleared"]
    assert open_blockers == 0


def test_a_reversed_payment_no_longer_counts_as_a_payment(engine, make_case):
    ref = make_case(entered_on=date(2015, 1, 1))
    with rpc.transaction(engine) as conn:
        paid = rpc.record_enforcement_payment(
            conn, case_ref=ref, amount=Decimal("100.00"), kind="direct", idempotency_key="pay-1", actor="U0OFFICER"
        )
        rpc.record_enforcement_payment(
            conn,
            case_ref=ref,
            amount=Decimal("100.00"),
            kind="reversal",
            idempotency_key="rev-1",
            actor="cli:admin",
            reverses_payment_id=paid["payment_id"],
        )
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT last_payment_at FROM v_enforcement_cases WHERE case_ref = :r"), {"r": ref}
        ).scalar_one()
    assert last is None


def test_garnishment_keeps_its_employer_deadline_after_service_on_the_debtor(engine, make_case, tmp_path):
    ref = make_case()
    with rpc.transaction(engine) as conn:
        docs = {}
        for i, kind in enumerate(("execution", "transmittal", "proof_of_service")):
            docs[kind] = rpc.attach_enforcement_document(
                conn,
                case_ref=ref,
                kind=kind,
                storage_key=f"cases/{ref}/k{i}",
                sha256=f"{i:064x}",
                size_bytes=10,
                content_type="application/pdf",
                original_name=f"{kind}.pdf",
                uploader="U0OFFICER",
            )["document_id"]
        a = rpc.queue_enforcement_action(
            conn, case_ref=ref, kind="garnishment", actor="U0OFFICER", document_id=docs["execution"]
        )
        rpc.advance_enforcement_action(
            conn,
            case_ref=ref,
            action_id=a["action_id"],
            state="delivered",
            actor="U0OFFICER",
            document_id=docs["transmittal"],
        )
        rpc.advance_enforcement_action(
            conn,
            case_ref=ref,
            action_id=a["action_id"],
            state="served_on_debtor",
            actor="U0OFFICER",
            document_id=docs["proof_of_service"],
        )
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT next_deadline, deadlines FROM v_enforcement_actions WHERE action_id = :a"),
            {"a": a["action_id"]},
        ).one()
    assert row.next_deadline is not None
    assert str(row.next_deadline) == row.deadlines["employer_due"]


@pytest.mark.parametrize(
    ("clock", "breached"),
    [
        ("2026-12-05T12:00:00-05:00", False),  # Saturday after a Friday due date
        ("2026-12-07T12:00:00-05:00", False),  # Monday: one business day past due
        ("2026-12-08T12:00:00-05:00", True),  # Tuesday: more than one business day
    ],
)
def test_next_action_breach_counts_business_days(engine, make_case, clock, breached):
    from datetime import datetime

    ref = make_case()
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime.fromisoformat("2026-12-01T09:00:00-05:00"))
        rpc.set_enforcement_stage(conn, case_ref=ref, stage="discovery", actor="U0OFFICER")
        rpc.set_next_action(
            conn, case_ref=ref, at=datetime.fromisoformat("2026-12-04T10:00:00-05:00"), what="call", actor="U0OFFICER"
        )
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime.fromisoformat(clock))
        # Seven days into discovery, no blockers or workflows: only the next action can breach.
        due = conn.execute(
            text("SELECT sla_breached FROM v_enforcement_cases WHERE case_ref = :r"), {"r": ref}
        ).scalar_one()
    assert due is breached


def test_event_summaries_show_the_firm_date(engine, make_case):
    from datetime import datetime

    ref = make_case()
    with rpc.transaction(engine) as conn:
        # 23:30 in New York is 04:30 UTC the next day; people read the New York date.
        rpc.set_next_action(
            conn,
            case_ref=ref,
            at=datetime.fromisoformat("2030-03-05T23:30:00-05:00"),
            what="call back",
            actor="U0OFFICER",
        )
    with engine.connect() as conn:
        summary = conn.execute(
            text("SELECT summary FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'next_action_set'"),
            {"r": ref},
        ).scalar_one()
    assert summary == "Next action 2030-03-05: call back"


def test_app_role_cannot_act_as_a_cli_admin_or_expire_overrides_early(engine, make_case, db_url, pg_admin_url):
    """The bot logs in as a member of dragonfly_app: `cli:` actors and clock arguments are operators' only."""
    import os
    from datetime import UTC, datetime

    closed = make_case()
    overridden = make_case()
    with rpc.transaction(engine) as conn:
        rpc.set_enforcement_stage(conn, case_ref=closed, stage="closed", closing_reason="settled", actor="U0OFFICER")
        rpc.set_tier_override(
            conn,
            case_ref=overridden,
            tier=3,
            reason="client",
            actor="U0ADMIN",
            expires_at=datetime.now(UTC) + timedelta(days=30),
        )
    role = f"df_bot_login_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    try:
        with psycopg.connect(db_url, user=role, autocommit=True) as conn:
            with pytest.raises(psycopg.Error) as refused:
                conn.execute(
                    "SELECT set_enforcement_stage(p_case_ref => %s, p_stage => 'discovery', p_actor => 'cli:x')",
                    (closed,),
                )
            assert refused.value.sqlstate == "DF012"
            # The bot's login may not run the nightly rules at all (README "Security").
            with pytest.raises(psycopg.Error) as refused:
                conn.execute("SELECT expire_tier_overrides(p_now => now() + interval '60 days')")
            assert refused.value.sqlstate == "DF012"
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"GRANT dragonfly_scheduler TO {role}")
        with psycopg.connect(db_url, user=role, autocommit=True) as conn:
            # The scheduler's login may, but cannot move the clock forward to expire overrides early.
            expired = conn.execute("SELECT expire_tier_overrides(p_now => now() + interval '60 days')").fetchone()
            assert expired is not None and expired[0]["expired"] == 0
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_missing_required_argument_is_a_clear_refusal(engine, make_case):
    from dragonfly.errors import InvalidInput

    ref = make_case()
    with pytest.raises(InvalidInput, match="Missing text"), rpc.transaction(engine) as conn:
        rpc.add_case_note(conn, case_ref=ref, text=None, actor="U0OFFICER")  # type: ignore[arg-type]


def test_an_index_number_with_a_letter_prefix_and_hyphens_is_accepted(make_case):
    assert make_case(index_number="CV-012345-23").startswith("DF-")


def test_docketing_a_marshal_needs_the_officers_docket_number(engine, make_case):
    from dragonfly.errors import InvalidInput

    ref = make_case()
    with rpc.transaction(engine) as conn:
        doc = rpc.attach_enforcement_document(
            conn,
            case_ref=ref,
            kind="transmittal",
            storage_key=f"cases/{ref}/t",
            sha256="a" * 64,
            size_bytes=10,
            content_type="application/pdf",
            original_name="transmittal.pdf",
            uploader="U0OFFICER",
        )["document_id"]
        action = rpc.queue_enforcement_action(conn, case_ref=ref, kind="marshal", actor="U0OFFICER", document_id=doc)
    with pytest.raises(InvalidInput, match="docket number"), rpc.transaction(engine) as conn:
        rpc.advance_enforcement_action(
            conn, case_ref=ref, action_id=action["action_id"], state="docketed", actor="U0OFFICER"
        )
    with rpc.transaction(engine) as conn:
        done = rpc.advance_enforcement_action(
            conn,
            case_ref=ref,
            action_id=action["action_id"],
            state="docketed",
            actor="U0OFFICER",
            officer_docket="M-2026-0042",
        )
    assert done["state"] == "docketed"
