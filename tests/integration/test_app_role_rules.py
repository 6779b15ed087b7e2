"""Who may do what, enforced by the database against real logins (issue 10, items 2 and 3).

`bot` logs in as a member of dragonfly_app only (the Slack app); `jobs` as a member of
dragonfly_scheduler (the scheduler). Each refusal must change nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from dragonfly import db, rpc
from tests.conftest import judgment


@pytest.fixture
def logins(pg_admin_url: str, db_url: str, engine) -> Iterator[dict[str, psycopg.Connection]]:  # type: ignore[no-untyped-def]
    """Two real login roles and one Slack user per role, connected autocommit."""
    names = {"bot": f"df_rr_bot_{os.getpid()}", "jobs": f"df_rr_jobs_{os.getpid()}"}
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for name in names.values():
            admin.execute(f"DROP ROLE IF EXISTS {name}")
        admin.execute(f"CREATE ROLE {names['bot']} LOGIN IN ROLE dragonfly_app")
        admin.execute(f"CREATE ROLE {names['jobs']} LOGIN IN ROLE dragonfly_scheduler")
    with rpc.transaction(engine) as conn:
        for user, role in (("U0VIEWER1", "viewer"), ("U0OFFICER1", "officer"), ("U0ADMIN1", "admin")):
            rpc.grant_role(conn, slack_user_id=user, role=role, actor="cli:test")
    conns = {k: psycopg.connect(db.plain_url(db_url), user=v, autocommit=True) for k, v in names.items()}
    try:
        yield conns
    finally:
        for c in conns.values():
            c.close()
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            for name in names.values():
                admin.execute(f"DROP OWNED BY {name}")
                admin.execute(f"DROP ROLE IF EXISTS {name}")


def refused(conn: psycopg.Connection, sql: str, params: tuple = ()) -> psycopg.Error:  # type: ignore[type-arg]
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql, params)
    return info.value


def events(engine, ref: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT kind, actor FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq"), {"r": ref}
        ).all()
    return [(r.kind, r.actor) for r in rows]


NOTE = "SELECT add_case_note(p_case_ref => %s, p_text => 'called the bank', p_actor => %s)"


def test_a_viewer_or_a_stranger_cannot_write_an_officer_can(logins, make_case, engine):
    ref = make_case()
    bot = logins["bot"]
    for who, has in (("U0VIEWER1", "viewer"), ("U0NOBODY1", "no role")):
        err = refused(bot, NOTE, (ref, who))
        assert err.sqlstate == "DF012"
        assert err.diag.message_primary == f"Recording anything on a case needs the officer role; {who} has {has}"
        assert err.diag.message_hint == f"Ask an admin to run: dragonfly users grant {who} officer"
    assert events(engine, ref) == [("case_created", "cli:test")]
    bot.execute(NOTE, (ref, "U0OFFICER1"))
    assert events(engine, ref)[-1] == ("note_added", "U0OFFICER1")


def test_only_an_admin_overrides_a_tier(logins, make_case, engine):
    ref = make_case()
    sql = (
        "SELECT set_tier_override(p_case_ref => %s, p_tier => 3, p_reason => 'client priority',"
        " p_expires_at => now() + interval '10 days', p_actor => %s)"
    )
    for who in ("U0VIEWER1", "U0OFFICER1"):
        err = refused(logins["bot"], sql, (ref, who))
        assert err.sqlstate == "DF012" and err.diag.message_primary.startswith("Overriding a tier needs the admin role")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM tier_overrides")).scalar_one() == 0
    logins["bot"].execute(sql, (ref, "U0ADMIN1"))
    assert events(engine, ref)[-1] == ("tier_override_set", "U0ADMIN1")


def test_granting_a_role_needs_an_admin_and_never_a_forged_operator(logins, engine):
    bot = logins["bot"]
    grant = "SELECT grant_role(%s, %s, %s)"
    err = refused(bot, grant, ("U0EVIL1", "admin", "cli:root"))
    assert err.sqlstate == "DF012" and "cannot act as cli:root" in err.diag.message_primary
    assert refused(bot, grant, ("U0EVIL1", "admin", "system:bootstrap")).sqlstate == "DF012"
    assert refused(bot, grant, ("U0EVIL1", "admin", "U0OFFICER1")).sqlstate == "DF012"
    assert refused(bot, grant, ("U0VIEWER1", "admin", "U0VIEWER1")).sqlstate == "DF012"
    with engine.connect() as c:
        roles = dict(c.execute(text("SELECT slack_user_id, role FROM v_app_users")).all())
    assert "U0EVIL1" not in roles and roles["U0VIEWER1"] == "viewer"
    # Re-granting what is held is a no-op (start-up re-seeds DRAGONFLY_ADMINS through the app role).
    assert bot.execute(grant, ("U0ADMIN1", "admin", "system:bootstrap")).fetchone()[0]["changed"] is False
    bot.execute(grant, ("U0NEW1", "officer", "U0ADMIN1"))
    with engine.connect() as c:
        assert c.execute(text("SELECT role FROM v_app_users WHERE slack_user_id = 'U0NEW1'")).scalar_one() == "officer"


def test_only_an_admin_reverses_a_payment(logins, make_case, engine):
    ref = make_case(entered_on=date(2015, 1, 1))
    bot = logins["bot"]
    paid = bot.execute(
        "SELECT record_enforcement_payment(p_case_ref => %s, p_amount => 100, p_kind => 'direct',"
        " p_idempotency_key => 'p1', p_actor => 'U0OFFICER1')",
        (ref,),
    ).fetchone()[0]
    reverse = (
        "SELECT record_enforcement_payment(p_case_ref => %s, p_amount => 100, p_kind => 'reversal',"
        " p_idempotency_key => %s, p_actor => %s, p_reverses_payment_id => %s)"
    )
    for who in ("U0VIEWER1", "U0OFFICER1"):
        err = refused(bot, reverse, (ref, f"r-{who}", who, paid["payment_id"]))
        assert err.sqlstate == "DF012" and "admin" in err.diag.message_primary
    bot.execute(reverse, (ref, "r-admin", "U0ADMIN1", paid["payment_id"]))
    assert [a for k, a in events(engine, ref) if k == "payment_recorded"] == ["U0OFFICER1", "U0ADMIN1"]


@pytest.mark.parametrize(
    ("actor", "code", "words"),
    [
        ("cli:admin", "DF012", "cannot act as cli:admin"),
        ("system:nightly", "DF012", "cannot act as system:nightly"),
        ("cli:<!channel> <https://evil.example|audit log>", "DF008", "is not an actor"),
        ("u0lower", "DF008", "is not an actor"),
        ("U0" + "A" * 40, "DF008", "is not an actor"),
        ("anyone", "DF008", "is not an actor"),
    ],
)
def test_the_bot_records_only_slack_users(logins, make_case, engine, actor, code, words):
    ref = make_case()
    err = refused(logins["bot"], NOTE, (ref, actor))
    assert err.sqlstate == code and words in err.diag.message_primary
    assert len(events(engine, ref)) == 1


def test_the_scheduler_records_system_actors_for_the_nightly_rules_only(logins, make_case, engine):
    ref = make_case()
    jobs = logins["jobs"]
    err = refused(jobs, NOTE, (ref, "system:nightly"))
    assert err.sqlstate == "DF012" and err.diag.message_primary == "system:nightly cannot record note_added"
    assert refused(jobs, NOTE, (ref, "cli:ops")).sqlstate == "DF012"
    # A person's step recorded by the ingestion worker keeps the person's role rules.
    assert refused(jobs, NOTE, (ref, "U0VIEWER1")).sqlstate == "DF012"
    assert jobs.execute("SELECT expire_tier_overrides()").fetchone()[0] == {"expired": 0}


def test_only_the_scheduler_retiers_and_never_for_a_future_date(logins, make_case, engine):
    ref = make_case(entered_on=date.today() - timedelta(days=400))
    future = date.today() + timedelta(days=365 * 20)
    # As an operator the far-future re-scoring would change this case's tier ...
    with engine.connect() as c, c.begin() as tx:
        assert c.execute(text("SELECT assign_tiers(:d)"), {"d": future}).scalar_one()["changed"] >= 1
        tx.rollback()
    # ... the bot's login may not record it at all,
    err = refused(logins["bot"], "SELECT assign_tiers(%s)", (future,))
    assert err.sqlstate == "DF012" and "Re-tiering is the scheduler's job" in err.diag.message_primary
    assert refused(logins["bot"], "SELECT assign_tiers(%s, 'U0ADMIN1')", (future,)).sqlstate == "DF012"
    assert [k for k, _ in events(engine, ref)] == ["case_created"]
    # and the guard for the nightly date refuses a future day even for the scheduler's login.
    err = refused(logins["jobs"], "SELECT require_batch_date(%s, 'Re-tiering')", (future,))
    assert err.sqlstate == "DF008" and err.diag.message_primary == f"Re-tiering cannot run for {future}"
    assert refused(logins["bot"], "SELECT require_batch_date(current_date, 'Re-tiering')").sqlstate == "DF012"
    logins["jobs"].execute("SELECT require_batch_date(firm_today(), 'Re-tiering')")


def test_the_app_cannot_change_the_time_zone_or_the_plan(logins, engine):
    bot = logins["bot"]
    err = refused(bot, "SELECT set_firm_timezone('Pacific/Auckland')")
    assert err.sqlstate == "DF012" and "cannot change the firm's time zone" in err.diag.message_primary
    bot.execute("SELECT set_firm_timezone('America/New_York')")  # the zone it already has: nothing changes
    plan = "SELECT set_recovery_plan(%s, 250000, %s)"
    for who in ("cli:ops", "system:nightly", "U0OFFICER1"):
        assert refused(bot, plan, (date(2026, 12, 1), who)).sqlstate == "DF012"
    with engine.connect() as c:
        assert c.execute(text("SELECT value FROM policy_settings WHERE key = 'firm_timezone'")).scalar_one() == (
            "America/New_York"
        )
        assert c.execute(text("SELECT count(*) FROM recovery_plan")).scalar_one() == 0
    bot.execute(plan, (date(2026, 12, 1), "U0ADMIN1"))


def test_an_event_source_is_a_short_word(logins, make_case):
    ref = make_case()
    err = refused(
        logins["bot"],
        "SELECT add_case_note(p_case_ref => %s, p_text => 'x', p_actor => 'U0OFFICER1', p_source => '<!channel>')",
        (ref,),
    )
    assert err.sqlstate == "DF008" and "is not an event source" in err.diag.message_primary


def test_an_operator_is_trusted_with_slack_actors_but_not_with_markup(engine, make_case):
    ref = make_case()
    with rpc.transaction(engine) as conn:  # the tests' own session is an operator (superuser)
        rpc.add_case_note(conn, case_ref=ref, text="ok", actor="U0UNGRANTED")
    from dragonfly.errors import InvalidInput

    with pytest.raises(InvalidInput, match="is not an actor"), rpc.transaction(engine) as conn:
        rpc.add_case_note(conn, case_ref=ref, text="x", actor="cli:<!channel> <https://evil.example|audit log>")


def test_payments_by_an_officer_still_work_through_the_bot_login(logins, make_case):
    ref = make_case()
    r = logins["bot"].execute(
        "SELECT record_enforcement_payment(p_case_ref => %s, p_amount => %s, p_kind => 'direct',"
        " p_idempotency_key => 'k', p_actor => 'U0OFFICER1')",
        (ref, Decimal("12.34")),
    )
    assert r.fetchone()[0]["gross"] == 12.34


def _as_login(db_url: str, role: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(db.plain_url(db_url))
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{role}@{host}", parts.path, parts.query, parts.fragment))


def test_the_nightly_job_runs_under_the_scheduler_login_and_not_the_bots(logins, settings, db_url, engine, make_case):
    from datetime import UTC, datetime

    from dragonfly.bootstrap import Services
    from scheduler.jobs import JOBS
    from scheduler.jobs.base import run_job

    with rpc.transaction(engine) as conn:  # as an operator, three years ago: an override that has lapsed
        rpc.set_clock(conn, datetime.now(UTC) - timedelta(days=3 * 365))
        ref = str(
            rpc.create_enforcement_case(conn, **judgment(entered_on=date.today() - timedelta(days=1125)))["case_ref"]
        )
        rpc.set_tier_override(
            conn,
            case_ref=ref,
            tier=3,
            reason="client",
            actor="cli:test",
            expires_at=datetime.now(UTC) - timedelta(days=3 * 365 - 5),
        )
    roles = {k: c.info.user for k, c in logins.items()}
    results = {}
    for who in ("bot", "jobs"):
        url = _as_login(db_url, roles[who])
        svc = Services(
            settings=settings.model_copy(update={"database_url": url}), database_url=url, engine=db.make_engine(url)
        )
        try:
            try:
                results[who] = run_job(svc, JOBS["nightly"], now=datetime.now(UTC), by=who)
            except Exception as exc:  # noqa: BLE001 - the refusal is what this test looks at
                results[who] = exc
        finally:
            svc.close()
    # The bot's login is refused in words and its run recorded nothing (one transaction) ...
    assert getattr(results["bot"], "code", None) == "DF012"
    # ... the scheduler's login ran it: the lapsed override expired, as system:nightly.
    assert not isinstance(results["jobs"], Exception), results["jobs"]
    assert events(engine, ref).count(("tier_override_expired", "system:nightly")) == 1


def test_start_up_as_the_bot_does_not_grant_dragonfly_admins(logins, settings, db_url, engine, caplog):
    from dragonfly.bootstrap import Services, seed_admins

    url = _as_login(db_url, logins["bot"].info.user)
    svc = Services(
        settings=settings.model_copy(update={"dragonfly_admins": "U0ADMIN1,U0WANNABE1"}),
        database_url=url,
        engine=db.make_engine(url),
    )
    try:
        seed_admins(svc)  # the held role is re-granted quietly; the new one is refused with a warning
    finally:
        svc.close()
    with engine.connect() as c:
        roles = dict(c.execute(text("SELECT slack_user_id, role FROM v_app_users")).all())
    assert roles["U0ADMIN1"] == "admin" and "U0WANNABE1" not in roles
    assert "DRAGONFLY_ADMINS: U0WANNABE1 is not an admin yet" in caplog.text


def test_a_bot_started_with_another_time_zone_is_told_in_words(logins, db_url):
    from dragonfly.errors import Forbidden

    url = _as_login(db_url, logins["bot"].info.user)
    db.sync_timezone(url, "America/New_York")  # the database's own zone: nothing to change
    with pytest.raises(Forbidden, match="cannot change the firm's time zone to Europe/Paris"):
        db.sync_timezone(url, "Europe/Paris")


def test_assign_tiers_itself_refuses_other_dates_for_the_scheduler(logins) -> None:  # type: ignore[no-untyped-def]
    """The guard is wired into assign_tiers: the scheduler re-tiers today, not 2999 or 2001."""
    logins["jobs"].execute("SELECT assign_tiers()")
    for when in ("2999-01-01", "2001-01-01"):
        err = refused(logins["jobs"], "SELECT assign_tiers(%s::date)", (when,))
        assert err.sqlstate == "DF008" and "Re-tiering cannot run" in err.diag.message_primary
    assert refused(logins["bot"], "SELECT assign_tiers()").sqlstate == "DF012"
