"""Judgment liens (issue 13 item 9): ten years from docketing in each county (CPLR 5203(a)); the
renewal window opens a year before expiry (CPLR 5014): the nightly job warns once per county, and
the card shows it. Both sides of the window's first day."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session

from bot.blocks import cards
from dragonfly import errors, queries, rpc
from tests.integration.test_engine_support import last_event, new_case, refused, row, rows, run, scalar

NY = ZoneInfo("America/New_York")


def nightly(engine, day: str) -> int:  # type: ignore[no-untyped-def]
    """The nightly job's lien step, committed."""
    with engine.begin() as conn:
        return int(conn.execute(text("SELECT record_lien_warnings(CAST(:d AS date))"), {"d": day}).scalar_one())


def _warnings(engine, ref: str) -> list:  # type: ignore[type-arg]
    return rows(
        engine,
        "SELECT e.payload FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id"
        " WHERE c.case_ref = :r AND e.kind = 'deadline_warning' ORDER BY e.seq",
        r=ref,
    )


def test_each_countys_lien_warns_from_one_year_before_expiry(engine) -> None:
    ref = new_case(engine, entered_on=date(2017, 3, 1), county="Kings")
    run(
        engine,
        rpc.record_judgment_docket,
        case_ref=ref,
        county="queens",
        docketed_on=date(2018, 6, 15),
        actor="cli:test",
    )
    ev = last_event(engine, ref)
    assert ev.payload["flag"] == "docketed" and ev.payload["lien_expires_on"] == "2028-06-15"
    # Kings expires 2027-03-01: the window opens 2026-03-01 (365 days before).
    assert nightly(engine, "2026-02-28") == 0
    assert nightly(engine, "2026-03-01") == 1
    assert nightly(engine, "2026-03-02") == 0  # once
    (w,) = _warnings(engine, ref)
    assert (w.payload["county"], w.payload["due"], w.payload["warning"]) == (
        "Kings",
        "2027-03-01",
        "lien_renewal_window",
    )
    # Queens runs from its own docketing date.
    assert nightly(engine, "2027-06-15") == 0
    assert nightly(engine, "2027-06-16") == 1
    assert [x.payload["county"] for x in _warnings(engine, ref)] == ["Kings", "Queens"]


def test_the_card_shows_the_renewal_window(engine) -> None:
    today = scalar(engine, "SELECT firm_today()")
    entered = date(today.year - 10, today.month, 1) + timedelta(days=40)  # expires in about 40 days
    ref = new_case(engine, entered_on=entered, county="Kings")
    with Session(engine) as session:
        law = queries.case_law(session=session, case_ref=ref)
    assert law is not None and law.liens[0]["in_renewal_window"] is True
    text = str(cards.law_blocks(law, NY))
    assert "Lien in Kings County" in text and "renewal window is open (CPLR 5014)" in text


def test_docketing_refusals_change_nothing(engine) -> None:
    ref = new_case(engine, entered_on=date(2020, 1, 1))
    with refused(engine, errors.InvalidInput, match="not a New York county"):
        run(
            engine,
            rpc.record_judgment_docket,
            case_ref=ref,
            county="Gotham",
            docketed_on=date(2021, 1, 1),
            actor="cli:test",
        )
    with refused(engine, errors.InvalidInput, match="between the entry date and today"):
        run(
            engine,
            rpc.record_judgment_docket,
            case_ref=ref,
            county="Queens",
            docketed_on=date(2019, 1, 1),
            actor="cli:test",
        )
    assert row(engine, "SELECT count(*) AS n FROM judgment_dockets").n == 1
