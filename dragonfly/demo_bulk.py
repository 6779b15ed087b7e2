"""A big demo book, set-based (issue 12): `dragonfly demo seed --cases N` for N >= BULK_FROM.

The per-row seed (dragonfly/demo.py) replays every step through its sanctioned function, which
is right for a demo of hundreds of cases and takes hours for a million. Here each chunk of cases is
one call of `demo_book_chunk` (sql/0146): debtors, judgments with their interest plan and docket,
cases, assets, asset searches, blockers and ~20 events a case with a valid hash chain, the
tables' triggers and keys on. Chunks run on two connections at once. Then payments (one case in
twenty of those in recovery) go through `record_enforcement_payment`, so they are allocated by the
law, and one case in a hundred gets a search report stored in the document store and attached
through `attach_enforcement_document`. Finally the nightly rules run for today (every case gets its
rule tier, the deadline warnings due are recorded), and the demo team gets its roles, as after the
per-row seed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import text

from dragonfly import fastpath, rpc
from dragonfly.bootstrap import Services
from dragonfly.demo import OWNERS, grant_team, night_rules, run_phase, stored_pdf
from dragonfly.demo_book import PLAINTIFFS

BULK_FROM = 20_000
"""From this many cases (into an empty book) `dragonfly demo seed` writes set-based."""
CHUNK = 25_000
WORKERS = 2


def _chunks(cases: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size - 1, cases)) for lo in range(1, cases + 1, size)]


def seed_bulk(
    services: Services,
    *,
    cases: int,
    now: datetime | None = None,
    documents: bool = True,
    owners: list[str] | None = None,
    chunk: int = CHUNK,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a `cases`-case demo book into an empty book; returns counts."""
    now = now or datetime.now(UTC) - timedelta(minutes=5)
    say = progress or (lambda _m: None)
    owners = owners or OWNERS
    with rpc.transaction(services.engine) as conn:
        plaintiff_ids = [
            int(rpc.call(conn, "create_plaintiff", name=name, actor="cli:demo")["plaintiff_id"]) for name in PLAINTIFFS
        ]
        first = int(
            conn.execute(
                text("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM case_number_seq")
            ).scalar_one()
        )
    todo = _chunks(cases, chunk)
    lock = threading.Lock()

    def write(part: tuple[int, int]) -> int:
        lo, hi = part
        # Plain psycopg, one transaction a chunk: the call is one statement that runs for seconds.
        try:
            with psycopg.connect(services.database_url) as conn:
                n = conn.execute(
                    "SELECT demo_book_chunk(%s, %s, %s, %s, %s, %s)", (lo, hi, now, owners, plaintiff_ids, first)
                ).fetchone()[0]  # type: ignore[index]
        except psycopg.Error as exc:
            refusal = fastpath.domain_error(exc)
            if refusal is not None:
                raise refusal from None
            raise
        with lock:
            say(f"cases {lo}-{hi}")
        return int(n)

    with ThreadPoolExecutor(WORKERS) as pool:
        written = sum(pool.map(write, todo))
    with rpc.transaction(services.engine) as conn:
        conn.execute(text("SELECT demo_book_finish(:first, :cases)"), {"first": first, "cases": cases})
    _analyze(services)
    counts = {"create": written}
    with rpc.transaction(services.engine) as conn:
        counts["payment"] = _payments(conn, cases, first, now, owners)
        say(f"payments: {counts['payment']}")
        if documents:
            counts["document"] = _documents(services, conn, cases, first, now, owners)
            say(f"documents: {counts['document']}")
        rpc.set_clock(conn, None)
        night_rules(conn)
        grant_team(conn)
    _analyze(services)
    return counts


def _analyze(services: Services) -> None:
    """Statistics for the book's size, so the sanctioned functions' plans read it by index."""
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _payments(conn: Any, cases: int, first: int, now: datetime, owners: list[str]) -> int:
    """One case in twenty of those in recovery (i % 10 in 7, 8) paid something, days ago."""
    rows = [
        dict(
            at=now,
            case_ref=f"DF-{first + i - 1}",
            amount=f"{100 + i % 400}.00",
            kind="direct",
            idempotency_key=f"demo-bulk-{i}",
            actor=owners[i % len(owners)],
            received_on=(now - timedelta(days=1 + i % 60)).date(),
        )
        for i in range(1, cases + 1)
        if i % 100 in (7, 8, 17, 18, 27)
    ]
    run_phase(conn, "payment", rows)
    return len(rows)


def _documents(services: Services, conn: Any, cases: int, first: int, now: datetime, owners: list[str]) -> int:
    """A stored search report on one case in a hundred, attached through the sanctioned function."""

    def store(i: int) -> dict[str, Any]:
        return stored_pdf(
            services,
            at=now,
            case_ref=f"DF-{first + i - 1}",
            kind="search_report",
            uploader=owners[i % len(owners)],
            what="asset search report",
            name="search",
        )

    with ThreadPoolExecutor(8) as pool:
        docs = list(pool.map(store, [i for i in range(1, cases + 1) if i % 100 == 41]))
    run_phase(conn, "document", docs)
    return len(docs)
