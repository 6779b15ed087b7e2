"""The digest reads past workflow deadlines in their own section ("past due"), apart from the
ones coming in the next 3 business days; typed text in its lines is escaped; counts carry
thousands separators; the overflow line says what `/enforce mine` really does."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dragonfly import rpc
from scheduler.jobs import digest
from scheduler.jobs.base import run_job
from tests.conftest import judgment
from tests.slack_payloads import problems

NY = ZoneInfo("America/New_York")
SEED = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
DIGEST = datetime(2026, 12, 1, 8, 30, tzinfo=NY)  # a Tuesday


def test_overdue_deadlines_have_their_own_section(services) -> None:  # type: ignore[no-untyped-def]
    with rpc.transaction(services.engine) as conn:
        rpc.set_clock(conn, SEED)
        old = str(rpc.create_enforcement_case(conn, **judgment(owner="U0DDD"), as_of=None)["case_ref"])
        soon = str(rpc.create_enforcement_case(conn, **judgment(owner="U0DDD"), as_of=None)["case_ref"])
        for ref in (old, soon):
            rpc.set_next_action(conn, case_ref=ref, at=DIGEST + timedelta(days=30), what="later", actor="cli:test")
        # asset searches (Tier 1: due 10 days after the request): one due 2026-11-16, long past;
        # one due Thu 2026-12-03, within 3 business days of the digest
        rpc.queue_enforcement_action(conn, case_ref=old, kind="asset_search", actor="cli:test", on=date(2026, 11, 6))
        rpc.queue_enforcement_action(conn, case_ref=soon, kind="asset_search", actor="cli:test", on=date(2026, 11, 23))
        rpc.set_clock(conn, None)
    with services.engine.connect() as conn:
        rpc.set_clock(conn, DIGEST)
        items = [i for i in digest.select_items(conn, now=DIGEST) if i.owner == "U0DDD"]
    sections = {i.case_ref: i.section for i in items}
    assert sections == {old: "deadline_overdue", soon: "deadline"}
    result = run_job(services, digest, now=DIGEST, dry_run=True)
    dm = next(m for m in result.messages if m.recipient == "U0DDD").payload
    texts = [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section"]
    overdue_at = texts.index("*Workflow deadlines past due* (1)")
    upcoming_at = texts.index("*Workflow deadlines in the next 3 business days* (1)")
    assert old in texts[overdue_at + 1] and "days ago" in texts[overdue_at + 1]
    assert soon in texts[upcoming_at + 1] and "days ago" not in texts[upcoming_at + 1]
    assert problems("chat.postMessage", dm) == []


def test_digest_lines_escape_typed_text_and_overflow_is_true(services) -> None:  # type: ignore[no-untyped-def]
    with rpc.transaction(services.engine) as conn:
        rpc.set_clock(conn, SEED)
        refs = [
            str(rpc.create_enforcement_case(conn, **judgment(owner="U0EEE"), as_of=None)["case_ref"]) for _ in range(60)
        ]
        for ref in refs:
            rpc.set_next_action(
                conn,
                case_ref=ref,
                at=SEED + timedelta(days=1),
                what="<!channel> & <https://evil.example|x>",
                actor="cli:test",
            )
        rpc.set_clock(conn, None)
    result = run_job(services, digest, now=DIGEST, dry_run=True)
    dm = next(m for m in result.messages if m.recipient == "U0EEE").payload
    body = str(dm["blocks"])
    assert "<!channel>" not in body and "<https://evil" not in body
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;" in body
    overflow = dm["blocks"][-1]["elements"][0]["text"]
    shown = sum(1 for b in dm["blocks"] if b.get("accessory"))
    assert overflow.startswith(f"…and {60 - shown} more lines.") and "pages through all your open cases" in overflow
    assert len(dm["blocks"]) <= 50 and problems("chat.postMessage", dm) == []
