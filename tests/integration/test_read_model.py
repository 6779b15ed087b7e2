"""Issue 12: the stored read model (case_read_model) and the totals (case_totals) equal a full
recomputation after random sequences of operations: payments, reversals, stage moves, blockers,
overrides, workflows, owner changes, notes, and the clock advanced across DST (2022-03-13) and a
CPLR 5004 rate change (2022-04-30, policy from_effective_date)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dragonfly import rpc
from dragonfly.errors import DomainError
from tests.conftest import judgment

NY = ZoneInfo("America/New_York")
START = datetime(2022, 3, 1, 10, 0, tzinfo=NY)
# The clock only moves forward, across examples too (examples share one database): a payment
# is dated on its day, and time does not run back before it.
CLOCK = {"now": START}

# The SLA and staleness rules as 0004_views.sql wrote them (computed from the base tables, not
# from the stored moments): the read model must agree with them at any time.
OLD_RULES = text("""
SELECT c.id,
       (c.status = 'open' AND (
            (sla.max_days IS NOT NULL AND c.stage_entered_at < df_now() - make_interval(days => sla.max_days))
         OR c.next_action_at < (prev_business_day(firm_today()) + time '00:00') AT TIME ZONE 'America/New_York'
         OR EXISTS (SELECT 1 FROM blockers x WHERE x.case_id = c.id AND x.cleared_at IS NULL AND x.eta < firm_today())
         OR EXISTS (SELECT 1 FROM enforcement_actions a WHERE a.case_id = c.id AND a.is_open
                       AND a.next_deadline < firm_today()))) AS breached,
       (c.status = 'open' AND coalesce(c.last_person_event_at, c.created_at)
            < df_now() - make_interval(days => st.days)) AS stale,
       j.unpaid_principal + j.unpaid_costs + accrued_interest(j.id, firm_today()) AS balance,
       j.interest_carry + j.unpaid_principal * interest_factor(j.id, j.accrual_date,
                                                              greatest(firm_today(), j.accrual_date)) AS raw_interest,
       coalesce((SELECT sum(p.gross) FROM payments p WHERE p.case_id = c.id), 0) AS recovered,
       c.tier, c.stage, c.owner_slack_id, c.status = 'open' AS is_open, j.unpaid_principal + j.unpaid_costs AS pc
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id
  LEFT JOIN stage_sla sla ON sla.stage = c.stage AND sla.tier = c.tier
  JOIN stale_days st ON st.tier = c.tier
""")

STORED = text("""
SELECT v.case_id AS id, v.sla_breached AS breached, v.is_stale AS stale, v.balance, m.recovered, m.tier, m.stage,
       m.owner_slack_id, m.is_open, m.open_blockers
  FROM v_enforcement_cases v JOIN case_read_model m ON m.case_id = v.case_id
""")

op = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 2), st.integers(1, 400_000)),
    st.tuples(st.just("reverse"), st.integers(0, 2)),
    st.tuples(st.just("stage"), st.integers(0, 2), st.sampled_from(["discovery", "execution", "recovery", "closed"])),
    st.tuples(st.just("block"), st.integers(0, 2), st.integers(0, 20)),
    st.tuples(st.just("unblock"), st.integers(0, 2)),
    st.tuples(st.just("override"), st.integers(0, 2), st.integers(0, 3), st.integers(1, 60)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("workflow"), st.integers(0, 2)),
    st.tuples(st.just("owner"), st.integers(0, 2), st.sampled_from(["U0OWNER1", "U0OWNER2"])),
    st.tuples(st.just("note"), st.integers(0, 2)),
    st.tuples(st.just("advance"), st.integers(1, 40), st.integers(0, 23)),
    st.tuples(st.just("nightly")),
)


def apply(conn: Any, step: tuple[Any, ...], refs: list[str], now: datetime, n: int) -> None:
    kind = step[0]
    actor = "U0OFFICER"
    if kind == "pay":
        rpc.record_enforcement_payment(
            conn,
            case_ref=refs[step[1]],
            amount=Decimal(step[2]) / 100,
            kind="direct",
            idempotency_key=f"k{n}-{now.timestamp()}",
            actor=actor,
        )
    elif kind == "reverse":
        pid = conn.execute(
            text(
                "SELECT max(payment_id) FROM v_payments p WHERE case_ref = :r AND kind <> 'reversal'"
                " AND NOT EXISTS (SELECT 1 FROM v_payments x WHERE x.reverses_payment_id = p.payment_id)"
            ),
            {"r": refs[step[1]]},
        ).scalar()
        if pid:
            rpc.record_enforcement_payment(
                conn,
                case_ref=refs[step[1]],
                amount=Decimal(0),
                kind="reversal",
                idempotency_key=f"r{n}-{now.timestamp()}",
                actor=actor,
                reverses_payment_id=pid,
            )
    elif kind == "stage":
        rpc.set_enforcement_stage(
            conn, case_ref=refs[step[1]], stage=step[2], actor="cli:test", closing_reason="settled"
        )
    elif kind == "block":
        rpc.log_enforcement_blocker(
            conn,
            case_ref=refs[step[1]],
            kind="court",
            reason="clerk",
            actor=actor,
            eta=now.astimezone(NY).date() + timedelta(days=step[2]),
        )
    elif kind == "unblock":
        rpc.clear_enforcement_blocker(conn, case_ref=refs[step[1]], actor=actor)
    elif kind == "override":
        rpc.set_tier_override(
            conn,
            case_ref=refs[step[1]],
            tier=step[2],
            reason="test",
            actor=actor,
            expires_at=now + timedelta(days=step[3]),
        )
    elif kind == "expire":
        rpc.expire_tier_overrides(conn, now=now)
    elif kind == "workflow":
        rpc.queue_enforcement_action(conn, case_ref=refs[step[1]], kind="asset_search", actor=actor)
    elif kind == "owner":
        rpc.assign_case_owner(conn, case_ref=refs[step[1]], owner=step[2], actor=actor)
    elif kind == "note":
        rpc.add_case_note(conn, case_ref=refs[step[1]], text="called the debtor", actor=actor)
    elif kind == "nightly":
        conn.execute(text("SELECT refresh_read_model_for_day()"))


def compare(conn: Any) -> None:
    old = {r.id: r for r in conn.execute(OLD_RULES)}
    stored = {r.id: r for r in conn.execute(STORED)}
    assert old.keys() == stored.keys()
    for cid, o in old.items():
        s = stored[cid]
        assert (s.breached, s.stale, s.balance, s.recovered, s.tier, s.stage, s.owner_slack_id, s.is_open) == (
            o.breached,
            o.stale,
            o.balance,
            o.recovered,
            o.tier,
            o.stage,
            o.owner_slack_id,
            o.is_open,
        ), cid
    # Every stored column equals its recomputation (the moments, the interest window).
    drift = conn.execute(
        text(
            "SELECT count(*) FROM case_read_model m JOIN v_case_read_model_computed v USING (case_id)"
            " WHERE (m.owner_slack_id, m.is_open, m.tier, m.stage, m.stage_entered_at, m.unpaid_principal,"
            "        m.unpaid_costs, m.interest_carry, m.accrual_date, m.recovered, m.open_blockers, m.breach_at,"
            "        m.stale_after) IS DISTINCT FROM (v.owner_slack_id, v.is_open, v.tier, v.stage, v.stage_entered_at,"
            "        v.unpaid_principal, v.unpaid_costs, v.interest_carry, v.accrual_date, v.recovered,"
            "        v.open_blockers,"
            "        v.breach_at, v.stale_after)"
        )
    ).scalar_one()
    assert drift == 0
    compare_lines(conn)
    compare_digest_sources(conn)


def compare_digest_sources(conn: Any) -> None:
    """The digest's line sources (sql/0137) are what the base tables say, row for row."""
    stored = list(conn.execute(text("SELECT * FROM digest_sources ORDER BY kind, src_id")))
    assert stored == list(conn.execute(text("SELECT * FROM v_digest_sources_computed ORDER BY kind, src_id")))


LINE_COLUMNS = (
    "case_id, case_ref, case_number, owner_slack_id, status, tier, stage, next_action_at, debtor_name, balance"
)


def compare_lines(conn: Any) -> None:
    """The list lines of `mine` (v_case_lines, v_owner_breaches) say what the full case view says."""
    cols = LINE_COLUMNS + ", sla_breached"
    lines = set(conn.execute(text(f"SELECT {cols} FROM v_case_lines")))
    assert lines == set(conn.execute(text(f"SELECT {cols} FROM v_enforcement_cases")))
    breaches = set(conn.execute(text("SELECT case_id, owner_slack_id FROM v_owner_breaches")))
    assert breaches == set(
        conn.execute(
            text("SELECT case_id, owner_slack_id FROM v_enforcement_cases WHERE status = 'open' AND sla_breached")
        )
    )


def compare_totals(conn: Any) -> None:
    """The O(tiers) totals equal sums over the cases recomputed from the base tables."""
    old = list(conn.execute(OLD_RULES))
    expect: dict[int, list[Any]] = {}
    for o in old:
        if o.is_open:
            e = expect.setdefault(o.tier, [0, Decimal(0), Decimal(0), Decimal(0), 0])
            e[0] += 1
            e[1] += o.pc
            e[2] += o.recovered
            e[3] += o.raw_interest
            e[4] += int(o.breached)
    want = {t: (e[0], e[1] + round(e[3], 2), e[2], e[4]) for t, e in expect.items()}
    got = {
        r.tier: (r.cases, r.balance, r.recovered, r.sla_breaches)
        for r in conn.execute(text("SELECT * FROM v_enforcement_overview"))
    }
    assert got == want
    by_owner: dict[Any, int] = {}
    for o in old:
        if o.is_open:
            by_owner[o.owner_slack_id] = by_owner.get(o.owner_slack_id, 0) + 1
    owners = dict(
        conn.execute(text("SELECT owner_slack_id, sum(cases) FROM book_totals(firm_today()) GROUP BY 1")).all()
    )
    assert owners == by_owner


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(op, min_size=3, max_size=18))
def test_read_model_equals_recomputation(engine, steps: list[tuple[Any, ...]]) -> None:  # type: ignore[no-untyped-def]
    now = CLOCK["now"]
    with rpc.transaction(engine) as conn:
        conn.execute(
            text("UPDATE policy_settings SET value = 'from_effective_date' WHERE key = 'consumer_rate_transition'")
        )
        rpc.set_clock(conn, now)
        refs = [
            str(
                rpc.create_enforcement_case(
                    conn,
                    **judgment(
                        entered_on=date(2021, 6, 1),
                        principal=Decimal("12000.00"),
                        costs=Decimal("150.00"),
                        consumer_debt=consumer,
                        as_of=now.date(),
                    ),
                )["case_ref"]
            )
            for consumer in (True, False, True)
        ]
    for n, step in enumerate(steps):
        if step[0] == "advance":
            now = now + timedelta(days=step[1], hours=step[2])
            CLOCK["now"] = now
            continue
        try:
            with rpc.transaction(engine) as conn:
                rpc.set_clock(conn, now)
                apply(conn, step, refs, now, n)
        except DomainError:
            pass  # a refused step changes nothing
        with rpc.transaction(engine) as conn:
            rpc.set_clock(conn, now)
            compare(conn) if step[0] in ("pay", "reverse", "stage", "block") else None
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, now)
        compare(conn)
        conn.execute(text("SELECT refresh_read_model_for_day()"))  # the nightly roll of rate windows
        compare(conn)
        compare_totals(conn)
