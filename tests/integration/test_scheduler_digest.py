"""Morning digest content with a controlled clock: the right cases, in the right order, nothing
from closed cases; business-day skipping (weekend, NY holiday); DST change weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from dragonfly import rpc
from scheduler import periods
from scheduler.jobs import JOBS, digest
from scheduler.jobs.base import run_job
from scheduler.runner import catch_up, plan

NY = ZoneInfo("America/New_York")


def ny(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=NY)


def at(engine, when: datetime):  # type: ignore[no-untyped-def]
    """A transaction running as of `when`."""

    class _Tx:
        def __enter__(self):  # type: ignore[no-untyped-def]
            self.cm = rpc.transaction(engine)
            conn = self.cm.__enter__()
            rpc.set_clock(conn, when)
            return conn

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            return self.cm.__exit__(*exc)

    return _Tx()


SEED = ny("2026-11-20T10:00")
DIGEST = ny("2026-12-01T08:30")  # a Tuesday


@pytest.fixture
def book(engine, make_case):  # type: ignore[no-untyped-def]
    """A small book: two owners, tiers 1-3, blockers, workflows, a closed case, an unowned case."""
    refs = {}
    with at(engine, SEED) as conn:
        for name, owner in [
            ("A", "U0AAA"),
            ("B", "U0AAA"),
            ("C", "U0AAA"),
            ("D", "U0AAA"),
            ("E", "U0AAA"),
            ("F", "U0AAA"),
            ("G", "U0AAA"),
            ("H", "U0BBB"),
            ("I", None),
        ]:
            args = dict(owner=owner)
            from tests.conftest import judgment

            refs[name] = str(rpc.create_enforcement_case(conn, **judgment(**args), as_of=None)["case_ref"])
        until = SEED + timedelta(days=60)
        rpc.set_tier_override(conn, case_ref=refs["A"], tier=3, reason="big", expires_at=until, actor="cli:test")
        rpc.set_tier_override(conn, case_ref=refs["C"], tier=2, reason="mid", expires_at=until, actor="cli:test")
        rpc.set_tier_override(conn, case_ref=refs["B"], tier=1, reason="low", expires_at=until, actor="cli:test")
        rpc.set_tier_override(conn, case_ref=refs["H"], tier=1, reason="low", expires_at=until, actor="cli:test")
        for key, when, what in [
            ("A", "2026-11-28T09:00", "call the bank"),
            ("B", "2026-11-24T09:00", "chase"),
            ("C", "2026-11-30T09:00", "check docket"),
            ("G", "2026-11-23T09:00", "old"),
            ("H", "2026-11-27T09:00", "call marshal"),
            ("E", "2026-12-20T09:00", "later"),
            ("F", "2026-12-21T09:00", "later"),
        ]:
            rpc.set_next_action(conn, case_ref=refs[key], at=ny(when), what=what, actor="cli:test")
        rpc.log_enforcement_blocker(
            conn,
            case_ref=refs["D"],
            kind="court",
            reason="motion pending",
            eta=date(2026, 11, 25),
            actor="cli:test",
        )
        rpc.log_enforcement_blocker(
            conn,
            case_ref=refs["G"],
            kind="bank",
            reason="closed case blocker",
            eta=date(2026, 11, 25),
            actor="cli:test",
        )
        # asset search, Tier 1, 10 days: E due Thu 2026-12-03 (within 3 business days),
        # F due 2026-12-07 (beyond)
        e = rpc.queue_enforcement_action(
            conn, case_ref=refs["E"], kind="asset_search", actor="cli:test", on=date(2026, 11, 23)
        )
        rpc.queue_enforcement_action(
            conn, case_ref=refs["F"], kind="asset_search", actor="cli:test", on=date(2026, 11, 27)
        )
        rpc.queue_enforcement_action(
            conn, case_ref=refs["G"], kind="asset_search", actor="cli:test", on=date(2026, 11, 20)
        )
        rpc.set_enforcement_stage(
            conn,
            case_ref=refs["G"],
            stage="closed",
            closing_reason="uncollectible",
            actor="cli:test",
        )
        # imported history can leave an open case without a next action (no function clears one)
        conn.execute(
            text("UPDATE enforcement_cases SET next_action_at = NULL WHERE case_ref = :r"),
            {"r": refs["I"]},
        )
    refs["E_action"] = e["action_id"]
    return refs


def test_digest_content_and_order(services, book):  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        rpc.set_clock(conn, DIGEST)
        items = digest.select_items(conn, now=DIGEST)
    refs = {v: k for k, v in book.items() if isinstance(v, str)}
    aaa = [(i.section, refs[i.case_ref]) for i in items if i.owner == "U0AAA"]
    past_due = [k for s, k in aaa if s == "past_due"]
    # Tier 3 and 2 first (A: 3 days overdue, C: 1 day), then the rest by how overdue
    # (B 7 days, D 6 days)
    assert past_due == ["A", "C", "B", "D"]
    assert [k for s, k in aaa if s == "blocker_eta"] == ["D"]
    assert [k for s, k in aaa if s == "deadline"] == ["E"]  # F's deadline is beyond 3 business days
    assert "G" not in {k for _, k in aaa}  # closed: nothing at all
    assert [(i.section, refs[i.case_ref]) for i in items if i.owner == "U0BBB"] == [("past_due", "H")]
    assert [(i.section, refs[i.case_ref]) for i in items if i.owner is None] == [("no_next_action", "I")]
    deadline = next(i for i in items if i.section == "deadline")
    assert deadline.due_on == date(2026, 12, 3)


def test_digest_run_queues_dm_per_owner_and_rollup(services, book):  # type: ignore[no-untyped-def]
    result = run_job(services, digest, now=DIGEST)
    assert result.status == "queued" and result.period == "2026-12-01"
    by_recipient = {m.recipient: m for m in result.messages}
    assert set(by_recipient) == {"U0AAA", "U0BBB", "ops"}
    dm = by_recipient["U0AAA"].payload
    assert dm["channel"] == "U0AAA"
    buttons = [b["accessory"] for b in dm["blocks"] if "accessory" in b]
    # one action id per button (unique in the message), all starting with bot/ids.py A_OPEN_CASE
    assert all(b["action_id"] == f"open_case:{b['value']}" for b in buttons)
    assert [b["value"] for b in buttons][:4] == [book["A"], book["C"], book["B"], book["D"]]
    assert book["G"] not in str(dm)
    rollup = by_recipient["ops"].payload
    assert rollup["channel"] == services.settings.dragonfly_ops_channel
    assert "<@U0AAA>" in str(rollup) and "(unassigned)" in str(rollup)
    with services.engine.connect() as conn:
        keys = sorted(r[0] for r in conn.execute(text("SELECT dedupe_key FROM v_outbox")))
    assert keys == ["digest:2026-12-01:U0AAA", "digest:2026-12-01:U0BBB", "digest:2026-12-01:ops"]
    # a second run of the same period queues nothing
    assert run_job(services, digest, now=DIGEST + timedelta(minutes=5)).status == "already_claimed"


def test_dry_run_prints_and_records_nothing(services, book):  # type: ignore[no-untyped-def]
    result = run_job(services, digest, now=DIGEST, dry_run=True)
    assert result.status == "dry_run"
    assert "call the bank" in "\n".join(m.as_text() for m in result.messages)
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM v_outbox")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM v_job_runs")).scalar_one() == 0


@pytest.mark.parametrize("day", ["2026-11-26", "2026-11-28", "2026-11-29"])  # Thanksgiving, Sat, Sun
def test_business_day_skipping(services, day):  # type: ignore[no-untyped-def]
    result = run_job(services, digest, now=ny(f"{day}T08:30"))
    assert result.status == "not_business_day"
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM v_job_runs")).scalar_one() == 0


def test_lincolns_birthday_is_a_holiday_but_susan_b_anthony_day_is_not(services):  # type: ignore[no-untyped-def]
    assert run_job(services, digest, now=ny("2027-02-12T08:30")).status == "not_business_day"  # Lincoln, Fri
    assert run_job(services, digest, now=ny("2027-02-15T08:30")).status == "not_business_day"  # Washington
    assert run_job(services, digest, now=ny("2027-02-16T08:30")).status == "queued"


@pytest.mark.parametrize(
    ("before", "expected_utc"),
    [
        (
            "2026-03-06T12:00",
            "2026-03-09T12:30",
        ),  # DST began Sunday 2026-03-08: 08:30 EDT = 12:30 UTC
        (
            "2026-10-30T12:00",
            "2026-11-02T13:30",
        ),  # DST ended Sunday 2026-11-01: 08:30 EST = 13:30 UTC
    ],
)
def test_dst_change_weeks(services, before, expected_utc):  # type: ignore[no-untyped-def]
    planned = {p.name: p for p in plan(services, ny(before))}
    assert planned["digest"].next_run.astimezone(UTC) == datetime.fromisoformat(expected_utc).replace(tzinfo=UTC)
    # the period is the local date, also late in the evening when UTC is already the next day
    late = ny(before).replace(hour=23, minute=30)
    assert periods.period_key(periods.DAILY, late, NY) == late.date().isoformat()


def test_nightly_fires_once_on_spring_forward_night(services):  # type: ignore[no-untyped-def]
    from scheduler.config import SchedulerConfig
    from scheduler.runner import trigger_for

    trigger = trigger_for("nightly", services, SchedulerConfig())
    fires, t = [], trigger.get_next_fire_time(None, ny("2026-03-06T12:00"))
    while t < ny("2026-03-11T00:00"):
        fires.append(t)
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    local_days = [f.astimezone(NY).date() for f in fires]
    assert local_days == [date(2026, 3, d) for d in (7, 8, 9, 10)]


def test_catch_up_within_grace_and_skip_after(services, book, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level("INFO")
    results = catch_up(services, ny("2026-12-01T11:00"))  # 2.5 h after 08:30: within 3 h
    assert {r.job: r.status for r in results}["digest"] == "queued"
    assert catch_up(services, ny("2026-12-01T11:10"))[0].status in ("already_claimed", "queued")
    caplog.clear()
    results = catch_up(services, ny("2026-12-02T11:45"))  # 3 h 15 min late: skipped
    assert "digest" not in {r.job for r in results}
    assert any("skipped digest 2026-12-02" in r.getMessage() for r in caplog.records)


def test_every_job_dry_runs(services, book):  # type: ignore[no-untyped-def]
    for name, module in JOBS.items():
        result = run_job(services, module, now=ny("2026-12-07T09:30"), dry_run=True)
        assert result.status == "dry_run", name


def test_digest_times_are_in_the_firm_time_zone(services, book):  # type: ignore[no-untyped-def]
    """A's next action is 09:00 New York (14:00 UTC on 2026-11-28): the digest says 09:00."""
    assert services.settings.tz == NY
    result = run_job(services, digest, now=DIGEST, dry_run=True)
    dm = next(m for m in result.messages if m.recipient == "U0AAA").as_text()
    line = next(x for x in dm.splitlines() if "call the bank" in x)
    assert "due 2026-11-28 09:00" in line, line
    assert "14:00" not in dm and "13:00" not in dm
    with services.engine.connect() as conn:
        conn.execute(text("SET TIME ZONE 'UTC'"))  # whatever zone the session returns times in
        items = digest.select_items(conn, now=DIGEST)
    a = next(i for i in items if i.case_ref == book["A"] and i.section == "past_due")
    assert "due 2026-11-28 09:00" in a.line(NY)


def test_digest_sort_key_is_the_documented_order(services):  # type: ignore[no-untyped-def]
    """digest_sort_key packs `rank, (tier >= 2) DESC, overdue_days DESC NULLS LAST, tier DESC,
    case_number` into one bigint: both orders agree on random lines (ties and NULLs included)."""
    sql = """WITH r AS (SELECT (1 + random() * 4)::int AS rank, (random() * 3)::smallint AS tier,
                         CASE WHEN random() < 0.2 THEN NULL ELSE round((random() * 800 - 100)::numeric, 1) END AS od,
                         (1000 + random() * 500)::bigint AS cn FROM generate_series(1, 3000))
             SELECT (SELECT array_agg(x ORDER BY rank, (tier >= 2) DESC, od DESC NULLS LAST, tier DESC, cn)
                       FROM (SELECT DISTINCT * FROM r) x)::text
                  = (SELECT array_agg(x ORDER BY digest_sort_key(rank, tier, od, cn))
                       FROM (SELECT DISTINCT * FROM r) x)::text"""
    with services.engine.connect() as conn:
        assert conn.execute(text(sql)).scalar_one() is True
