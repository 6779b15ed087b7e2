"""Issue 12: assign_tiers scores every open case in one set-based statement (score_open_cases)
that equals score_case case by case, and writes only the cases whose tier or score changed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text

from dragonfly import doctor, rpc


def test_set_based_scores_equal_score_case_and_only_changes_are_written(engine, services, make_case) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    refs = [
        make_case(principal=Decimal("150000.00")),
        make_case(debtor_type="business", entered_on=date(2009, 5, 1)),
        make_case(entered_on=today - timedelta(days=400), principal=Decimal("3000.00")),
        make_case(entered_on=date(2016, 1, 4), principal=Decimal("60000.00")),
        make_case(),
        make_case(entered_on=date(2004, 1, 5), principal=Decimal("120000.00")),  # presumed paid (CPLR 211(b))
    ]
    with rpc.transaction(engine) as conn:
        rpc.record_asset(
            conn,
            case_ref=refs[0],
            kind="employer",
            description="Acme",
            actor="U0A",
            verified_on=today - timedelta(days=10),
        )
        rpc.record_asset(conn, case_ref=refs[1], kind="real_property", description="lot", actor="U0A", county="Kings")
        rpc.record_asset(conn, case_ref=refs[2], kind="exempt_income", description="SSI", actor="U0A")
        rpc.record_asset(
            conn,
            case_ref=refs[3],
            kind="bank_account",
            description="Chase",
            actor="U0A",
            verified_on=today - timedelta(days=5),
        )
        rpc.record_enforcement_payment(
            conn, case_ref=refs[3], amount=Decimal("100.00"), kind="direct", idempotency_key="p1", actor="U0A"
        )
        rpc.set_case_flag(conn, case_ref=refs[4], flag="bankruptcy_stay", value=True, reason="filed", actor="U0A")
    with engine.connect() as conn:
        differ = conn.execute(
            text(
                "SELECT count(*) FROM score_open_cases(:d) s CROSS JOIN LATERAL score_case(s.case_id, :d) x"
                " WHERE (s.score, s.tier, s.reasons) IS DISTINCT FROM (x.score, x.tier, x.reasons)"
            ),
            {"d": today},
        ).scalar_one()
        scored = conn.execute(text("SELECT count(*) FROM score_open_cases(:d)"), {"d": today}).scalar_one()
    assert scored == 6 and differ == 0
    with rpc.transaction(engine) as conn:
        first = rpc.assign_tiers(conn, as_of=today)
    # Its tier_changed events extend each chain; the read model follows the new tiers.
    assert first["changed"] > 0
    chain = doctor.check_hash_chain(services, full=True)
    model = doctor.check_read_model(services, full=True)
    assert chain.ok and model.ok, chain.details + model.details
    with engine.connect() as conn:
        before = dict(conn.execute(text("SELECT id, xmin::text FROM enforcement_cases")).all())
    with rpc.transaction(engine) as conn:
        again = rpc.assign_tiers(conn, as_of=today)
    with engine.connect() as conn:
        after = dict(conn.execute(text("SELECT id, xmin::text FROM enforcement_cases")).all())
    assert first["scored"] == again["scored"] == 6 and again["changed"] == 0
    assert before == after  # nothing unchanged was written
