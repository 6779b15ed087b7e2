"""Helpers shared by the engine tests (no tests here): calls in their own transaction with an
optional controlled clock, and a snapshot of the whole database to prove a refusal changed
nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from dragonfly import rpc
from tests.conftest import judgment

TABLES_SQL = text(
    "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
)
HEADS_SQL = text(
    "SELECT DISTINCT ON (case_id) case_id, seq, hash FROM enforcement_events"
    " ORDER BY case_id, seq DESC"
)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Row count and content digest of every table, plus each case's last event hash."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name in conn.execute(TABLES_SQL).scalars():
            out[name] = tuple(
                conn.execute(
                    text(
                        "SELECT count(*),"
                        " md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                        f' FROM "{name}" t'
                    )
                ).one()
            )
        out["_event_heads"] = {r.case_id: (r.seq, r.hash) for r in conn.execute(HEADS_SQL)}
    return out


@contextmanager
def refused(engine: Engine, exc: type[BaseException], match: str | None = None) -> Iterator[Any]:
    """Expect the block to raise `exc` and leave every table and every event chain unchanged."""
    before = snapshot(engine)
    with pytest.raises(exc, match=match) as info:
        yield info
    after = snapshot(engine)
    changed = {k for k in before if before[k] != after.get(k)}
    assert not changed, f"a refusal changed {sorted(changed)}"


def run(
    engine: Engine, fn: Callable[..., Any], *, clock: datetime | None = None, **kwargs: Any
) -> Any:
    """Call one rpc function in its own transaction, optionally at a controlled time."""
    with rpc.transaction(engine) as conn:
        if clock is not None:
            rpc.set_clock(conn, clock)
        return fn(conn, **kwargs)


def new_case(engine: Engine, *, clock: datetime | None = None, **overrides: Any) -> str:
    """A new case through create_enforcement_case; returns its case_ref."""
    return str(
        run(engine, rpc.create_enforcement_case, clock=clock, **judgment(**overrides))["case_ref"]
    )


def pay(
    engine: Engine, ref: str, amount: str, on: date, key: str | None = None, kind: str = "direct", **kw: Any
) -> Any:
    """Record a payment through the sanctioned function (one transaction)."""
    return run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=Decimal(amount),
        kind=kind,
        idempotency_key=key or f"{ref}-{amount}-{on}",
        received_on=on,
        actor="U0ALICE",
        **kw,
    )


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def row(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def execute(engine: Engine, sql: str, **params: Any) -> None:
    """Operator-side SQL (policy changes, fixtures the functions cannot make)."""
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def case_row(engine: Engine, case_ref: str) -> Any:
    return row(engine, "SELECT * FROM enforcement_cases WHERE case_ref = :r", r=case_ref)


def event_kinds(engine: Engine, case_ref: str) -> list[str]:
    return [
        r.kind
        for r in rows(
            engine,
            "SELECT e.kind::text AS kind FROM enforcement_events e"
            " JOIN enforcement_cases c ON c.id = e.case_id"
            " WHERE c.case_ref = :r ORDER BY e.seq",
            r=case_ref,
        )
    ]


def last_event(engine: Engine, case_ref: str) -> Any:
    return row(
        engine,
        "SELECT e.* , e.kind::text AS kind_text FROM enforcement_events e"
        " JOIN enforcement_cases c ON c.id = e.case_id WHERE c.case_ref = :r"
        " ORDER BY e.seq DESC LIMIT 1",
        r=case_ref,
    )


def add_document(
    engine: Engine,
    case_ref: str,
    kind: str,
    *,
    seed: str | None = None,
    uploader: str = "U0OFFICER",
) -> int:
    """A stored document on the case (the storage itself is not part of these tests)."""
    import hashlib

    seed = seed or f"{case_ref}-{kind}"
    sha = hashlib.sha256(seed.encode()).hexdigest()
    result = run(
        engine,
        rpc.attach_enforcement_document,
        case_ref=case_ref,
        kind=kind,
        storage_key=f"cases/{case_ref}/{sha}",
        sha256=sha,
        size_bytes=1234,
        content_type="application/pdf",
        original_name=f"{kind}.pdf",
        uploader=uploader,
    )
    return int(result["document_id"])
