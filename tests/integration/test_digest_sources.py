"""The digest's line sources (sql/0137_digest_sources.sql, sql/0151): one row per open blocker, per open
workflow with a next deadline and per deadline warning, of open cases, with the case's owner, tier
and number, kept by the
write path as people act; `dragonfly doctor` finds a row that differs and names the fix."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from dragonfly import doctor, rpc


def stored(conn) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in conn.execute(text("SELECT * FROM digest_sources ORDER BY kind, src_id"))]


def computed(conn) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in conn.execute(text("SELECT * FROM v_digest_sources_computed ORDER BY kind, src_id"))]


def rows_of(conn, ref: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (r.kind, r.owner_slack_id, r.tier, r.due)
        for r in conn.execute(
            text(
                "SELECT s.* FROM digest_sources s JOIN enforcement_cases c ON c.id = s.case_id"
                " WHERE c.case_ref = :r ORDER BY s.kind, s.src_id"
            ),
            {"r": ref},
        )
    ]


def test_rows_follow_blockers_workflows_owner_tier_and_closing(engine, make_case) -> None:  # type: ignore[no-untyped-def]
    a, b = make_case(), make_case()
    eta = date.today() + timedelta(days=5)
    with rpc.transaction(engine) as conn:
        rpc.assign_case_owner(conn, case_ref=a, owner="U0ANNA", actor="cli:test")
        rpc.log_enforcement_blocker(conn, case_ref=a, kind="court", reason="motion", eta=eta, actor="cli:test")
        rpc.queue_enforcement_action(conn, case_ref=a, kind="asset_search", actor="cli:test")
        rpc.queue_enforcement_action(conn, case_ref=b, kind="asset_search", actor="cli:test")
        assert stored(conn) == computed(conn)
        tier = conn.execute(text("SELECT tier FROM enforcement_cases WHERE case_ref = :r"), {"r": a}).scalar_one()
        kinds = [k for k, *_ in rows_of(conn, a)]
        assert kinds.count("blocker") == 1 and ("blocker", "U0ANNA", tier, eta) in rows_of(conn, a)

    with rpc.transaction(engine) as conn:  # a new owner and a tier override: the rows follow the case
        rpc.assign_case_owner(conn, case_ref=a, owner="U0BORIS", actor="cli:test")
        rpc.set_tier_override(conn, case_ref=a, tier=3, reason="client", actor="cli:test",
                              expires_at=rpc_now(conn) + timedelta(days=30))
        assert {(o, t) for _, o, t, _ in rows_of(conn, a)} == {("U0BORIS", 3)}
        assert stored(conn) == computed(conn)

    with rpc.transaction(engine) as conn:  # a cleared blocker is no line
        rpc.clear_enforcement_blocker(conn, case_ref=a, actor="cli:test")
        assert [k for k, *_ in rows_of(conn, a)] == ["action"]
        assert stored(conn) == computed(conn)

    with rpc.transaction(engine) as conn:  # a closed case has none, and gets them back when reopened
        rpc.set_enforcement_stage(conn, case_ref=b, stage="closed", actor="cli:test", closing_reason="settled")
        assert rows_of(conn, b) == []
        rpc.set_enforcement_stage(conn, case_ref=b, stage="discovery", actor="cli:test")
        assert [k for k, *_ in rows_of(conn, b)] == ["action"]
        assert stored(conn) == computed(conn)


def rpc_now(conn):  # type: ignore[no-untyped-def]
    return conn.execute(text("SELECT df_now()")).scalar_one()


def test_doctor_finds_a_row_that_differs_and_rebuild_fixes_it(engine, services, make_case) -> None:  # type: ignore[no-untyped-def]
    ref = make_case()
    with rpc.transaction(engine) as conn:
        rpc.queue_enforcement_action(conn, case_ref=ref, kind="asset_search", actor="cli:test")
    assert doctor.check_digest_sources(services).ok
    with engine.begin() as conn:  # a write that went around the triggers (as a superuser could)
        conn.execute(text("UPDATE digest_sources SET owner_slack_id = 'U0NOBODY'"))
    found = doctor.check_digest_sources(services)
    assert not found.ok
    assert any("rebuild_digest_sources()" in d for d in found.details), found.details
    with engine.begin() as conn:
        conn.execute(text("SELECT rebuild_digest_sources()"))
    assert doctor.check_digest_sources(services).ok


def test_deadline_warnings_are_rows_while_their_case_is_open(engine, make_case) -> None:  # type: ignore[no-untyped-def]
    from scheduler.jobs import nightly

    a, b = make_case(), make_case()
    with rpc.transaction(engine) as conn:
        for ref in (a, b):
            rpc.queue_enforcement_action(conn, case_ref=ref, kind="asset_search", actor="cli:test",
                                         on=date.today() - timedelta(days=60))
        assert nightly.record_warnings(conn, today=date.today()) == 2  # one batch: one statement
        warned = [r for r in stored(conn) if r[0] == "warning"]
        assert len(warned) == 2 and all(r[7] is not None for r in warned)  # (when it was recorded)
        assert stored(conn) == computed(conn)
        rpc.assign_case_owner(conn, case_ref=a, owner="U0CLARA", actor="cli:test")
        assert [o for k, o, _, _ in rows_of(conn, a) if k == "warning"] == ["U0CLARA"]
        rpc.set_enforcement_stage(conn, case_ref=b, stage="closed", actor="cli:test", closing_reason="settled")
        assert rows_of(conn, b) == []
        rpc.set_enforcement_stage(conn, case_ref=b, stage="discovery", actor="cli:test")
        assert [k for k, *_ in rows_of(conn, b)].count("warning") == 1
        assert stored(conn) == computed(conn)
