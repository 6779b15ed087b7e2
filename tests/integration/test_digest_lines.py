"""digest_lines (sql/0121_digest_lines.sql): per owner and section, the first lines of the digest in
its reading order and the section's count, equal to cutting the whole selection (digest_items,
sql/0030) after that many lines, including past-due lines whose overdue days tie across tiers and
due times a few minutes apart (rounded to the same tenth of a day)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from dragonfly import rpc
from scheduler.jobs import digest, nightly
from tests.conftest import judgment

NY = ZoneInfo("America/New_York")
SEED = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
DIGEST = datetime(2026, 12, 1, 8, 30, tzinfo=NY)  # a Tuesday


def _book(services) -> None:  # type: ignore[no-untyped-def]
    with rpc.transaction(services.engine) as conn:
        rpc.set_clock(conn, SEED)
        for i in range(24):
            owner = "U0AAA" if i % 3 else "U0BBB"
            ref = str(rpc.create_enforcement_case(conn, **judgment(owner=owner), as_of=None)["case_ref"])
            if i % 4 == 0:
                rpc.set_tier_override(conn, case_ref=ref, tier=3, reason="client", actor="cli:test",
                                      expires_at=SEED + timedelta(days=60))
            elif i % 4 == 1:
                rpc.set_tier_override(conn, case_ref=ref, tier=2, reason="client", actor="cli:test",
                                      expires_at=SEED + timedelta(days=60))
            if i % 7 == 0:  # (sets the next action to its ETA; set_next_action below moves it)
                rpc.log_enforcement_blocker(conn, case_ref=ref, kind="court", reason="motion",
                                            eta=date(2026, 11, 20), actor="cli:test")
            if i % 6 != 5:
                # many due at the same moment, some minutes apart (same tenth of a day), some days apart
                at = SEED + timedelta(days=1 + (i % 3), minutes=7 * (i % 2))
                rpc.set_next_action(conn, case_ref=ref, at=at, what=f"call {i}", actor="cli:test")
            if i % 5 == 0:
                rpc.queue_enforcement_action(conn, case_ref=ref, kind="asset_search", actor="cli:test",
                                             on=date(2026, 11, 6 + i))
        # Deadline warnings (digest_sources, sql/0151): some recorded long before the digest's window,
        # the rest the night before it; then one warned case changes owner and another closes.
        rpc.set_clock(conn, datetime(2026, 11, 22, 2, 0, tzinfo=NY))
        nightly.record_warnings(conn, today=date(2026, 11, 22))
        rpc.set_clock(conn, datetime(2026, 12, 1, 2, 0, tzinfo=NY))
        assert nightly.record_warnings(conn, today=date(2027, 1, 15)) >= 2
        warned = conn.execute(text(
            "SELECT DISTINCT c.case_ref, c.case_number FROM enforcement_events e JOIN enforcement_cases c"
            " ON c.id = e.case_id WHERE e.kind = 'deadline_warning' ORDER BY c.case_number")).all()
        rpc.assign_case_owner(conn, case_ref=warned[0].case_ref, owner="U0BBB", actor="cli:test")
        rpc.set_enforcement_stage(conn, case_ref=warned[-1].case_ref, stage="closed", actor="cli:test",
                                  closing_reason="settled")
        rpc.set_clock(conn, None)


def _full(conn) -> list[tuple]:  # type: ignore[no-untyped-def]
    out = []
    for r in conn.execute(text("SELECT * FROM digest_items(:now)"), {"now": DIGEST}):
        section = "deadline_overdue" if r.section == "deadline" and r.overdue_days > 0 else r.section
        out.append((r.owner, section, r.case_ref, r.overdue_days))
    return out


def test_first_lines_and_counts_equal_the_cut_full_selection(services) -> None:  # type: ignore[no-untyped-def]
    _book(services)
    with services.engine.connect() as conn:
        rpc.set_clock(conn, DIGEST)
        full = _full(conn)
        counts = Counter((o, s) for o, s, _, _ in full)
        assert counts[("U0AAA", "past_due")] > 4 and len(counts) >= 5
        assert sum(n for (_, s), n in counts.items() if s == "warning") >= 2
        every = conn.execute(text("SELECT * FROM digest_lines(:now, NULL, 3, NULL)"), {"now": DIGEST}).all()
        assert [(r.owner, r.section, r.case_ref, r.overdue_days) for r in every] == full
        assert all(r.lines == counts[(r.owner, r.section)] for r in every)
        for per in (1, 2, 3, 4):
            cut = conn.execute(text("SELECT * FROM digest_lines(:now, NULL, 3, :per)"),
                               {"now": DIGEST, "per": per}).all()
            seen: Counter[tuple[str | None, str]] = Counter()
            expected = []
            for line in full:
                seen[line[:2]] += 1
                if seen[line[:2]] <= per:
                    expected.append(line)
            assert [(r.owner, r.section, r.case_ref, r.overdue_days) for r in cut] == expected
            assert all(r.lines == counts[(r.owner, r.section)] for r in cut)
        shown = digest.select_digest(conn, now=DIGEST, per_section=2)
        assert shown.counts == dict(counts)
