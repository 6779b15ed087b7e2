"""On a 5,000-case demo book, every surface that grows with the data is one Slack accepts: the
digest DMs and roll-up, the stale and documents-missing alerts, the weekly summary, the App Home
and every page of `/enforce mine` (tests/slack_payloads.py: slack_sdk's models plus the limits
they do not enforce)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot import reads
from bot.blocks import cards
from bot.blocks.home import ops_console
from dragonfly import queries
from dragonfly.demo import seed
from scheduler.jobs import JOBS
from scheduler.jobs.base import run_job
from tests.slack_payloads import problems


@pytest.mark.slow
# The 5,000-case demo seed replays ~100k sanctioned calls one by one: ~5 min on 2 cores, more when
# the machine is shared, so this one test gets more than the suite's 300 s (pyproject.toml).
@pytest.mark.timeout(900)
def test_every_growing_surface_fits_slack_on_5000_cases(services) -> None:  # type: ignore[no-untyped-def]
    seed(services, cases=5000)
    tz = services.settings.tz
    now = datetime.now(UTC)
    found: list[str] = []
    sent = 0
    for name in ("digest", "stale", "documents_missing", "weekly"):
        result = run_job(services, JOBS[name], now=now, dry_run=True, force_day=True)
        for m in result.messages:
            if m.method.startswith(("chat.", "views.")):
                sent += 1
                found += [f"{name} to {m.recipient}: {p}" for p in problems(m.method, m.payload)]
    assert sent >= 8  # six owners' digests, the roll-up, the weekly summary at least
    with services.engine.connect() as conn:
        owners = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT owner_slack_id FROM v_enforcement_cases WHERE status = 'open'"
                    " GROUP BY owner_slack_id ORDER BY count(*) DESC"
                )
            )
        ]
        for user in owners:
            view = ops_console(reads.home(conn=conn, user=user), tz=tz)
            found += [f"home of {user}: {p}" for p in problems("views.publish", {"user_id": user, "view": view})]
    busiest = owners[0]  # the most open cases
    with Session(services.engine) as session:
        total = queries.count_my_cases(session=session, owner=busiest)
        assert total > 500
        pages = -(-total // cards.MINE_PAGE)
        listed: list[str] = []
        for page in range(1, pages + 1):
            rows = queries.my_cases(
                session=session, owner=busiest, limit=cards.MINE_PAGE, offset=(page - 1) * cards.MINE_PAGE
            )
            blocks = cards.mine(rows, tz=tz, total=total, page=page)
            listed += [b["accessory"]["value"] for b in blocks if b.get("accessory")]
            reply = SimpleNamespace(text=f"page {page}", blocks=blocks)
            found += [f"mine page {page}: {p}" for p in problems("chat.postEphemeral", vars(reply))]
    assert len(listed) == total == len(set(listed))  # every case on exactly one page
    assert not found, "\n".join(found[:20])
