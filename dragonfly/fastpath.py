"""The Slack request path's own way to the database (issue 15): plain psycopg connections from a
psycopg_pool, in autocommit, with every statement prepared on first use, so a request is one
round trip of one prepared statement. SQLAlchemy stays the way for everything else; this module
holds only the hot calls (the role of a person, the case card, a typed command's write).

Why not the engine: each checkout pings the server (pool_pre_ping), a transaction is BEGIN and
COMMIT round trips of its own, and SQLAlchemy's statement and result layers cost more CPU than
the query on a two-core machine. A dead connection is found when it is used instead of pinged:
the pool drops it and the call is tried once more on a fresh one (safe for the write, whose
request key makes a repeat record nothing: sql/0110_slack_one_statement.sql).

One pool per engine, made on first use, closed when the engine is disposed (Services.close).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool
from sqlalchemy import Engine, event

from dragonfly.errors import DomainError, from_sqlstate

T = TypeVar("T")
_pools: dict[int, ConnectionPool] = {}
_lock = threading.Lock()


def _configure(conn: psycopg.Connection) -> None:
    conn.autocommit = True
    conn.prepare_threshold = 0  # prepared on first use: the plan is kept on the connection


def pool(engine: Engine, url: str, *, size: int | None = None) -> ConnectionPool:
    """This engine's pool (as many connections at most as the engine's own pool)."""
    found = _pools.get(id(engine))
    if found is not None:
        return found
    with _lock:
        found = _pools.get(id(engine))
        if found is None:
            max_size = size or max(2, engine.pool.size())  # type: ignore[attr-defined]
            found = ConnectionPool(
                url, min_size=1, max_size=max_size, configure=_configure, open=True, timeout=10.0,
                name="dragonfly-fastpath",
            )
            _pools[id(engine)] = found

            def closed(*_: Any) -> None:
                gone = _pools.pop(id(engine), None)
                if gone is not None:
                    gone.close()

            if not event.contains(engine, "engine_disposed", closed):
                event.listen(engine, "engine_disposed", closed)
        return found


def domain_error(exc: psycopg.Error) -> DomainError | None:
    """The refusal behind a database error (as dragonfly.rpc.translate, for plain psycopg)."""
    diag = exc.diag
    return from_sqlstate(exc.sqlstate, diag.message_primary or str(exc), diag.message_hint)


def run(p: ConnectionPool, work: Callable[[psycopg.Connection], T]) -> T:
    """`work` on a pooled connection; a refusal comes back as its DomainError, and a connection
    that turns out to be dead is replaced once (a restarted server costs a retry, not an error)."""
    for attempt in (1, 2):
        broken: list[psycopg.Connection] = []
        try:
            with p.connection() as conn:
                broken[:] = [conn]
                return work(conn)
        except psycopg.Error as exc:
            domain = domain_error(exc)
            if domain is not None:
                raise domain from None
            # Only a connection that died (server restarted, network cut) is worth a second try;
            # the pool has already thrown it away.
            if attempt == 2 or not isinstance(exc, psycopg.OperationalError) or not broken or not broken[0].closed:
                raise
    raise AssertionError("unreachable")


def one(p: ConnectionPool, sql: str, params: Any = None) -> dict[str, Any] | None:
    """The first row of a read, as a dict (None: no row)."""

    def work(conn: psycopg.Connection) -> dict[str, Any] | None:
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql, params).fetchone()  # type: ignore[arg-type]

    return run(p, work)


def scalar(p: ConnectionPool, sql: str, params: Any = None) -> Any:
    """The first column of the first row of one statement (None: no row)."""

    def work(conn: psycopg.Connection) -> Any:
        row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None

    return run(p, work)


def jsonb(value: Any) -> Jsonb:
    return Jsonb(value)
