"""Weekly executive summary: numbers checked against independent SQL, chart is a valid PNG of the
expected size, uploaded with files_upload_v2 through the outbox; nightly deadline warnings once."""

from __future__ import annotations

import base64
import statistics
import struct
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from dragonfly import rpc
from scheduler.jobs import nightly, weekly
from scheduler.jobs.base import run_job
from tests.conftest import judgment

NY = ZoneInfo("America/New_York")
RUN = datetime(2026, 12, 7, 9, 0, tzinfo=NY)  # Monday: reports Mon 2026-11-30 .. Sun 2026-12-06


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk (no PIL)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def book(engine):  # type: ignore[no-untyped-def]
    seed = datetime(2026, 10, 1, 10, 0, tzinfo=NY)
    refs = []
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, seed)
        for i in range(8):
            ref = rpc.create_enforcement_case(
                conn, **judgment(principal=Decimal(5000 + 7000 * i), owner=f"U0W{i % 2}")
            )["case_ref"]
            refs.append(ref)
            if i % 3 == 0:
                rpc.set_tier_override(
                    conn,
                    case_ref=ref,
                    tier=3,
                    reason="r",
                    actor="cli:test",
                    expires_at=seed + timedelta(days=89),
                )
        rpc.queue_enforcement_action(conn, case_ref=refs[1], kind="asset_search", actor="cli:test")
        rpc.queue_enforcement_action(conn, case_ref=refs[2], kind="asset_search", actor="cli:test")
    for i, ref in enumerate(refs[:5]):
        with rpc.transaction(engine) as conn:
            rpc.set_clock(conn, seed + timedelta(days=5 + i * 3))
            rpc.set_enforcement_stage(conn, case_ref=ref, stage="discovery", actor="cli:test")
    payments = [
        (0, "2026-11-28", "100.00"),
        (1, "2026-11-30", "250.00"),
        (2, "2026-12-02", "300.50"),
        (3, "2026-12-06", "49.50"),
        (4, "2026-12-07", "999.00"),
        (5, "2026-10-15", "10.00"),
    ]
    for n, (i, day, amount) in enumerate(payments):
        with rpc.transaction(engine) as conn:
            rpc.set_clock(conn, datetime.fromisoformat(day).replace(hour=12, tzinfo=NY))
            rpc.record_enforcement_payment(
                conn,
                case_ref=refs[i],
                amount=Decimal(amount),
                kind="direct",
                idempotency_key=f"p{n}",
                actor="cli:test",
                received_on=date.fromisoformat(day),
            )
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime(2026, 12, 6, 12, tzinfo=NY))
        rpc.set_enforcement_stage(
            conn, case_ref=refs[7], stage="closed", closing_reason="uncollectible", actor="cli:test"
        )
        rpc.set_recovery_plan(conn, month=date(2026, 12, 1), amount=Decimal("31000"), actor="cli:test")
        rpc.set_recovery_plan(conn, month=date(2026, 11, 1), amount=Decimal("30000"), actor="cli:test")
    return refs


def test_weekly_numbers_match_independent_sql(services, book):  # type: ignore[no-untyped-def]
    result = run_job(services, weekly, now=RUN)
    assert result.status == "queued" and result.period == "2026-W50"
    s = result.summary["summary"]
    with services.engine.connect() as conn:
        rpc.set_clock(conn, RUN)
        tiers = {
            r.tier: (r.n, r.bal)
            for r in conn.execute(
                text(
                    "SELECT tier, count(*) AS n, sum(balance) AS bal FROM v_enforcement_cases"
                    " WHERE status = 'open' "
                    "GROUP BY tier"
                )
            )
        }
        breaches = conn.execute(
            text("SELECT count(*) FROM v_enforcement_cases WHERE status = 'open' AND sla_breached")
        ).scalar_one()
        week = conn.execute(
            text(
                "SELECT coalesce(sum(gross), 0) FROM v_payments "
                "WHERE received_on >= '2026-11-30' AND received_on < '2026-12-07'"
            )
        ).scalar_one()
        mtd = conn.execute(
            text(
                "SELECT coalesce(sum(gross), 0) FROM v_payments "
                "WHERE received_on >= '2026-12-01' AND received_on <= '2026-12-06'"
            )
        ).scalar_one()
        dwell = {}
        for r in conn.execute(text("SELECT stage, dwell_days FROM v_enforcement_cases WHERE status = 'open'")):
            dwell.setdefault(r.stage, []).append(float(r.dwell_days))
        pipeline = {
            (r.kind, r.state): r.n
            for r in conn.execute(
                text("SELECT kind, state, count(*) AS n FROM v_enforcement_actions WHERE is_open GROUP BY kind, state")
            )
        }
    assert {t["tier"]: (t["cases"], Decimal(str(t["balance"]))) for t in s["tiers"]} == tiers
    assert s["sla_breaches"] == breaches
    assert Decimal(str(s["recovered_week"])) == week == Decimal("600.00")
    assert Decimal(str(s["recovered_mtd"])) == mtd == Decimal("350.00")
    assert Decimal(str(s["month_plan"])) == Decimal("31000")
    for d in s["dwell"]:
        values = dwell[d["stage"]]
        assert d["cases"] == len(values)
        assert abs(float(d["median_days"]) - statistics.median(values)) <= 0.1
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
        assert abs(float(d["p90_days"]) - p90) <= 0.1
    assert {(p["kind"], p["state"]): p["actions"] for p in s["pipeline"]} == pipeline
    text_ = result.messages[0].as_text()
    assert "$600.00" in text_ and "$350.00" in text_ and "$31,000.00" in text_


def test_chart_is_png_of_expected_size_and_uploaded(services, book):  # type: ignore[no-untyped-def]
    result = run_job(services, weekly, now=RUN)
    chart = next(m for m in result.messages if m.method == "files_upload_v2")
    png = base64.b64decode(chart.payload["content_b64"])
    assert png_size(png) == (
        weekly.CHART_SIZE_IN[0] * weekly.CHART_DPI,
        weekly.CHART_SIZE_IN[1] * weekly.CHART_DPI,
    )
    assert png.endswith(b"IEND\xaeB`\x82")
    with services.engine.connect() as conn:
        rows = list(conn.execute(text("SELECT * FROM weekly_recoveries('2026-11-30', 1)")))
    assert rows[0].recovered == Decimal("600.00")
    # the plan prorated: Nov 30 is 1/30 of November's 30000, Dec 1-6 are 6/31 of 31000
    assert rows[0].plan == Decimal("7000.00")


def test_nightly_records_each_deadline_warning_once(services, make_case, engine):  # type: ignore[no-untyped-def]
    ref = make_case(owner="U0N1")
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime(2026, 11, 2, 10, tzinfo=NY))
        action = rpc.queue_enforcement_action(
            conn, case_ref=ref, kind="asset_search", actor="cli:test", on=date(2026, 11, 2)
        )
    first = run_job(services, nightly, now=datetime(2026, 11, 20, 2, 0, tzinfo=NY))
    assert first.summary["warnings"] == 1
    again = run_job(services, nightly, now=datetime(2026, 11, 21, 2, 0, tzinfo=NY))
    assert again.status == "queued" and again.summary["warnings"] == 0
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM v_enforcement_timeline WHERE kind = 'deadline_warning' AND action_id = :a"),
            {"a": action["action_id"]},
        ).scalar_one()
    assert n == 1


def _doc(conn, ref: str, kind: str, n: int) -> int:  # type: ignore[no-untyped-def]
    sha = f"{n:064x}"
    return int(
        rpc.attach_enforcement_document(
            conn,
            case_ref=ref,
            kind=kind,
            storage_key=f"cases/{ref}/{kind}-{n}",
            sha256=sha,
            size_bytes=10,
            content_type="application/pdf",
            original_name=f"{kind}.pdf",
            uploader="U0UP",
        )["document_id"]
    )


def test_nightly_levy_day_60_75_85_and_garnishment_45(services, make_case, engine):  # type: ignore[no-untyped-def]
    levy_ref, garn_ref = make_case(owner="U0L"), make_case(owner="U0G")
    served = date(2026, 1, 5)  # a Monday
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime(2026, 1, 5, 10, tzinfo=NY))
        levy = rpc.queue_enforcement_action(
            conn,
            case_ref=levy_ref,
            kind="levy",
            actor="cli:test",
            on=served,
            document_id=_doc(conn, levy_ref, "execution", 1),
            garnishee_kind="third_party",  # whom the levy is on (issue 13)
        )["action_id"]
        for n, (state, kind) in enumerate([("delivered_to_officer", "transmittal"), ("levied", "levy_notice")]):
            rpc.advance_enforcement_action(
                conn,
                case_ref=levy_ref,
                action_id=levy,
                state=state,
                actor="cli:test",
                on=served,
                document_id=_doc(conn, levy_ref, kind, 10 + n),
            )
        garn = rpc.queue_enforcement_action(
            conn,
            case_ref=garn_ref,
            kind="garnishment",
            actor="cli:test",
            on=served,
            document_id=_doc(conn, garn_ref, "execution", 2),
        )["action_id"]
        for n, (state, kind) in enumerate([("delivered", "transmittal"), ("served_on_employer", "proof_of_service")]):
            rpc.advance_enforcement_action(
                conn,
                case_ref=garn_ref,
                action_id=garn,
                state=state,
                actor="cli:test",
                on=served,
                document_id=_doc(conn, garn_ref, kind, 20 + n),
            )

    def warnings() -> list[tuple[int, str]]:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT action_id, payload->>'warning' AS w FROM v_enforcement_timeline"
                    " WHERE kind = 'deadline_warning' ORDER BY event_id"
                )
            )
            return [(r.action_id, r.w) for r in rows]

    def night(day: date) -> None:
        run_job(services, nightly, now=datetime.combine(day, datetime.min.time(), NY).replace(hour=2))

    night(served + timedelta(days=44))
    assert warnings() == []
    # day 60 = 2026-03-06 (Fri); the garnishment's 45 days = 2026-02-19 (Thu)
    night(served + timedelta(days=60))
    # After the levy the return date still warns (issue 13 item 10: CPLR 5230(c)); here it is day 60 too.
    assert sorted(warnings()) == sorted(
        [(garn, "garnishment_no_remittance_45d"), (levy, "levy_day_60"), (levy, "levy_return_due")]
    )
    night(served + timedelta(days=76))  # day 75 falls on a Saturday and rolls to Monday (day 77)
    assert (levy, "levy_day_75") not in warnings()
    night(served + timedelta(days=77))
    night(served + timedelta(days=86))  # day 85 is Tuesday 2026-03-31
    night(served + timedelta(days=87))  # a rerun the next night records nothing new
    assert [w for a, w in warnings() if a == levy and w != "levy_return_due"] == [
        "levy_day_60",
        "levy_day_75",
        "levy_day_85",
    ]
    assert len(warnings()) == 5


@pytest.mark.parametrize("served_on_debtor", [False, True])
def test_nightly_garnishment_employer_due_also_after_service_on_the_debtor(  # type: ignore[no-untyped-def]
    services, make_case, engine, served_on_debtor
):
    """CPLR 5231(d),(e): not served or not paying within 20 days of delivery -> the employer; a
    garnishment served on the debtor but not yet on the employer still warns."""
    ref = make_case(owner="U0G")
    delivered = date(2026, 1, 5)  # Monday; day 20 is Sunday 2026-01-25 -> Monday 2026-01-26
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime(2026, 1, 5, 10, tzinfo=NY))
        garn = rpc.queue_enforcement_action(
            conn,
            case_ref=ref,
            kind="garnishment",
            actor="cli:test",
            on=delivered,
            document_id=_doc(conn, ref, "execution", 2),
        )["action_id"]
        steps = [("delivered", "transmittal")] + (
            [("served_on_debtor", "proof_of_service")] if served_on_debtor else []
        )
        for n, (state, kind) in enumerate(steps):
            rpc.advance_enforcement_action(
                conn,
                case_ref=ref,
                action_id=garn,
                state=state,
                actor="cli:test",
                on=delivered + timedelta(days=n),
                document_id=_doc(conn, ref, kind, 20 + n),
            )

    def warnings() -> list[tuple[int, str, str]]:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT action_id, payload->>'warning' AS w, payload->>'due' AS due FROM v_enforcement_timeline"
                    " WHERE kind = 'deadline_warning' ORDER BY event_id"
                )
            )
            return [(r.action_id, r.w, r.due) for r in rows]

    def night(day: date) -> None:
        run_job(services, nightly, now=datetime(day.year, day.month, day.day, 2, tzinfo=NY))

    night(date(2026, 1, 23))
    assert warnings() == []
    night(date(2026, 1, 26))
    assert warnings() == [(garn, "garnishment_employer_due", "2026-01-26")]
    night(date(2026, 1, 27))
    assert len(warnings()) == 1


def test_sla_rule_is_one_shared_view_used_by_cases_and_weekly(services, book):  # type: ignore[no-untyped-def]
    """v_case_sla_breaches is the one SLA rule: v_enforcement_cases.sla_breached and the weekly
    summary's breaches (per tier) agree with it, and with the rule computed here independently."""
    with services.engine.connect() as conn:
        rpc.set_clock(conn, RUN)
        shared = dict(conn.execute(text("SELECT tier, count(*) FROM v_case_sla_breaches GROUP BY tier")).all())
        flagged = dict(
            conn.execute(text("SELECT tier, count(*) FROM v_enforcement_cases WHERE sla_breached GROUP BY tier")).all()
        )
        independent = conn.execute(
            text(
                "SELECT count(*) FROM enforcement_cases c"
                " LEFT JOIN stage_sla s ON s.stage = c.stage AND s.tier = c.tier"
                " WHERE c.status = 'open' AND ((s.max_days IS NOT NULL"
                "   AND c.stage_entered_at < df_now() - s.max_days * interval '1 day')"
                " OR c.next_action_at < (prev_business_day(firm_today())::timestamp AT TIME ZONE 'America/New_York')"
                " OR c.id IN (SELECT case_id FROM blockers WHERE cleared_at IS NULL AND eta < firm_today())"
                " OR c.id IN (SELECT case_id FROM enforcement_actions WHERE is_open AND next_deadline < firm_today()))"
            )
        ).scalar_one()
        s = dict(
            conn.execute(
                text("SELECT weekly_summary(:now, :week)"), {"now": RUN, "week": weekly.reported_week(RUN.date())}
            ).scalar_one()
        )
    assert shared == flagged and sum(shared.values()) == independent > 0
    assert s["sla_breaches"] == independent
    assert {t["tier"]: t["sla_breaches"] for t in s["tiers"] if t["sla_breaches"]} == shared
